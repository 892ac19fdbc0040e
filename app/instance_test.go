package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/internal/instance"
	"kluis/sync/bundle"
	"kluis/sync/request"
)

// focusRecorder is a window that counts being brought to the front.
type focusRecorder struct {
	fyne.Window
	shown, focused int
}

func (w *focusRecorder) Show()         { w.shown++; w.Window.Show() }
func (w *focusRecorder) RequestFocus() { w.focused++; w.Window.RequestFocus() }

// newFocusUI is newTestUI with a window that records Show and RequestFocus.
func newFocusUI(t *testing.T) (*UI, *focusRecorder) {
	t.Helper()
	a := &quitRecorder{App: test.NewTempApp(t)}
	w := &focusRecorder{Window: a.NewWindow("Kluis")}
	w.Resize(fyne.NewSize(1100, 720))
	u := newUI(a, w, Deps{VaultPath: filepath.Join(t.TempDir(), "vault.kluis")}, true)
	t.Cleanup(func() {
		u.closeSession()
		w.Close()
	})
	return u, w
}

// handOver takes arg the way a second start of Kluis does, through a real
// socket (internal/instance), and returns what the running app received.
func handOver(t *testing.T, arg string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "run", "kluis-test.sock")
	l, handed, err := instance.Claim(sock, "")
	if err != nil || handed {
		t.Fatalf("first start: handed %v, error %v", handed, err)
	}
	got := make(chan string, 1)
	go l.Serve(func(msg string) { got <- msg })
	defer l.Close()
	if _, handed, err := instance.Claim(sock, OpenArg(arg)); err != nil || !handed {
		t.Fatalf("second start: handed %v, error %v", handed, err)
	}
	select {
	case msg := <-got:
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived")
		return ""
	}
}

