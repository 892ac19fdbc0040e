package desk

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"kluis/internal/errcode"
	"kluis/sync/bundle"
	"kluis/sync/post"

	"github.com/google/uuid"
)

// api posts a file to the direct route, as a citizen's Kluis does (no
// cookies).
func (d *desk) api(path string, file []byte) response {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, d.ts.URL+"/"+path, bytes.NewReader(file))
	req.Header.Set("Content-Type", post.ContentType)
	resp, err := d.ts.Client().Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), header: resp.Header}
}

func refusalOf(t *testing.T, r response) post.Refusal {
	t.Helper()
	var ref post.Refusal
	if err := json.Unmarshal([]byte(r.body), &ref); err != nil {
		t.Fatalf("refusal %d is not JSON: %.300s", r.status, r.body)
	}
	return ref
}

func (c *citizen) party() post.Party { return post.PartyOfIssuer(c.issuer()) }

// pickup fetches what waits for c, and opens every message.
func (d *desk) pickup(c *citizen) ([]*post.Message, []*post.Access) {
	d.t.Helper()
	file, err := post.NewPickup(c, c.priv.Public().(ed25519.PublicKey), d.org.Card().Fingerprint(), d.clock.now())
	if err != nil {
		d.t.Fatal(err)
	}
	r := d.api(post.PathPickup, file)
	if r.status != http.StatusOK {
		d.t.Fatalf("pickup: %d %.300s", r.status, r.body)
	}
	var reply post.PickupReply
	if err := json.Unmarshal([]byte(r.body), &reply); err != nil {
		d.t.Fatal(err)
	}
	var msgs []*post.Message
	for _, f := range reply.Messages {
		m, _, err := post.Open(f, c.x, c.party())
		if err != nil {
			d.t.Fatalf("a picked-up message does not open: %v", err)
		}
		if !m.From.Same(post.PartyOfCard(d.org.Card())) {
			d.t.Fatalf("a message not from the organisation: %+v", m.From)
		}
		msgs = append(msgs, m)
	}
	var access []*post.Access
	for _, st := range reply.Access {
		var probe struct {
			BundleID string `json:"bundle_id"`
		}
		json.Unmarshal([]byte(strings.SplitN(st, "\n", 2)[0]), &probe)
		a, err := post.VerifyAccess([]byte(st), d.org.Card(), probe.BundleID)
		if err != nil {
			d.t.Fatalf("access statement: %v", err)
		}
		access = append(access, a)
	}
	return msgs, access
}

// say seals a citizen's message to the organisation.
func (d *desk) say(c *citizen, cs post.Case, text string, edit func(*post.Message)) []byte {
	d.t.Helper()
	m := post.NewMessage(c.party(), post.PartyOfCard(d.org.Card()), cs, text, d.clock.now())
	if edit != nil {
		edit(m)
	}
	file, _, err := post.Seal(c, m)
	if err != nil {
		d.t.Fatal(err)
	}
	return file
}

