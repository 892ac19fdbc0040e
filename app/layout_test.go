package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/request"
)

// The window sizes Kluis must work at: a small laptop screen, and the
// smallest window people still use.
var (
	sizeWide  = fyne.NewSize(1280, 720)
	sizeSmall = fyne.NewSize(800, 600)
)

// layoutAt lays the window out at size, twice: texts that wrap and rows
// of buttons that flow onto a second line learn their height from the
// width they were given, as the desktop driver finds out on its next frame.
func layoutAt(w fyne.Window, size fyne.Size) {
	for range 2 {
		w.Resize(size.AddWidthHeight(1, 1))
		w.Resize(size)
	}
}

// rect is an area of the window, in its coordinates.
type rect struct{ x0, y0, x1, y1 float32 }

func (r rect) intersect(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) holds(o rect) bool {
	const slack = 0.5 // rounding in Fyne's layouts
	return o.x0 >= r.x0-slack && o.y0 >= r.y0-slack && o.x1 <= r.x1+slack && o.y1 <= r.y1+slack
}

func (r rect) String() string {
	return fmt.Sprintf("(%.0f,%.0f)-(%.0f,%.0f)", r.x0, r.y0, r.x1, r.y1)
}

// visibleArea is where target is on screen and the part of the window
// that is not cut off around it (by the window's edge and every scroll
// it sits in); ok is false when target is not shown at all.
func visibleArea(w fyne.Window, target fyne.CanvasObject) (where, view rect, ok bool) {
	c := w.Canvas()
	window := rect{0, 0, c.Size().Width, c.Size().Height}
	var rec func(o fyne.CanvasObject, at fyne.Position, clip rect) bool
	rec = func(o fyne.CanvasObject, at fyne.Position, clip rect) bool {
		if o == nil || !o.Visible() {
			return false
		}
		at = at.Add(o.Position())
		here := rect{at.X, at.Y, at.X + o.Size().Width, at.Y + o.Size().Height}
		if o == target {
			where, view, ok = here, clip, true
			return true
		}
		if _, scrolls := o.(*container.Scroll); scrolls {
			clip = clip.intersect(here)
		}
		var children []fyne.CanvasObject
		switch x := o.(type) {
		case *fyne.Container:
			children = x.Objects
		case fyne.Widget:
			children = test.WidgetRenderer(x).Objects()
		}
		for _, ch := range children {
			if rec(ch, at, clip) {
				return true
			}
		}
		return false
	}
	overlays := w.Canvas().Overlays().List()
	for i := len(overlays) - 1; i >= 0; i-- {
		if rec(overlays[i], fyne.Position{}, window) {
			return where, view, ok
		}
	}
	rec(c.Content(), fyne.Position{}, window)
	return where, view, ok
}

// mustShowWhole fails unless o is on screen from edge to edge, without
// scrolling.
func mustShowWhole(t *testing.T, w fyne.Window, o fyne.CanvasObject, what string) {
	t.Helper()
	where, view, ok := visibleArea(w, o)
	switch {
	case !ok:
		t.Errorf("%s is not on screen", what)
	case !view.holds(where):
		t.Errorf("%s is cut off or out of view at %v: it is at %s, the visible part there is %s",
			what, w.Canvas().Size(), where, view)
	}
}

