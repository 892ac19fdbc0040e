package request

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"kluis/internal/sign"

	"kluis/sync/bundle"
)

// testNow is the clock of the test requests.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newOrg(t testing.TB, name string, scopes ...bundle.PurposeScope) *bundle.OrgIdentity {
	t.Helper()
	purposes := []string{"Schuldhulp"}
	for _, s := range scopes {
		if s.Purpose != "Schuldhulp" {
			purposes = append(purposes, s.Purpose)
		}
	}
	id, err := bundle.GenerateOrgIdentityScoped(name, "", purposes, scopes, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testFields() Fields {
	return Fields{
		ID:            "3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		Purpose:       "Schuldhulp",
		LegalBasis:    "Wet gemeentelijke schuldhulpverlening, artikel 4a",
		CaseReference: "Z-2026-0042",
		Message:       "Beste mevrouw El Amrani,\nWilt u uw inkomsten en vaste lasten delen?",
		Scope:         []Item{{Category: "income"}, {Category: "costs", Fields: []string{"kind", "amount", "period"}}},
		AnswerBy:      testNow.Add(14 * 24 * time.Hour),
		KeepUntil:     testNow.Add(180 * 24 * time.Hour),
	}
}

func newRequest(t testing.TB, org *bundle.OrgIdentity, f Fields) []byte {
	t.Helper()
	b, err := New(org, f, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resign replaces a request's body with edit(body) and signs it again
// with signer: a well-signed request with content New would refuse.
func resign(t testing.TB, file []byte, signer bundle.Signer, edit func([]byte) []byte) []byte {
	t.Helper()
	body, _, err := splitSigned(file)
	if err != nil {
		t.Fatal(err)
	}
	body = edit(bytes.Clone(body))
	sig, err := signer.Sign(Domain, body)
	if err != nil {
		t.Fatal(err)
	}
	return joinSigned(body, sig)
}

// keySigner signs with a bare Ed25519 key: someone who is not the
// organisation.
type keySigner struct{ priv ed25519.PrivateKey }

func (k keySigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(k.priv, domain, msg), nil
}

func newKeySigner(t testing.TB) keySigner {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return keySigner{priv}
}
