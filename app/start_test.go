package app

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStartWithAFolderForAVault: when the vault's place holds a folder,
// the start screen says so, with no talk of damage or restoring a backup;
// a file that is no vault at all is not called a damaged vault file either.
func TestStartWithAFolderForAVault(t *testing.T) {
	folder := filepath.Join(t.TempDir(), "vault.kluis")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	_, w := newTestUIAt(t, folder)
	mustSee(t, w, folder+" is een map, geen kluisbestand.")
	mustNotSee(t, w, "beschadigd")
	mustNotSee(t, w, "back-up")

	other := filepath.Join(t.TempDir(), "vault.kluis")
	os.WriteFile(other, []byte("Boodschappen: melk, brood.\n"), 0o600)
	_, w = newTestUIAt(t, other)
	mustSee(t, w, "Dit bestand is geen kluis van Kluis")
	mustNotSee(t, w, "(the file")
}
