package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/schema"
	"kluis/vault"
)

const testPass = "molen sneeuw thee herfst"

// openCategory shows the list of category id, as a click in the
// navigation does.
func openCategory(t *testing.T, u *UI, id string) *categoryPage {
	t.Helper()
	u.shell.select_(id)
	p, ok := u.shell.current.(*categoryPage)
	if !ok || p.cat.ID != id {
		t.Fatalf("category page %q not shown (current page %T)", id, u.shell.current)
	}
	return p
}

// currentForm is the record form on screen.
func currentForm(t *testing.T, u *UI) *recordForm {
	t.Helper()
	p, ok := u.shell.current.(*recordForm)
	if !ok {
		t.Fatalf("no record form on screen (current page %T)", u.shell.current)
	}
	return p
}

// field is the form's field with schema id.
func (p *recordForm) field(t *testing.T, id string) *formField {
	t.Helper()
	for _, ff := range p.fields {
		if ff.f.ID == id {
			return ff
		}
	}
	t.Fatalf("form has no field %q", id)
	return nil
}

// typeInto replaces the text of a field's entry by typing, so focus moves
// to it (and away from the field before) as when a person types.
func typeInto(t *testing.T, p *recordForm, id, text string) {
	t.Helper()
	e := p.field(t, id).entry
	if e == nil {
		t.Fatalf("field %q has no entry", id)
	}
	e.SetText("")
	c := p.u.window.Canvas()
	c.Focus(e)
	test.Type(e, text)
}

// dialogButton finds a button with this text in a dialog (an overlay),
// not on the page under it.
func dialogButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() || found != nil {
			return
		}
		if b := asButton(o); b != nil && b.Text == text {
			found = b
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				rec(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				rec(c)
			}
		}
	}
	for _, o := range w.Canvas().Overlays().List() {
		rec(o)
	}
	if found == nil {
		t.Fatalf("no dialog button %q; on screen:\n%s", text, strings.Join(texts(w), "\n"))
	}
	return found
}

func counts(t *testing.T, u *UI) map[string]int {
	t.Helper()
	c, err := u.session.v.Counts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustNotSee(t *testing.T, w fyne.Window, sub string) {
	t.Helper()
	if screenHas(w, sub) {
		t.Fatalf("%q is on screen but should not be; it shows:\n%s", sub, strings.Join(texts(w), "\n"))
	}
}

// The flow: a record with a wrong BSN is refused with a message
// next to the field, saved once fixed, found by search, and still there
// after locking and unlocking.
func TestPersonalDetailsFlow(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)

	openCategory(t, u, "personal")
	mustSee(t, w, "Persoonlijke gegevens")
	mustSee(t, w, "Er staat hier nog niets")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	mustSee(t, w, "Achternaam (verplicht)")
	mustSee(t, w, "Burgerservicenummer (BSN)")

	typeInto(t, f, "given_names", "Anna Maria")
	typeInto(t, f, "surname_prefix", "van der")
	typeInto(t, f, "surname", "Berg")
	typeInto(t, f, "bsn", "123456789")
	typeInto(t, f, "birth_date", "14-2-1983") // leaving the BSN checks it
	if got := f.field(t, "bsn").message.Text; !strings.Contains(got, "geen geldig BSN") {
		t.Fatalf("BSN message after leaving the field = %q", got)
	}
	tap(t, w, "Opslaan")
	mustSee(t, w, "Dit is geen geldig BSN")
	if n := counts(t, u)["personal"]; n != 0 {
		t.Fatalf("a record with a wrong BSN was saved (%d)", n)
	}
	if u.shell.current != f {
		t.Fatal("the form was left although nothing was saved")
	}

	typeInto(t, f, "bsn", "123456782")
	if f.field(t, "bsn").message.Visible() {
		t.Fatal("the BSN message stayed after the number was fixed")
	}
	tap(t, w, "Opslaan")
	if n := counts(t, u)["personal"]; n != 1 {
		t.Fatalf("personal count after save = %d, want 1", n)
	}
	list, ok := u.shell.current.(*categoryPage)
	if !ok {
		t.Fatalf("after saving the page is %T, want the list", u.shell.current)
	}
	mustSee(t, w, "Anna Maria van der Berg")
	mustSee(t, w, "BSN •••••6782")
	mustNotSee(t, w, "123456782")
	mustSee(t, w, "Persoonlijke gegevens (1)")
	if list.rows.len() != 1 || list.selectID != list.rows.recs[0].ID {
		t.Fatal("the saved record is not the selected one")
	}

	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	test.Type(s.entry, "van der be")
	mustSee(t, w, "1 gevonden")
	mustSee(t, w, "Anna Maria van der Berg")
	s.entry.SetText("Pietersen")
	mustSee(t, w, "Niets gevonden")

	tap(t, w, "Vergrendelen")
	test.Type(entries(w)[0], testPass)
	tap(t, w, "Openen")
	if u.vault() == nil {
		t.Fatal("not unlocked")
	}
	openCategory(t, u, "personal")
	mustSee(t, w, "Anna Maria van der Berg")

	// The form shows the BSN in full for editing, and the date the Dutch way.
	list = u.shell.current.(*categoryPage)
	list.open(0)
	f = currentForm(t, u)
	if got := f.field(t, "bsn").entry.Text; got != "123456782" {
		t.Fatalf("BSN in the form = %q", got)
	}
	if got := f.field(t, "birth_date").entry.Text; got != "14-2-1983" {
		t.Fatalf("birth date in the form = %q", got)
	}
}

