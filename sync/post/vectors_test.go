package post

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/sync/bundle"
	"kluis/sync/signed"
)

// The vectors of docs/FORMAT.md §12 in testdata/vectors: the test
// organisation (org.key, passphrase vectorPassphrase; org.card with an
// inbox), the test citizen (citizen.json: its X25519 secret key and
// Ed25519 seed — test keys, never to be used), and one file per case:
//
//	expect: ok | <code>
//	now: TIME
//	after: FILE        (access statements: the statement kept before)
//	(empty line)
//	the file; a message file as base64 on one line
//
// *.message is opened by the reader its name starts with (to-citizen-…
// with the citizen's key, to-org-… with the organisation's), *.pickup is
// verified by the organisation at now, *.access by the citizen against
// org.card and, with after, checked to extend that statement. Regenerate
// with -update.
var update = flag.Bool("update", false, "write the test vectors again")

const (
	vectorsDir       = "testdata/vectors"
	vectorPassphrase = "voorbeeld voorbeeld"
	vectorBundle     = "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
)

var vectorNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

type vectorCitizen struct {
	X25519  string `json:"x25519"`
	Ed25519 string `json:"ed25519_seed"`
}

func vectorParties(t *testing.T) (*bundle.OrgIdentity, *bundle.Card, *person) {
	t.Helper()
	if *update {
		id, err := bundle.GenerateOrgIdentity("Gemeente Voorbeeld", "00000001234567890000", []string{"Schuldhulp"}, vectorNow.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		key, _ := id.Marshal([]byte(vectorPassphrase))
		card, err := id.CardWithInbox("https://kluis.voorbeeld.nl/", strings.Repeat("5a", 32), vectorNow.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c := newPerson(t, "Fatima")
		cj, _ := json.MarshalIndent(vectorCitizen{X25519: c.x.String(), Ed25519: base64.StdEncoding.EncodeToString(c.priv.Seed())}, "", "  ")
		os.MkdirAll(vectorsDir, 0o755)
		for name, b := range map[string][]byte{"org.key": key, "org.card": card, "citizen.json": append(cj, '\n')} {
			if err := os.WriteFile(filepath.Join(vectorsDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(vectorsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	id, err := bundle.ParseOrgIdentity(read("org.key"), []byte(vectorPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	card, err := bundle.ParseCard(read("org.card"))
	if err != nil || card.Inbox == "" || card.Fingerprint() != id.Card().Fingerprint() {
		t.Fatalf("org.card: %v", err)
	}
	var vc vectorCitizen
	if err := json.Unmarshal(read("citizen.json"), &vc); err != nil {
		t.Fatal(err)
	}
	x, err := age.ParseX25519Identity(vc.X25519)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := base64.StdEncoding.DecodeString(vc.Ed25519)
	return id, card, &person{x: x, priv: ed25519.NewKeyFromSeed(seed), name: "Fatima"}
}

type vector struct {
	expect string
	now    time.Time
	after  string
	data   []byte
}

func makeVectors(t *testing.T, org *bundle.OrgIdentity, card *bundle.Card, c *person) map[string]vector {
	t.Helper()
	orgP, me := PartyOfCard(card), c.party(Citizen)
	sealed := func(s interface {
		Sign(string, []byte) ([]byte, error)
	}, m *Message) ([]byte, []byte) {
		f, sf, err := Seal(s, m)
		if err != nil {
			t.Fatal(err)
		}
		return f, sf
	}
	cs := Case{BundleID: vectorBundle, CaseReference: "Z-2026-0042"}
	toCitizen := NewMessage(orgP, me, cs, "Goedemorgen Fatima,\n\nWilt u ook uw huurcontract sturen?", vectorNow)
	okFile, okSigned := sealed(org, toCitizen)
	altered := encryptTo(t, bytes.Replace(okSigned, []byte("huurcontract"), []byte("loonstrook!!"), 1), c.x.Recipient())
	other := newPerson(t, "Sami")
	fwd := NewMessage(orgP, other.party(Citizen), cs, "Voor Sami", vectorNow)
	_, fwdSigned := sealed(org, fwd)
	forwarded := encryptTo(t, fwdSigned, c.x.Recipient())
	toOrg := NewMessage(me, orgP, Case{RequestID: "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"}, "Ik wil dit liever eerst bespreken.", vectorNow)
	toOrg.Refuses = toOrg.Case.RequestID
	toOrgFile, _ := sealed(c, toOrg)
	receiptLike, err := signed.Sign(org, "kluis-receipt/v1", map[string]string{"format": "kluis-receipt/v1", "bundle_id": vectorBundle})
	if err != nil {
		t.Fatal(err)
	}
	notMessage := encryptTo(t, receiptLike, c.x.Recipient())

	pickup, err := NewPickup(c, c.priv.Public().(ed25519.PublicKey), card.Fingerprint(), vectorNow)
	if err != nil {
		t.Fatal(err)
	}
	otherOrgPickup, _ := NewPickup(c, c.priv.Public().(ed25519.PublicKey), strings.Repeat("ab", 32), vectorNow)

	entry := func(seq uint64, sec int, role, actor, action string) AccessEntry {
		return AccessEntry{Seq: seq, Hash: fmt.Sprintf("%064x", seq*7919), At: vectorNow.Add(time.Duration(sec) * time.Second), Role: role, Actor: actor, Action: action, Purpose: "Schuldhulp"}
	}
	first := &Access{BundleID: vectorBundle, Org: card.Org, Fingerprint: card.Fingerprint(), Issued: vectorNow.Add(time.Hour),
		Entries: []AccessEntry{entry(3, 0, RoleProgram, "kluis-intake", "import"), entry(4, 1, RoleProgram, "kluis-intake", "receipt"), entry(9, 600, RoleCaseworker, "M-7KQ2D", "view")}}
	firstFile, err := SignAccess(org, first)
	if err != nil {
		t.Fatal(err)
	}
	longer := *first
	longer.Issued = vectorNow.Add(2 * time.Hour)
	longer.Entries = append(append([]AccessEntry{}, first.Entries...), entry(12, 3600, RoleCaseworker, "M-7KQ2D", "download"))
	longerFile, _ := SignAccess(org, &longer)
	dropped := longer
	dropped.Entries = []AccessEntry{first.Entries[0], first.Entries[1], longer.Entries[3]}
	droppedFile, _ := SignAccess(org, &dropped)
	forged := bytes.Replace(longerFile, []byte(`"download"`), []byte(`"view"`), 1)

	b64 := func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b) + "\n") }
	return map[string]vector{
		"to-citizen-ok.message":          {expect: "ok", now: vectorNow, data: b64(okFile)},
		"to-citizen-altered.message":     {expect: string(CodeBadSignature), now: vectorNow, data: b64(altered)},
		"to-citizen-forwarded.message":   {expect: string(CodeNotForYou), now: vectorNow, data: b64(forwarded)},
		"to-citizen-not-message.message": {expect: string(CodeNotMessage), now: vectorNow, data: b64(notMessage)},
		"to-org-refusal.message":         {expect: "ok", now: vectorNow, data: b64(toOrgFile)},
		"ok.pickup":                      {expect: "ok", now: vectorNow.Add(time.Minute), data: pickup},
		"late.pickup":                    {expect: string(CodeBadPickup), now: vectorNow.Add(10 * time.Minute), data: pickup},
		"other-desk.pickup":              {expect: string(CodeBadPickup), now: vectorNow, data: otherOrgPickup},
		"first.access":                   {expect: "ok", now: vectorNow, data: firstFile},
		"longer.access":                  {expect: "ok", now: vectorNow, after: "first.access", data: longerFile},
		"dropped.access":                 {expect: string(CodeBrokenChain), now: vectorNow, after: "longer.access", data: droppedFile},
		"forged.access":                  {expect: string(CodeBadSignature), now: vectorNow, data: forged},
	}
}

func readVector(t *testing.T, path string) vector {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, data, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no empty line after the header", path)
	}
	var v vector
	v.data = data
	for _, line := range strings.Split(string(head), "\n") {
		if s, ok := strings.CutPrefix(line, "expect: "); ok {
			v.expect = s
		}
		if s, ok := strings.CutPrefix(line, "now: "); ok {
			v.now, _ = time.Parse(time.RFC3339, s)
		}
		if s, ok := strings.CutPrefix(line, "after: "); ok {
			v.after = s
		}
	}
	return v
}

func TestVectors(t *testing.T) {
	org, card, c := vectorParties(t)
	if *update {
		for name, v := range makeVectors(t, org, card, c) {
			var b bytes.Buffer
			b.WriteString("expect: " + v.expect + "\nnow: " + v.now.Format(time.RFC3339) + "\n")
			if v.after != "" {
				b.WriteString("after: " + v.after + "\n")
			}
			b.WriteString("\n")
			b.Write(v.data)
			if err := os.WriteFile(filepath.Join(vectorsDir, name), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var names []string
	for _, ext := range []string{"*.message", "*.pickup", "*.access"} {
		n, _ := filepath.Glob(filepath.Join(vectorsDir, ext))
		names = append(names, n...)
	}
	if len(names) < 12 {
		t.Fatalf("only %d vectors", len(names))
	}
	codeOf := func(err error) string {
		if err == nil {
			return "ok"
		}
		var pe *Error
		if e, ok := err.(*Error); ok {
			pe = e
		}
		if pe == nil {
			return err.Error()
		}
		return string(pe.Code)
	}
	for _, path := range names {
		v := readVector(t, path)
		name := filepath.Base(path)
		var err error
		switch {
		case strings.HasSuffix(name, ".message"):
			file, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(v.data)))
			if derr != nil {
				t.Fatalf("%s: %v", name, derr)
			}
			if strings.HasPrefix(name, "to-org-") {
				var m *Message
				m, _, err = Open(file, org.AgeIdentity(), PartyOfCard(card))
				if err == nil && !m.From.Same(c.party(Citizen)) {
					t.Errorf("%s: not from the test citizen", name)
				}
			} else {
				var m *Message
				m, _, err = Open(file, c.x, c.party(Citizen))
				if err == nil && !m.From.Same(PartyOfCard(card)) {
					t.Errorf("%s: not from the test organisation", name)
				}
			}
		case strings.HasSuffix(name, ".pickup"):
			_, err = VerifyPickup(v.data, card.Fingerprint(), v.now)
		default:
			var a *Access
			a, err = VerifyAccess(v.data, card, vectorBundle)
			if err == nil && v.after != "" {
				before := readVector(t, filepath.Join(vectorsDir, v.after))
				old, oerr := VerifyAccess(before.data, card, vectorBundle)
				if oerr != nil {
					t.Fatalf("%s: %v", v.after, oerr)
				}
				err = a.Extends(old)
			}
		}
		if got := codeOf(err); got != v.expect {
			t.Errorf("%s: got %s (%v), want %s", name, got, err, v.expect)
		}
	}
}
