package app

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
)

// chooserAt opens a chooser and points it at dir.
func chooserAt(t *testing.T, u *UI, mode chooseMode, name, dir string) (*chooser, *string) {
	t.Helper()
	var got string
	c := u.newChooser(mode, "Kies", name, func(p string) { got = p })
	c.open(dir)
	return c, &got
}

func entryIndex(t *testing.T, c *chooser, name string) int {
	t.Helper()
	for i, e := range c.entries {
		if e.name == name {
			return i
		}
	}
	t.Fatalf("%q not listed in %s: %v", name, c.dir, c.entries)
	return -1
}

func TestChooserOpensFoldersAndFiles(t *testing.T) {
	u, w := newTestUI(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Brieven"), 0o700)
	os.WriteFile(filepath.Join(dir, "Brieven", "aanmaning.pdf"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "loonstrook.pdf"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, ".verborgen"), []byte("x"), 0o600)

	c, got := chooserAt(t, u, chooseOpen, "", dir)
	if len(c.entries) != 2 || !c.entries[0].dir {
		t.Fatalf("entries %v: want the folder first and no hidden files", c.entries)
	}
	if !c.ok.Disabled() {
		t.Fatal("Openen is possible before a file is chosen")
	}
	mustSee(t, w, "Uw eigen map")
	mustSee(t, w, "Hele computer")
	if screenHas(w, "Home") {
		t.Fatal("English place names in the chooser")
	}
	c.list.Select(entryIndex(t, c, "Brieven"))
	if c.dir != filepath.Join(dir, "Brieven") {
		t.Fatalf("selecting a folder did not open it: %s", c.dir)
	}
	c.list.Select(entryIndex(t, c, "aanmaning.pdf"))
	test.Tap(c.ok)
	if *got != filepath.Join(dir, "Brieven", "aanmaning.pdf") {
		t.Fatalf("chosen %q", *got)
	}
}

func TestChooserSaveAsksBeforeReplacing(t *testing.T) {
	u, w := newTestUI(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kluis.backup"), []byte("old"), 0o600)
	c, got := chooserAt(t, u, chooseSave, "nieuw.backup", dir)
	test.Tap(c.ok)
	if *got != filepath.Join(dir, "nieuw.backup") {
		t.Fatalf("chosen %q", *got)
	}
	c, got = chooserAt(t, u, chooseSave, "kluis.backup", dir)
	test.Tap(c.ok)
	if *got != "" {
		t.Fatal("an existing file was chosen without asking")
	}
	mustSee(t, w, "Wilt u het vervangen?")
	tap(t, w, "Ja")
	if *got != filepath.Join(dir, "kluis.backup") {
		t.Fatalf("chosen %q after confirming", *got)
	}
	c, got = chooserAt(t, u, chooseSave, "", dir)
	test.Tap(c.ok)
	if *got != "" {
		t.Fatal("an empty name was accepted")
	}
}

func TestChooserFolderModeListsFoldersOnly(t *testing.T) {
	u, _ := newTestUI(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Sync"), 0o700)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("x"), 0o600)
	c, got := chooserAt(t, u, chooseFolder, "", dir)
	if len(c.entries) != 1 || c.entries[0].name != "Sync" {
		t.Fatalf("entries %v", c.entries)
	}
	c.list.Select(0)
	test.Tap(c.ok)
	if *got != filepath.Join(dir, "Sync") {
		t.Fatalf("chosen %q", *got)
	}
}
