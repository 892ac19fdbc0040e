package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/bundle"
	"kluis/sync/request"
	"kluis/vault"
)

// press types keys the way the desktop driver hands them on: each as a
// key event to whatever has the keyboard focus, and Space also as a typed
// character right after. In the app a page opened by a key takes the focus
// only 150 ms later (UI.focus), so that character still goes where the key
// went; tests focus at once, so press hands it to the same object.
func press(t *testing.T, w fyne.Window, keys ...fyne.KeyName) {
	t.Helper()
	for _, k := range keys {
		f := w.Canvas().Focused()
		if f == nil {
			t.Fatalf("nothing has the keyboard focus to take %s", k)
		}
		f.TypedKey(&fyne.KeyEvent{Name: k})
		if k == fyne.KeySpace {
			f.TypedRune(' ')
		}
	}
}

// tabTo presses Tab until target has the focus, as a person does.
func tabTo(t *testing.T, w fyne.Window, target fyne.Focusable) {
	t.Helper()
	c := w.Canvas()
	for range 40 {
		if c.Focused() == target {
			return
		}
		c.FocusNext()
	}
	t.Fatalf("Tab never reaches %T; the focus is on %T", target, c.Focused())
}

func mustFocus(t *testing.T, w fyne.Window, want fyne.Focusable, what string) {
	t.Helper()
	if got := w.Canvas().Focused(); got != want {
		t.Fatalf("%s: the keyboard focus is on %T, not %T", what, got, want)
	}
}

func mustFocusRow(t *testing.T, l *keyList, want int) {
	t.Helper()
	got, ok := l.focusedRow()
	if !ok || got != want {
		t.Fatalf("the list's keyboard focus is on row %d (%v), want %d", got, ok, want)
	}
}

// A keyList can read which row Fyne's list has the keyboard focus on. If a
// Fyne release renames the field, this test says so (and Enter falls back
// to selecting, like Space in plain Fyne).
func TestKeyListSeesFynesFocus(t *testing.T) {
	test.NewTempApp(t)
	var selected []int
	l := newKeyList(func() int { return 3 }, func() fyne.CanvasObject { return widget.NewLabel("rij") },
		func(widget.ListItemID, fyne.CanvasObject) {})
	l.OnSelected = func(i widget.ListItemID) { selected = append(selected, i) }
	w := test.NewTempWindow(t, l)
	w.Resize(fyne.NewSize(300, 300))
	w.Canvas().Focus(l)
	mustFocusRow(t, l, 0)
	press(t, w, fyne.KeyDown, fyne.KeyDown, fyne.KeyDown) // the third Down stays on the last row
	mustFocusRow(t, l, 2)
	press(t, w, fyne.KeyReturn)
	press(t, w, fyne.KeyUp)
	press(t, w, fyne.KeyEnter) // the keypad's Enter
	press(t, w, fyne.KeyUp, fyne.KeySpace)
	if !slices.Equal(selected, []int{2, 1, 0}) {
		t.Fatalf("Return, keypad Enter and Space selected %v, want [2 1 0]", selected)
	}
	l.focusRow(2)
	mustFocusRow(t, l, 2)
	// Fewer rows: the focus comes up to the last one, not below the end.
	l.Length = func() int { return 1 }
	l.Refresh()
	mustFocusRow(t, l, 0)
}

// addNetwork adds people to the network category.
func addNetwork(t *testing.T, u *UI, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := u.vault().Add("network", map[string]string{"name": n}); err != nil {
			t.Fatal(err)
		}
	}
}

