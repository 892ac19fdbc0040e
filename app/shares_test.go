package app

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"kluis/assets"
	"kluis/citizen/share"
	"kluis/intake"
	"kluis/sync/bundle"
	"kluis/vault"
)

// shareFixture is a vault with a few records and a document, and an
// organisation (identity and card file) to share with.
type shareFixture struct {
	u        *UI
	w        fyne.Window
	dir      string
	org      *bundle.OrgIdentity
	card     string // path of the organisation's card file
	income   vault.Record
	personal vault.Record
	debt     vault.Record
}

func newShareFixture(t *testing.T) *shareFixture {
	t.Helper()
	u, w := newTestUI(t)
	createVault(t, u, w, testPass)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	u.deps.Now = func() time.Time { return now }
	f := &shareFixture{u: u, w: w, dir: t.TempDir()}
	v := u.session.v
	var err error
	add := func(cat string, fields map[string]string) vault.Record {
		t.Helper()
		r, err := v.Add(cat, fields)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f.personal = add("personal", map[string]string{"given_names": "Anna", "surname": "Berg", "bsn": "111222333", "birth_date": "1983-02-14"})
	f.income = add("income", map[string]string{"source": "UWV", "kind": "benefit", "amount": "1234,56", "period": "month", "iban": "NL91ABNA0417164300"})
	f.debt = add("debts", map[string]string{"creditor": "Belastingdienst", "amount": "250"})
	if _, err := v.AddDocument(context.Background(), "loonstrook.pdf", io.LimitReader(rand.NewChaCha8([32]byte{1}), 3000),
		vault.DocumentOptions{Record: f.income.ID}); err != nil {
		t.Fatal(err)
	}
	f.org, err = bundle.GenerateOrgIdentity("Gemeente Teststad", "00000001234567890000", []string{"Schuldhulpverlening"}, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.card = filepath.Join(f.dir, "teststad.card")
	if err := os.WriteFile(f.card, f.org.CardFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	u.shell.refreshCounts()
	return f
}

// check finds the visible checkbox with exactly this text.
func check(t *testing.T, w fyne.Window, text string) *scopeCheck {
	t.Helper()
	var found *scopeCheck
	walk(w, func(o fyne.CanvasObject) {
		if c, ok := o.(*scopeCheck); ok && c.Text == text && found == nil {
			found = c
		}
	})
	if found == nil {
		t.Fatalf("no checkbox %q; on screen:\n%s", text, strings.Join(texts(w), "\n"))
	}
	return found
}

func currentWizard(t *testing.T, u *UI) *shareWizard {
	t.Helper()
	w, ok := u.shell.current.(*shareWizard)
	if !ok {
		t.Fatalf("no share wizard on screen (current page %T)", u.shell.current)
	}
	return w
}

func currentShares(t *testing.T, u *UI) *sharesPage {
	t.Helper()
	p, ok := u.shell.current.(*sharesPage)
	if !ok {
		t.Fatalf("no shares overview on screen (current page %T)", u.shell.current)
	}
	return p
}

// chooseScope goes to the scope step and picks personal details and
// income, with the income's IBAN left out.
func (f *shareFixture) chooseScope(t *testing.T) {
	t.Helper()
	tap(t, f.w, "Volgende")
	mustSee(t, f.w, "Stap 2 van 5: Wat deelt u?")
	test.Tap(check(t, f.w, "Persoonlijke gegevens (1)"))
	mustSee(t, f.w, "Het BSN staat uit")
	if check(t, f.w, "Burgerservicenummer (BSN)").Checked {
		t.Fatal("the BSN is ticked by default")
	}
	test.Tap(check(t, f.w, "Inkomen (1)"))
	test.Tap(check(t, f.w, "Op rekeningnummer (IBAN)"))
}

// TestShareWizardToIntake walks the wizard with a card through to a
// bundle file that the organisation's intake imports, holding exactly the
// chosen records without the left-out fields; then the overview, a
// receipt and a revocation.
func TestShareWizardToIntake(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	u.shell.select_("shares")
	mustSee(t, w, "U hebt nog niets gedeeld")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	mustSee(t, w, "Stap 1 van 5: Met wie deelt u?")
	wiz.to.loadCardFile(f.card)
	mustSee(t, w, "Naam: Gemeente Teststad")
	mustSee(t, w, bundle.ShortFingerprint(f.org.Card().Fingerprint()))
	if wiz.card == nil || wiz.card.Org != "Gemeente Teststad" {
		t.Fatalf("loaded card not chosen: %+v", wiz.card)
	}

	f.chooseScope(t)
	mustSee(t, w, "Dit gaat naar Gemeente Teststad: 2 gegevens, 1 document")
	mustSee(t, w, "Bedrag: € 1.234,56")
	mustSee(t, w, "Soort inkomen: Uitkering")
	mustSee(t, w, "loonstrook.pdf  ·  3 KB")
	mustNotSee(t, w, "NL91")
	mustNotSee(t, w, "111222333")
	test.AssertRendersToMarkup(t, "share_wizard_scope.xml", w.Canvas())

	tap(t, w, "Volgende")
	mustSee(t, w, "Stap 3 van 5: Tot wanneer?")
	mustSee(t, w, "Geldig tot 9 dec. 2026")
	tap(t, w, "Volgende")
	mustSee(t, w, "Stap 4 van 5: Waarvoor?")
	tap(t, w, "Volgende")
	mustSee(t, w, "Vul in waarvoor de gegevens zijn")
	tap(t, w, "Schuldhulpverlening")
	test.Type(wiz.why.caseE, "Z-2026-17")
	tap(t, w, "Volgende")
	mustSee(t, w, "Stap 5 van 5: Controleren en delen")
	mustSee(t, w, "Persoonlijke gegevens, Inkomen (2 gegevens, 1 document)")
	tap(t, w, "Deling maken")
	mustSee(t, w, "De deling is gemaakt")
	mustSee(t, w, "Deze deling is te groot voor een link")
	if wiz.made.tempPath == "" {
		t.Fatal("no bundle made")
	}
	out := filepath.Join(f.dir, shareFileName(u.deps.Now()))
	wiz.made.saveTo(out)
	mustSee(t, w, "Opgeslagen als "+out)

	// The organisation imports it.
	store, err := intake.Open(filepath.Join(f.dir, "store"), f.org, &intake.Options{Now: u.deps.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	file, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	imp, _, err := store.Import(context.Background(), file, intake.ImportOptions{})
	file.Close()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := imp.ParsedManifest()
	if m.Purpose != "Schuldhulpverlening" || m.CaseReference != "Z-2026-17" || m.Recipient.Org != "Gemeente Teststad" {
		t.Errorf("manifest = %+v", m)
	}
	if d := m.NotAfter.Sub(u.deps.Now()); d != 14*24*time.Hour {
		t.Errorf("valid for %v, want 14 days", d)
	}
	rs, _ := imp.ParsedRecords()
	got := map[string]map[string]string{}
	for _, r := range rs.Records {
		got[r.ID] = r.CanonicalFields()
	}
	want := map[string]map[string]string{
		f.personal.ID: {"given_names": "Anna", "surname": "Berg", "birth_date": "1983-02-14"},
		f.income.ID:   {"source": "UWV", "kind": "benefit", "amount": "123456", "period": "month"},
	}
	if len(got) != len(want) {
		t.Fatalf("records shared: %v", got)
	}
	for id, fields := range want {
		if len(got[id]) != len(fields) {
			t.Errorf("record %s shared as %v, want %v", id, got[id], fields)
		}
		for k, v := range fields {
			if got[id][k] != v {
				t.Errorf("record %s field %s = %q, want %q", id, k, got[id][k], v)
			}
		}
	}
	if len(imp.Documents) != 1 || imp.Documents[0].Name != "loonstrook.pdf" {
		t.Errorf("documents = %+v", imp.Documents)
	}

	// The overview shows it; leaving needs no question, the file is saved.
	tap(t, w, "Klaar")
	p := currentShares(t, u)
	mustSee(t, w, "Actief (1)")
	mustSee(t, w, "Gemeente Teststad")
	mustSee(t, w, "Waarvoor: Schuldhulpverlening")
	mustSee(t, w, "Geldig tot 9 dec. 2026")
	mustSee(t, w, "Ontvangstbewijs: nog niet ontvangen")

	// The receipt.
	receipt, err := store.Receipt(imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	rpath := filepath.Join(f.dir, "ontvangst.kluis-receipt")
	os.WriteFile(rpath, receipt, 0o600)
	p.importReceipt(rpath)
	mustSee(t, w, "Gemeente Teststad heeft uw gegevens ontvangen")
	dismiss(w)
	mustSee(t, w, "Ontvangstbewijs: ontvangen op")

	// Revoking: a question that says a copy already read cannot be unseen,
	// then a notice the organisation accepts.
	tap(t, w, "Intrekken…")
	mustSee(t, w, "niet ongedaan maken")
	dismiss(w)
	npath := filepath.Join(f.dir, "intrekking.kluis-revoke")
	p.writeNotice(currentShareInfo(t, u), npath)
	mustSee(t, w, "Stuur dit bestand naar Gemeente Teststad")
	dismiss(w)
	mustSee(t, w, "Ingetrokken (1)")
	notice, err := os.ReadFile(npath)
	if err != nil {
		t.Fatal(err)
	}
	purged, err := store.Revoke(notice)
	if err != nil || purged.ID != imp.ID {
		t.Fatalf("intake refused the notice: %+v, %v", purged, err)
	}
}

func currentShareInfo(t *testing.T, u *UI) share.Info {
	t.Helper()
	list, err := share.List(u.session.v)
	if err != nil || len(list) == 0 {
		t.Fatalf("shares: %v, %v", list, err)
	}
	return list[0]
}

// dismiss closes the top dialog.
func dismiss(w fyne.Window) {
	if top := w.Canvas().Overlays().Top(); top != nil {
		w.Canvas().Overlays().Remove(top)
	}
}

// TestShareWizardWithCode makes a small share with a share code: the code
// is shown, the link is copied (and later cleared) and opens with the code.
func TestShareWizardWithCode(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	wiz.to.radio.SetSelected("Geen kaart: deel met een code")
	mustSee(t, w, "Alleen wie de code heeft")
	tap(t, w, "Volgende")
	test.Tap(check(t, w, "Schulden (1)"))
	mustSee(t, w, "Dit gaat naar wie de deelcode heeft: 1 gegeven, 0 documenten")
	tap(t, w, "Volgende")
	wiz.until.radio.SetSelected("Tot een datum die ik kies")
	test.Type(wiz.until.dateEntry, "1-1-2020")
	tap(t, w, "Volgende")
	mustSee(t, w, "al voorbij")
	wiz.until.dateEntry.SetText("")
	test.Type(wiz.until.dateEntry, "31-12-2026")
	mustSee(t, w, "Geldig tot 31 dec. 2026 23:59")
	tap(t, w, "Volgende")
	test.Type(wiz.why.purposeE, "Kwijtschelding")
	tap(t, w, "Volgende")
	tap(t, w, "Deling maken")
	code := wiz.made.result.Code
	if code == "" {
		t.Fatal("no share code")
	}
	mustSee(t, w, code.String())
	mustSee(t, w, "op een andere manier dan het bestand")
	tap(t, w, "Link kopiëren")
	cb := u.app.Clipboard()
	link := cb.Content()
	if !strings.HasPrefix(link, bundle.URIPrefix) {
		t.Fatalf("clipboard holds %q", link)
	}
	data, err := bundle.ParseBundleURI(link)
	if err != nil {
		t.Fatal(err)
	}
	r, err := bundle.Open(bytes.NewReader(data), bundle.Options{Code: code, Now: u.deps.Now})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if recs := r.Records().Records; len(recs) != 1 || recs[0].ID != f.debt.ID {
		t.Errorf("records in the link: %+v", recs)
	}
	clearClipboardIf(cb, link)
	if cb.Content() != "" {
		t.Error("the link stayed on the clipboard")
	}
	cb.SetContent("iets anders")
	clearClipboardIf(cb, link)
	if cb.Content() != "iets anders" {
		t.Error("something copied later was cleared")
	}

	// Leaving without saving the file asks first; the temporary file goes.
	temp := wiz.made.tempPath
	tap(t, w, "Klaar")
	mustSee(t, w, "nog niet opgeslagen")
	dialogButton(t, w, "Ja").OnTapped()
	currentShares(t, u)
	if _, err := os.Stat(temp); !os.IsNotExist(err) {
		t.Errorf("temporary bundle left behind: %v", err)
	}
	mustSee(t, w, "Gedeeld met een deelcode")
}

// TestShareWizardSignsWhatItShowed: the vault changes after the preview
// (a record edited, one added in a shared category, one deleted), as a
// sync or the CLI may do; the wizard signs the draft its preview showed.
func TestShareWizardSignsWhatItShowed(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	v := u.session.v
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	wiz.to.radio.SetSelected("Geen kaart: deel met een code")
	tap(t, w, "Volgende")
	test.Tap(check(t, w, "Inkomen (1)"))
	test.Tap(check(t, w, "Schulden (1)"))
	mustSee(t, w, "Dit gaat naar wie de deelcode heeft: 2 gegevens, 1 document")
	mustSee(t, w, "Bedrag: € 1.234,56")
	shown := wiz.preview

	if _, err := v.Update(f.income.ID, map[string]string{"amount": "9999"}); err != nil {
		t.Fatal(err)
	}
	added, err := v.Add("income", map[string]string{"source": "Later", "amount": "5"})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Delete(f.debt.ID); err != nil {
		t.Fatal(err)
	}

	tap(t, w, "Volgende")
	tap(t, w, "Volgende")
	test.Type(wiz.why.purposeE, "Kwijtschelding")
	tap(t, w, "Volgende")
	mustSee(t, w, "Inkomen, Schulden (2 gegevens, 1 document)")
	tap(t, w, "Deling maken")
	mustSee(t, w, "De deling is gemaakt")
	file, err := os.Open(wiz.made.tempPath)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, err := bundle.Open(file, bundle.Options{Code: wiz.made.result.Code, Now: u.deps.Now})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	recs := r.Records().Records
	if len(recs) != len(shown.Records) {
		t.Fatalf("signed %d records, the preview showed %d", len(recs), len(shown.Records))
	}
	for i, rec := range recs {
		want := shown.Records[i]
		if rec.ID != want.ID || rec.ID == added.ID {
			t.Errorf("record %d is %s, the preview showed %s", i, rec.ID, want.ID)
		}
		got := rec.CanonicalFields()
		if len(got) != len(want.Fields) {
			t.Errorf("record %s signed with %v, the preview showed %+v", rec.ID, got, want.Fields)
		}
		for _, pf := range want.Fields {
			if got[pf.ID] != pf.Value {
				t.Errorf("record %s field %s signed as %q, shown as %q", rec.ID, pf.ID, got[pf.ID], pf.Value)
			}
		}
	}
	if strings.Contains(string(r.RecordsBytes()), "9999") {
		t.Error("an edit made after the preview was signed")
	}
}

// TestShareWizardOffersDemoCardOnlyInDemo: a real vault's wizard neither
// offers nor preselects the demo municipality, not even when its card was
// remembered before, and refuses its card file; the demo vault offers it.
func TestShareWizardOffersDemoCardOnlyInDemo(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	if _, err := share.RememberCard(u.session.v, assets.DemoCard); err != nil {
		t.Fatal(err)
	}
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	mustSee(t, w, "Stap 1 van 5: Met wie deelt u?")
	mustNotSee(t, w, "Gemeente Voorbeeld")
	if wiz.card != nil {
		t.Fatalf("card %q preselected", wiz.card.Org)
	}
	demoFile := filepath.Join(f.dir, "demo.card")
	if err := os.WriteFile(demoFile, assets.DemoCard, 0o600); err != nil {
		t.Fatal(err)
	}
	wiz.to.loadCardFile(demoFile)
	mustSee(t, w, "Die kunt u alleen in de demo gebruiken")
	if wiz.card != nil {
		t.Fatalf("demo card chosen in a real vault: %q", wiz.card.Org)
	}
	for _, c := range wiz.cards {
		if isDemoCard(c) {
			t.Fatal("demo card offered in a real vault")
		}
	}

	d, dw := newTestUI(t)
	tap(t, dw, "Probeer het met voorbeeldgegevens")
	if d.vault() == nil || !d.session.demo {
		t.Fatal("the example vault is not open")
	}
	d.shell.select_("shares")
	tap(t, dw, "Nieuwe deling")
	mustSee(t, dw, "Gemeente Voorbeeld (demo)")
}

// TestDemoCardParses checks the demo card shipped in assets is a valid card.
func TestDemoCardParses(t *testing.T) {
	if _, err := bundle.ParseCard(assets.DemoCard); err != nil {
		t.Fatal(err)
	}
}

// While the draft of the latest choice is still being made, the wizard
// does not move on: the next steps would show, and the last would sign, a
// draft of an older choice. A draft that arrives after the step was left
// replaces nothing.
func TestShareWizardWaitsForTheLatestDraft(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	wiz.to.radio.SetSelected("Geen kaart: deel met een code")
	tap(t, w, "Volgende")
	test.Tap(check(t, w, "Inkomen (1)"))
	if wiz.draft == nil || wiz.what.collecting {
		t.Fatal("no draft after a choice (tests make it inline)")
	}
	wiz.what.collecting = true
	if msg := wiz.what.done(); msg != lang.L("app.wizard.scope_busy") {
		t.Fatalf("done while a draft is being made: %q", msg)
	}
	wiz.what.collecting = false
	before := wiz.what.previewN
	if msg := wiz.what.done(); msg != "" {
		t.Fatalf("done with a draft: %q", msg)
	}
	if wiz.what.previewN == before {
		t.Error("leaving the step does not make a draft still on its way stale")
	}
}

// A card whose name only looks like a kept card's (a Cyrillic о), with
// another key, is not kept or chosen in the wizard: the citizen is told
// that someone may be pretending.
func TestShareWizardRefusesLookAlikeCard(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	fake, err := bundle.GenerateOrgIdentity("Gemeente Testst\u0430d", "", nil, u.deps.Now().Add(-time.Hour)) // a Cyrillic а
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, "nep.card")
	if err := os.WriteFile(path, fake.CardFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	wiz.to.loadCardFile(path)
	mustSee(t, w, "Misschien doet iemand zich voor als die organisatie")
	if wiz.card != nil && wiz.card.Fingerprint() == fake.Card().Fingerprint() {
		t.Fatal("the look-alike card was chosen")
	}
	if cards, _ := share.Cards(u.vault()); len(cards) != 1 {
		t.Fatalf("%d cards kept", len(cards))
	}
}