func TestDirectDeliveryAndConversation(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	fatima := newCitizen(t, "Fatima")
	shared := d.share(fatima, nil)

	// Delivered: the answer is the signed receipt for exactly this bundle.
	r := d.api(post.PathDeliver, shared)
	if r.status != http.StatusOK {
		t.Fatalf("deliver: %d %.500s", r.status, r.body)
	}
	rc, err := bundle.ParseReceipt([]byte(r.body))
	if err != nil || !rc.FromCard(d.org.Card().Fingerprint(), d.org.Card().PublicKey()) {
		t.Fatalf("receipt: %v", err)
	}
	caseID := rc.BundleID
	b := d.browser()
	b.mustLogin(caseworker)
	list := b.get("/cases").body
	if !strings.Contains(list, `href="/cases/`+caseID+`"`) {
		t.Fatalf("the delivered case is not listed: %.500s", list)
	}
	// The same bundle again: the same case, a receipt again.
	if r := d.api(post.PathDeliver, shared); r.status != http.StatusOK {
		t.Errorf("delivered twice: %d", r.status)
	}

	// The caseworker writes; the citizen's Kluis picks it up.
	tok := b.csrf("/cases/" + caseID)
	if r := b.post("/cases/"+caseID+"/message", url.Values{"csrf": {tok}, "text": {"Dag Fatima,\r\nWilt u ook uw huurcontract sturen?"}}); r.status != http.StatusSeeOther {
		t.Fatalf("write: %d %.500s", r.status, problemOf(r.body))
	}
	if r := b.post("/cases/"+caseID+"/message", url.Values{"csrf": {tok}, "text": {"  "}}); r.status == http.StatusSeeOther || !strings.Contains(r.body, "Schrijf eerst een bericht.") {
		t.Errorf("empty message: %d", r.status)
	}
	msgs, access := d.pickup(fatima)
	if len(msgs) != 1 || msgs[0].Text != "Dag Fatima,\nWilt u ook uw huurcontract sturen?" || msgs[0].Case.BundleID != caseID || msgs[0].Case.CaseReference != "Z-2026-0042" {
		t.Fatalf("picked up %+v", msgs)
	}
	if len(access) != 1 || access[0].BundleID != caseID {
		t.Fatalf("access statements: %+v", access)
	}
	// Another citizen gets nothing of it.
	sami := newCitizen(t, "Sami")
	if m, a := d.pickup(sami); len(m) != 0 || len(a) != 0 {
		t.Errorf("another citizen picked up %d messages, %d statements", len(m), len(a))
	}

	// The citizen answers; the caseworker reads it on the case page.
	reply := d.say(fatima, post.Case{BundleID: caseID}, "Ja, ik stuur het morgen <b>mee</b>.", nil)
	if r := d.api(post.PathMessage, reply); r.status != http.StatusNoContent {
		t.Fatalf("reply: %d %.300s", r.status, r.body)
	}
	page := b.get("/cases/" + caseID).body
	for _, want := range []string{"Ja, ik stuur het morgen &lt;b&gt;mee&lt;/b&gt;.", "Wilt u ook uw huurcontract sturen?", "Bericht van de inwoner", "van Fatima"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if !strings.Contains(b.get("/cases").body, "Schreef op") {
		t.Error("the case list does not show that the citizen wrote")
	}
	// Replayed, from someone else, to someone else: refused, nothing kept.
	if ref := refusalOf(t, d.api(post.PathMessage, reply)); ref.Code != "post.replayed" {
		t.Errorf("replay: %+v", ref)
	}
	if ref := refusalOf(t, d.api(post.PathMessage, d.say(sami, post.Case{BundleID: caseID}, "Ik ben het ook", nil))); ref.Code != "post.unknown_case" || !strings.Contains(ref.Message, "zaak") {
		t.Errorf("another citizen on the case: %+v", ref)
	}
	other, _ := bundle.GenerateOrgIdentity("Gemeente Elders", "", nil, start.Add(-time.Hour))
	elsewhere := post.NewMessage(fatima.party(), post.PartyOfCard(other.Card()), post.Case{BundleID: caseID}, "Voor Elders", d.clock.now())
	ef, _, _ := post.Seal(fatima, elsewhere)
	if r := d.api(post.PathMessage, ef); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a message for another organisation: %d", r.status)
	}
	if r := d.api(post.PathMessage, bytes.Repeat([]byte("x"), post.MaxMessageFile+10)); r.status != http.StatusUnprocessableEntity || refusalOf(t, r).Code != "post.too_large" {
		t.Errorf("oversize message: %d %s", r.status, r.body)
	}
	if n := strings.Count(b.get("/cases/"+caseID).body, `class="from-citizen"`); n != 1 {
		t.Errorf("%d messages from the citizen kept, want 1", n)
	}

	// Who looked: every view and the receipt, caseworkers by pseudonym.
	_, access = d.pickup(fatima)
	var actions []string
	for _, e := range access[0].Entries {
		actions = append(actions, e.Action)
		if e.Actor == caseworker || (e.Role == post.RoleCaseworker && !strings.HasPrefix(e.Actor, "M-")) {
			t.Errorf("entry names the caseworker: %+v", e)
		}
	}
	if got := strings.Join(actions, " "); !strings.HasPrefix(got, "import receipt receipt view message") || !strings.Contains(got, "view") {
		t.Errorf("access entries: %s", got)
	}
	// Revoked directly: the case is gone, the statement says so.
	notice, err := bundle.NewNotice(fatima, fatima.priv.Public().(ed25519.PublicKey), caseID, d.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if r := d.api(post.PathRevoke, notice); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %.300s", r.status, r.body)
	}
	if strings.Contains(b.get("/cases").body, caseID) {
		t.Error("the revoked case is still listed")
	}
	_, access = d.pickup(fatima)
	if last := access[0].Entries[len(access[0].Entries)-1]; last.Action != "revoke" {
		t.Errorf("the last access entry is %q, want revoke", last.Action)
	}
}

