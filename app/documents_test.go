package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"kluis/internal/atomicfile"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/vault"
)

// openDocuments shows the documents page of an unlocked vault.
func openDocuments(t *testing.T, u *UI) *documentsPage {
	t.Helper()
	u.shell.select_("documents")
	p, ok := u.shell.current.(*documentsPage)
	if !ok {
		t.Fatalf("documents page not shown (current page %T)", u.shell.current)
	}
	return p
}

func writeTestFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// visibleSelect is the first Select on screen, dialogs included.
func visibleSelect(t *testing.T, w fyne.Window) *widget.Select {
	t.Helper()
	var found *widget.Select
	walk(w, func(o fyne.CanvasObject) {
		if s, ok := o.(*widget.Select); ok && found == nil {
			found = s
		}
	})
	if found == nil {
		t.Fatal("no choice list on screen")
	}
	return found
}

func TestDocumentAddLinkAndSaveCopy(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	if _, err := u.vault().Add("income", map[string]string{"source": "Bakkerij Jansen", "amount": "1200,00"}); err != nil {
		t.Fatal(err)
	}
	p := openDocuments(t, u)
	mustSee(t, w, "Er staan nog geen documenten")

	data := randomBytes(t, 3*vault.ChunkSize+123)
	src := writeTestFile(t, "loonstrook maart.pdf", data)
	p.onFilesChosen([]string{src})
	mustSee(t, w, "U voegt dit bestand toe: loonstrook maart.pdf")
	sel := visibleSelect(t, w)
	if sel.Selected != "Nergens bij" {
		t.Errorf("link preselected %q, want none", sel.Selected)
	}
	sel.SetSelected("Inkomen: Bakkerij Jansen")
	tap(t, w, "Toevoegen")

	mustSee(t, w, "loonstrook maart.pdf")
	mustSee(t, w, "hoort bij Inkomen: Bakkerij Jansen")
	mustSee(t, w, "769 KB")
	if len(p.docs) != 1 || p.docs[0].Record == "" {
		t.Fatalf("documents after add: %+v", p.docs)
	}

	if button(t, w, "Kopie opslaan").Disabled() == false {
		t.Error("Save a copy is enabled with nothing selected")
	}
	p.list.Select(0)
	if button(t, w, "Kopie opslaan").Disabled() {
		t.Fatal("Save a copy stays disabled after selecting")
	}
	if !button(t, w, "Bekijken").Disabled() {
		t.Error("a PDF can be viewed as a picture")
	}
	out := filepath.Join(t.TempDir(), "kopie.pdf")
	u.saveDocumentCopy(p.docs[0], out, nil)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("saved copy differs: %d bytes, want %d", len(got), len(data))
	}
	mustSee(t, w, "Kopie opgeslagen")
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*part")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	events, _ := u.vault().Log()
	if last := events[len(events)-1]; last.Action != vault.ActionDocumentExported || last.Subject != p.docs[0].ID {
		t.Errorf("last log entry %s %s, want the export", last.Action, last.Subject)
	}
}

func TestSaveCopyFailureLeavesNothing(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openDocuments(t, u)
	u.addDocuments([]string{writeTestFile(t, "a.txt", []byte("hallo"))}, "", nil)
	p.reload()
	// The save dialog creates the file empty before Kluis writes it.
	dir := filepath.Join(t.TempDir(), "weg")
	os.Mkdir(dir, 0o700)
	out := filepath.Join(dir, "a.txt")
	os.WriteFile(out, nil, 0o600)
	os.Chmod(dir, 0o500) // no temporary file can be made
	defer os.Chmod(dir, 0o700)
	if os.Getuid() == 0 {
		t.Skip("root can write anywhere")
	}
	u.saveDocumentCopy(p.docs[0], out, nil)
	mustSee(t, w, "Dat lukte niet")
}

func TestCancelBigAddLeavesNoDocument(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	v := u.vault()
	big := writeTestFile(t, "groot.bin", randomBytes(t, 40*vault.ChunkSize))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reports []float64
	added, err := addFiles(ctx, v, []string{big}, "", func(f float64) {
		reports = append(reports, f)
		cancel() // the Stop button
	})
	if !isCanceled(err) || added != 0 {
		t.Fatalf("added %d, err %v; want 0 and canceled", added, err)
	}
	if len(reports) == 0 || reports[0] <= 0 || reports[0] >= 1 {
		t.Errorf("progress before the stop: %v", reports)
	}
	docs, _ := v.Documents(false)
	if len(docs) != 0 {
		t.Fatalf("%d documents after cancel", len(docs))
	}
	if bin, _ := v.Documents(true); len(bin) != 0 {
		t.Fatalf("%d documents in the bin after cancel", len(bin))
	}
}