// fitsIn checks what the window shows at size: the content (and each
// dialog) needs no more room than the window has — a window cannot get
// smaller than its content's minimum size, so anything larger is cut off
// or makes the window outgrow the screen — and each named button is in
// view whole, without scrolling.
func fitsIn(t *testing.T, w fyne.Window, size fyne.Size, screen string, buttons ...string) {
	t.Helper()
	pad := 2 * theme.Padding() // the window's own padding around the content
	// Laid out at its own minimum size (the smallest window, and what the
	// desktop driver may do before the first frame), a text that wraps
	// gets the least width and asks the most height: that must still fit,
	// or the window grows beyond the screen and stays so.
	squeezed := w.Content().MinSize().AddWidthHeight(pad, pad)
	w.Resize(squeezed)
	w.Resize(squeezed.AddWidthHeight(0, 1))
	if m := w.Content().MinSize(); m.Width+pad > size.Width || m.Height+pad > size.Height {
		t.Errorf("%s: at its smallest it needs %.0f×%.0f, more than a %.0f×%.0f window has", screen, m.Width+pad, m.Height+pad, size.Width, size.Height)
	}
	layoutAt(w, size)
	if m := w.Content().MinSize(); m.Width+pad > size.Width || m.Height+pad > size.Height {
		t.Errorf("%s: needs %.0f×%.0f, more than a %.0f×%.0f window has", screen, m.Width+pad, m.Height+pad, size.Width, size.Height)
	}
	for _, o := range w.Canvas().Overlays().List() {
		if m := o.MinSize(); m.Width > size.Width || m.Height > size.Height {
			t.Errorf("%s: a dialog needs %.0f×%.0f, more than a %.0f×%.0f window has", screen, m.Width, m.Height, size.Width, size.Height)
		}
	}
	for _, text := range buttons {
		b := shownButton(w, text)
		if b == nil {
			t.Errorf("%s: no button %q on screen; it shows:\n%s", screen, text, strings.Join(texts(w), "\n"))
			continue
		}
		mustShowWhole(t, w, b, fmt.Sprintf("%s: the button %q", screen, text))
	}
}

// shownButton is the visible button with this text, dialogs first.
func shownButton(w fyne.Window, text string) fyne.CanvasObject {
	var found fyne.CanvasObject
	walk(w, func(o fyne.CanvasObject) {
		if found != nil {
			return
		}
		switch b := o.(type) {
		case *widget.Button:
			if b.Text == text {
				found = b
			}
		case *keyButton:
			if b.Text == text {
				found = b
			}
		}
	})
	return found
}

// navAllShown fails unless every item of the navigation is in view
// without scrolling it.
func navAllShown(t *testing.T, w fyne.Window, s *shell, size fyne.Size) {
	t.Helper()
	layoutAt(w, size)
	var sc *container.Scroll
	for _, o := range test.WidgetRenderer(s.nav).Objects() {
		if x, ok := o.(*container.Scroll); ok {
			sc = x
		}
	}
	if sc == nil {
		t.Fatal("the navigation list has no scroll")
	}
	mustShowWhole(t, w, sc, "the navigation")
	if need, have := sc.Content.MinSize().Height, sc.Size().Height; need > have+0.5 {
		t.Errorf("at %v the navigation's %d items need %.0f high, it has %.0f: the last ones are below the fold",
			size, len(s.items), need, have)
	}
}

// TestScreensFitSmallWindow goes through every screen at 800×600 and at
// 1280×720: none needs a larger window, every navigation item is in view,
// and each screen's buttons to go on are in view without scrolling, also
// under a long list of checkboxes or a QR code.
func TestScreensFitSmallWindow(t *testing.T) {
	for _, size := range []fyne.Size{sizeSmall, sizeWide} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			screensFit(t, size)
		})
	}
}