func TestDirectRefusals(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{MaxUpload: 256 << 10})
	fatima := newCitizen(t, "Fatima")
	good := d.share(fatima, nil)
	for name, c := range map[string]struct {
		file   []byte
		status int
		code   string
	}{
		"junk":      {[]byte("dit is geen bundel"), http.StatusUnprocessableEntity, "bundle.not_age"},
		"truncated": {good[:len(good)/2], http.StatusUnprocessableEntity, ""},
		"expired": {d.share(fatima, func(s *bundle.Share) {
			s.Created = start.Add(-30 * 24 * time.Hour)
			s.NotAfter = start.Add(-time.Hour)
		}), http.StatusUnprocessableEntity, "bundle.expired"},
		"too large": {d.share(fatima, func(s *bundle.Share) {
			s.Documents = []bundle.DocumentSource{docSource("8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", "groot.pdf", "", bytes.Repeat([]byte("x"), 512<<10))}
		}), http.StatusUnprocessableEntity, "bundle.too_large"},
	} {
		r := d.api(post.PathDeliver, c.file)
		ref := refusalOf(t, r)
		if r.status != c.status || (c.code != "" && ref.Code != c.code) || ref.Message == "" || strings.Contains(ref.Message, "error.") {
			t.Errorf("%s: %d %+v", name, r.status, ref)
		}
	}
	if imps, _ := d.store.List(); len(imps) != 0 {
		t.Errorf("refused deliveries stored %d imports", len(imps))
	}
	// English when asked.
	req, _ := http.NewRequest(http.MethodPost, d.ts.URL+"/"+post.PathDeliver, strings.NewReader("x"))
	req.Header.Set("Accept-Language", "en-GB")
	resp, err := d.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ref post.Refusal
	json.NewDecoder(resp.Body).Decode(&ref)
	resp.Body.Close()
	if !strings.Contains(ref.Message, "Kluis") && !strings.Contains(strings.ToLower(ref.Message), "not") {
		t.Errorf("English refusal: %+v", ref)
	}
}

func TestPickupRevealsNothingWhenRefused(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	fatima, sami := newCitizen(t, "Fatima"), newCitizen(t, "Sami")
	b := d.browser()
	b.mustLogin(caseworker)
	caseID := b.importOne(d.share(fatima, nil))
	tok := b.csrf("/cases/" + caseID)
	b.post("/cases/"+caseID+"/message", url.Values{"csrf": {tok}, "text": {"Er is nieuws."}})

	pub := func(c *citizen) ed25519.PublicKey { return c.priv.Public().(ed25519.PublicKey) }
	fp := d.org.Card().Fingerprint()
	forged := func(c *citizen) []byte {
		// Signed by Sami's key but naming c's: what someone tries who
		// wants c's messages.
		f, _ := post.NewPickup(sami, pub(c), fp, d.clock.now())
		return f
	}
	rf, rs := d.api(post.PathPickup, forged(fatima)), d.api(post.PathPickup, forged(newCitizen(t, "Niemand")))
	if rf.status != http.StatusUnauthorized || rf.status != rs.status || rf.body != rs.body {
		t.Errorf("forged pickups answer differently: %d %q / %d %q", rf.status, rf.body, rs.status, rs.body)
	}
	if strings.Contains(rf.body, "messages") {
		t.Error("a forged pickup got an answer with messages")
	}
	// Too old, for another desk, replayed.
	old, _ := post.NewPickup(fatima, pub(fatima), fp, d.clock.now().Add(-time.Hour))
	otherDesk, _ := post.NewPickup(fatima, pub(fatima), strings.Repeat("ab", 32), d.clock.now())
	good, _ := post.NewPickup(fatima, pub(fatima), fp, d.clock.now())
	if r := d.api(post.PathPickup, good); r.status != http.StatusOK || !strings.Contains(r.body, `"messages":["`) {
		t.Fatalf("a good pickup: %d %.200s", r.status, r.body)
	}
	for name, f := range map[string][]byte{"old": old, "other desk": otherDesk, "replayed": good, "junk": []byte("{}\n")} {
		if r := d.api(post.PathPickup, f); r.status != http.StatusUnauthorized || refusalOf(t, r).Code != "post.pickup_refused" {
			t.Errorf("%s pickup: %d %s", name, r.status, r.body)
		}
	}
	// Kept 30 days after the first pickup, then gone.
	d.clock.add(29 * 24 * time.Hour)
	if m, _ := d.pickup(fatima); len(m) != 1 {
		t.Errorf("after 29 days %d messages wait", len(m))
	}
	d.clock.add(2 * 24 * time.Hour)
	if _, err := d.store.Purge(); err != nil {
		t.Fatal(err)
	}
	if m, _ := d.pickup(fatima); len(m) != 0 {
		t.Errorf("after 31 days %d messages still wait", len(m))
	}
}

func TestFloodsAreLimited(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{APIBurst: 5, APIRate: 1})
	codes := map[int]int{}
	for range 8 {
		codes[d.api(post.PathPickup, []byte("x")).status]++
	}
	if codes[http.StatusTooManyRequests] != 3 || codes[http.StatusUnauthorized] != 5 {
		t.Errorf("statuses of 8 requests at once with a burst of 5: %v", codes)
	}
	// The desk's pages are not limited, and a second later one more goes.
	b := d.browser()
	b.mustLogin(caseworker)
	d.clock.add(time.Second)
	if r := d.api(post.PathPickup, []byte("x")); r.status != http.StatusUnauthorized {
		t.Errorf("after a second: %d", r.status)
	}
}