// TestHandedOverLinkWhileUnlocked: a kluis: link clicked while Kluis is
// open and unlocked brings the window forward and opens the request.
func TestHandedOverLinkWhileUnlocked(t *testing.T) {
	u, w := newFocusUI(t)
	createVault(t, u, w, testPass)
	now := u.deps.Now()
	org, err := bundle.GenerateOrgIdentity("Gemeente Teststad", "00000001234567890000", []string{"Schuldhulpverlening"}, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := share.RememberCard(u.vault(), org.CardFile()); err != nil {
		t.Fatal(err)
	}
	link := request.Link(requestFrom(t, org, now.Add(-time.Hour), now.Add(14*24*time.Hour), "income,costs"))
	shown, focused := w.shown, w.focused

	arg := handOver(t, link)
	if arg != link {
		t.Fatalf("received %.60q, want the link", arg)
	}
	u.Receive(arg) // the test driver runs onUI inline
	if w.shown != shown+1 || w.focused != focused+1 {
		t.Fatalf("window shown %d and focused %d times, want once each", w.shown-shown, w.focused-focused)
	}
	currentConsent(t, u)
	mustSee(t, w, "Verzoek van Gemeente Teststad")
	if u.deps.Open != "" {
		t.Fatalf("still waiting after it was shown: %q", u.deps.Open)
	}
}

// TestHandedOverFileWhileLocked: an invitation file opened while Kluis is
// locked, from another folder, is promised on the unlock screen and shown
// after unlocking, once.
func TestHandedOverFileWhileLocked(t *testing.T) {
	u, w := newFocusUI(t)
	createVault(t, u, w, testPass)
	tap(t, w, "Vergrendelen")
	if screenHas(w, "U hebt een link of bestand") {
		t.Fatal("the unlock screen promises something while nothing waits")
	}

	_, file := makeIndex(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jongerenindex.kluis-index"), file, 0o600); err != nil {
		t.Fatal(err)
	}
	// The second start runs in the file's folder with a relative name; the
	// running app has a working directory of its own.
	t.Chdir(dir)
	arg := handOver(t, "jongerenindex.kluis-index")
	if want := filepath.Join(dir, "jongerenindex.kluis-index"); arg != want {
		t.Fatalf("received %q, want the absolute path %q", arg, want)
	}
	t.Chdir(t.TempDir())

	u.Receive(arg)
	if w.focused == 0 {
		t.Fatal("the window was not brought forward")
	}
	mustSee(t, w, "Kluis openen")
	mustSee(t, w, "U hebt een link of bestand")
	if u.shell != nil {
		t.Fatal("a locked vault shows its main window")
	}

	test.Type(entries(w)[0], testPass)
	tap(t, w, "Openen")
	if _, ok := u.shell.current.(*donateScreen); !ok {
		t.Fatalf("the invitation was not opened after unlocking (%T)", u.shell.current)
	}
	mustSee(t, w, "Jongerenindex Zwolle")

	tap(t, w, "Vergrendelen")
	if screenHas(w, "U hebt een link of bestand") {
		t.Fatal("the unlock screen still promises what was shown")
	}
	test.Type(entries(w)[0], testPass)
	tap(t, w, "Openen")
	if _, ok := u.shell.current.(*donateScreen); ok {
		t.Fatal("the invitation was opened a second time")
	}
}

// TestHandedOverNothing: a second start without an argument only brings
// the window forward; the page the person was on stays.
func TestHandedOverNothing(t *testing.T) {
	u, w := newFocusUI(t)
	createVault(t, u, w, testPass)
	u.shell.select_("people")
	before := u.shell.current

	u.Receive(handOver(t, ""))
	if w.focused == 0 {
		t.Fatal("the window was not brought forward")
	}
	if u.shell.current != before {
		t.Fatalf("the page changed to %T", u.shell.current)
	}
}

// TestHandedOverDuringRecoveryKey: what arrives while a new vault shows its
// recovery key waits until the person is done with it.
func TestHandedOverDuringRecoveryKey(t *testing.T) {
	u, w := newFocusUI(t)
	_, file := makeIndex(t)
	path := filepath.Join(t.TempDir(), "jongerenindex.kluis-index")
	os.WriteFile(path, file, 0o600)

	tap(t, w, "Nieuwe kluis maken")
	e := entries(w)
	test.Type(e[0], testName)
	test.Type(e[1], testPass)
	test.Type(e[2], testPass)
	tap(t, w, "Kluis maken")
	mustSee(t, w, "Uw herstelsleutel")
	u.Receive(path)
	mustSee(t, w, "Uw herstelsleutel")
	if u.deps.Open != path {
		t.Fatalf("waiting %q, want %q", u.deps.Open, path)
	}
	var key string
	walk(w, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.TextStyle.Monospace {
			key = strings.Join(strings.Fields(l.Text), "")
		}
	})
	test.Type(entries(w)[0], lastBlock(key))
	tap(t, w, "Ik heb de sleutel bewaard")
	if _, ok := u.shell.current.(*donateScreen); !ok {
		t.Fatalf("the invitation was not opened after the recovery key (%T)", u.shell.current)
	}
}

func TestOpenArg(t *testing.T) {
	wd, _ := os.Getwd()
	for in, want := range map[string]string{
		"":                       "",
		"  ":                     "",
		"kluis:request/v1/ABC":   "kluis:request/v1/ABC",
		" kluis:index/v1/ABC\n":  "kluis:index/v1/ABC",
		"/tmp/a.kluis-request":   "/tmp/a.kluis-request",
		"b.kluis-receipt":        filepath.Join(wd, "b.kluis-receipt"),
		"../c/d.kluis-index":     filepath.Join(filepath.Dir(wd), "c", "d.kluis-index"),
		"./e f.kluis-request":    filepath.Join(wd, "e f.kluis-request"),
		"/x/../y.kluis-request":  "/x/../y.kluis-request",
		"kluis:bundle/v1/ABCDEF": "kluis:bundle/v1/ABCDEF",
	} {
		if got := OpenArg(in); got != want {
			t.Errorf("OpenArg(%q) = %q, want %q", in, got, want)
		}
	}
}