func TestMoneyRoundTrip(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	openCategory(t, u, "income")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	typeInto(t, f, "source", "Gemeente Zwolle")
	f.field(t, "kind").choice.SetSelected("Uitkering")
	typeInto(t, f, "amount", "1.234,56")
	f.field(t, "period").choice.SetSelected("Per maand")
	tap(t, w, "Opslaan")

	recs, err := u.session.v.List("income")
	if err != nil || len(recs) != 1 {
		t.Fatalf("List = %v, %v", recs, err)
	}
	r := recs[0]
	if r.Fields["amount"] != "123456" || r.Fields["kind"] != "benefit" || r.Fields["period"] != "month" {
		t.Fatalf("stored fields = %v", r.Fields)
	}
	if _, ok := r.Fields["gross_net"]; ok {
		t.Fatal("an untouched choice was stored")
	}
	mustSee(t, w, "Gemeente Zwolle")
	mustSee(t, w, "€ 1.234,56  ·  Uitkering  ·  Per maand")

	u.shell.current.(*categoryPage).open(0)
	f = currentForm(t, u)
	if got := f.field(t, "amount").entry.Text; got != "1.234,56" {
		t.Fatalf("amount in the form = %q, want 1.234,56", got)
	}
	if got := f.field(t, "kind").choice.Selected; got != "Uitkering" {
		t.Fatalf("kind in the form = %q", got)
	}
	if f.changed() {
		t.Fatal("a freshly opened form counts as changed")
	}
	// A wrong amount is refused with the money message.
	typeInto(t, f, "amount", "twaalf euro")
	tap(t, w, "Opslaan")
	mustSee(t, w, "Dit is geen bedrag")
	if got, _ := u.session.v.Get(r.ID); got.Version != 1 {
		t.Fatal("a wrong amount made a new version")
	}
}

func TestRequiredFieldsAndEmptyRecord(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	openCategory(t, u, "debts")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	// Tabbing past an empty required field does not scold.
	test.Type(f.field(t, "creditor").entry, "")
	test.Type(f.field(t, "reference").entry, "X")
	if f.field(t, "creditor").message.Visible() {
		t.Fatal("an empty required field was pointed out before saving")
	}
	f.field(t, "reference").entry.SetText("")
	tap(t, w, "Opslaan")
	if got := f.field(t, "creditor").message.Text; got != "Vul dit in." {
		t.Fatalf("required message = %q", got)
	}
	if counts(t, u)["debts"] != 0 {
		t.Fatal("saved without the required field")
	}
}