func screensFit(t *testing.T, size fyne.Size) {
	_, w := newTestUI(t)
	fitsIn(t, w, size, "welcome", "Nieuwe kluis maken", "Probeer het met voorbeeldgegevens")
	tap(t, w, "Nieuwe kluis maken")
	fitsIn(t, w, size, "create", "Kluis maken", "Terug")
	tap(t, w, "Terug")
	tap(t, w, "Kluis terugzetten uit back-up")
	fitsIn(t, w, size, "restore", "Terugzetten", "Terug")
	tap(t, w, "Terug")
	tap(t, w, "Nieuwe kluis maken")
	e := entries(w)
	test.Type(e[0], testName)
	test.Type(e[1], testPass)
	test.Type(e[2], testPass)
	tap(t, w, "Kluis maken")
	fitsIn(t, w, size, "recovery key", "Ik heb de sleutel bewaard", "Opslaan om af te drukken")

	f := newShareFixture(t)
	u, w := f.u, f.w
	s := u.shell
	for _, it := range s.items {
		s.select_(it.id)
		fitsIn(t, w, size, "page "+it.id, "Vergrendelen")
	}
	navAllShown(t, w, s, size)

	openCategory(t, u, "income")
	fitsIn(t, w, size, "category", "Toevoegen")
	openCategory(t, u, "income").open(0)
	fitsIn(t, w, size, "form", "Opslaan", "Annuleren", "Geschiedenis", "Verwijderen")
	tap(t, w, "Geschiedenis")
	fitsIn(t, w, size, "history", "Terug", "Deze versie terugzetten")

	s.select_("documents")
	fitsIn(t, w, size, "documents", "Document toevoegen", "Bekijken", "Kopie opslaan")
	tap(t, w, "Document toevoegen")
	fitsIn(t, w, size, "file chooser", "Openen", "Stoppen")
	dismiss(w)
	s.select_("people")
	tap(t, w, "Iemand toegang geven")
	fitsIn(t, w, size, "give access", "Verder", "Stoppen")
	dismiss(w)
	s.select_("settings")
	tap(t, w, "Wachtwoord veranderen")
	fitsIn(t, w, size, "change passphrase", "Veranderen", "Annuleren")
	dismiss(w)
	tap(t, w, "Naam wijzigen")
	fitsIn(t, w, size, "change name", "Naam opslaan")
	dismiss(w)
	s.select_("activity")
	fitsIn(t, w, size, "activity", "Exporteren als JSON")

	// The share wizard, all the way to the share made with its QR code.
	s.select_("shares")
	fitsIn(t, w, size, "shares", "Nieuwe deling")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	fitsIn(t, w, size, "wizard: recipient", "Volgende", "Stoppen")
	wiz.to.radio.SetSelected("Geen kaart: deel met een code")
	tap(t, w, "Volgende")
	for _, c := range []string{"Persoonlijke gegevens (1)", "Schulden (1)"} {
		test.Tap(check(t, w, c))
	}
	fitsIn(t, w, size, "wizard: scope", "Volgende", "Terug", "Stoppen")
	tap(t, w, "Volgende")
	fitsIn(t, w, size, "wizard: expiry", "Volgende", "Terug", "Stoppen")
	tap(t, w, "Volgende")
	test.Type(wiz.why.purposeE, "Kwijtschelding")
	fitsIn(t, w, size, "wizard: purpose", "Volgende", "Terug", "Stoppen")
	tap(t, w, "Volgende")
	fitsIn(t, w, size, "wizard: check", "Deling maken", "Terug", "Stoppen")
	tap(t, w, "Deling maken")
	if wiz.made.link() == "" {
		t.Fatal("the share is too big for a QR code; the test needs a small one")
	}
	fitsIn(t, w, size, "wizard: made", "Klaar", "Bestand opslaan…", "Link kopiëren")
	qrFits(t, w, size, "wizard: made")
	wiz.made.left = true

	// A request answered: the consent screen and the answer with its QR
	// code.
	now := u.deps.Now()
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	// A long value is shown whole, wrapped, and does not widen the page.
	if _, err := u.vault().Update(f.debt.ID, map[string]string{"creditor": "Belastingdienst", "amount": "250",
		"arrangement": "Betalingsregeling van vijftig euro per maand, afgesproken met de deurwaarder op het kantoor aan de Stationsweg"}); err != nil {
		t.Fatal(err)
	}
	file := requestFrom(t, f.org, now.Add(-time.Hour), now.Add(14*24*time.Hour), "personal,costs,debts")
	s.select_("requests")
	fitsIn(t, w, size, "requests", "Verzoek openen", "Link openen")
	openLink(t, f, request.Link(file))
	c := currentConsent(t, u)
	fitsIn(t, w, size, "consent", "Beantwoorden", "Weigeren", "Terug")
	for _, id := range []string{"personal.bsn", "personal.birth_date"} {
		c.setField(id, false)
	}
	tap(t, w, "Beantwoorden")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Uw antwoord is klaar")
	if c.data == nil {
		t.Fatal("the answer is too big for a QR code; the test needs a small one")
	}
	fitsIn(t, w, size, "consent: answer made", "Naar het gesprek", "Bestand opslaan…")
	qrFits(t, w, size, "consent: answer made")
	c.saved = "elders"
	tap(t, w, "Naar het gesprek")
	fitsIn(t, w, size, "conversation", "Terug", "Versturen")
	tap(t, w, "Terug")
	fitsIn(t, w, size, "requests with a conversation", "Verzoek openen", "Nu ophalen")
	s.select_("shares")
	tap(t, w, "Wie heeft mijn gegevens bekeken?")
	fitsIn(t, w, size, "who looked", "Terug", "Nu ophalen")

	s.select_("settings")
	fitsIn(t, w, size, "settings", "Vergrendelen")
	tap(t, w, "Vergrendelen")
	fitsIn(t, w, size, "unlock", "Openen", "Wachtwoord vergeten?")
	tap(t, w, "Wachtwoord vergeten?")
	fitsIn(t, w, size, "recover", "Nieuw wachtwoord instellen", "Terug")

	// The example vault, with its banner above every page.
	u, w = newTestUI(t)
	tap(t, w, "Probeer het met voorbeeldgegevens")
	for _, it := range u.shell.items {
		u.shell.select_(it.id)
		fitsIn(t, w, size, "example: page "+it.id, "Vergrendelen", "Voorbeeld sluiten")
	}
	navAllShown(t, w, u.shell, size)
	// Its municipality's card names several purposes.
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	fitsIn(t, w, size, "example: wizard: recipient", "Volgende", "Stoppen")
	tap(t, w, "Volgende")
	test.Tap(check(t, w, "Persoonlijke gegevens (1)"))
	fitsIn(t, w, size, "example: wizard: scope", "Volgende", "Terug", "Stoppen")
	tap(t, w, "Volgende")
	tap(t, w, "Volgende")
	fitsIn(t, w, size, "example: wizard: purpose", "Volgende", "Terug", "Stoppen", "Bijzondere bijstand")
	tap(t, w, "Stoppen")
	tap(t, w, "Vergrendelen")
	fitsIn(t, w, size, "example: unlock", "Openen", "Terug naar het begin")
}

