package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/vault"
)

// TestMain pins the locale to Dutch, the language Kluis's users see by
// default, whatever the machine running the tests uses. Fyne reads it from
// the environment when translations are loaded.
func TestMain(m *testing.M) {
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES"} {
		os.Unsetenv(v)
	}
	os.Setenv("LANG", "nl_NL.UTF-8")
	os.Exit(m.Run())
}

// quitRecorder is a test app that counts calls to Quit, which the test
// driver otherwise ignores.
type quitRecorder struct {
	fyne.App
	quits int
}

func (q *quitRecorder) Quit() { q.quits++ }

// newTestUI builds the UI on Fyne's test driver with a fresh vault path.
// Background work runs inline, so whatever a tap starts has finished when
// the tap returns.
func newTestUI(t *testing.T) (*UI, fyne.Window) {
	t.Helper()
	return newTestUIAt(t, filepath.Join(t.TempDir(), "vault.kluis"))
}

func newTestUIAt(t *testing.T, path string) (*UI, fyne.Window) {
	t.Helper()
	a := &quitRecorder{App: test.NewTempApp(t)}
	w := a.NewWindow("Kluis")
	w.Resize(fyne.NewSize(1100, 720))
	u := newUI(a, w, Deps{VaultPath: path}, true)
	t.Cleanup(func() {
		u.closeSession()
		w.Close()
	})
	return u, w
}

// walk visits every object shown in the window, overlays (dialogs)
// included.
func walk(w fyne.Window, visit func(fyne.CanvasObject)) {
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		visit(o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				rec(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(x)
			for _, c := range r.Objects() {
				rec(c)
			}
		}
	}
	rec(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		rec(o)
	}
}

// texts is every text on screen: labels, buttons, plain text, entries.
func texts(w fyne.Window) []string {
	var out []string
	walk(w, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		case *widget.Check:
			out = append(out, x.Text)
		}
	})
	return out
}

