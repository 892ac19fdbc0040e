package delegation

import (
	"path/filepath"
	"testing"
	"time"

	"kluis/sync/delegate"
	"kluis/vault"
)

const testPass = "correct horse battery staple"

type side struct {
	t    testing.TB
	v    *vault.Vault
	name string
	code string
	c    *delegate.Contact
}

func newSide(t testing.TB, dir, name string) *side {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(dir, name, "vault.kluis"), []byte(testPass), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	code, err := NewContact(v, name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := delegate.ParseContact(code)
	if err != nil {
		t.Fatal(err)
	}
	return &side{t: t, v: v, name: name, code: code, c: c}
}

func (s *side) pin(o *side) {
	s.t.Helper()
	if err := Pin(s.v, o.c, o.code); err != nil {
		s.t.Fatal(err)
	}
}

func (s *side) grant(to *side, role string, cats []string, until time.Time) *delegate.Certificate {
	s.t.Helper()
	cert, err := GrantTo(s.v, delegate.Grant{Owner: delegate.PartyOf(s.c), Delegate: delegate.PartyOf(to.c), Role: role, Categories: cats,
		ValidFrom: time.Now().Add(-time.Minute), ValidUntil: until}, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return cert
}

func (s *side) sync(dir string) *Result {
	s.t.Helper()
	res, err := (&Syncer{Vault: s.v}).Sync(dir)
	if err != nil {
		s.t.Fatalf("%s: sync: %v", s.name, err)
	}
	return res
}

func (s *side) syncAt(dir string, now time.Time) *Result {
	s.t.Helper()
	res, err := (&Syncer{Vault: s.v, Now: func() time.Time { return now }}).Sync(dir)
	if err != nil {
		s.t.Fatalf("%s: sync: %v", s.name, err)
	}
	return res
}

// replica opens the replica s manages for owner.
func (s *side) replica(owner *side) *vault.Vault {
	s.t.Helper()
	ms, err := ManagedVaults(s.v)
	if err != nil {
		s.t.Fatal(err)
	}
	m := ms[owner.c.Fingerprint()]
	if m == nil {
		s.t.Fatalf("%s manages no vault of %s", s.name, owner.name)
	}
	rv, err := OpenReplica(s.v, m)
	if err != nil {
		s.t.Fatal(err)
	}
	// Tests play helpers whose copy does not check their edits (an older
	// Kluis, or one tampered with): the owner must refuse on her own.
	rv.SetEditGuard(nil)
	s.t.Cleanup(func() { rv.Close() })
	return rv
}
