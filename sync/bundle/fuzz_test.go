package bundle

import (
	"bytes"
	"testing"
)

// FuzzManifest: ParseManifest never panics, and what it accepts marshals
// back to exactly the same bytes (one manifest, one encoding).
func FuzzManifest(f *testing.F) {
	signer := newKeySigner(f)
	org := newOrg(f, "Gemeente Zwolle")
	for _, s := range []*Share{testShare(f, signer, org, 10, 20), testShare(f, signer, nil)} {
		if s.To == nil {
			s.Code = "QX4M-7TZA-KD2P-W6NB-R3HF-YJ5C"
		}
		mb, _, _ := signedParts(f, s, signer, nil)
		f.Add(mb)
	}
	f.Add([]byte(`{"format":"kluis-bundle/v1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b, Limits{})
		if err != nil {
			return
		}
		again, err := m.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted manifest does not marshal back to itself")
		}
	})
}

// FuzzOpen: opening any bytes as a bundle never panics and either refuses
// with an *Error or yields a bundle whose documents all check out.
func FuzzOpen(f *testing.F) {
	signer := newKeySigner(f)
	org := newOrg(f, "Gemeente Zwolle")
	f.Add(build(f, testShare(f, signer, org, 100, 1), signer))
	s := testShare(f, signer, org, 50)
	s.Compress = true
	f.Add(build(f, s, signer))
	s = testShare(f, signer, org)
	s.Armor = true
	f.Add(build(f, s, signer))
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\n--- def\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, err := readAll(b, Options{Org: org, Limits: Limits{MaxInput: 1 << 20}})
		if err != nil && CodeOf(err) == "" {
			t.Fatalf("error that is not a refusal: %v", err)
		}
	})
}

// FuzzSignedFiles: cards, notices and receipts never panic the parsers.
func FuzzSignedFiles(f *testing.F) {
	signer := newKeySigner(f)
	org := newOrg(f, "Gemeente Zwolle")
	f.Add(org.CardFile())
	n, _ := NewNotice(signer, signer.public(), bundleID, testNow)
	f.Add(n)
	r, _ := NewReceipt(org, bundleID, sha([]byte("m")), testNow, testNow)
	f.Add(r)
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseCard(b)
		ParseNotice(b)
		ParseReceipt(b)
		ParseShareCode(string(b))
		ParseBundleURI(string(b))
	})
}