func addIncome(t *testing.T, u *UI, source, amount string) vault.Record {
	t.Helper()
	r, err := u.session.v.Add("income", map[string]string{"source": source, "amount": amount})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEditHistoryRevert(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	r := addIncome(t, u, "Bakkerij De Korenschoof", "1234,56")
	openCategory(t, u, "income").open(0)
	f := currentForm(t, u)
	typeInto(t, f, "amount", "1500")
	tap(t, w, "Opslaan")
	if got, _ := u.session.v.Get(r.ID); got.Fields["amount"] != "150000" || got.Version != 2 {
		t.Fatalf("after edit: %v version %d", got.Fields, got.Version)
	}
	mustSee(t, w, "€ 1.500,00")

	u.shell.current.(*categoryPage).open(0)
	tap(t, w, "Geschiedenis")
	h, ok := u.shell.current.(*historyPage)
	if !ok {
		t.Fatalf("history not shown (%T)", u.shell.current)
	}
	mustSee(t, w, "(nu)")
	mustSee(t, w, "Versie 2: Bedrag veranderd (door u)")
	mustSee(t, w, "Versie 1: gemaakt (door u)")
	if !h.revert.Disabled() {
		t.Fatal("the current version can be reverted to")
	}
	h.list.Select(1) // version 1, the older one
	mustSee(t, w, "€ 1.234,56")
	tap(t, w, "Deze versie terugzetten")
	tap(t, w, "Ja")
	f = currentForm(t, u)
	if got := f.field(t, "amount").entry.Text; got != "1.234,56" {
		t.Fatalf("amount after revert = %q", got)
	}
	got, _ := u.session.v.Get(r.ID)
	if got.Fields["amount"] != "123456" || got.Version != 3 {
		t.Fatalf("after revert: %v version %d", got.Fields, got.Version)
	}
	hist, _ := u.session.v.History(r.ID)
	if len(hist) != 3 {
		t.Fatalf("history has %d versions, want 3", len(hist))
	}
}

func TestDeleteBinRestore(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	addIncome(t, u, "Zorgtoeslag", "123")
	openCategory(t, u, "income").open(0)
	tap(t, w, "Verwijderen")
	mustSee(t, w, "Naar de prullenbak?")
	tap(t, w, "Ja")
	if n := counts(t, u)["income"]; n != 0 {
		t.Fatalf("income count after delete = %d", n)
	}
	if _, ok := u.shell.current.(*categoryPage); !ok {
		t.Fatalf("after delete the page is %T", u.shell.current)
	}
	mustSee(t, w, "Inkomen (0)")

	u.shell.select_("bin")
	mustSee(t, w, "Zorgtoeslag")
	mustSee(t, w, "Inkomen, verwijderd op")
	tap(t, w, "Terugzetten")
	mustSee(t, w, "Teruggezet: Zorgtoeslag")
	mustSee(t, w, "De prullenbak is leeg.")
	if n := counts(t, u)["income"]; n != 1 {
		t.Fatalf("income count after restore = %d", n)
	}
	mustSee(t, w, "Inkomen (1)")
}

func TestBinRestoresDocuments(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	v := u.session.v
	d, err := v.AddDocument(t.Context(), "loonstrook-mei.pdf", strings.NewReader("%PDF-1.4 test"), vault.DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.DeleteDocument(d.ID); err != nil {
		t.Fatal(err)
	}
	u.shell.select_("bin")
	mustSee(t, w, "loonstrook-mei.pdf")
	mustSee(t, w, "Document, verwijderd op")
	tap(t, w, "Terugzetten")
	docs, _ := v.Documents(false)
	if len(docs) != 1 || docs[0].Deleted {
		t.Fatalf("document not restored: %+v", docs)
	}
}

// The recycle bin deletes one item for good, and empties itself, each
// after a question that says it cannot be undone; documents lose their
// content.
func TestBinPurgeAndEmpty(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	v := u.session.v
	first, _ := v.Add("goals", map[string]string{"title": "Oud doel"})
	second, _ := v.Add("goals", map[string]string{"title": "Ander doel"})
	d, err := v.AddDocument(t.Context(), "oude-brief.pdf", strings.NewReader("%PDF-1.4 test"), vault.DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v.Delete(first.ID)
	v.Delete(second.ID)
	v.DeleteDocument(d.ID)
	u.shell.select_("bin")
	p := u.shell.current.(*binPage)
	if len(p.items) != 3 {
		t.Fatalf("%d items in the bin", len(p.items))
	}

	// One item: the newest first, so the document.
	if p.items[0].id != d.ID {
		t.Fatalf("first row is %q", p.items[0].title)
	}
	tap(t, w, "Voorgoed verwijderen")
	mustSee(t, w, "Voorgoed verwijderen?")
	mustSee(t, w, "Dit kan niet ongedaan worden gemaakt.")
	tap(t, w, "Nee")
	if _, err := v.Document(d.ID); err != nil {
		t.Fatalf("No deleted it anyway: %v", err)
	}
	tap(t, w, "Voorgoed verwijderen")
	tap(t, w, "Ja")
	mustSee(t, w, "Voorgoed verwijderd: oude-brief.pdf")
	if _, err := v.Document(d.ID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("document after purge: %v", err)
	}
	if len(p.items) != 2 {
		t.Fatalf("%d items left, want 2", len(p.items))
	}

	// The Delete key on a row asks the same.
	w.Canvas().Focus(p.list)
	press(t, w, fyne.KeyDelete)
	mustSee(t, w, "Voorgoed verwijderen?")
	tap(t, w, "Nee")

	// Everything.
	tap(t, w, "Prullenbak legen")
	mustSee(t, w, "Prullenbak legen?")
	mustSee(t, w, "Er staan 2 items in. Dit kan niet ongedaan worden gemaakt.")
	tap(t, w, "Ja")
	mustSee(t, w, "De prullenbak is leeg. Alles is voorgoed verwijderd.")
	mustSee(t, w, "De prullenbak is leeg.")
	for _, id := range []string{first.ID, second.ID} {
		if _, err := v.Get(id); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("record after emptying the bin: %v", err)
		}
	}
	if !button(t, w, "Prullenbak legen").Disabled() {
		t.Fatal("an empty bin can still be emptied")
	}
}

func TestUnsavedChangesWarning(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	openCategory(t, u, "goals")

	// Nothing typed: leaving asks nothing.
	tap(t, w, "Toevoegen")
	u.shell.select_("search")
	if _, ok := u.shell.current.(*searchPage); !ok {
		t.Fatalf("an untouched form held the page (%T)", u.shell.current)
	}

	openCategory(t, u, "goals")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	typeInto(t, f, "title", "Werk vinden")
	u.shell.select_("search")
	mustSee(t, w, "Wijzigingen bewaren?")
	mustSee(t, w, "U hebt iets veranderd, maar nog niet opgeslagen.")
	test.Tap(dialogButton(t, w, "Annuleren"))
	if u.shell.current != f {
		t.Fatalf("Annuleren left the form (%T)", u.shell.current)
	}
	if f.field(t, "title").entry.Text != "Werk vinden" {
		t.Fatal("the typed text is gone")
	}

	// Niet opslaan: leave, nothing stored.
	u.shell.select_("documents")
	test.Tap(dialogButton(t, w, "Niet opslaan"))
	if u.shell.current == f {
		t.Fatal("Niet opslaan stayed on the form")
	}
	if counts(t, u)["goals"] != 0 {
		t.Fatal("Niet opslaan saved anyway")
	}

	// Opslaan: stored, then on to where the person was going.
	openCategory(t, u, "goals")
	tap(t, w, "Toevoegen")
	f = currentForm(t, u)
	typeInto(t, f, "title", "Schulden afbetalen")
	u.shell.select_("search")
	test.Tap(dialogButton(t, w, "Opslaan"))
	if counts(t, u)["goals"] != 1 {
		t.Fatal("Opslaan in the dialog did not save")
	}
	if _, ok := u.shell.current.(*searchPage); !ok {
		t.Fatalf("after saving from the dialog the page is %T", u.shell.current)
	}

	// Locking with unsaved edits asks too; the form's own Cancel as well.
	u.shell.select_("goals")
	u.shell.current.(*categoryPage).open(0)
	f = currentForm(t, u)
	typeInto(t, f, "title", "Schulden afbetalen in 2026")
	tap(t, w, "Annuleren")
	mustSee(t, w, "Wijzigingen bewaren?")
	test.Tap(dialogButton(t, w, "Annuleren"))
	tap(t, w, "Vergrendelen")
	mustSee(t, w, "Wijzigingen bewaren?")
	test.Tap(dialogButton(t, w, "Opslaan"))
	if !u.session.v.Locked() {
		t.Fatal("not locked after saving from the dialog")
	}
}

func TestUnsavedWarningSaveRefusedStays(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	openCategory(t, u, "personal")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	typeInto(t, f, "bsn", "12")
	u.shell.select_("search")
	test.Tap(dialogButton(t, w, "Opslaan"))
	if u.shell.current != f {
		t.Fatalf("a form that cannot be saved was left (%T)", u.shell.current)
	}
	mustSee(t, w, "Vul dit in.")
	mustSee(t, w, "Een BSN heeft 9 cijfers")
}

func TestDutchDate(t *testing.T) {
	for in, want := range map[string]string{
		"2024-05-01": "1-5-2024", "2024-12": "12-2024", "1999": "1999", "": "",
	} {
		if got := dutchDate(in); got != want {
			t.Errorf("dutchDate(%q) = %q, want %q", in, got, want)
		}
		if in != "" {
			if n, err := schema.NormalizeDate(dutchDate(in)); err != nil || n != in {
				t.Errorf("NormalizeDate(dutchDate(%q)) = %q, %v", in, n, err)
			}
		}
	}
}

// The markup masters use a window of fixed size, holding only the page, so
// they do not change when the navigation does.
func renderPage(t *testing.T, obj fyne.CanvasObject) fyne.Window {
	t.Helper()
	w := test.NewTempWindow(t, obj)
	w.Resize(fyne.NewSize(820, 760))
	return w
}

func TestMarkupCategoryList(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	v := u.session.v
	for _, f := range []map[string]string{
		{"source": "Bakkerij De Korenschoof", "kind": "salary", "gross_net": "net", "amount": "1.845,20", "period": "month"},
		{"source": "SVB", "kind": "allowance", "amount": "96,50", "period": "month", "since": "1-2024"},
		{"source": "Gemeente Zwolle", "kind": "benefit", "amount": "412,00", "period": "four_weeks"},
	} {
		if _, err := v.Add("income", f); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := schema.Lookup("income")
	p := &categoryPage{u: u, cat: c}
	test.AssertRendersToMarkup(t, "category_income.xml", renderPage(t, p.content()).Canvas())
}

func TestMarkupRecordForm(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	c, _ := schema.Lookup("income")
	p := newRecordForm(u, c, nil, &categoryPage{u: u, cat: c}, "income")
	pw := renderPage(t, p.content())
	test.Type(p.field(t, "amount").entry, "12,3456")
	p.field(t, "source").entry.SetText("")
	p.onSave()
	test.AssertRendersToMarkup(t, "form_income.xml", pw.Canvas())
}

// Enter in a one-line field moves to the next field; Tab never stays in a
// text box of several lines; Ctrl+S saves.
func TestFormKeyboard(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	openCategory(t, u, "network")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	c := w.Canvas()
	if c.Focused() != f.field(t, "name").entry {
		t.Fatalf("first field not focused (%T)", c.Focused())
	}
	test.Type(f.field(t, "name").entry, "Tante Ria")
	f.field(t, "name").entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if c.Focused() != f.field(t, "relation").entry {
		t.Fatalf("Enter did not move on to the next field (%T)", c.Focused())
	}
	if f.field(t, "note").entry.AcceptsTab() {
		t.Fatal("a text box of several lines keeps the Tab key")
	}
	f.field(t, "relation").entry.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault})
	if counts(t, u)["network"] != 1 {
		t.Fatal("Ctrl+S did not save")
	}
}

func TestAutoLockKeepsValidUnsavedEdits(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	openCategory(t, u, "goals")
	tap(t, w, "Toevoegen")
	typeInto(t, currentForm(t, u), "title", "Een baan vinden")
	now := u.session.now()
	u.session.now = func() time.Time { return now.Add(time.Hour) }
	u.checkAutoLock()
	if !u.session.v.Locked() {
		t.Fatal("not locked after an idle hour")
	}
	test.Type(entries(w)[0], "molen sneeuw thee herfst")
	tap(t, w, "Openen")
	recs, err := u.vault().List("goals")
	if err != nil || len(recs) != 1 || recs[0].Fields["title"] != "Een baan vinden" {
		t.Fatalf("the goal typed before the auto-lock: %v %v", recs, err)
	}
}

// TestCareFormEndBeforeStart: the care form refuses an end date before
// the start date, with the message next to the end date; nothing is saved.
func TestCareFormEndBeforeStart(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	openCategory(t, u, "care")
	tap(t, w, "Toevoegen")
	f := currentForm(t, u)
	typeInto(t, f, "provider", "Wijkteam")
	typeInto(t, f, "since", "1-5-2024")
	typeInto(t, f, "until", "1-4-2024")
	tap(t, w, "Opslaan")
	if got := f.field(t, "until").message.Text; got != "De einddatum ligt vóór de begindatum. Kies een einddatum op of na de begindatum." {
		t.Fatalf("message at the end date = %q", got)
	}
	if n := counts(t, u)["care"]; n != 0 || u.shell.current != f {
		t.Fatalf("saved with the end before the start (%d)", n)
	}
	typeInto(t, f, "until", "1-6-2024")
	tap(t, w, "Opslaan")
	if n := counts(t, u)["care"]; n != 1 {
		t.Fatalf("care count after a good end date = %d", n)
	}
}
