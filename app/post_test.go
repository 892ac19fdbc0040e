package app

import (
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kluis/citizen/cases"
	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/intake"
	"kluis/intake/desk"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/request"
	"kluis/vault"
)

// appDesk is the municipality's real desk (intake/desk over an intake
// store in a temporary folder), served over TLS on loopback, with the card
// that names it and pins its key.
type appDesk struct {
	org   *bundle.OrgIdentity
	store *intake.Store
	srv   *httptest.Server
	card  []byte
}

func newAppDesk(t *testing.T) *appDesk {
	t.Helper()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", []string{"Schuldhulpverlening"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	store, err := intake.Open(t.TempDir(), org, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := desk.New(store, org, desk.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &appDesk{org: org, store: store, srv: srv, card: inboxCardOf(t, org, srv)}
}

// inboxCardOf is org's card naming srv as its inbox, pinned to its key.
func inboxCardOf(t *testing.T, org *bundle.OrgIdentity, srv *httptest.Server) []byte {
	t.Helper()
	card, err := org.CardWithInbox(srv.URL+"/", bundle.InboxPin(srv.Certificate()), time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return card
}

// newPostFixture is the share fixture on the real clock (the desk checks
// dates against it) with card kept.
func newPostFixture(t *testing.T, card []byte) *shareFixture {
	t.Helper()
	f := newShareFixture(t)
	f.u.deps.Now = time.Now
	if _, err := share.RememberCard(f.u.vault(), card); err != nil {
		t.Fatal(err)
	}
	return f
}

// makeShare walks the share wizard to the share made, with the kept card
// (the first offered) as recipient.
func makeShare(t *testing.T, f *shareFixture, org string) *shareWizard {
	t.Helper()
	u, w := f.u, f.w
	u.shell.select_("shares")
	tap(t, w, "Nieuwe deling")
	wiz := currentWizard(t, u)
	if wiz.card == nil || wiz.card.Org != org {
		t.Fatalf("card chosen: %+v", wiz.card)
	}
	tap(t, w, "Volgende")
	test.Tap(check(t, w, "Inkomen (1)"))
	tap(t, w, "Volgende")
	tap(t, w, "Volgende")
	tap(t, w, "Schuldhulpverlening")
	test.Type(wiz.why.caseE, "Z-2026-17")
	tap(t, w, "Volgende")
	tap(t, w, "Deling maken")
	mustSee(t, w, "De deling is gemaakt")
	return wiz
}

// navLabel is the navigation's text for item id.
func navLabel(t *testing.T, u *UI, id string) string {
	t.Helper()
	for _, it := range u.shell.items {
		if it.id == id {
			return it.label(u.shell.counts)
		}
	}
	t.Fatalf("no navigation item %q", id)
	return ""
}

// TestDirectRouteInApp is issue 12's "done when" in the desktop app,
// against the real desk: the citizen sends a share straight to the desk
// and sees the receipt; the caseworker writes; "Nu ophalen" brings the
// message, counted in the navigation; the conversation shows it, the
// citizen replies and the desk has the reply; "Wie heeft mijn gegevens
// bekeken?" shows who at the municipality opened the share.
func TestDirectRouteInApp(t *testing.T) {
	d := newAppDesk(t)
	f := newPostFixture(t, d.card)
	u, w := f.u, f.w

	wiz := makeShare(t, f, "Gemeente Zwolle")
	mustSee(t, w, "Of stuur het zelf, als bestand, link of QR-code:")
	for _, size := range []fyne.Size{sizeSmall, sizeWide} {
		fitsIn(t, w, size, "wizard: made, with a desk", "Direct versturen naar Gemeente Zwolle", "Klaar")
	}
	tap(t, w, "Direct versturen naar Gemeente Zwolle")
	mustSee(t, w, "Ontvangen door Gemeente Zwolle op")
	mustNotSee(t, w, "Direct versturen naar Gemeente Zwolle")
	mustSee(t, w, "U kunt ook een kopie bewaren:")
	id := wiz.made.result.Info.ID
	if _, err := d.store.Get(id); err != nil {
		t.Fatalf("the desk has no import %s: %v", id, err)
	}
	s, err := share.Get(u.vault(), id)
	if err != nil || len(s.Receipts) != 1 || !s.Receipts[0].Verified {
		t.Fatalf("receipt not kept with the share: %+v %v", s.Receipts, err)
	}
	if filepath.Dir(s.File) != u.outbox() {
		t.Errorf("the share's file is %q, want it in the outbox", s.File)
	}
	if wiz.made.saved == "" {
		t.Error("the wizard still counts the share as unsaved")
	}
	tap(t, w, "Klaar")
	mustSee(t, w, "Ontvangstbewijs: ontvangen op")

	// The caseworker opens it and writes.
	if _, err := d.store.Log(intake.LogEntry{User: "anna", Action: intake.ActView, Import: id, Purpose: "Schuldhulpverlening"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.WriteToCitizen(id, "anna", "Dag Anna,\nWilt u ook uw huurcontract sturen?"); err != nil {
		t.Fatal(err)
	}
	u.shell.select_("requests")
	mustSee(t, w, "Berichten worden opgehaald")
	tap(t, w, "Nu ophalen")
	mustSee(t, w, "1 nieuw bericht")
	if got := navLabel(t, u, "requests"); got != "Verzoeken en berichten (1)" {
		t.Errorf("navigation says %q", got)
	}
	tap(t, w, "Gemeente Zwolle, zaak Z-2026-17 (1 nieuw)")
	mustSee(t, w, "Bericht van Gemeente Zwolle")
	mustSee(t, w, "Wilt u ook uw huurcontract sturen?")
	mustSee(t, w, "U hebt gegevens gedeeld met Gemeente Zwolle")
	mustSee(t, w, "Gemeente Zwolle heeft uw antwoord ontvangen")
	if got := navLabel(t, u, "requests"); got != "Verzoeken en berichten" {
		t.Errorf("after reading, the navigation says %q", got)
	}

	for _, size := range []fyne.Size{sizeSmall, sizeWide} {
		fitsIn(t, w, size, "conversation with messages", "Terug", "Versturen")
	}

	// The citizen replies.
	view := u.shell.current.(*threadView)
	tap(t, w, "Versturen")
	mustSee(t, w, "Schrijf eerst uw bericht.")
	test.Type(view.reply, "Ja, dat stuur ik morgen.")
	tap(t, w, "Versturen")
	mustSee(t, w, "Uw bericht is naar Gemeente Zwolle gestuurd.")
	mustSee(t, w, "Ja, dat stuur ik morgen.")
	if view.reply.Text != "" {
		t.Errorf("the reply box still holds %q", view.reply.Text)
	}
	conv, err := d.store.Conversation(id)
	if err != nil || len(conv) != 2 || conv[1].Dir != intake.FromCitizen || conv[1].Text != "Ja, dat stuur ik morgen." {
		t.Fatalf("the desk's conversation: %+v %v", conv, err)
	}
	// In time order: the share, the caseworker's message, the reply.
	all := strings.Join(texts(w), "\n")
	i0, i1, i2 := strings.Index(all, "U hebt gegevens gedeeld"), strings.Index(all, "huurcontract"), strings.Index(all, "stuur ik morgen")
	if i0 < 0 || i1 < i0 || i2 < i1 {
		t.Errorf("not in time order:\n%s", all)
	}

	// Who looked.
	u.shell.select_("shares")
	tap(t, w, "Wie heeft mijn gegevens bekeken?")
	mustSee(t, w, "Het systeem van de organisatie heeft de gegevens ontvangen")
	mustSee(t, w, "heeft de gegevens bekeken")
	mustSee(t, w, "Waarvoor: Schuldhulpverlening")
	mustSee(t, w, "Dit overzicht is ondertekend door Gemeente Zwolle")
	mustNotSee(t, w, "anna")

	// Revoked: the notice is saved and reaches the desk, which deletes
	// the import; the conversation says it went directly.
	tap(t, w, "Terug")
	npath := filepath.Join(f.dir, "intrekking.kluis-revoke")
	currentShares(t, u).writeNotice(currentShareInfo(t, u), npath)
	mustSee(t, w, "Gemeente Zwolle heeft de intrekking ontvangen en moet uw gegevens nu verwijderen. De intrekking staat ook in "+npath)
	dismiss(w)
	if _, err := d.store.Get(id); err == nil {
		t.Error("the desk still has the import after the revocation")
	}
	tap(t, w, "Gesprek")
	mustSee(t, w, "U hebt de deling ingetrokken")
	mustSee(t, w, "De intrekking is direct naar Gemeente Zwolle gestuurd.")
}

// TestDirectRouteUnreachable: the desk is down. The share is kept as a
// file, said in plain words; picking up says so in the quiet line, not in
// a dialog; a reply is kept as a message file.
func TestDirectRouteUnreachable(t *testing.T) {
	d := newAppDesk(t)
	f := newPostFixture(t, d.card)
	u, w := f.u, f.w
	d.srv.Close()

	wiz := makeShare(t, f, "Gemeente Zwolle")
	tap(t, w, "Direct versturen naar Gemeente Zwolle")
	mustSee(t, w, "Gemeente Zwolle is nu niet te bereiken. Er is niets verloren: alles staat in "+u.outbox())
	mustSee(t, w, "Opnieuw proberen")
	s, err := share.Get(u.vault(), wiz.made.result.Info.ID)
	if err != nil || len(s.Receipts) != 0 {
		t.Fatalf("share: %+v %v", s, err)
	}
	if st, err := os.Stat(s.File); err != nil || st.Size() == 0 {
		t.Fatalf("the bundle is not kept: %v", err)
	}
	mustSee(t, w, "Opgeslagen als "+s.File)
	// It is still a whole bundle for the organisation.
	b, _ := os.ReadFile(s.File)
	if _, _, err := d.store.Import(t.Context(), strings.NewReader(string(b)), intake.ImportOptions{}); err != nil {
		t.Fatalf("the kept bundle does not import: %v", err)
	}

	u.shell.select_("requests")
	tap(t, w, "Nu ophalen")
	mustSee(t, w, "Berichten ophalen lukte niet om")
	mustSee(t, w, "Kluis probeert het later opnieuw.")
	if n := len(w.Canvas().Overlays().List()); n != 0 {
		t.Fatalf("%d dialogs over the page", n)
	}

	threads, err := cases.Threads(u.vault())
	if err != nil || len(threads) != 0 {
		t.Fatalf("threads: %d %v", len(threads), err)
	}
	// The conversation about the share, from the share list: the reply
	// is kept as a file.
	u.shell.select_("shares")
	tap(t, w, "Gesprek")
	mustSee(t, w, "U hebt gegevens gedeeld met Gemeente Zwolle")
	view := u.shell.current.(*threadView)
	test.Type(view.reply, "Bent u er nog?")
	tap(t, w, "Versturen")
	mustSee(t, w, "Gemeente Zwolle is nu niet te bereiken. Er is niets verloren: uw bericht staat in "+u.outbox())
	mustSee(t, w, "Uw bericht (als bestand)")
	files, _ := filepath.Glob(filepath.Join(u.outbox(), "bericht-*"+citizenpost.FileSuffix))
	if len(files) != 1 {
		t.Fatalf("message files in the outbox: %v", files)
	}

	// A revocation: the notice file is the way.
	u.shell.open(newSharesPage(u))
	npath := filepath.Join(f.dir, "intrekking.kluis-revoke")
	currentShares(t, u).writeNotice(currentShareInfo(t, u), npath)
	mustSee(t, w, "Gemeente Zwolle is nu niet te bereiken. Er is niets verloren: de intrekking staat in "+npath)
	if b, err := os.ReadFile(npath); err != nil || len(b) == 0 {
		t.Fatalf("the notice file: %v", err)
	}
}

// TestDirectRouteUnknownRefusal: a desk refusing with a code this Kluis
// does not know still gets a plain sentence, and the share stays as a
// file.
func TestDirectRouteUnknownRefusal(t *testing.T) {
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", []string{"Schuldhulpverlening"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"code":"desk.brand_new_rule","message":"Something new."}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f := newPostFixture(t, inboxCardOf(t, org, srv))
	u, w := f.u, f.w
	makeShare(t, f, "Gemeente Zwolle")
	tap(t, w, "Direct versturen naar Gemeente Zwolle")
	mustSee(t, w, "Gemeente Zwolle heeft het niet aangenomen. Gemeente Zwolle heeft het geweigerd. Neem contact op met Gemeente Zwolle om te vragen waarom.")
	mustSee(t, w, "Er is niets verloren: alles staat in "+u.outbox())
	mustNotSee(t, w, "desk.brand_new_rule")
	mustNotSee(t, w, "Something new.")
}

// TestConsentDirectAndRefuseWithMessage: a request from the desk,
// answered straight to it (the receipt lands in the conversation); a
// second request refused with a message, which reaches the request's
// conversation at the desk.
func TestConsentDirectAndRefuseWithMessage(t *testing.T) {
	d := newAppDesk(t)
	f := newPostFixture(t, d.card)
	u, w := f.u, f.w
	now := time.Now().Truncate(time.Second)
	ask := func(id, ref string) []byte {
		t.Helper()
		items, _ := request.ParseScope("income")
		b, err := request.New(d.org, request.Fields{ID: id, Purpose: "Schuldhulpverlening", CaseReference: ref, Scope: items,
			AnswerBy: now.Add(14 * 24 * time.Hour), KeepUntil: now.Add(90 * 24 * time.Hour)}, now.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.store.SaveRequest(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	openLink(t, f, request.Link(ask("3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Z-1")))
	tap(t, w, "Beantwoorden")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "Uw antwoord is klaar")
	tap(t, w, "Direct versturen naar Gemeente Zwolle")
	mustSee(t, w, "Ontvangen door Gemeente Zwolle op")
	tap(t, w, "Naar het gesprek")
	mustSee(t, w, "U hebt geantwoord")
	mustSee(t, w, "Gemeente Zwolle heeft uw antwoord ontvangen")

	openLink(t, f, request.Link(ask("5c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f", "Z-2")))
	c := currentConsent(t, u)
	test.Type(c.message, "Dit loopt via mijn bewindvoerder.")
	tap(t, w, "Weigeren")
	mustSee(t, w, "Uw bericht gaat mee naar Gemeente Zwolle")
	dialogButton(t, w, "Ja").OnTapped()
	mustSee(t, w, "U hebt het verzoek geweigerd")
	mustSee(t, w, "Uw bericht bij het weigeren")
	mustSee(t, w, "Uw bericht is naar Gemeente Zwolle gestuurd.")
	conv, err := d.store.Conversation("5c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f")
	if err != nil || len(conv) != 1 || conv[0].Text != "Dit loopt via mijn bewindvoerder." {
		t.Fatalf("the request's conversation at the desk: %+v %v", conv, err)
	}
}

// TestReplyWithoutInbox: a card without an inbox: the reply is written as
// a message file in the outbox, and the screen says where.
func TestReplyWithoutInbox(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	makeShare(t, f, "Gemeente Teststad")
	mustNotSee(t, w, "Direct versturen")
	tap(t, w, "Klaar")
	dialogButton(t, w, "Ja").OnTapped() // leave without saving the file
	tap(t, w, "Gesprek")
	view := u.shell.current.(*threadView)
	test.Type(view.reply, "Hierbij mijn gegevens.")
	tap(t, w, "Versturen")
	files, _ := filepath.Glob(filepath.Join(u.outbox(), "bericht-*"+citizenpost.FileSuffix))
	if len(files) != 1 {
		t.Fatalf("message files: %v", files)
	}
	mustSee(t, w, "Uw bericht staat in "+files[0]+". Stuur dat bestand naar Gemeente Teststad")
	mustSee(t, w, "Hierbij mijn gegevens.")
}

// TestFetchAfterUnlock: unlocking picks up what waits, with no tap; the
// count shows in the navigation at once.
func TestFetchAfterUnlock(t *testing.T) {
	d := newAppDesk(t)
	f := newPostFixture(t, d.card)
	u, w := f.u, f.w
	makeShare(t, f, "Gemeente Zwolle")
	tap(t, w, "Direct versturen naar Gemeente Zwolle")
	mustSee(t, w, "Ontvangen door")
	id := currentWizard(t, u).made.result.Info.ID
	tap(t, w, "Klaar")
	for _, text := range []string{"Eerste bericht.", "Tweede bericht."} {
		if _, err := d.store.WriteToCitizen(id, "anna", text); err != nil {
			t.Fatal(err)
		}
	}
	u.lockNow()
	test.Type(entries(w)[0], testPass)
	tap(t, w, "Openen")
	if got := navLabel(t, u, "requests"); got != "Verzoeken en berichten (2)" {
		t.Fatalf("after unlock the navigation says %q", got)
	}
	u.shell.select_("requests")
	mustSee(t, w, "2 nieuwe berichten")
}

// TestAccessViewStates: no account yet, a share by code, and an account
// whose chain broke are each said as such; the entries kept are shown.
func TestAccessViewStates(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	if _, err := share.RememberCard(u.vault(), f.org.CardFile()); err != nil {
		t.Fatal(err)
	}
	makeShare(t, f, "Gemeente Teststad")
	wiz := currentWizard(t, u)
	id := wiz.made.result.Info.ID
	wiz.made.left = true
	u.shell.open(newAccessView(u, id))
	mustSee(t, w, "Gemeente Teststad heeft nog geen overzicht gestuurd.")

	broken := u.deps.Now().Add(-time.Hour)
	rec := citizenpost.AccessRecord{BundleID: id, Org: "Gemeente Teststad", Fingerprint: f.org.Card().Fingerprint(),
		Issued: u.deps.Now().Add(-2 * time.Hour), Broken: &broken, Entries: []wire.AccessEntry{
			{Seq: 1, At: u.deps.Now().Add(-3 * time.Hour), Role: wire.RoleProgram, Actor: "kluis-intake", Action: "import"},
			{Seq: 2, At: u.deps.Now().Add(-150 * time.Minute), Role: wire.RoleCaseworker, Actor: "M-7KQ2D", Action: "view", Purpose: "Schuldhulpverlening"},
			{Seq: 3, At: u.deps.Now().Add(-140 * time.Minute), Role: wire.RoleAdmin, Actor: "M-ABCDE", Action: "iets-nieuws"},
			{Seq: 4, At: u.deps.Now().Add(-130 * time.Minute), Role: wire.RoleCaseworker, Actor: "M-7KQ2D", Action: "message"},
			{Seq: 5, At: u.deps.Now().Add(-120 * time.Minute), Role: wire.RoleProgram, Actor: "kluis-intake", Action: "message"},
		}}
	b, _ := json.Marshal(rec)
	if err := u.vault().PutObject(citizenpost.ObjectAccess, id, b, vault.Event{}); err != nil {
		t.Fatal(err)
	}
	u.shell.open(newAccessView(u, id))
	mustSee(t, w, "Let op: op "+formatDateTime(broken)+" stuurde Gemeente Teststad een overzicht waarin regels ontbreken of anders zijn.")
	mustSee(t, w, "Het systeem van de organisatie heeft de gegevens ontvangen")
	mustSee(t, w, "Medewerker M-7KQ2D heeft de gegevens bekeken")
	mustSee(t, w, "Waarvoor: Schuldhulpverlening")
	mustSee(t, w, "Beheerder M-ABCDE heeft iets anders gedaan: iets-nieuws")
	mustSee(t, w, "Medewerker M-7KQ2D heeft een bericht geschreven")
	mustSee(t, w, "Het systeem van de organisatie heeft uw bericht ontvangen")

	// A share with a code: no account comes for it.
	v := u.vault()
	dr, err := share.NewDraft(t.Context(), v, share.Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	dr.Request = share.Request{Code: bundle.NewShareCode(), NotAfter: time.Now().Add(24 * time.Hour), Purpose: "Kwijtschelding"}
	res, err := dr.Sign(t.Context(), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	u.shell.open(newAccessView(u, res.Manifest.ID))
	mustSee(t, w, "Deze deling ging met een deelcode.")
}