func TestAddProgressCountsAllFiles(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	a := writeTestFile(t, "a.bin", randomBytes(t, 20*vault.ChunkSize))
	b := writeTestFile(t, "b.bin", randomBytes(t, 20*vault.ChunkSize))
	var reports []float64
	added, err := addFiles(context.Background(), u.vault(), []string{a, b}, "", func(f float64) { reports = append(reports, f) })
	if err != nil || added != 2 {
		t.Fatalf("added %d, err %v", added, err)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i] < reports[i-1] {
			t.Fatalf("progress went back: %v", reports)
		}
	}
	if last := reports[len(reports)-1]; last != 1 {
		t.Errorf("last progress %v, want 1", last)
	}
}

func TestAddFolderIsRefused(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	openDocuments(t, u)
	u.addDocuments([]string{t.TempDir()}, "", nil)
	mustSee(t, w, "Een map kan niet worden toegevoegd")
}

func TestImagePreviewShowsImage(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.RGBA{200, 0, 0, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	p := openDocuments(t, u)
	u.addDocuments([]string{writeTestFile(t, "brief.png", b.Bytes())}, "", nil)
	p.reload()
	p.list.Select(0)
	tap(t, w, "Bekijken")

	var shown *canvas.Image
	walk(w, func(o fyne.CanvasObject) {
		if c, ok := o.(*canvas.Image); ok && c.Image != nil {
			shown = c
		}
	})
	if shown == nil {
		t.Fatal("no image on screen after Bekijken")
	}
	if s := shown.Image.Bounds().Size(); s.X != 40 || s.Y != 30 {
		t.Errorf("preview is %v, want 40×30", s)
	}
	mustSee(t, w, "brief.png")
	tap(t, w, "Sluiten")
}

func TestPreviewOfUnreadablePicture(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openDocuments(t, u)
	u.addDocuments([]string{writeTestFile(t, "kapot.png", []byte("geen plaatje"))}, "", nil)
	p.reload()
	p.list.Select(0)
	tap(t, w, "Bekijken")
	mustSee(t, w, "kan dit soort plaatje niet laten zien")
}

func TestDeleteDocumentGoesToBin(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openDocuments(t, u)
	u.addDocuments([]string{writeTestFile(t, "oud.txt", []byte("oude brief"))}, "", nil)
	p.reload()
	p.list.Select(0)
	tap(t, w, "Verwijderen")
	mustSee(t, w, "Wilt u oud.txt naar de prullenbak verplaatsen?")
	tap(t, w, "Ja")
	if docs, _ := u.vault().Documents(false); len(docs) != 0 {
		t.Fatalf("%d documents left", len(docs))
	}
	if bin, _ := u.vault().Documents(true); len(bin) != 1 {
		t.Fatalf("%d documents in the bin, want 1", len(bin))
	}
	mustSee(t, w, "Er staan nog geen documenten")
}

func TestDropAddsDocuments(t *testing.T) {
	u, w := newTestUI(t)
	// Before the vault is open a drop does nothing.
	u.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(writeTestFile(t, "x.txt", []byte("x")))})
	createVault(t, u, w, "molen sneeuw thee herfst")
	a := writeTestFile(t, "een.txt", []byte("een"))
	b := writeTestFile(t, "twee.txt", []byte("twee"))
	u.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(a), storage.NewFileURI(b)})
	if _, ok := u.shell.current.(*documentsPage); !ok {
		t.Fatalf("drop did not open the documents page (%T)", u.shell.current)
	}
	mustSee(t, w, "U voegt 2 bestanden toe.")
	tap(t, w, "Toevoegen")
	mustSee(t, w, "een.txt")
	mustSee(t, w, "twee.txt")
	if docs, _ := u.vault().Documents(false); len(docs) != 2 {
		t.Fatalf("%d documents after the drop, want 2", len(docs))
	}
}