func screenHas(w fyne.Window, sub string) bool {
	for _, s := range texts(w) {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func mustSee(t *testing.T, w fyne.Window, sub string) {
	t.Helper()
	if !screenHas(w, sub) {
		t.Fatalf("%q is not on screen; it shows:\n%s", sub, strings.Join(texts(w), "\n"))
	}
}

// button finds the visible button with exactly this text.
func button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(w, func(o fyne.CanvasObject) {
		if b := asButton(o); b != nil && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q; on screen:\n%s", text, strings.Join(texts(w), "\n"))
	}
	return found
}

// asButton is o as a button: a widget.Button, or the one inside a
// keyButton.
func asButton(o fyne.CanvasObject) *widget.Button {
	switch b := o.(type) {
	case *widget.Button:
		return b
	case *keyButton:
		return &b.Button
	}
	return nil
}

func tap(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	test.Tap(button(t, w, text))
}

// entries returns the visible entries in screen order.
func entries(w fyne.Window) []*widget.Entry {
	var out []*widget.Entry
	walk(w, func(o fyne.CanvasObject) {
		switch e := o.(type) {
		case *widget.Entry:
			out = append(out, e)
		case *keyEntry:
			out = append(out, &e.Entry)
		}
	})
	return out
}

// createVault goes through the create screens and returns the recovery key.
func createVault(t *testing.T, u *UI, w fyne.Window, pass string) string {
	t.Helper()
	tap(t, w, "Nieuwe kluis maken")
	e := entries(w)
	if len(e) != 3 {
		t.Fatalf("create screen has %d entries, want 3", len(e))
	}
	test.Type(e[0], testName)
	test.Type(e[1], pass)
	test.Type(e[2], pass)
	tap(t, w, "Kluis maken")
	mustSee(t, w, "Uw herstelsleutel")
	if u.session == nil || u.session.v.Locked() {
		t.Fatal("no unlocked vault after create")
	}
	var key string
	walk(w, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.TextStyle.Monospace {
			key = strings.Join(strings.Fields(l.Text), "")
		}
	})
	if !strings.HasPrefix(key, "AGE-SECRET-KEY-1") {
		t.Fatalf("recovery key not shown (got %q)", key)
	}
	test.Type(entries(w)[0], strings.ToLower(lastBlock(key)))
	tap(t, w, "Ik heb de sleutel bewaard")
	return key
}

func TestCreateVaultShowsRecoveryKeyAndMain(t *testing.T) {
	u, w := newTestUI(t)
	mustSee(t, w, "Welkom bij Kluis")
	createVault(t, u, w, "molen sneeuw thee herfst")
	if u.shell == nil {
		t.Fatal("main window not shown after the recovery key step")
	}
	mustSee(t, w, "Vergrendelen")
	mustSee(t, w, "Inkomen (0)")
}

func TestCreateRefusesShortOrDifferentPassphrases(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Nieuwe kluis maken")
	e := entries(w)[1:]
	test.Type(entries(w)[0], testName)
	test.Type(e[0], "kort")
	test.Type(e[1], "kort")
	tap(t, w, "Kluis maken")
	mustSee(t, w, "te kort")
	e[0].SetText("molen sneeuw thee herfst")
	e[1].SetText("fiets regen koffie winter")
	tap(t, w, "Kluis maken")
	mustSee(t, w, "niet hetzelfde")
	if u.session != nil {
		t.Fatal("a vault was made anyway")
	}
	if _, err := os.Stat(u.deps.VaultPath); err == nil {
		t.Fatal("a vault file was written anyway")
	}
}

// TestCreateRefusesExamplePassphrase types the example the create screen
// shows as its placeholder: anyone can read it, so it is refused with a
// clear message and never rated strong.
func TestCreateRefusesExamplePassphrase(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Nieuwe kluis maken")
	test.Type(entries(w)[0], testName)
	e := entries(w)[1:]
	hint := e[0].PlaceHolder
	example := strings.TrimSpace(hint[strings.Index(hint, ":")+1:])
	if example == "" {
		t.Fatalf("no example in placeholder %q", hint)
	}
	for _, typed := range []string{example, strings.ToUpper(example), "  " + strings.ReplaceAll(example, " ", ", ") + "!"} {
		e[0].SetText(typed)
		e[1].SetText(typed)
		if screenHas(w, "Sterk") {
			t.Errorf("%q rated strong", typed)
		}
		mustSee(t, w, "Voorbeeld: kies eigen woorden")
		tap(t, w, "Kluis maken")
		mustSee(t, w, "Dit is het voorbeeld van het scherm")
	}
	if u.session != nil {
		t.Fatal("a vault was made with the example passphrase")
	}
	for _, other := range examplePassphrases {
		if strength(other) != 0 {
			t.Errorf("example %q not refused", other)
		}
	}
	if strength("fiets regen koffie zomerfeest") == 0 {
		t.Error("a passphrase that only starts like the example is refused")
	}
}

// testName is the name createVault types on the create screen.
const testName = "Fatima Yilmaz"

// TestCreateAsksName: the create screen asks the name (required, one line
// of visible characters), the activity log says who did what by that name,
// and settings change it; "owner" is never shown.
func TestCreateAsksName(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Nieuwe kluis maken")
	e := entries(w)
	test.Type(e[1], testPass)
	test.Type(e[2], testPass)
	tap(t, w, "Kluis maken")
	mustSee(t, w, "Vul uw naam in.")
	e[0].SetText("Fa\u202etima")
	tap(t, w, "Kluis maken")
	mustSee(t, w, "zonder onzichtbare tekens")
	if u.session != nil {
		t.Fatal("a vault was made without a proper name")
	}
	u.showWelcome()
	createVault(t, u, w, testPass)
	if got := u.session.v.Author().Person; got != testName {
		t.Fatalf("owner's name = %q, want %q", got, testName)
	}
	u.shell.select_("activity")
	mustSee(t, w, "door "+testName)
	mustNotSee(t, w, "owner")

	u.shell.select_("settings")
	mustSee(t, w, "Uw naam: "+testName)
	tap(t, w, "Naam wijzigen")
	var nameEntry *widget.Entry
	for _, en := range entries(w) {
		if en.Text == testName {
			nameEntry = en
		}
	}
	if nameEntry == nil {
		t.Fatal("no name entry in the dialog")
	}
	nameEntry.SetText("Fatima\nYilmaz")
	tap(t, w, "Naam opslaan")
	mustSee(t, w, "op één regel")
	nameEntry.SetText("  Fatima Yilmaz-Bakker ")
	tap(t, w, "Naam opslaan")
	mustSee(t, w, "Uw naam: Fatima Yilmaz-Bakker")
	if got := u.session.v.Author().Person; got != "Fatima Yilmaz-Bakker" {
		t.Fatalf("name after change = %q", got)
	}
}

// TestUnnamedVaultNeverShowsOwner opens a vault made without a name (as
// older versions of the app and of kluisctl init made them): the app
// shows a neutral word, and asks the name before a share or the contact
// code would carry it.
func TestUnnamedVaultNeverShowsOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.kluis")
	v, _, err := vault.Create(path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	u, w := newTestUIAt(t, path)
	test.Type(entries(w)[0], testPass)
	tap(t, w, "Openen")
	if u.vault() == nil || u.shell == nil {
		t.Fatal("vault not opened")
	}
	u.shell.select_("activity")
	mustSee(t, w, "door u")
	mustNotSee(t, w, "owner")
	u.shell.select_("settings")
	mustSee(t, w, "U hebt nog geen naam ingevuld.")
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	mustSee(t, w, "Wat is uw naam?")
	if _, ok := u.shell.current.(*shareWizard); ok {
		t.Fatal("the share wizard opened without a name")
	}
	var nameEntry *widget.Entry
	for _, en := range entries(w) {
		if en.Text == "" {
			nameEntry = en
		}
	}
	nameEntry.SetText(testName)
	tap(t, w, "Naam opslaan")
	currentWizard(t, u)
	if !u.session.v.Named() || u.session.v.Author().Person != testName {
		t.Fatalf("name not stored: %q", u.session.v.Author().Person)
	}
}

func TestRecoveryKeyConfirmStep(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Nieuwe kluis maken")
	e := entries(w)
	test.Type(e[0], testName)
	test.Type(e[1], "molen sneeuw thee herfst")
	test.Type(e[2], "molen sneeuw thee herfst")
	tap(t, w, "Kluis maken")
	test.Type(entries(w)[0], "XXXXXX")
	tap(t, w, "Ik heb de sleutel bewaard")
	mustSee(t, w, "Dat klopt niet")
	if u.shell != nil {
		t.Fatal("went on without the right characters")
	}
}

func TestLockAndUnlock(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	tap(t, w, "Vergrendelen")
	if !u.session.v.Locked() {
		t.Fatal("not locked")
	}
	mustSee(t, w, "Kluis openen")
	test.Type(entries(w)[0], "verkeerd wachtwoord")
	tap(t, w, "Openen")
	mustSee(t, w, "wachtwoord klopt niet")
	if !u.session.v.Locked() {
		t.Fatal("a wrong passphrase unlocked the vault")
	}
	test.Type(entries(w)[0], "molen sneeuw thee herfst")
	tap(t, w, "Openen")
	if u.vault() == nil || u.shell == nil {
		t.Fatal("the right passphrase did not open the vault")
	}
}

func TestSecondInstanceGetsClearMessage(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	// A second window on the same file, as a second app instance would be.
	_, w2 := newTestUIAt(t, u.deps.VaultPath)
	mustSee(t, w2, "Kluis is al open")
	mustSee(t, w2, "Opnieuw proberen")
}

func TestForgottenPassphraseWithRecoveryKey(t *testing.T) {
	u, w := newTestUI(t)
	key := createVault(t, u, w, "molen sneeuw thee herfst")
	tap(t, w, "Vergrendelen")
	tap(t, w, "Wachtwoord vergeten?")
	e := entries(w)
	test.Type(e[0], vaultFormat(key))
	test.Type(e[1], "nieuwe zin voor de kluis")
	test.Type(e[2], "nieuwe zin voor de kluis")
	tap(t, w, "Nieuw wachtwoord instellen")
	if u.vault() == nil {
		t.Fatalf("recovery did not open the vault; screen: %v", texts(w))
	}
	tap(t, w, "Vergrendelen")
	test.Type(entries(w)[0], "nieuwe zin voor de kluis")
	tap(t, w, "Openen")
	if u.vault() == nil {
		t.Fatal("the new passphrase does not open the vault")
	}
}

func TestAutoLockAfterInactivity(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	now := u.session.now()
	u.session.now = func() time.Time { return now }
	u.checkAutoLock()
	if u.session.v.Locked() {
		t.Fatal("locked while active")
	}
	later := now.Add(6 * 60 * 1e9)
	u.session.now = func() time.Time { return later }
	u.checkAutoLock()
	if !u.session.v.Locked() {
		t.Fatal("not locked after six idle minutes")
	}
	mustSee(t, w, "Kluis openen")
}

func vaultFormat(key string) string { return strings.ToLower(key[:20]) + "  " + key[20:] }

func TestMemoryTrimOnlyAfterWorkAndQuiet(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	now := start
	s := newSession(nil, false, func() time.Time { return now })
	if s.dueForTrim() {
		t.Fatal("trim due the moment the session started")
	}
	now = now.Add(trimAfter)
	if !s.dueForTrim() {
		t.Fatal("no trim after unlocking and a quiet spell")
	}
	now = now.Add(time.Hour)
	if s.dueForTrim() {
		t.Fatal("trimmed again with nothing done since")
	}
	s.touch()
	now = now.Add(trimAfter - time.Second)
	if s.dueForTrim() {
		t.Fatal("trimmed while the app was still busy")
	}
	now = now.Add(time.Second)
	if !s.dueForTrim() {
		t.Fatal("no trim after new work and a quiet spell")
	}
}