func TestRefusalWithAMessage(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	tok := b.csrf("/requests/new")
	r := b.post("/requests", requestForm(tok, "Aanvraag schuldhulp", "debts"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("make: %d", r.status)
	}
	id := strings.TrimPrefix(r.header.Get("Location"), "/requests/")
	fatima := newCitizen(t, "Fatima")
	// Before anyone wrote there is nobody to answer.
	if r := b.post("/requests/"+id+"/message", url.Values{"csrf": {b.csrf("/requests/" + id)}, "text": {"Hallo?"}}); r.status == http.StatusSeeOther {
		t.Error("a message on a request nobody wrote about was sent")
	}
	no := d.say(fatima, post.Case{RequestID: id}, "Ik wil dit liever eerst aan de telefoon bespreken.", func(m *post.Message) { m.Refuses = id })
	if r := d.api(post.PathMessage, no); r.status != http.StatusNoContent {
		t.Fatalf("refusal: %d %s", r.status, r.body)
	}
	if list := b.get("/requests").body; !strings.Contains(list, ">Geweigerd<") {
		t.Error("the request list does not show the refusal")
	}
	page := b.get("/requests/" + id).body
	if !strings.Contains(page, "Ik wil dit liever eerst aan de telefoon bespreken.") || !strings.Contains(page, "weigert het verzoek") {
		t.Errorf("the request page lacks the refusal: %.2000s", page)
	}
	if r := b.post("/requests/"+id+"/message", url.Values{"csrf": {b.csrf("/requests/" + id)}, "text": {"Prima, ik bel u morgen."}}); r.status != http.StatusSeeOther {
		t.Fatalf("answer on the request: %d %s", r.status, problemOf(r.body))
	}
	msgs, _ := d.pickup(fatima)
	if len(msgs) != 1 || msgs[0].Case.RequestID != id || msgs[0].Text != "Prima, ik bel u morgen." {
		t.Errorf("the citizen picked up %+v", msgs)
	}
	// A request this desk did not make is no case.
	if ref := refusalOf(t, d.api(post.PathMessage, d.say(fatima, post.Case{RequestID: "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"}, "Hallo", nil))); ref.Code != "post.unknown_case" {
		t.Errorf("unknown request: %+v", ref)
	}
}

// TestDeliveriesOnOneConnectionDoNotStall sends more deliveries at once
// than the desk imports at a time, over one HTTP/2 connection (one
// client, as a proxy in front of many citizens would make it). Those
// waiting for a slot are not read; before the wait was bounded they held
// the connection's flow-control window and the ones with a slot stalled
// for good. Now every delivery ends: stored with its receipt, or told to
// come back, and what was told so is not stored.
func TestDeliveriesOnOneConnectionDoNotStall(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{ImportWait: 2 * time.Second, APIBurst: 1000})
	srv := httptest.NewUnstartedServer(d.srv)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cardFile, err := d.org.CardWithInbox(srv.URL+"/", bundle.InboxPin(srv.Certificate()), start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	card, err := bundle.ParseCard(cardFile)
	if err != nil {
		t.Fatal(err)
	}
	client, err := post.NewClient(card)
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	big := make([]byte, 1<<20) // more than the connection's window, together
	files := make([][]byte, n)
	for i := range files {
		files[i] = d.share(newCitizen(t, fmt.Sprintf("Inwoner %d", i)), func(s *bundle.Share) {
			s.CaseReference = fmt.Sprintf("Z-2026-%04d", i)
			s.Documents = []bundle.DocumentSource{docSource(uuid.NewString(), "loonstrook.pdf", s.Records[0].ID, big)}
		})
	}
	type result struct {
		receipt []byte
		err     error
	}
	results := make(chan result, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, f := range files {
		go func() {
			rc, err := client.Deliver(ctx, bytes.NewReader(f), int64(len(f)))
			results <- result{rc, err}
		}()
	}
	stored, busy := 0, 0
	for range n {
		r := <-results
		switch {
		case r.err == nil:
			if _, err := bundle.ParseReceipt(r.receipt); err != nil {
				t.Errorf("receipt: %v", err)
			}
			stored++
		case errcode.Code(r.err) == "post.busy":
			busy++
		default:
			t.Errorf("delivery: %v", r.err)
		}
	}
	if stored < maxImports || stored+busy != n {
		t.Errorf("%d stored, %d told to come back, of %d", stored, busy, n)
	}
	imps, err := d.store.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(imps) != stored {
		t.Errorf("the store holds %d imports, %d receipts were given", len(imps), stored)
	}
}
