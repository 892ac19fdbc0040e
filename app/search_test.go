package app

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kluis/vault"
)

func TestSearchAsYouType(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	v := u.session.v
	if _, err := v.AddMany([]vault.NewRecord{
		{Category: "debts", Fields: map[string]string{"creditor": "Belastingdienst", "amount": "860,00", "status": "arrangement"}},
		{Category: "income", Fields: map[string]string{"source": "Belastingdienst toeslagen", "amount": "96,50"}},
		{Category: "network", Fields: map[string]string{"name": "Jan de Buurman", "phone": "0612345678"}},
	}); err != nil {
		t.Fatal(err)
	}
	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	mustSee(t, w, "Typ hierboven wat u zoekt")
	if w.Canvas().Focused() != s.entry {
		t.Fatal("the search box does not have the focus")
	}

	test.Type(s.entry, "belas")
	mustSee(t, w, "2 gevonden")
	mustSee(t, w, "Schulden  ·  € 860,00  ·  Betalingsregeling")
	mustSee(t, w, "Inkomen  ·  € 96,50")
	test.Type(s.entry, "tingdienst toe")
	mustSee(t, w, "1 gevonden")
	mustSee(t, w, "Belastingdienst toeslagen")
	mustNotSee(t, w, "Schulden  ·")

	// An amount as people write it finds the record.
	s.entry.SetText("860,00")
	mustSee(t, w, "1 gevonden")

	// Enter opens the first result; Annuleren comes back to the search,
	// with the text still there.
	s.entry.SetText("buurman")
	s.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	f := currentForm(t, u)
	if got := f.field(t, "name").entry.Text; got != "Jan de Buurman" {
		t.Fatalf("opened %q", got)
	}
	tap(t, w, "Annuleren")
	s2, ok := u.shell.current.(*searchPage)
	if !ok || s2.entry.Text != "buurman" {
		t.Fatalf("back from the form: page %T", u.shell.current)
	}
	mustSee(t, w, "1 gevonden")

	s2.entry.SetText("")
	mustSee(t, w, "Typ hierboven wat u zoekt")
}

