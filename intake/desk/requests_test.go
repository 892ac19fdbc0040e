package desk

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/intake"
	"kluis/sync/bundle"
	"kluis/sync/request"
)

// scopedOrg registers two purposes: debt help, which may ask for income,
// costs, debts and the IBAN, and youth work, for which the card registers
// nothing.
func scopedOrg(t *testing.T) *bundle.OrgIdentity {
	t.Helper()
	org, err := bundle.GenerateOrgIdentityScoped("Gemeente Zwolle", "", []string{"Schuldhulp", "Jongerenwerk"},
		[]bundle.PurposeScope{{Purpose: "Schuldhulp", Allowed: []string{"costs", "debts", "income", "personal.iban"}}},
		start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// requestForm is a filled-in request form.
func requestForm(csrf, purpose string, scope ...string) url.Values {
	return url.Values{"csrf": {csrf}, "purpose": {purpose}, "scope": scope, "legal_basis": {"Wgs artikel 5"},
		"case": {"Z-2026-0042"}, "answer_by": {"2026-03-16"}, "message": {"Wilt u dit sturen?"}}
}

var requestLink = regexp.MustCompile(`kluis:request/v1/[A-Za-z0-9_-]+`)

func TestComposeRequest(t *testing.T) {
	t.Parallel()
	d := newDeskOf(t, scopedOrg(t), Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	if r := b.get("/requests"); r.status != http.StatusOK || !strings.Contains(r.body, "U heeft nog geen verzoeken gemaakt.") {
		t.Fatalf("empty list: %d %.500s", r.status, r.body)
	}
	form := b.get("/requests/new")
	for _, want := range []string{
		"Regel: voor elk doel mag u alleen vragen", "Schuldhulp", "Mag vragen: Vaste lasten; Schulden; Inkomen; Persoonlijke gegevens: IBAN.",
		`value="Jongerenwerk" required disabled`, "Op de kaart staat niet wat dit doel mag vragen", `type="date"`, `name="scope" value="personal.bsn"`,
		"Huishouden", "Relatie tot de inwoner",
	} {
		if !strings.Contains(form.body, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	tok := b.csrf("/requests/new")
	f := requestForm(tok, "Schuldhulp", "income", "personal.iban")
	f.Set("message", "Wilt u dit sturen? <script>alert(1)</script>")
	r := b.post("/requests", f)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/requests/") {
		t.Fatalf("make: %d %s %.800s", r.status, r.header.Get("Location"), r.body)
	}
	srs, err := d.store.Requests()
	if err != nil || len(srs) != 1 {
		t.Fatalf("store holds %d requests (%v)", len(srs), err)
	}
	id := srs[0].ID
	page, at := b.follow(r.header.Get("Location"))
	if at != "/requests/"+id {
		t.Errorf("made request goes to %s", at)
	}
	for _, want := range []string{
		"Het verzoek is gemaakt. De inwoner kan antwoorden tot en met 16 maart 2026.", "Verzoek: Schuldhulp", "Wacht op antwoord",
		"Wgs artikel 5", "Z-2026-0042", "Inkomen</strong>: alle gegevens", "Persoonlijke gegevens</strong>: IBAN",
		`src="/requests/` + id + `/qr.png"`, "16 juni 2026", // kept three months after the answer-by date
		"&lt;script&gt;alert(1)&lt;/script&gt;",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the request's page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "<script>") {
		t.Error("the message is markup on the page")
	}
	// The link on the page is the request, signed by the organisation.
	link := requestLink.FindString(html.UnescapeString(page.body))
	file, err := request.Decode([]byte(link))
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	p, err := request.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Request
	if q.ID != id || q.Purpose != "Schuldhulp" || q.CaseReference != "Z-2026-0042" || q.LegalBasis != "Wgs artikel 5" ||
		p.Card.Fingerprint() != d.org.Card().Fingerprint() || scopeText(q.Scope) != "income,personal.iban" {
		t.Errorf("the link's request: %+v", q)
	}
	if want := time.Date(2026, 3, 16, 23, 59, 59, 0, amsterdam); !q.AnswerBy.Equal(want) {
		t.Errorf("answer by %v, want the end of 16 March in Amsterdam", q.AnswerBy)
	}
	if qr := b.get("/requests/" + id + "/qr.png"); qr.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.body, "\x89PNG\r\n\x1a\n") {
		t.Errorf("QR: %d %v", qr.status, qr.header)
	}
	dl := b.get("/requests/" + id + "/file")
	if !bytes.Equal([]byte(dl.body), file) || !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(dl.header.Get("Content-Disposition"), ".kluis-request") {
		t.Errorf("file: %v", dl.header)
	}
	text := b.get("/requests/" + id[:8] + "/file?as=text")
	if got, err := request.Decode([]byte(text.body)); err != nil || !bytes.Equal(got, file) ||
		!strings.HasPrefix(text.body, "-----BEGIN KLUIS DATA REQUEST-----") {
		t.Errorf("armored text: %v %.100q", err, text.body)
	}
	list := b.get("/requests").body
	for _, want := range []string{`href="/requests/` + id + `"`, "Schuldhulp", "Z-2026-0042", "Inkomen; Persoonlijke gegevens: IBAN", "Wacht op antwoord"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	// The processing log says who made it, for which purpose.
	es, _ := d.store.LogEntries(0, 100)
	if !slices.ContainsFunc(es, func(e intake.LogEntry) bool {
		return e.Action == intake.ActRequest && e.User == caseworker && e.Purpose == "Schuldhulp" && strings.Contains(e.Detail, id)
	}) {
		t.Errorf("no log entry for the request: %+v", es)
	}
	for _, p := range []string{"/requests/3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "/requests/zzzz", "/requests/3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/qr.png",
		"/requests/..%2f..%2fintake.db/file"} {
		if r := b.get(p); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", p, r.status)
		}
	}
}

// TestRequestRefusals: over-asking, a purpose not on the card, nothing
// asked, bad dates and a missing CSRF token are refused, the form comes
// back as it was filled in, and nothing is kept.
func TestRequestRefusals(t *testing.T) {
	t.Parallel()
	d := newDeskOf(t, scopedOrg(t), Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	tok := b.csrf("/requests/new")
	dates := func(answerBy, keepUntil string, f url.Values) url.Values {
		f.Set("answer_by", answerBy)
		f.Set("keep_until", keepUntil)
		return f
	}
	for name, c := range map[string]struct {
		form url.Values
		want string
	}{
		"over-asking a category": {requestForm(tok, "Schuldhulp", "income", "care"),
			"Voor het doel ‘Schuldhulp’ mag u dit niet vragen: Zorg en ondersteuning. Haal het vinkje weg"},
		"over-asking a field": {requestForm(tok, "Schuldhulp", "debts", "personal.bsn", "personal.iban"),
			"Voor het doel ‘Schuldhulp’ mag u dit niet vragen: Persoonlijke gegevens: BSN."},
		"nothing registered": {requestForm(tok, "Jongerenwerk", "income"), "Op de organisatiekaart staat niet wat het doel ‘Jongerenwerk’ mag vragen"},
		"not on the card":    {requestForm(tok, "Iets anders", "income"), "Kies een doel uit de lijst"},
		"no purpose":         {requestForm(tok, "", "income"), "Kies het doel van het verzoek."},
		"nothing asked":      {requestForm(tok, "Schuldhulp"), "Kies wat u vraagt"},
		"unknown category":   {requestForm(tok, "Schuldhulp", "geheimen"), "soort gegevens"},
		"not a date":         {dates("volgende week", "", requestForm(tok, "Schuldhulp", "income")), "Kies een datum om te antwoorden: vandaag of later."},
		"in the past":        {dates("2026-03-01", "", requestForm(tok, "Schuldhulp", "income")), "Kies een datum om te antwoorden: vandaag of later."},
		"kept before answer": {dates("2026-03-16", "2026-03-10", requestForm(tok, "Schuldhulp", "income")), "mag niet vóór de datum om te antwoorden liggen"},
		"kept too long":      {dates("2026-03-16", "2029-01-01", requestForm(tok, "Schuldhulp", "income")), "hoogstens tot en met 2 maart 2028 bewaard"},
		"answer too late":    {dates("2027-12-31", "", requestForm(tok, "Schuldhulp", "income")), "hoogstens tot en met 2 maart 2028 bewaard"},
	} {
		r := b.post("/requests", c.form)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
			t.Errorf("%s: %d, want %q in %.600s", name, r.status, c.want, problemOf(r.body))
			continue
		}
		// The form is shown again, as it was filled in.
		for _, v := range c.form["scope"] {
			if !strings.Contains(r.body, `value="`+v+`" checked`) && v != "geheimen" {
				t.Errorf("%s: %s is no longer ticked", name, v)
			}
		}
		if !strings.Contains(r.body, `value="Z-2026-0042"`) || !strings.Contains(r.body, "Wilt u dit sturen?</textarea>") {
			t.Errorf("%s: the form lost what was typed", name)
		}
		if p := c.form.Get("purpose"); p == "Schuldhulp" && !strings.Contains(r.body, `value="Schuldhulp" required checked`) {
			t.Errorf("%s: the purpose is no longer chosen", name)
		}
	}
	// Without the CSRF token: 403.
	for _, tok := range []string{"", "wrong"} {
		if r := b.post("/requests", requestForm(tok, "Schuldhulp", "income")); r.status != http.StatusForbidden {
			t.Errorf("token %q: %d", tok, r.status)
		}
	}
	if srs, _ := d.store.Requests(); len(srs) != 0 {
		t.Errorf("refused forms kept %d requests", len(srs))
	}
	// What passes is made: the whole allowed scope.
	if r := b.post("/requests", requestForm(tok, "Schuldhulp", "income", "costs", "debts", "personal.iban")); r.status != http.StatusSeeOther {
		t.Errorf("allowed scope: %d %.600s", r.status, problemOf(r.body))
	}
}

// problemOf is the problem a page shows, for test failures.
func problemOf(body string) string {
	if m := regexp.MustCompile(`(?s)class="problem"[^>]*>(.*?)</p>`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return body
}

// TestRequestAnsweredAndExpired: a bundle that answers a request made on
// the desk, received through the inbox, makes the request answered with a
// link to its case; once the case is deleted the request says so; a
// request without an answer expires after its date.
func TestRequestAnsweredAndExpired(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	tok := b.csrf("/requests/new")
	if !strings.Contains(b.get("/requests/new").body, `id="purpose" name="purpose"`) {
		t.Error("a card without purposes: the purpose is not typed")
	}
	r := b.post("/requests", requestForm(tok, "Aanvraag schuldhulp", "debts", "household"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("make: %d %.600s", r.status, problemOf(r.body))
	}
	id := strings.TrimPrefix(r.header.Get("Location"), "/requests/")
	late := requestForm(tok, "Aanvraag schuldhulp", "income")
	late.Set("answer_by", "2026-03-05")
	if r = b.post("/requests", late); r.status != http.StatusSeeOther {
		t.Fatalf("make: %d", r.status)
	}
	lateID := strings.TrimPrefix(r.header.Get("Location"), "/requests/")

	fatima := newCitizen(t, "Fatima <script>alert(1)</script>")
	caseID := b.importOne(d.share(fatima, func(s *bundle.Share) { s.RequestID = id }))
	list := b.get("/requests").body
	for _, want := range []string{"Beantwoord", `href="/cases/` + caseID + `"`, "zaak van Fatima &lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(list, "<script>") {
		t.Error("the citizen's name is markup in the list")
	}
	page := b.get("/requests/" + id).body
	if !strings.Contains(page, "Fatima &lt;script&gt;alert(1)&lt;/script&gt; heeft dit verzoek beantwoord.") || !strings.Contains(page, `href="/cases/`+caseID+`"`) {
		t.Errorf("answered request: %.1500s", page)
	}
	if strings.Contains(page, "/qr.png") || !strings.Contains(page, "Dit verzoek hoeft u niet meer te sturen.") {
		t.Error("an answered request still invites sending it")
	}
	if !strings.Contains(b.get("/cases/"+caseID).body, `href="/requests/`+id+`"`) {
		t.Error("the case does not link to its request")
	}
	// The late one expires after its date; the answered one stays answered.
	d.clock.add(4 * 24 * time.Hour)
	b.mustLogin(caseworker)
	list = b.get("/requests").body
	if n := strings.Count(list, ">Verlopen<"); n != 1 {
		t.Errorf("%d expired requests in the list", n)
	}
	if r := b.get("/requests/" + lateID).body; !strings.Contains(r, "De datum om te antwoorden is voorbij en er kwam geen antwoord.") {
		t.Errorf("the expired request does not say so: %.3000s", r)
	}
	// The case goes; the request remembers it was answered.
	tok = b.csrf("/cases/" + caseID)
	if r := b.post("/cases/"+caseID+"/delete", url.Values{"csrf": {tok}, "confirm": {"yes"}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	page = b.get("/requests/" + id).body
	if !strings.Contains(page, "De zaak met het antwoord is niet meer bewaard.") || strings.Contains(page, `href="/cases/`+caseID+`"`) {
		t.Errorf("request of a deleted case: %.1500s", page)
	}
}
