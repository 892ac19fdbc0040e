package app

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"kluis/citizen/cases"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	"kluis/sync/request"
)

// requestFrom makes a request of org for income and fixed costs.
func requestFrom(t *testing.T, org *bundle.OrgIdentity, created, answerBy time.Time, scope string) []byte {
	t.Helper()
	items, err := request.ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	b, err := request.New(org, request.Fields{Purpose: "Schuldhulpverlening", LegalBasis: "Wgs artikel 4a", CaseReference: "Z-2026-0042",
		Message: "Beste inwoner, wilt u uw inkomen en vaste lasten delen?", Scope: items,
		AnswerBy: answerBy, KeepUntil: answerBy.AddDate(0, 3, 0)}, created)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uiCheck finds the visible checkbox whose text starts with prefix.
func uiCheck(t *testing.T, w fyne.Window, prefix string) *widget.Check {
	t.Helper()
	var found *widget.Check
	walk(w, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && strings.HasPrefix(c.Text, prefix) && found == nil {
			found = c
		}
	})
	if found == nil {
		t.Fatalf("no checkbox %q; on screen:\n%s", prefix, strings.Join(texts(w), "\n"))
	}
	return found
}

func currentConsent(t *testing.T, u *UI) *consentScreen {
	t.Helper()
	s, ok := u.shell.current.(*consentScreen)
	if !ok {
		t.Fatalf("no consent screen (current page %T)", u.shell.current)
	}
	return s
}

func openLink(t *testing.T, f *shareFixture, link string) {
	t.Helper()
	if _, ok := f.u.shell.current.(*requestsPage); !ok {
		f.u.shell.select_("requests")
	}
	if _, ok := f.u.shell.current.(*requestsPage); !ok {
		f.u.shell.open(newRequestsPage(f.u))
	}
	mustSee(t, f.w, "Verzoeken en berichten")
	e := entries(f.w)
	if len(e) != 1 {
		t.Fatalf("%d entries on the requests page", len(e))
	}
	e[0].SetText(link)
	tap(t, f.w, "Link openen")
}