// The navigation and a category's records with the keyboard alone: arrows
// and Enter open a category, Tab reaches its list, Down and Enter open a
// record with the focus in its first field, Escape goes back to the list
// on that record; Space opens one as well, and Enter opens the selected
// row again (selecting it would do nothing).
func TestKeyboardCategoryRecords(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	addNetwork(t, u, "Tante Ria", "Buurman Jan", "Huisarts Pietersen")
	s := u.shell
	mustFocus(t, w, s.nav, "after unlocking")
	at := slices.IndexFunc(s.items, func(it navItem) bool { return it.id == "network" })
	for range at {
		press(t, w, fyne.KeyDown)
	}
	press(t, w, fyne.KeyReturn)
	p, ok := s.current.(*categoryPage)
	if !ok || p.cat.ID != "network" {
		t.Fatalf("Enter in the navigation did not open the network (page %T)", s.current)
	}
	mustFocus(t, w, s.nav, "a category opened from the navigation")

	tabTo(t, w, p.list)
	press(t, w, fyne.KeyDown, fyne.KeyReturn)
	f := currentForm(t, u)
	if f.rec == nil || f.rec.ID != p.rows.recs[1].ID {
		t.Fatalf("Down and Enter opened %v, want the second row %s", f.rec, p.rows.recs[1].ID)
	}
	// The same form a tap opens, with the focus in its first field.
	if got := f.field(t, "name").entry.Text; got != p.rows.recs[1].Fields["name"] {
		t.Fatalf("form shows %q", got)
	}
	mustFocus(t, w, f.field(t, "name").entry, "the record's form")

	press(t, w, fyne.KeyEscape)
	if s.current != p {
		t.Fatalf("Escape in the form: page %T, want the list", s.current)
	}
	mustFocus(t, w, p.list, "back from the form")
	mustFocusRow(t, p.list, 1)
	mustSee(t, w, "Buurman Jan")

	press(t, w, fyne.KeyDown, fyne.KeySpace)
	f = currentForm(t, u)
	if f.rec == nil || f.rec.ID != p.rows.recs[2].ID {
		t.Fatalf("Down and Space opened %v, want the third row", f.rec)
	}
	// Escape from the second field works as well.
	typed := f.fields[1].focusable()
	w.Canvas().Focus(typed)
	press(t, w, fyne.KeyEscape)
	mustFocus(t, w, p.list, "back from the form again")
	mustFocusRow(t, p.list, 2)
	// The row just closed is selected; Enter opens it anyway, as a tap does.
	press(t, w, fyne.KeyReturn)
	if f = currentForm(t, u); f.rec.ID != p.rows.recs[2].ID {
		t.Fatalf("Enter on the selected row opened %s", f.rec.ID)
	}
}

// Escape asks about unsaved changes like Annuleren does; saving with
// Enter after the last field also comes back to the list with the focus.
func TestKeyboardFormEscapeKeepsChanges(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	addNetwork(t, u, "Tante Ria")
	p := openCategory(t, u, "network")
	w.Canvas().Focus(p.list)
	press(t, w, fyne.KeyReturn)
	f := currentForm(t, u)
	typeInto(t, f, "name", "Tante Marie")
	press(t, w, fyne.KeyEscape)
	mustSee(t, w, "Wijzigingen bewaren?")
	if u.shell.current != f {
		t.Fatal("Escape threw the changes away without asking")
	}
	test.Tap(dialogButton(t, w, "Opslaan"))
	if u.shell.current != p {
		t.Fatalf("after saving: page %T", u.shell.current)
	}
	mustSee(t, w, "Tante Marie")
	mustFocus(t, w, p.list, "back after saving")
}

// In a category without records the way back from a new record's form
// leads to the add button: there is no list to go back to.
func TestKeyboardEscapeToEmptyCategory(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	p := openCategory(t, u, "goals")
	tabTo(t, w, p.add)
	press(t, w, fyne.KeySpace)
	f := currentForm(t, u)
	mustFocus(t, w, f.fields[0].focusable(), "the new record's form")
	press(t, w, fyne.KeyEscape)
	if u.shell.current != p {
		t.Fatalf("Escape from a new record: page %T", u.shell.current)
	}
	mustFocus(t, w, p.add, "back in the empty category")
}

