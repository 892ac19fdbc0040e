package delegate

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/internal/sign"
)

// keySigner signs with a bare Ed25519 key, as an unlocked vault does.
type keySigner ed25519.PrivateKey

func (k keySigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(ed25519.PrivateKey(k), domain, msg), nil
}

// side is one person's keys and their contact code.
type side struct {
	v    keySigner
	c    *Contact
	code string
}

func newSide(t *testing.T, name string) *side {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := &side{v: keySigner(priv)}
	if s.code, err = NewContact(s.v, id.Recipient().String(), pub, name, time.Now()); err != nil {
		t.Fatal(err)
	}
	if s.c, err = ParseContact(s.code); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContactCode(t *testing.T) {
	t.Parallel()
	s := newSide(t, "Youssef")
	if s.c.Name != "Youssef" || !strings.HasPrefix(s.code, ContactPrefix) {
		t.Fatalf("contact %+v", s.c)
	}
	if d := ReadAloud(s.c.Fingerprint()); len(d) != 24 || d != ReadAloud(s.c.Fingerprint()) {
		t.Fatalf("read aloud %q", d)
	}
	// Any changed character breaks the self-signature or the layout.
	for i := len(ContactPrefix); i < len(s.code); i += 7 {
		b := []byte(s.code)
		b[i] ^= 1
		if _, err := ParseContact(string(b)); err == nil {
			t.Fatalf("tampered code at %d accepted", i)
		}
	}
}

func TestEmergencyAccess(t *testing.T) {
	t.Parallel()
	owner, del := newSide(t, "Fatima"), newSide(t, "Youssef")
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	cert, _, err := NewCertificate(owner.v, Grant{Owner: PartyOf(owner.c), Delegate: PartyOf(del.c), Role: RoleView,
		Categories: []string{"care"}, ValidFrom: t0, ValidUntil: t0.AddDate(1, 0, 0), EmergencyWait: 72 * time.Hour}, t0)
	if err != nil {
		t.Fatal(err)
	}
	stmt := func(s *side, kind string, req, at time.Time) *Emergency {
		b, err := NewEmergency(s.v, s.c.Ed25519, cert, kind, req, at)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseEmergency(b)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	asked := t0.Add(24 * time.Hour)
	req := stmt(del, EmergencyRequest, asked, asked)
	forged := stmt(owner, EmergencyRequest, asked, asked) // a request not by the delegate
	cases := []struct {
		name string
		now  time.Time
		em   []*Emergency
		want error
	}{
		{"no request", t0.Add(200 * time.Hour), nil, ErrEmergencyClosed},
		{"request waiting", asked.Add(71 * time.Hour), []*Emergency{req}, ErrEmergencyClosed},
		{"wait over", asked.Add(72 * time.Hour), []*Emergency{req}, nil},
		{"approved early", asked.Add(time.Hour), []*Emergency{req, stmt(owner, EmergencyApprove, asked, asked.Add(time.Hour))}, nil},
		{"refused", asked.Add(100 * time.Hour), []*Emergency{req, stmt(owner, EmergencyRefuse, asked, asked.Add(time.Hour))}, ErrEmergencyClosed},
		{"request by the wrong key", asked.Add(100 * time.Hour), []*Emergency{forged}, ErrEmergencyClosed},
		{"approval by the delegate", asked.Add(time.Hour), []*Emergency{req, stmt(del, EmergencyApprove, asked, asked)}, ErrEmergencyClosed},
		{"expired", t0.AddDate(1, 0, 0), []*Emergency{req}, ErrExpired},
	}
	for _, c := range cases {
		if err := cert.Open(c.now, nil, c.em); !errors.Is(err, c.want) {
			t.Errorf("%s: Open = %v, want %v", c.name, err, c.want)
		}
	}
	rb, _ := NewRevocation(owner.v, cert, t0)
	rev, err := ParseRevocation(rb)
	if err != nil || cert.Open(asked.Add(80*time.Hour), []*Revocation{rev}, []*Emergency{req}) != ErrRevoked {
		t.Errorf("revocation: %v", err)
	}
	// A revocation signed by someone else does not count.
	rb2, _ := NewRevocation(del.v, cert, t0)
	if _, err := ParseRevocation(rb2); err == nil {
		t.Error("revocation signed by the wrong key verified against the owner key it names")
	}
}
