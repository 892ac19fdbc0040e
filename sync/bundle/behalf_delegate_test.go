package bundle_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"testing"
	"time"

	"kluis/internal/sign"

	"filippo.io/age"

	"kluis/sync/bundle"
	"kluis/sync/delegate"
)

// edSigner signs as a vault does (package internal/sign): over domain ‖ 0x00 ‖ message.
type edSigner ed25519.PrivateKey

func (k edSigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(ed25519.PrivateKey(k), domain, msg), nil
}

func party(t *testing.T, name string) (delegate.Party, edSigner) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return delegate.Party{Name: name, X25519: x.Recipient().String(), Ed25519: base64.StdEncoding.EncodeToString(pub)}, edSigner(priv)
}

// The bundle reader parses certificates itself (sync/delegate imports
// this package); it must read every certificate sync/delegate signs, with
// and without an emergency wait, exactly as signed.
func TestParseDelegationReadsDelegateCertificates(t *testing.T) {
	owner, sign := party(t, "Fatima")
	son, _ := party(t, "Youssef")
	now := time.Now()
	for _, wait := range []time.Duration{0, 72 * time.Hour} {
		c, file, err := delegate.NewCertificate(sign, delegate.Grant{Owner: owner, Delegate: son, Role: delegate.RoleManage,
			Categories: []string{"income", "debts"}, ValidFrom: now, ValidUntil: now.AddDate(1, 0, 0), EmergencyWait: wait}, now)
		if err != nil {
			t.Fatal(err)
		}
		d, err := bundle.ParseDelegation(file)
		if err != nil {
			t.Fatalf("wait %v: %v", wait, err)
		}
		if d.ID != c.ID || d.Owner.Ed25519 != owner.Ed25519 || d.Delegate.X25519 != son.X25519 || d.Role != c.Role ||
			!d.ValidUntil.Equal(c.ValidUntil) || d.EmergencyWait != c.EmergencyWait || !d.Covers("debts") || d.Covers("care") {
			t.Fatalf("parsed %+v from %+v", d, c)
		}
	}
}