// Documents are found by their file name, after the records; choosing one
// shows it on the documents page, chosen, so its buttons act on it.
func TestSearchFindsDocumentsByName(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	v := u.session.v
	if _, err := v.Add("income", map[string]string{"source": "Loonstrook-werkgever", "amount": "100"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, name := range []string{"Loonstrook_maart_2024.pdf", "Beschikking zorgtoeslag.pdf", "loonstrook april.pdf"} {
		d, err := v.AddDocument(t.Context(), name, strings.NewReader("%PDF-1.4"), vault.DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	v.DeleteDocument(ids[2]) // in the recycle bin: not found
	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	test.Type(s.entry, "loonstrook")
	mustSee(t, w, "2 gevonden")
	mustSee(t, w, "Loonstrook_maart_2024.pdf")
	mustSee(t, w, "Document  ·  ")
	mustNotSee(t, w, "loonstrook april.pdf")
	s.entry.SetText("zorgtoeslag beschikking")
	mustSee(t, w, "1 gevonden")
	mustSee(t, w, "Beschikking zorgtoeslag.pdf")

	// Enter opens the first result: the document, chosen on its page.
	s.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	p, ok := u.shell.current.(*documentsPage)
	if !ok {
		t.Fatalf("the document result opened %T", u.shell.current)
	}
	if d, ok := p.current(); !ok || d.ID != ids[1] {
		t.Fatalf("the documents page chose %+v (%v)", d, ok)
	}
	if button(t, w, "Kopie opslaan").Disabled() {
		t.Fatal("the chosen document's buttons are not enabled")
	}
}

// While a search runs, typing on only notes the newest text; the stale
// answer is dropped and the newest text is searched next.
func TestSearchDropsStaleResults(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	if _, err := u.session.v.Add("network", map[string]string{"name": "Janneke"}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.session.v.Add("network", map[string]string{"name": "Jasper"}); err != nil {
		t.Fatal(err)
	}
	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	var asked []string
	s.find = func(v *vault.Vault, q string) (found, error) {
		asked = append(asked, q)
		if q == "ja" {
			// The person types "n" while this search is still running.
			s.entry.SetText("jan")
			if len(asked) > 1 {
				t.Fatal("a second search started while one was running")
			}
		}
		return findAll(v, q)
	}
	s.entry.SetText("ja")
	if !slices.Equal(asked, []string{"ja", "jan"}) {
		t.Fatalf("searched %q, want [ja jan]", asked)
	}
	mustSee(t, w, "1 gevonden")
	mustSee(t, w, "Janneke")
	mustNotSee(t, w, "Jasper")
}

// benchUI is a UI on the test driver with an unlocked vault of n records,
// showing the main window.
func benchUI(b *testing.B, n int) *UI {
	b.Helper()
	return benchUIWith(b, sampleHousehold(n))
}

// benchUIWith is benchUI with the given records.
func benchUIWith(b *testing.B, records []vault.NewRecord) *UI {
	b.Helper()
	a := test.NewTempApp(b)
	w := a.NewWindow("Kluis")
	w.Resize(fyne.NewSize(1100, 720))
	path := filepath.Join(b.TempDir(), "vault.kluis")
	u := newUI(a, w, Deps{VaultPath: path}, true)
	v, _, err := vault.Create(path, []byte(testPass), "", nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.AddMany(records); err != nil {
		b.Fatal(err)
	}
	u.startSession(v, false)
	u.showMain()
	b.Cleanup(func() {
		u.closeSession()
		w.Close()
	})
	return u
}

// sampleHousehold is n made-up records, a quarter of them income.
func sampleHousehold(n int) []vault.NewRecord {
	given := []string{"Anna", "Jan", "Fatima", "Pieter", "Sanne", "Mohammed", "Eva", "Kees"}
	family := []string{"Jansen", "de Vries", "Bakker", "El Amrani", "Visser", "Smit", "Mulder", "de Boer"}
	out := make([]vault.NewRecord, n)
	for i := range out {
		name := given[i%len(given)] + " " + family[(i/len(given))%len(family)]
		switch i % 4 {
		case 0:
			out[i] = vault.NewRecord{Category: "income", Fields: map[string]string{
				"source": fmt.Sprintf("Werkgever %d", i), "kind": "salary", "amount": fmt.Sprintf("%d,%02d", 1000+i%2000, i%100),
				"period": "month", "iban": "NL91ABNA0417164300", "since": fmt.Sprintf("%d-%d-20%02d", 1+i%28, 1+i%12, i%25)}}
		case 1:
			out[i] = vault.NewRecord{Category: "debts", Fields: map[string]string{
				"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": fmt.Sprintf("%d,00", 50+i%5000), "status": "open",
				"reference": fmt.Sprintf("REF-%06d", i)}}
		case 2:
			out[i] = vault.NewRecord{Category: "network", Fields: map[string]string{
				"name": name, "phone": "0612345678", "can_help_with": "boodschappen en post"}}
		default:
			out[i] = vault.NewRecord{Category: "household", Fields: map[string]string{
				"given_names": given[i%len(given)], "surname": family[i%len(family)], "relation": "child",
				"birth_date": fmt.Sprintf("%d-%d-20%02d", 1+i%28, 1+i%12, i%25)}}
		}
	}
	return out
}

// BenchmarkSearchKeystroke10k measures one keystroke in the search box of
// a 10,000-record vault: the search and the list showing its results.
// The text before the keystroke is set outside the timer.
func BenchmarkSearchKeystroke10k(b *testing.B) {
	u := benchUI(b, 10_000)
	u.shell.select_("search")
	s := u.shell.current.(*searchPage)
	queries := []struct{ before, key string }{
		{"werkgever 12", "3"}, // a few results
		{"jan", "s"},          // many results
		{"schuldeise", "r"},   // a quarter of all records
		{"buurvrou", "w"},     // nothing
	}
	for i := 0; b.Loop(); i++ {
		q := queries[i%len(queries)]
		b.StopTimer()
		s.entry.SetText(q.before)
		s.entry.CursorColumn = len(q.before)
		b.StartTimer()
		s.entry.TypedRune(rune(q.key[0]))
	}
}

// BenchmarkOpenCategory10k measures showing the income page (2,500 of
// 10,000 records) from the navigation, until the list is filled.
func BenchmarkOpenCategory10k(b *testing.B) {
	u := benchUI(b, 10_000)
	for b.Loop() {
		b.StopTimer()
		u.shell.select_("search")
		b.StartTimer()
		u.shell.select_("income")
	}
	p := u.shell.current.(*categoryPage)
	if n := p.rows.len(); n != 2500 {
		b.Fatalf("income page lists %d records, want 2500", n)
	}
}

// BenchmarkOpenCategoryOf10k measures showing a category that holds all
// 10,000 records of the vault, until the list is filled.
func BenchmarkOpenCategoryOf10k(b *testing.B) {
	records := sampleHousehold(40_000)
	income := make([]vault.NewRecord, 0, 10_000)
	for _, r := range records {
		if r.Category == "income" {
			income = append(income, r)
		}
	}
	u := benchUIWith(b, income)
	for b.Loop() {
		b.StopTimer()
		u.shell.select_("search")
		b.StartTimer()
		u.shell.select_("income")
	}
	p := u.shell.current.(*categoryPage)
	if n := p.rows.len(); n != 10_000 {
		b.Fatalf("income page lists %d records, want 10000", n)
	}
}
