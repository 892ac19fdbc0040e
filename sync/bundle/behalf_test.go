package bundle

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// behalfCert signs a delegation certificate from owner to the delegate
// d (as Issuer) with sign, after change adjusts it.
func behalfCert(t *testing.T, sign *keySigner, owner Party, d Issuer, change func(*Delegation)) []byte {
	t.Helper()
	c := &Delegation{Format: DelegationFormat, ID: "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", Owner: owner,
		Delegate: Party(d), Role: "manage",
		Categories: []string{"debts", "income"}, ValidFrom: testNow.Add(-30 * 24 * time.Hour),
		ValidUntil: testNow.Add(335 * 24 * time.Hour), Issued: testNow.Add(-30 * 24 * time.Hour)}
	if change != nil {
		change(c)
	}
	b, err := signStatement(sign, DomainDelegation, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ownerParty(t *testing.T, k *keySigner) Party {
	i := k.issuer(t)
	return Party{Name: "Fatima", X25519: i.X25519, Ed25519: i.Ed25519}
}

func TestShareOnBehalf(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	owner, son := newKeySigner(t), newKeySigner(t)
	s := testShare(t, son, org, 100, 200)
	s.Issuer.Name = "Youssef"
	s.OnBehalf = behalfCert(t, owner, ownerParty(t, owner), s.Issuer, nil)
	data := build(t, s, son)

	r, docs, err := readAll(data, Options{Org: org, Now: fixedNow})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	d := r.OnBehalf()
	if d == nil || d.Owner.Name != "Fatima" || d.Delegate.Name != "Youssef" || r.Manifest().Issuer.Name != "Youssef" || len(docs) != 2 {
		t.Fatalf("on behalf = %+v, issuer %q", d, r.Manifest().Issuer.Name)
	}
	if !bytes.Contains(r.ManifestBytes(), []byte(`"on_behalf":{"certificate":"{\"format\":\"kluis-delegation/v1\"`)) {
		t.Fatalf("the manifest does not carry the certificate:\n%s", r.ManifestBytes())
	}

	// A share the citizen makes herself names no on_behalf member.
	plain := build(t, testShare(t, owner, org), owner)
	r, _, err = readAll(plain, Options{Org: org, Now: fixedNow})
	if err != nil || r.OnBehalf() != nil || bytes.Contains(r.ManifestBytes(), []byte("on_behalf")) {
		t.Fatalf("a plain share: %v, on behalf %+v", err, r.OnBehalf())
	}
}

// The importer refuses every broken link of the chain, and stores nothing:
// Open fails before any document is read. The refusals are written with a
// signer that does not check (forged), as a malicious delegate would.
func TestShareOnBehalfRefusals(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	owner, son, other := newKeySigner(t), newKeySigner(t), newKeySigner(t)
	fatima := ownerParty(t, owner)
	later := func(d time.Duration) func() time.Time { return func() time.Time { return testNow.Add(d) } }
	for _, tc := range []struct {
		name   string
		change func(*Delegation)
		signBy *keySigner // the certificate's signer; the owner when nil
		share  func(*Share)
		now    func() time.Time
		want   Code
	}{
		{name: "view only", change: func(d *Delegation) { d.Role = "view" }, want: CodeBehalfRole},
		{name: "category outside", change: func(d *Delegation) { d.Categories = []string{"income"} }, want: CodeBehalfScope},
		{name: "record outside", change: func(d *Delegation) { d.Categories = []string{"income"} },
			share: func(s *Share) { s.Scope.Categories = []string{"income"}; s.Scope.Records = []string{debtID} }, want: CodeBehalfScope},
		{name: "expired before made", change: func(d *Delegation) { d.ValidUntil = testNow.Add(-time.Hour) }, want: CodeBehalfExpired},
		{name: "expired since", change: func(d *Delegation) { d.ValidUntil = testNow.Add(24 * time.Hour) }, now: later(2 * 24 * time.Hour), want: CodeBehalfExpired},
		{name: "not yet valid", change: func(d *Delegation) { d.ValidFrom = testNow.Add(time.Hour) }, want: CodeBehalfNotYetValid},
		{name: "signed by someone else", signBy: other, want: CodeBehalfCertificate},
		{name: "for another delegate", change: func(d *Delegation) { d.Delegate = ownerParty(t, other); d.Delegate.Name = "Youssef" }, want: CodeBehalfDelegate},
		{name: "emergency grant", change: func(d *Delegation) { d.EmergencyWait = 3600 }, want: CodeBehalfEmergency},
		{name: "not a certificate", share: func(s *Share) { s.OnBehalf = []byte("{}\nAAAA\n") }, want: CodeBehalfCertificate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShare(t, son, org, 100)
			s.Issuer.Name = "Youssef"
			signBy := owner
			if tc.signBy != nil {
				signBy = tc.signBy
			}
			s.OnBehalf = behalfCert(t, signBy, fatima, s.Issuer, tc.change)
			if tc.share != nil {
				tc.share(s)
			}
			if _, err := Write(&bytes.Buffer{}, s, son); CodeOf(err) != tc.want && tc.now == nil {
				t.Errorf("Write: %v, want %s", err, tc.want)
			}
			data := forgeBehalf(t, s, son)
			now := tc.now
			if now == nil {
				now = fixedNow
			}
			if _, err := Open(bytes.NewReader(data), Options{Org: org, Now: now}); CodeOf(err) != tc.want {
				t.Fatalf("Open: %v, want %s", err, tc.want)
			}
		})
	}
}

// forgeBehalf writes s as Write does but without the on-behalf check, so
// the reader's own checks can be tested.
func forgeBehalf(t *testing.T, s *Share, signer Signer) []byte {
	t.Helper()
	cert := s.OnBehalf
	s.OnBehalf = nil
	mb, sig, rb := signedParts(t, s, signer, func(m *Manifest) { m.OnBehalf = &OnBehalf{Certificate: string(cert)} })
	entries := []rawEntry{reg(ManifestPath, mb), reg(SignaturePath, sig), reg(RecordsPath, rb)}
	for _, d := range s.Documents {
		var b bytes.Buffer
		if err := d.Write(&b); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, reg(d.Path(), b.Bytes()))
	}
	return encrypt(t, makeTar(t, entries), s.To.Recipient())
}

func TestParseDelegationCanonical(t *testing.T) {
	owner, son := newKeySigner(t), newKeySigner(t)
	cert := behalfCert(t, owner, ownerParty(t, owner), son.issuer(t), nil)
	if _, err := ParseDelegation(cert); err != nil {
		t.Fatal(err)
	}
	spaced := strings.Replace(string(cert), `"role":"manage"`, `"role": "manage"`, 1)
	if _, err := ParseDelegation([]byte(spaced)); CodeOf(err) != CodeBehalfCertificate {
		t.Fatalf("altered certificate: %v", err)
	}
}