// The "done when" in the app: the citizen opens the link, sees
// who asks and exactly what would leave, unticks one field, adds a
// message and answers; the answer lacks the field and the thread shows
// request and answer.
func TestConsentAnswerWithoutOneField(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	file := requestFrom(t, f.org, now.Add(-time.Hour), now.Add(14*24*time.Hour), "income,costs")
	openLink(t, f, request.Link(file))
	s := currentConsent(t, u)
	for _, want := range []string{"Verzoek van Gemeente Teststad", "komt echt van Gemeente Teststad", "Schuldhulpverlening", "Wgs artikel 4a",
		"Z-2026-0042", "wilt u uw inkomen", "Dit gaat naar de organisatie", "UWV", "€ 1.234,56", "NL91", "loonstrook.pdf"} {
		mustSee(t, w, want)
	}
	if screenHas(w, "Belastingdienst") || screenHas(w, "Anna") {
		t.Fatal("data the request does not ask for is on the consent screen")
	}
	if screenHas(w, "Let op") {
		t.Fatal("a warning for a known organisation")
	}
	iban := uiCheck(t, w, "Op rekeningnummer (IBAN)")
	test.Tap(iban)
	if iban.Checked || s.fieldOn["income.iban"] {
		t.Fatal("the IBAN is still ticked")
	}
	test.Type(s.message, "Mijn uitkering komt op de 25e.")
	tap(t, w, "Beantwoorden")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Uw antwoord is klaar")
	s = currentConsent(t, u)
	b, err := os.ReadFile(s.tempPath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := bundle.Open(bytes.NewReader(b), bundle.Options{Org: f.org, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	m := r.Manifest()
	if m.Message != "Mijn uitkering komt op de 25e." || m.RequestID == "" || m.CaseReference != "Z-2026-0042" {
		t.Fatalf("manifest %+v", m)
	}
	rs := r.Records()
	if len(rs.Records) != 1 || rs.Records[0].Category != "income" || len(rs.Documents) != 1 {
		t.Fatalf("records %+v", rs)
	}
	if _, ok := rs.Records[0].Fields["iban"]; ok {
		t.Fatal("the unticked IBAN left the machine")
	}
	p, _ := request.Parse(file)
	if err := p.Request.CheckAnswer(m, rs); err != nil {
		t.Fatal(err)
	}

	tap(t, w, "Naar het gesprek")
	mustSee(t, w, "Bestand niet opgeslagen") // the answer is not saved yet
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Gemeente Teststad, zaak Z-2026-0042")
	mustSee(t, w, "Gemeente Teststad vraagt om gegevens")
	mustSee(t, w, "U hebt geantwoord")
	mustSee(t, w, "Mijn uitkering komt op de 25e.")
	// Opening it again: answered, so no second answer.
	tap(t, w, "Verzoek bekijken")
	mustSee(t, w, "U hebt dit verzoek al beantwoord.")
	if !button(t, w, "Beantwoorden").Disabled() {
		t.Fatal("an answered request can be answered again")
	}
}

// TestConsentAnswersWhatItShowed: the vault changes while the consent
// screen is open (a record edited, one added); the answer is the draft the
// screen showed.
func TestConsentAnswersWhatItShowed(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	v := u.vault()
	now := u.deps.Now()
	if _, err := share.RememberCard(v, f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	file := requestFrom(t, f.org, now.Add(-time.Hour), now.Add(14*24*time.Hour), "income")
	openLink(t, f, request.Link(file))
	mustSee(t, w, "€ 1.234,56")
	if _, err := v.Update(f.income.ID, map[string]string{"amount": "9999"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Add("income", map[string]string{"source": "Later", "amount": "5"}); err != nil {
		t.Fatal(err)
	}
	tap(t, w, "Beantwoorden")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Uw antwoord is klaar")
	b, err := os.ReadFile(currentConsent(t, u).tempPath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := bundle.Open(bytes.NewReader(b), bundle.Options{Org: f.org, Now: func() time.Time { return now }})
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
	rs := r.Records().Records
	if len(rs) != 1 || rs[0].ID != f.income.ID || rs[0].CanonicalFields()["amount"] != "123456" {
		t.Fatalf("answered with %+v, not what the screen showed", rs)
	}
}

// An unknown organisation, asking more than its card registers, gets red
// warnings; refusing is one click and a confirmation, and is logged.
func TestConsentWarningsAndRefuse(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	org, err := bundle.GenerateOrgIdentityScoped("Gemeente Teststad", "", []string{"Schuldhulpverlening"},
		[]bundle.PurposeScope{{Purpose: "Schuldhulpverlening", Allowed: []string{"costs", "income.amount", "income.source"}}}, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	openLink(t, f, request.Link(requestFrom(t, org, now.Add(-time.Hour), now.Add(24*time.Hour), "income,costs")))
	mustSee(t, w, "Kluis kent deze organisatie niet")
	mustSee(t, w, "vraagt meer dan zij voor \"Schuldhulpverlening\" mogen vragen")
	if uiCheck(t, w, "Op rekeningnummer (IBAN)").Checked || uiCheck(t, w, "Van wie").Checked {
		t.Fatal("an unknown organisation's request starts with fields ticked")
	}
	mustSee(t, w, "staat er nog niets aangevinkt")
	// Another card of the same name was kept: a likely impostor.
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	openLink(t, f, request.Link(requestFrom(t, org, now.Add(-time.Hour), now.Add(24*time.Hour), "income,costs")))
	mustSee(t, w, "Misschien doet iemand zich voor als Gemeente Teststad")
	mustSee(t, w, "Kluis beantwoordt dit verzoek niet")
	if !button(t, w, "Beantwoorden").Disabled() || button(t, w, "Weigeren").Disabled() {
		t.Fatal("an impostor's request can be answered, or cannot be refused")
	}

	tap(t, w, "Weigeren")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "U hebt het verzoek geweigerd")
	events, err := u.vault().Log()
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range events {
		if e.Action == cases.ActionRefused {
			refused++
		}
	}
	if refused != 1 {
		t.Fatalf("%d refusals logged", refused)
	}
}

// An expired request is shown, but cannot be answered, and says why.
func TestConsentExpired(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	openLink(t, f, request.Link(requestFrom(t, f.org, now.Add(-30*24*time.Hour), now.Add(-24*time.Hour), "income")))
	mustSee(t, w, "U kunt dit verzoek niet meer beantwoorden")
	if !button(t, w, "Beantwoorden").Disabled() || !button(t, w, "Weigeren").Disabled() {
		t.Fatal("an expired request can be answered")
	}
}

// Forged, altered and unsigned requests are refused with their reason,
// and nothing is kept.
func TestConsentRefusesBadRequests(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	file := requestFrom(t, f.org, now.Add(-time.Hour), now.Add(24*time.Hour), "income")
	altered := bytes.Replace(file, []byte("Schuldhulpverlening"), []byte("Schuldhulpverleninq"), 1)
	unsigned := append(bytes.SplitN(file, []byte("\n"), 2)[0], '\n')
	for _, c := range []struct {
		input []byte
		want  string
	}{
		{altered, "veranderd of nagemaakt"},
		{unsigned, "niet ondertekend"},
		{[]byte("kluis:request/v1/!!"), "niet compleet of beschadigd"},
	} {
		openLink(t, f, request.Link(c.input))
		if c.input[0] == 'k' {
			openLink(t, f, string(c.input))
		}
		mustSee(t, w, c.want)
		dialogButton(t, w, "OK").OnTapped()
		if _, ok := u.shell.current.(*consentScreen); ok {
			t.Fatal("a bad request reached the consent screen")
		}
	}
	threads, err := cases.Threads(u.vault())
	if err != nil || len(threads) != 0 {
		t.Fatalf("threads after bad requests: %d %v", len(threads), err)
	}
}

// answerBundle reads the answer the consent screen made.
func answerBundle(t *testing.T, f *shareFixture) (*bundle.Manifest, *bundle.Records) {
	t.Helper()
	b, err := os.ReadFile(currentConsent(t, f.u).tempPath)
	if err != nil {
		t.Fatal(err)
	}
	now := f.u.deps.Now()
	r, err := bundle.Open(bytes.NewReader(b), bundle.Options{Org: f.org, Now: func() time.Time { return now }})
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
	return r.Manifest(), r.Records()
}

// The first defect: the BSN is the only field asked of the
// personal record; unticking it leaves that record out of the answer
// instead of failing with "record 0 has no fields". Every field unticked
// on its own still answers; all of them unticked cannot be sent, and the
// screen says why.
func TestConsentUntickEveryField(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	openLink(t, f, request.Link(requestFrom(t, f.org, now.Add(-time.Hour), now.Add(14*24*time.Hour), "personal.bsn,income.amount,income.source")))
	s := currentConsent(t, u)
	labels := []string{"Burgerservicenummer (BSN)", "Bedrag", "Van wie"}
	for _, l := range labels {
		if !uiCheck(t, w, l).Checked {
			t.Fatalf("%s does not start ticked for a known organisation", l)
		}
	}
	confirmText := "Kluis maakt nu een beveiligd bestand"
	for _, l := range labels {
		c := uiCheck(t, w, l)
		test.Tap(c)
		tap(t, w, "Beantwoorden")
		if screenHas(w, "Er ging iets mis") || screenHas(w, "no fields") || s.problem.Visible() {
			t.Fatalf("unticking %s: %q", l, s.problem.Text)
		}
		mustSee(t, w, confirmText)
		dialogButton(t, w, "Nee").OnTapped()
		// What would be signed holds no empty record.
		d, err := s.draft.Narrow(s.scope())
		if err != nil {
			t.Fatalf("unticking %s: %v", l, err)
		}
		for _, r := range d.Preview().Records {
			if len(r.Fields) == 0 {
				t.Fatalf("unticking %s leaves record %s empty", l, r.Category)
			}
		}
		test.Tap(c)
	}
	for _, l := range labels {
		test.Tap(uiCheck(t, w, l))
	}
	tap(t, w, "Beantwoorden")
	if !s.problem.Visible() || !strings.Contains(s.problem.Text, "U hebt alles uitgevinkt") {
		t.Fatalf("all unticked: problem %q", s.problem.Text)
	}
	if screenHas(w, confirmText) {
		t.Fatal("all unticked, yet the screen asks to send")
	}

	// Only the BSN unticked: the answer holds the income alone.
	test.Tap(uiCheck(t, w, "Bedrag"))
	test.Tap(uiCheck(t, w, "Van wie"))
	tap(t, w, "Beantwoorden")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Uw antwoord is klaar")
	m, rs := answerBundle(t, f)
	if len(rs.Records) != 1 || rs.Records[0].Category != "income" {
		t.Fatalf("answered with %+v", rs.Records)
	}
	for _, r := range rs.Records {
		if _, ok := r.Fields["bsn"]; ok {
			t.Fatal("the unticked BSN left the machine")
		}
	}
	if len(m.Scope.Records) != 0 {
		t.Fatalf("the scope names records %v", m.Scope.Records)
	}
}

// countOnScreen counts the texts on screen, dialogs included, holding sub.
func countOnScreen(w fyne.Window, sub string) int {
	n := 0
	for _, s := range texts(w) {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// The second defect: nothing the card does not register for the
// purpose starts ticked (the BSN); an unknown organisation's request
// starts with nothing ticked, and the confirmation repeats the warning.
func TestConsentStartsWithWhatIsRegistered(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	now := u.deps.Now()
	scoped := func(name string) *bundle.OrgIdentity {
		org, err := bundle.GenerateOrgIdentityScoped(name, "", []string{"Schuldhulpverlening"},
			[]bundle.PurposeScope{{Purpose: "Schuldhulpverlening", Allowed: []string{"income.amount", "income.source"}}}, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return org
	}
	const asks = "personal.bsn,income.amount,income.source"

	// Known, asking the BSN beyond its purpose: the BSN starts unticked.
	known := scoped("Gemeente Teststad")
	if _, err := share.RememberCard(u.vault(), known.CardFile()); err != nil {
		t.Fatal(err)
	}
	openLink(t, f, request.Link(requestFrom(t, known, now.Add(-time.Hour), now.Add(24*time.Hour), asks)))
	if uiCheck(t, w, "Burgerservicenummer (BSN)").Checked || !uiCheck(t, w, "Bedrag").Checked || !uiCheck(t, w, "Van wie").Checked {
		t.Fatal("the BSN starts ticked though the card does not register it, or registered fields do not")
	}
	tap(t, w, "Beantwoorden")
	if screenHas(w, "Kluis kent deze organisatie niet") {
		t.Fatal("a warning for a known organisation")
	}
	dialogButton(t, w, "Nee").OnTapped()

	// Unknown: nothing ticked; the confirmation warns again.
	unknown := scoped("Stichting Onbekend")
	openLink(t, f, request.Link(requestFrom(t, unknown, now.Add(-time.Hour), now.Add(24*time.Hour), asks)))
	for _, l := range []string{"Burgerservicenummer (BSN)", "Bedrag", "Van wie"} {
		if uiCheck(t, w, l).Checked {
			t.Fatalf("%s starts ticked for an unknown organisation", l)
		}
	}
	tap(t, w, "Beantwoorden")
	mustSee(t, w, "U hebt alles uitgevinkt")
	test.Tap(uiCheck(t, w, "Bedrag"))
	before := countOnScreen(w, "Kluis kent deze organisatie niet")
	tap(t, w, "Beantwoorden")
	if countOnScreen(w, "Kluis kent deze organisatie niet") <= before {
		t.Fatalf("the confirmation does not repeat the warning:\n%s", strings.Join(texts(w), "\n"))
	}
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Uw antwoord is klaar")
}