// The documents list: Down and Enter select the next document as a tap
// does (the buttons for it come alive), Space selects too.
func TestKeyboardDocuments(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	for _, name := range []string{"huurcontract.pdf", "loonstrook.pdf", "polis.pdf"} {
		if _, err := u.vault().AddDocument(context.Background(), name, strings.NewReader("inhoud van "+name), vault.DocumentOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p := openDocuments(t, u)
	tabTo(t, w, p.list)
	press(t, w, fyne.KeyDown, fyne.KeyReturn)
	if p.selected != 1 {
		t.Fatalf("Down and Enter selected %d, want 1", p.selected)
	}
	if button(t, w, "Kopie opslaan").Disabled() {
		t.Fatal("Kopie opslaan stays disabled after Enter on a document")
	}
	press(t, w, fyne.KeyDown, fyne.KeyEnter)
	if p.selected != 2 || p.docs[2].Name != "huurcontract.pdf" {
		t.Fatalf("keypad Enter selected %d", p.selected)
	}
	press(t, w, fyne.KeyUp, fyne.KeyUp, fyne.KeySpace)
	if p.selected != 0 {
		t.Fatalf("Space selected %d, want 0", p.selected)
	}
	mustFocus(t, w, p.list, "after selecting a document")
	// From the list, Tab goes on to what can be done with it.
	w.Canvas().FocusNext()
	mustFocus(t, w, p.save, "Tab after the list") // a PDF cannot be viewed
}

// Search results: Tab from the search box to the results, Down and Enter
// open the second one; Escape comes back to the search with the text; a
// new search starts the keyboard at the first result again.
func TestKeyboardSearchResults(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	addNetwork(t, u, "Jan de Buurman", "Janneke van de kerk", "Jantine Huisarts")
	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	test.Type(s.entry, "jan")
	mustSee(t, w, "3 gevonden")
	tabTo(t, w, s.list)
	press(t, w, fyne.KeyDown, fyne.KeyReturn)
	f := currentForm(t, u)
	if f.rec == nil || f.rec.ID != s.rows.records.recs[1].ID {
		t.Fatalf("Down and Enter opened %v, want the second result", f.rec)
	}
	mustFocus(t, w, f.field(t, "name").entry, "the result's form")

	press(t, w, fyne.KeyEscape)
	s2, ok := u.shell.current.(*searchPage)
	if !ok || s2.entry.Text != "jan" {
		t.Fatalf("Escape from the form: page %T", u.shell.current)
	}
	mustFocus(t, w, s2.entry, "back at the search")

	tabTo(t, w, s2.list)
	press(t, w, fyne.KeyDown, fyne.KeyDown)
	mustFocusRow(t, s2.list, 2)
	w.Canvas().Focus(s2.entry)
	press(t, w, fyne.KeyEnd)
	test.Type(s2.entry, "ne")
	mustSee(t, w, "1 gevonden")
	mustFocusRow(t, s2.list, 0)
	tabTo(t, w, s2.list)
	press(t, w, fyne.KeySpace)
	if f = currentForm(t, u); f.field(t, "name").entry.Text != "Janneke van de kerk" {
		t.Fatalf("Space opened %q", f.field(t, "name").entry.Text)
	}
}

// A record's versions: the list has the focus; Down and Enter show the
// older version, Escape goes back to the record.
func TestKeyboardHistory(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	r := addIncome(t, u, "Bakkerij De Korenschoof", "1234,56")
	if _, err := u.vault().Update(r.ID, map[string]string{"source": "Bakkerij De Korenschoof", "amount": "1500"}); err != nil {
		t.Fatal(err)
	}
	openCategory(t, u, "income").open(0)
	tap(t, w, "Geschiedenis")
	h := u.shell.current.(*historyPage)
	mustFocus(t, w, h.list, "the history")
	press(t, w, fyne.KeyDown, fyne.KeyReturn)
	if h.chosen != 1 || h.revert.Disabled() {
		t.Fatalf("Down and Enter chose version %d", h.chosen)
	}
	mustSee(t, w, "€ 1.234,56")
	press(t, w, fyne.KeyUp, fyne.KeySpace)
	if h.chosen != 0 || !h.revert.Disabled() {
		t.Fatalf("Up and Space chose version %d", h.chosen)
	}
	press(t, w, fyne.KeyEscape)
	f := currentForm(t, u)
	if f.rec == nil || f.rec.ID != r.ID {
		t.Fatal("Escape in the history did not go back to the record")
	}
}

// The recycle bin: a row's one action is Terugzetten; Enter on the row
// does it, as its button does.
func TestKeyboardBin(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	v := u.vault()
	for _, n := range []string{"Oud adres", "Oude buurvrouw"} {
		rec, err := v.Add("network", map[string]string{"name": n})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Delete(rec.ID); err != nil {
			t.Fatal(err)
		}
	}
	u.shell.select_("bin")
	p := u.shell.current.(*binPage)
	if len(p.items) != 2 {
		t.Fatalf("%d items in the bin", len(p.items))
	}
	second := p.items[1]
	w.Canvas().Focus(p.list)
	press(t, w, fyne.KeyDown, fyne.KeyReturn)
	mustSee(t, w, "Teruggezet: "+second.title)
	if got, err := v.Get(second.id); err != nil || got.Deleted {
		t.Fatalf("Enter did not restore %q: %v", second.title, err)
	}
	if len(p.items) != 1 {
		t.Fatalf("%d items left in the bin, want 1", len(p.items))
	}
	// One row is left: the focus moved up onto it, and Space restores it.
	mustFocusRow(t, p.list, 0)
	press(t, w, fyne.KeySpace)
	mustSee(t, w, "De prullenbak is leeg.")
}

// The file chooser: Enter on a folder opens it and starts at its top row;
// Down and Enter choose a file.
func TestKeyboardChooser(t *testing.T) {
	u, w := newTestUI(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Brieven"), 0o700)
	os.WriteFile(filepath.Join(dir, "Brieven", "aanmaning.pdf"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "Brieven", "beschikking.pdf"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "loonstrook.pdf"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "polis.pdf"), []byte("x"), 0o600)
	c, got := chooserAt(t, u, chooseOpen, "", dir)
	mustFocus(t, w, c.list, "the chooser")
	press(t, w, fyne.KeyDown, fyne.KeyDown, fyne.KeyUp, fyne.KeyUp, fyne.KeyReturn)
	if c.dir != filepath.Join(dir, "Brieven") {
		t.Fatalf("Enter on the folder did not open it: %s", c.dir)
	}
	mustFocusRow(t, c.list, 0)
	press(t, w, fyne.KeyDown, fyne.KeyReturn)
	if c.selected != "beschikking.pdf" || c.ok.Disabled() {
		t.Fatalf("Down and Enter chose %q", c.selected)
	}
	test.Tap(c.ok)
	if *got != filepath.Join(dir, "Brieven", "beschikking.pdf") {
		t.Fatalf("chosen %q", *got)
	}
}

// The conversations on "Verzoeken en berichten": Down moves to the next,
// Enter opens it with the focus on Terug, Escape comes back.
func TestKeyboardConversations(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	for _, name := range []string{"Gemeente Teststad", "Woningcorporatie Thuis"} {
		org, err := bundle.GenerateOrgIdentity(name, "", []string{"Schuldhulpverlening"}, now.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		openLink(t, f, request.Link(requestFrom(t, org, now.Add(-time.Hour), now.Add(24*time.Hour), "income")))
		currentConsent(t, u)
	}
	u.shell.open(newRequestsPage(u))
	p := u.shell.current.(*requestsPage)
	if p.rows == nil || len(p.rows.buttons) != 2 {
		t.Fatalf("conversation rows: %+v", p.rows)
	}
	first, second := p.rows.buttons[0], p.rows.buttons[1]
	tabTo(t, w, first)
	press(t, w, fyne.KeyDown)
	mustFocus(t, w, second, "Down on the first conversation")
	press(t, w, fyne.KeyDown) // the last stays
	mustFocus(t, w, second, "Down on the last conversation")
	press(t, w, fyne.KeyUp)
	mustFocus(t, w, first, "Up on the second conversation")
	org := strings.SplitN(first.Text, ",", 2)[0]
	press(t, w, fyne.KeyReturn)
	th, ok := u.shell.current.(*threadView)
	if !ok {
		t.Fatalf("Enter did not open the conversation (page %T)", u.shell.current)
	}
	mustSee(t, w, org)
	mustFocus(t, w, th.back, "the conversation")
	press(t, w, fyne.KeyEscape)
	if _, ok := u.shell.current.(*requestsPage); !ok {
		t.Fatalf("Escape in the conversation: page %T", u.shell.current)
	}
	// Space still opens one too.
	p = u.shell.current.(*requestsPage)
	tabTo(t, w, p.rows.buttons[1])
	press(t, w, fyne.KeySpace)
	if _, ok := u.shell.current.(*threadView); !ok {
		t.Fatalf("Space did not open the conversation (page %T)", u.shell.current)
	}
}

// shortcut types Ctrl (Cmd on a Mac) with key the way Fyne's desktop
// driver hands it on (triggersShortcut in internal/driver/glfw/window.go,
// Fyne 2.7): to the widget with the keyboard focus when that widget takes
// shortcuts at all — an entry does, and keeps the ones it does not know —
// and to the window only otherwise.
func shortcut(t *testing.T, w fyne.Window, key fyne.KeyName) {
	t.Helper()
	s := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
	if f, ok := w.Canvas().Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	w.Canvas().(fyne.Shortcutable).TypedShortcut(s)
}

// Ctrl+S saves a record also while a choice list has the focus, and
// while a text field has it.
func TestCtrlSSavesFromAnyField(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	r := addIncome(t, u, "Bakkerij De Korenschoof", "1234,56")
	openCategory(t, u, "income").open(0)
	f := currentForm(t, u)
	typeInto(t, f, "amount", "1500")
	period := f.field(t, "period").choice
	period.SetSelected(period.Options[len(period.Options)-1])
	w.Canvas().Focus(period)
	mustFocus(t, w, period, "the choice list")
	shortcut(t, w, fyne.KeyS)
	if _, ok := u.shell.current.(*categoryPage); !ok {
		t.Fatalf("Ctrl+S in a choice list did not save and go back (page %T)", u.shell.current)
	}
	if got, _ := u.vault().Get(r.ID); got.Fields["amount"] != "150000" || got.Version != 2 {
		t.Fatalf("after Ctrl+S in a choice list: %v, version %d", got.Fields, got.Version)
	}

	openCategory(t, u, "income").open(0)
	f = currentForm(t, u)
	typeInto(t, f, "source", "Bakkerij Het Volkoren")
	shortcut(t, w, fyne.KeyS)
	if got, _ := u.vault().Get(r.ID); got.Fields["source"] != "Bakkerij Het Volkoren" {
		t.Fatalf("Ctrl+S in a text field did not save: %v", got.Fields)
	}
}

// Ctrl+L locks whatever has the focus: the search box, a field of a
// form, an entry in a dialog (which closes, not to stay over the unlock
// screen), the navigation. The entry keeps its own shortcuts (paste).
func TestCtrlLLocksFromAnEntry(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	unlock := func() {
		t.Helper()
		test.Type(entries(w)[0], testPass)
		tap(t, w, "Openen")
		if u.vault() == nil {
			t.Fatal("not unlocked again")
		}
	}
	locked := func(where string) {
		t.Helper()
		if u.vault() != nil {
			t.Fatalf("Ctrl+L with the focus in %s did not lock", where)
		}
		if top := w.Canvas().Overlays().Top(); top != nil {
			t.Fatalf("a dialog stays over the unlock screen after Ctrl+L in %s", where)
		}
		mustSee(t, w, "Kluis openen")
	}

	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	w.Canvas().Focus(s.entry)
	u.app.Clipboard().SetContent("jan")
	s.entry.TypedShortcut(&fyne.ShortcutPaste{Clipboard: u.app.Clipboard()})
	if s.entry.Text != "jan" {
		t.Fatalf("paste in the search box gave %q", s.entry.Text)
	}
	shortcut(t, w, fyne.KeyL)
	locked("the search box")
	unlock()

	addIncome(t, u, "Bakkerij De Korenschoof", "1234,56")
	openCategory(t, u, "income").open(0)
	w.Canvas().Focus(currentForm(t, u).field(t, "source").entry)
	shortcut(t, w, fyne.KeyL)
	locked("a field of a form")
	unlock()

	u.shell.select_("settings")
	tap(t, w, "Naam wijzigen")
	if e := entries(w); len(e) == 0 || w.Canvas().Focused() == nil {
		t.Fatal("the name dialog's entry has no focus")
	}
	shortcut(t, w, fyne.KeyL)
	locked("the name dialog")
	unlock()

	mustFocus(t, w, u.shell.nav, "after unlocking")
	shortcut(t, w, fyne.KeyL)
	locked("the navigation")
	// On the unlock screen the window's shortcuts do nothing.
	for _, k := range []fyne.KeyName{fyne.KeyL, fyne.KeyF, fyne.KeyD, fyne.KeyS} {
		shortcut(t, w, k)
	}
	mustSee(t, w, "Kluis openen")
}

// Ctrl+F and Ctrl+D work from an entry too: the share wizard's purpose.
func TestCtrlDFromAnEntry(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	wiz.to.radio.SetSelected("Geen kaart: deel met een code")
	tap(t, w, "Volgende")
	test.Tap(check(t, w, "Schulden (1)"))
	tap(t, w, "Volgende")
	tap(t, w, "Volgende")
	w.Canvas().Focus(wiz.why.purposeE)
	shortcut(t, w, fyne.KeyD)
	if _, ok := u.shell.current.(*documentsPage); !ok {
		t.Fatalf("Ctrl+D in the purpose did not open the documents (page %T)", u.shell.current)
	}
	u.shell.select_("requests")
	w.Canvas().Focus(u.shell.current.(*requestsPage).link)
	shortcut(t, w, fyne.KeyF)
	if _, ok := u.shell.current.(*searchPage); !ok {
		t.Fatalf("Ctrl+F in the link box did not open the search (page %T)", u.shell.current)
	}
}

// A message in a dialog closes with Enter, Space or Escape: its button
// has the keyboard focus.
func TestInfoDialogClosesFromKeyboard(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape, fyne.KeySpace} {
		u.showError(vault.ErrCanceled)
		if w.Canvas().Overlays().Top() == nil {
			t.Fatal("no dialog shown")
		}
		press(t, w, k)
		if w.Canvas().Overlays().Top() != nil {
			t.Fatalf("the message stays open after %s", k)
		}
	}
	mustFocus(t, w, u.shell.nav, "after the message")
}
