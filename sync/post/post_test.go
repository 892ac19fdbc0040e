package post

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/internal/sign"
	"kluis/sync/bundle"
)

var now = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

type person struct {
	x    *age.X25519Identity
	priv ed25519.PrivateKey
	name string
}

func (p *person) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(p.priv, domain, msg), nil
}

func (p *person) party(kind string) Party {
	return Party{Kind: kind, Name: p.name, X25519: p.x.Recipient().String(), Ed25519: bundle.EncodeKey(p.priv.Public().(ed25519.PublicKey))}
}

func newPerson(t *testing.T, name string) *person {
	t.Helper()
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &person{x: x, priv: priv, name: name}
}

func wantCode(t *testing.T, err error, c Code) {
	t.Helper()
	if !errors.Is(err, &Error{Code: c}) {
		t.Fatalf("got %v, want code %s", err, c)
	}
}

func TestMessageRoundTripAndRefusals(t *testing.T) {
	t.Parallel()
	fatima, org, other := newPerson(t, "Fatima"), newPerson(t, "Gemeente Zwolle"), newPerson(t, "Sami")
	m := NewMessage(org.party(Organisation), fatima.party(Citizen), Case{CaseReference: "Z-2026-0042"}, "Goedemiddag,\r\n\r\nWe hebben uw gegevens ontvangen.  \n", now)
	file, signedFile, err := Seal(org, m)
	if err != nil {
		t.Fatal(err)
	}
	got, plain, err := Open(file, fatima.x, fatima.party(Citizen))
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "Goedemiddag,\n\nWe hebben uw gegevens ontvangen." || got.ID != m.ID || string(plain) != string(signedFile) {
		t.Fatalf("opened %+v", got)
	}
	if !got.From.Same(org.party(Organisation)) {
		t.Error("sender lost")
	}
	// Only the recipient can read it.
	if _, _, err := Open(file, other.x, other.party(Citizen)); err == nil {
		t.Error("another citizen opened the message")
	}
	// Forwarded: re-encrypted to Sami, still names Fatima.
	signedOnly, _ := ReadSigned(signedFile)
	if signedOnly.ID != m.ID {
		t.Fatal("read signed")
	}
	reenc := encryptTo(t, signedFile, other.x.Recipient())
	_, _, err = Open(reenc, other.x, other.party(Citizen))
	wantCode(t, err, CodeNotForYou)
	// Signed by someone else than From.
	_, _, err = Seal(other, m)
	wantCode(t, err, CodeWrongSender)
	// Altered text.
	bad := []byte(strings.Replace(string(signedFile), "ontvangen", "ontvangne", 1))
	_, err = ReadSigned(bad)
	wantCode(t, err, CodeBadSignature)
	// Text rules.
	for _, text := range []string{"", strings.Repeat("a", MaxText+1), "bidi \u202e"} {
		mm := NewMessage(org.party(Organisation), fatima.party(Citizen), Case{CaseReference: "Z"}, text, now)
		if _, _, err := Seal(org, mm); err == nil {
			t.Errorf("text %.20q was sealed", text)
		}
	}
	// A citizen to a citizen.
	mm := NewMessage(other.party(Citizen), fatima.party(Citizen), Case{CaseReference: "Z"}, "hoi", now)
	_, _, err = Seal(other, mm)
	wantCode(t, err, CodeBadMessage)
	// No case.
	mm = NewMessage(org.party(Organisation), fatima.party(Citizen), Case{}, "hoi", now)
	_, _, err = Seal(org, mm)
	wantCode(t, err, CodeBadMessage)
	// Too big a file is refused before decrypting.
	_, _, err = Open(make([]byte, MaxMessageFile+1), fatima.x, fatima.party(Citizen))
	wantCode(t, err, CodeTooLarge)
}