func TestFormatSize(t *testing.T) {
	for _, c := range []struct {
		n      int64
		nl, en string
	}{
		{0, "0 KB", "0 KB"},
		{1, "1 KB", "1 KB"},
		{1024, "1 KB", "1 KB"},
		{340 << 10, "340 KB", "340 KB"},
		{1258291, "1,2 MB", "1.2 MB"},
		{3 << 30, "3,0 GB", "3.0 GB"},
	} {
		if got := formatSize(c.n, "nl"); got != c.nl {
			t.Errorf("formatSize(%d, nl) = %q, want %q", c.n, got, c.nl)
		}
		if got := formatSize(c.n, "en"); got != c.en {
			t.Errorf("formatSize(%d, en) = %q, want %q", c.n, got, c.en)
		}
	}
}

// TestDemoVaultFromWelcome opens the example vault from the first screen
// and finds its records and documents.
func TestDemoVaultFromWelcome(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Probeer het met voorbeeldgegevens")
	if u.vault() == nil || !u.session.demo {
		t.Fatalf("the example vault is not open; screen:\n%v", texts(w))
	}
	mustSee(t, w, "voorbeeldkluis")
	mustSee(t, w, "Inkomen (4)")
	mustSee(t, w, "Schulden (3)")
	mustSee(t, w, "Huishouden (3)")
	openDocuments(t, u)
	mustSee(t, w, "loonstrook-oktober-2026.pdf")
	mustSee(t, w, "hoort bij Schulden: CJIB")
	test.Tap(button(t, w, "Vergrendelen"))
	mustSee(t, w, "voorbeeld kluis 2026")
}

// TestWriteFileSafely checks the save path every export uses: a failed
// write leaves neither a temporary file nor the empty file the save dialog
// made, and a save removes the temporary file an interrupted save left.
func TestWriteFileSafely(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "export.pdf")
	os.WriteFile(path, nil, 0o600) // what the save dialog leaves
	boom := os.ErrDeadlineExceeded
	if err := writeFileSafely(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 1<<20))
		return boom
	}); err != boom {
		t.Fatalf("writeFileSafely = %v, want the write's error", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed save left %v", entries)
	}
	stale := atomicfile.TempName(path, goneProcess(t), 123)
	os.WriteFile(stale, []byte("plaintext"), 0o600)
	if err := writeFileSafely(path, func(w io.Writer) error { _, err := w.Write([]byte("%PDF")); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "%PDF" {
		t.Errorf("saved %q", b)
	}
	if _, err := os.Lstat(stale); err == nil {
		t.Error("the interrupted save's temporary file is still there")
	}
}

// goneProcess returns the pid of a process of this computer that has
// ended: what a killed run leaves its temporary files to.
func goneProcess(t *testing.T) int {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// TestDemoVaultIsNoDeadEnd: once the example vault is locked, its unlock
// screen leads back to the start, where the person makes their own vault;
// it offers no "forgotten passphrase", since the example has no recovery
// key (its passphrase is on the screen). The main window leads back too.
func TestDemoVaultIsNoDeadEnd(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Probeer het met voorbeeldgegevens")
	tap(t, w, "Vergrendelen")
	mustSee(t, w, "Voorbeeldkluis")
	mustNotSee(t, w, "Wachtwoord vergeten?")
	tap(t, w, "Terug naar het begin")
	if u.session != nil {
		t.Fatal("the example vault is still open after going back to the start")
	}
	mustSee(t, w, "Welkom bij Kluis")
	createVault(t, u, w, testPass)
	if u.session == nil || u.session.demo || u.shell == nil {
		t.Fatal("no own vault made after leaving the example")
	}
	if _, err := os.Stat(u.deps.VaultPath); err != nil {
		t.Fatalf("own vault not written: %v", err)
	}
	// The own vault's unlock screen still offers the recovery key.
	tap(t, w, "Vergrendelen")
	mustSee(t, w, "Wachtwoord vergeten?")
	mustNotSee(t, w, "Terug naar het begin")

	// From the example's main window, without locking first.
	u2, w2 := newTestUI(t)
	tap(t, w2, "Probeer het met voorbeeldgegevens")
	mustSee(t, w2, "Inkomen (4)")
	tap(t, w2, "Voorbeeld sluiten")
	if u2.session != nil {
		t.Fatal("the example vault is still open after closing it")
	}
	mustSee(t, w2, "Nieuwe kluis maken")
}