// qrFits checks that the QR code on screen is shown whole once scrolled
// to: no larger than the part of the window it scrolls in.
func qrFits(t *testing.T, w fyne.Window, size fyne.Size, screen string) {
	t.Helper()
	var qr *canvas.Image // drawn pixel by pixel, unlike the logo and icons
	walk(w, func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok && img.ScaleMode == canvas.ImageScalePixels {
			qr = img
		}
	})
	if qr == nil {
		t.Errorf("%s: no QR code on screen", screen)
		return
	}
	_, view, ok := visibleArea(w, qr)
	if !ok {
		t.Errorf("%s: the QR code is not on screen", screen)
		return
	}
	if side := qr.Size(); side.Height > view.y1-view.y0+0.5 || side.Width > view.x1-view.x0+0.5 {
		t.Errorf("%s at %v: the QR code is %.0f×%.0f, larger than the %.0f×%.0f it is shown in",
			screen, size, side.Width, side.Height, view.x1-view.x0, view.y1-view.y0)
	}
}

// TestWindowSizeFitsScreen: the window opens at its usual size where the
// screen has room for it, and no larger than the screen's work area where
// it has not (an 800×600 screen without a window manager to shrink it).
func TestWindowSizeFitsScreen(t *testing.T) {
	for _, c := range []struct{ work, want fyne.Size }{
		{fyne.Size{}, defaultWindowSize}, // not known
		{fyne.NewSize(1920, 1080), defaultWindowSize},
		{fyne.NewSize(1280, 800), defaultWindowSize},
		{sizeSmall, sizeSmall},
		{fyne.NewSize(1024, 600), fyne.NewSize(1024, 600)},
		{fyne.NewSize(1366, 700), fyne.NewSize(1100, 700)},
	} {
		if got := windowSize(c.work); got != c.want {
			t.Errorf("windowSize(%v) = %v, want %v", c.work, got, c.want)
		}
	}
}

// TestNewWindowFitsSmallScreen: the app's window, made for an 800×600 work
// area, opens at that size and its first screen needs no more.
func TestNewWindowFitsSmallScreen(t *testing.T) {
	a := &quitRecorder{App: test.NewTempApp(t)}
	w := a.NewWindow("Kluis")
	u := newUI(a, w, Deps{VaultPath: t.TempDir() + "/vault.kluis", WorkArea: sizeSmall}, true)
	t.Cleanup(func() {
		u.closeSession()
		w.Close()
	})
	if got := w.Canvas().Size(); got != sizeSmall {
		t.Errorf("window is %v on an 800×600 screen", got)
	}
	if need := w.Content().MinSize(); need.Width > sizeSmall.Width || need.Height > sizeSmall.Height {
		t.Errorf("first screen needs %v, more than 800×600", need)
	}
}