func encryptTo(t *testing.T, plain []byte, r age.Recipient) []byte {
	t.Helper()
	var b strings.Builder
	w, err := age.Encrypt(&b, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	return []byte(b.String())
}

func TestPickup(t *testing.T) {
	t.Parallel()
	fatima := newPerson(t, "Fatima")
	org := strings.Repeat("ab", 32)
	pub := fatima.priv.Public().(ed25519.PublicKey)
	file, err := NewPickup(fatima, pub, org, now)
	if err != nil {
		t.Fatal(err)
	}
	p, err := VerifyPickup(file, org, now.Add(4*time.Minute))
	if err != nil || p.Ed25519 != bundle.EncodeKey(pub) {
		t.Fatalf("%v %+v", err, p)
	}
	_, err = VerifyPickup(file, org, now.Add(6*time.Minute))
	wantCode(t, err, CodeBadPickup)
	_, err = VerifyPickup(file, strings.Repeat("cd", 32), now)
	wantCode(t, err, CodeBadPickup)
	forged := []byte(strings.Replace(string(file), `"created":"2026`, `"created":"2027`, 1))
	_, err = VerifyPickup(forged, org, now)
	wantCode(t, err, CodeBadPickup)
	again, _ := NewPickup(fatima, pub, org, now)
	if q, _ := VerifyPickup(again, org, now); q == nil || q.Nonce == p.Nonce {
		t.Error("two pickups share a nonce")
	}
}

func TestAccessStatementChain(t *testing.T) {
	t.Parallel()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	bid := "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
	entry := func(seq uint64, action string) AccessEntry {
		return AccessEntry{Seq: seq, Hash: strings.Repeat("0", 63) + string(rune('a'+seq%6)), At: now.Add(time.Duration(seq) * time.Minute),
			Role: RoleCaseworker, Actor: "medewerker 7KQ2", Action: action, Purpose: "Schuldhulp"}
	}
	first := &Access{BundleID: bid, Org: "Gemeente Zwolle", Fingerprint: org.Card().Fingerprint(), Issued: now.Add(time.Hour),
		Entries: []AccessEntry{entry(3, "import"), entry(9, "view")}}
	f1, err := SignAccess(org, first)
	if err != nil {
		t.Fatal(err)
	}
	a1, err := VerifyAccess(f1, org.Card(), bid)
	if err != nil {
		t.Fatal(err)
	}
	second := *first
	second.Issued = now.Add(2 * time.Hour)
	second.Entries = append(append([]AccessEntry{}, first.Entries...), entry(12, "download"))
	f2, _ := SignAccess(org, &second)
	a2, err := VerifyAccess(f2, org.Card(), bid)
	if err != nil {
		t.Fatal(err)
	}
	if err := a2.Extends(a1); err != nil {
		t.Fatalf("a longer statement does not extend: %v", err)
	}
	// An entry left out.
	dropped := second
	dropped.Entries = []AccessEntry{entry(3, "import"), entry(12, "download")}
	fd, _ := SignAccess(org, &dropped)
	ad, _ := VerifyAccess(fd, org.Card(), bid)
	wantCode(t, ad.Extends(a2), CodeBrokenChain)
	// Another organisation's signature, another bundle.
	other, _ := bundle.GenerateOrgIdentity("Gemeente Elders", "", nil, now)
	fo, _ := SignAccess(other, &second)
	_, err = VerifyAccess(fo, org.Card(), bid)
	wantCode(t, err, CodeBadSignature)
	third := second
	third.Fingerprint = other.Card().Fingerprint()
	fo, _ = SignAccess(other, &third)
	_, err = VerifyAccess(fo, org.Card(), bid)
	wantCode(t, err, CodeBadAccess)
	_, err = VerifyAccess(f2, org.Card(), "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
	wantCode(t, err, CodeBadAccess)
}

func TestClientPinsTheDesk(t *testing.T) {
	t.Parallel()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/" + PathDeliver:
			w.Write([]byte("receipt"))
		case "/" + PathMessage:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"code":"post.unknown_case","message":"Deze zaak kennen wij niet."}`))
		default:
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer ts.Close()
	card := &bundle.Card{Org: "Gemeente Zwolle", Inbox: ts.URL + "/", InboxPin: bundle.InboxPin(ts.Certificate())}
	c, err := NewClient(card)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if r, err := c.Deliver(ctx, strings.NewReader("bundel"), 6); err != nil || string(r) != "receipt" {
		t.Fatalf("deliver: %q %v", r, err)
	}
	err = c.Send(ctx, []byte("x"))
	var re *RemoteError
	if !errors.As(err, &re) || re.ErrorCode() != "post.unknown_case" {
		t.Errorf("refusal: %v", err)
	}
	wantCode(t, c.Revoke(ctx, []byte("x")), CodeBusy)

	wrong := *card
	wrong.InboxPin = strings.Repeat("0", 64)
	cw, _ := NewClient(&wrong)
	_, err = cw.Deliver(ctx, strings.NewReader("bundel"), 6)
	wantCode(t, err, CodeWrongServer)

	ts2 := httptest.NewTLSServer(http.NotFoundHandler())
	addr := ts2.URL
	ts2.Close()
	down := *card
	down.Inbox = addr + "/"
	cd, _ := NewClient(&down)
	_, err = cd.Deliver(ctx, strings.NewReader("bundel"), 6)
	wantCode(t, err, CodeUnreachable)

	_, err = NewClient(&bundle.Card{Org: "Gemeente Elders"})
	wantCode(t, err, CodeNoInbox)
}
