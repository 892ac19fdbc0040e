package main

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/citizen/cases"
	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/intake"
	"kluis/intake/desk"
	"kluis/sync/bundle"
	"kluis/sync/post"
	"kluis/sync/request"
	"kluis/vault"
)

// realDesk is the municipality's real desk (intake/desk over an intake
// store in a temporary folder), served over TLS on loopback, and the card
// that names it.
type realDesk struct {
	org   *bundle.OrgIdentity
	store *intake.Store
	srv   *httptest.Server
	card  []byte // the card file, with the inbox
}

func newRealDesk(t testing.TB) *realDesk {
	t.Helper()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", []string{"Schuldhulp"}, time.Now().Add(-time.Hour))
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
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	card, err := org.CardWithInbox(srv.URL+"/", bundle.InboxPin(srv.Certificate()), time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return &realDesk{org: org, store: store, srv: srv, card: card}
}

type sentJSON struct {
	ID   string `json:"id"`
	File string `json:"file"`
	Sent *struct {
		Sent      bool       `json:"sent"`
		Org       string     `json:"org"`
		KeptUntil *time.Time `json:"kept_until"`
		Verified  bool       `json:"verified"`
		Code      string     `json:"code"`
		KeptAs    string     `json:"kept_as"`
	} `json:"sent"`
}

// TestDirectRouteScenario is issue 12 from the citizen's command line
// against the real desk: the share is delivered and the receipt kept; the
// caseworker writes, kluisctl inbox shows it once; the citizen answers,
// the desk has it in the case's conversation; thread show has both sides
// in order; share access shows who did what; the revocation reaches the
// desk. With the desk down nothing is lost: the share and the message
// stay as files and the exit status is 1 with one plain line.
func TestDirectRouteScenario(t *testing.T) {
	t.Parallel()
	d := newRealDesk(t)
	e := newEnv(t)
	cardPath := e.write("zwolle.card", string(d.card))
	e.init()
	e.ok("card", "add", cardPath)
	e.add("income", "source=Bakkerij De Vries", "amount=1850,00", "period=month")

	r := e.run("share", "create", "--to", cardPath, "--scope", "income", "--purpose", "Schuldhulp", "-o", "deel.kluis", "--send", "--json")
	if r.code != 0 {
		t.Fatalf("share create --send: exit %d: %s", r.code, r.stderr)
	}
	var made sentJSON
	lenient(t, r.stdout, &made)
	if made.Sent == nil || !made.Sent.Sent || !made.Sent.Verified || made.Sent.KeptUntil == nil {
		t.Fatalf("sent: %+v", made.Sent)
	}
	if _, err := d.store.Get(made.ID); err != nil {
		t.Fatalf("the desk has no import %s: %v", made.ID, err)
	}
	if out := e.ok("share", "list"); !strings.Contains(out, made.ID) || !strings.Contains(out, "yes") {
		t.Errorf("share list without the receipt:\n%s", out)
	}

	// The caseworker looks and writes.
	if _, err := d.store.Log(intake.LogEntry{User: "anna", Action: intake.ActView, Import: made.ID, Purpose: "Schuldhulp"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.WriteToCitizen(made.ID, "anna", "Dag Fatima,\nWilt u ook uw huurcontract sturen?"); err != nil {
		t.Fatal(err)
	}
	out := e.ok("inbox")
	if !strings.Contains(out, "1 new message:") || !strings.Contains(out, "    Wilt u ook uw huurcontract sturen?") ||
		!strings.Contains(out, "Gemeente Zwolle") {
		t.Fatalf("inbox:\n%s", out)
	}
	if out := e.ok("inbox"); !strings.Contains(out, "No new messages.") {
		t.Fatalf("second inbox (the desk hands messages out again):\n%s", out)
	}

	// The citizen answers, with the text from a file.
	e.write("antwoord.txt", "Ja, dat stuur ik morgen.\n")
	if out := e.ok("message", "send", "--to", "Gemeente Zwolle", "--file", "antwoord.txt"); !strings.Contains(out, "Your message was sent to Gemeente Zwolle") {
		t.Fatalf("message send:\n%s", out)
	}
	conv, err := d.store.Conversation(made.ID)
	if err != nil || len(conv) != 2 || conv[1].Dir != intake.FromCitizen || conv[1].Text != "Ja, dat stuur ik morgen." {
		t.Fatalf("the desk's conversation: %+v %v", conv, err)
	}

	var threads []struct {
		ID string `json:"id"`
	}
	lenient(t, e.ok("thread", "list", "--json"), &threads)
	if len(threads) != 1 {
		t.Fatalf("%d threads", len(threads))
	}
	show := e.ok("thread", "show", threads[0].ID[:8])
	i1, i2 := strings.Index(show, "huurcontract"), strings.Index(show, "stuur ik morgen")
	if i1 < 0 || i2 < i1 || !strings.Contains(show, "You shared") || !strings.Contains(show, "You wrote:") || !strings.Contains(show, "(Gemeente Zwolle) writes:") {
		t.Fatalf("thread show:\n%s", show)
	}

	// Who looked: the statement came with the pickup.
	acc := e.ok("share", "access", made.ID[:8])
	if !strings.Contains(acc, "Who looked at my data?") || !strings.Contains(acc, "looked at") || !strings.Contains(acc, "received") ||
		strings.Contains(acc, "anna") {
		t.Fatalf("share access (the caseworker by a pseudonym):\n%s", acc)
	}
	var aj struct {
		Statement bool `json:"statement"`
		Entries   []struct {
			Action string `json:"action"`
			Role   string `json:"role"`
		} `json:"entries"`
	}
	lenient(t, e.ok("share", "access", made.ID, "--json"), &aj)
	if !aj.Statement || len(aj.Entries) < 3 {
		t.Fatalf("share access --json: %+v", aj)
	}

	// The revocation reaches the desk: the import is gone.
	if out := e.ok("share", "revoke", made.ID, "-o", "intrekking.kluis-revocation", "--send"); !strings.Contains(out, "received the revocation") {
		t.Fatalf("revoke --send:\n%s", out)
	}
	if _, err := d.store.Get(made.ID); err == nil {
		t.Error("the desk still has the import after the revocation")
	}

	// A share made as a file is sent later.
	var later sentJSON
	lenient(t, e.ok("share", "create", "--to", cardPath, "--scope", "income", "--purpose", "Schuldhulp", "-o", "later.kluis", "--json"), &later)
	if out := e.ok("share", "send", later.ID[:8]); !strings.Contains(out, "received the share") {
		t.Fatalf("share send:\n%s", out)
	}

	// A data request from the desk, refused with a message: it reaches
	// the request's conversation at the desk.
	now := time.Now().Truncate(time.Second)
	reqFile, err := request.New(d.org, request.Fields{ID: "3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Purpose: "Schuldhulp",
		CaseReference: "Z-2026-0042", Scope: []request.Item{{Category: "income"}},
		AnswerBy: now.Add(14 * 24 * time.Hour), KeepUntil: now.Add(90 * 24 * time.Hour)}, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.SaveRequest(reqFile); err != nil {
		t.Fatal(err)
	}
	reqPath := e.write("verzoek.kluis-request", string(reqFile))
	if out := e.ok("request", "refuse", reqPath, "--message", "Dit loopt via mijn bewindvoerder."); !strings.Contains(out, "Your message was sent to Gemeente Zwolle") {
		t.Fatalf("request refuse --message:\n%s", out)
	}
	if conv, err := d.store.Conversation("3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"); err != nil || len(conv) != 1 || conv[0].Text != "Dit loopt via mijn bewindvoerder." {
		t.Fatalf("the request's conversation at the desk: %+v %v", conv, err)
	}

	// The desk goes down: nothing is lost.
	d.srv.Close()
	e.add("income", "source=UWV", "amount=300,00", "period=month")
	r = e.run("share", "create", "--to", cardPath, "--scope", "income", "--purpose", "Schuldhulp", "-o", "tweede.kluis", "--send")
	// The card's note comes first, then the one line of the failure.
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	r.stderr = lines[len(lines)-1] + "\n"
	e.checkFailure(r, 1, "cannot be reached", "tweede.kluis", "Nothing is lost")
	if _, err := os.Stat(filepath.Join(e.dir, "tweede.kluis")); err != nil {
		t.Fatalf("the bundle is gone: %v", err)
	}
	if !strings.Contains(r.stdout, "tweede.kluis") {
		t.Errorf("the share line is missing:\n%s", r.stdout)
	}
	r = e.run("message", "send", "--to", "Gemeente Zwolle", "--case", "Z-2026-0042", "Bent u er nog?", "-o", "bericht.kluis-message")
	e.checkFailure(r, 1, "cannot be reached", "bericht.kluis-message")
	if b, err := os.ReadFile(filepath.Join(e.dir, "bericht.kluis-message")); err != nil || len(b) == 0 {
		t.Fatalf("the message file: %v", err)
	}
	r = e.run("inbox")
	e.checkFailure(r, 1, "Gemeente Zwolle", "cannot be reached")
}

// TestDirectRouteUsage: --send where it cannot work is a usage error that
// writes nothing.
func TestDirectRouteUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Deventer", "--purpose", "Schuldhulp=income", "-o", filepath.Join(e.dir, "org"))
	card := filepath.Join(e.dir, "org", "organisation.card")
	e.init()
	e.add("income", "source=UWV", "amount=300,00")
	e.fails(2, []string{"no address to send to directly"}, "share", "create", "--to", card, "--scope", "income", "--purpose", "Schuldhulp", "-o", "d.kluis", "--send")
	e.fails(2, []string{"--send only works with --to"}, "share", "create", "--share-code", "--scope", "income", "--purpose", "Schuldhulp", "-o", "d.kluis", "--send")
	if _, err := os.Stat(filepath.Join(e.dir, "d.kluis")); err == nil {
		t.Error("a file was written")
	}
	e.fails(2, []string{"--to"}, "message", "send", "Hallo")
	e.fails(2, []string{"--file"}, "message", "send", "--to", card)
	// No case with this organisation yet.
	e.fails(2, []string{"--case"}, "message", "send", "--to", card, "Hallo")
	// Without an inbox a message is a file to send another way.
	out := e.ok("message", "send", "--to", card, "--case", "D-1", "Hallo", "-o", "b.kluis-message")
	if !strings.Contains(out, "b.kluis-message") {
		t.Fatalf("message as a file:\n%s", out)
	}
	if out := e.ok("inbox"); !strings.Contains(out, "None of your kept cards") {
		t.Errorf("inbox without inboxes:\n%s", out)
	}
	if out := e.ok("--help"); !strings.Contains(out, "message send") || !strings.Contains(out, "inbox") || !strings.Contains(out, "share access") {
		t.Errorf("--help lacks the new verbs")
	}
}

// TestDirectRouteLibraryOnRealDesk drives package citizen/post in-process
// against the real desk: delivery, the caseworker's message picked up once
// in the share's thread, a reply, the access statement kept per share,
// and a request refused with a message that lands in the request's
// conversation at the desk.
func TestDirectRouteLibraryOnRealDesk(t *testing.T) {
	t.Parallel()
	d := newRealDesk(t)
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.kluis"), []byte(testPass), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	card, err := share.RememberCard(v, d.card)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Add("income", map[string]string{"source": "UWV", "amount": "300,00"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dr, err := share.NewDraft(ctx, v, share.Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deel.kluis")
	f, _ := os.Create(path)
	dr.Request = share.Request{To: card, NotAfter: time.Now().Add(30 * 24 * time.Hour), Purpose: "Schuldhulp", CaseReference: "Z-9", File: path}
	res, err := dr.Sign(ctx, f, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	id := res.Manifest.ID
	got, err := citizenpost.Deliver(ctx, v, id, nil)
	if err != nil || !got.Verified {
		t.Fatalf("deliver: %+v %v", got, err)
	}
	// Delivered twice: the desk knows it, the receipt is the same one.
	if again, err := citizenpost.Deliver(ctx, v, id, nil); err != nil || !again.Already {
		t.Errorf("second delivery: %+v %v", again.ReceiptResult, err)
	}
	if _, err := d.store.WriteToCitizen(id, "anna", "Ontvangen, dank u."); err != nil {
		t.Fatal(err)
	}
	fetched, err := citizenpost.Fetch(ctx, v)
	if err != nil || len(fetched.New) != 1 || fetched.Refused != 0 || len(fetched.Access) != 1 {
		t.Fatalf("fetch: %+v %v", fetched, err)
	}
	thID := cases.ThreadID(card.Fingerprint(), "Z-9")
	if fetched.New[0].Thread != thID || fetched.New[0].Entry.Message != "Ontvangen, dank u." {
		t.Errorf("filed %+v", fetched.New[0])
	}
	if again, err := citizenpost.Fetch(ctx, v); err != nil || len(again.New) != 0 {
		t.Errorf("replayed: %+v %v", again, err)
	}
	rec, err := citizenpost.Access(v, id)
	if err != nil || rec.Broken != nil || len(rec.Entries) == 0 || rec.Entries[0].Action != intake.ActImport {
		t.Fatalf("access: %+v %v", rec, err)
	}
	if _, err := citizenpost.SendMessage(ctx, v, card, post.Case{BundleID: id}, "Graag gedaan."); err != nil {
		t.Fatal(err)
	}
	// A message about a case the desk does not know from this citizen.
	_, err = citizenpost.SendMessage(ctx, v, card, post.Case{CaseReference: "ONBEKEND"}, "Hallo?")
	var re *post.RemoteError
	if !errors.As(err, &re) || re.ErrorCode() != "post.unknown_case" {
		t.Errorf("unknown case: %v", err)
	}
}
