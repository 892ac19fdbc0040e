package index

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"

	"filippo.io/age"

	"kluis/sync/bundle"
)

func TestDefinitionRoundTrip(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	p := newDefinition(t, org, testFields())
	for _, enc := range [][]byte{p.File, Armor(p.File), []byte(Link(p.File) + "\n")} {
		q, err := Parse(enc)
		if err != nil || !bytes.Equal(q.File, p.File) {
			t.Fatalf("re-encoded definition: %v", err)
		}
	}
	if _, err := QR(p.File, 512); err != nil {
		t.Fatal(err)
	}
	o, err := Open(p.File, []*bundle.Card{org.Card()})
	if err != nil || o.Trust.String() != "known" {
		t.Fatalf("open with the known card: %v %v", err, o)
	}
	other := newOrg(t, "Gemeente Zwolle")
	if o, _ := Open(p.File, []*bundle.Card{other.Card()}); o.Trust.String() != "impostor" {
		t.Errorf("same name, other key: %v", o.Trust)
	}
	if got := p.Definition.WijkOf("8033 AB"); got != "Holtenbroek" {
		t.Errorf("WijkOf: %q", got)
	}
	if got := p.Definition.WijkOf("8032AB"); got != "" {
		t.Errorf("WijkOf outside: %q", got)
	}
	q, _, _ := p.Definition.Question("leeftijd")
	if q.BandOf(14) != "12-15" || q.BandOf(40) != "18+" || q.BandOf(9) != "" {
		t.Error("BandOf")
	}
}

func TestDefinitionRefusals(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	ok := newDefinition(t, org, testFields()).File
	body, _, _ := splitSigned(ok)
	cases := map[string]struct {
		file []byte
		code Code
	}{
		"unsigned":      {append(bytes.Clone(body), '\n'), CodeUnsigned},
		"altered":       {bytes.Replace(ok, []byte("Assendorp"), []byte("Assendorq"), 1), CodeBadSignature},
		"forged":        {resign(t, ok, newKeySigner(t), func(b []byte) []byte { return b }), CodeBadSignature},
		"not-canonical": {resign(t, ok, org, replace(`"format":"kluis-index/v1",`, `"format": "kluis-index/v1",`)), CodeBadDefinition},
		"bad-kind":      {resign(t, ok, org, replace(`"kind":"yes_no"`, `"kind":"free_text"`)), CodeBadDefinition},
		"yes-no-extra":  {resign(t, ok, org, replace(`["ja","nee"]`, `["ja","nee","soms"]`)), CodeBadDefinition},
		"overlap":       {resign(t, ok, org, replace(`{"from":8041,"to":8046}`, `{"from":8012,"to":8046}`)), CodeBadDefinition},
		"not-json":      {[]byte("hallo\n"), CodeNotDefinition},
	}
	for name, c := range cases {
		if _, err := Parse(c.file); CodeOf(err) != c.code {
			t.Errorf("%s: got %v, want %s", name, err, c.code)
		}
	}
	f := testFields()
	f.Questions[0].Answers = []string{"16-17", "12-15"}
	if _, err := New(org, f, testNow); CodeOf(err) != CodeBadDefinition {
		t.Errorf("descending bands: %v", err)
	}
}

func TestPseudonym(t *testing.T) {
	a, b := newKeySigner(t), newKeySigner(t)
	p1, _ := Pseudonym(a, "i1", "2026-Q4")
	p2, _ := Pseudonym(a, "i1", "2026-Q4")
	p3, _ := Pseudonym(a, "i1", "2027-Q1")
	p4, _ := Pseudonym(a, "i2", "2026-Q4")
	p5, _ := Pseudonym(b, "i1", "2026-Q4")
	if p1 != p2 {
		t.Error("same donor, index and period: different pseudonyms")
	}
	if p1 == p3 || p1 == p4 || p1 == p5 || p3 == p4 {
		t.Error("pseudonyms collide across periods, indexes or donors")
	}
	pub := a.priv.Public().(ed25519.PublicKey)
	if strings.Contains(p1, hex.EncodeToString(pub)) || len(p1) != 64 {
		t.Error("pseudonym holds the key or has the wrong length")
	}
}

func TestDonationRefusals(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	p := newDefinition(t, org, testFields())
	donor := newKeySigner(t)
	good := donate(t, p, donor, "Assendorp", Answer{"schulden", "ja"}, Answer{"veilig", "4"})
	d, err := OpenDonation(good, org, p.Definition)
	if err != nil {
		t.Fatal(err)
	}
	if d.Wijk != "Assendorp" || len(d.Answers) != 2 {
		t.Fatalf("donation: %+v", d)
	}

	// Another index of the same organisation, another period, another
	// organisation.
	f := testFields()
	f.ID = "0e1d2c3b-4a59-4867-9a5b-4c3d2e1f0a9b"
	otherIndex := newDefinition(t, org, f)
	f = testFields()
	f.Period, _ = ParsePeriod("2027-Q1")
	otherPeriod := newDefinition(t, org, f)
	otherOrg := newOrg(t, "Gemeente Kampen")
	foreign := newDefinition(t, otherOrg, testFields())

	raw := func(d *Donation) []byte {
		body, _ := marshalCompact(d)
		var b bytes.Buffer
		w, _ := age.Encrypt(&b, org.Card().Recipient())
		w.Write(body)
		w.Close()
		return b.Bytes()
	}
	ps, _ := Pseudonym(donor, p.Definition.ID, "2026-Q4")
	base := func() *Donation {
		return &Donation{Format: DonationFormat, Index: p.Definition.ID, Period: "2026-Q4", Org: org.Card().Fingerprint(),
			Pseudonym: ps, Wijk: "Assendorp", Answers: []Answer{{"schulden", "ja"}}}
	}
	tampered := bytes.Clone(good)
	tampered[len(tampered)-5] ^= 1
	cases := map[string]struct {
		file []byte
		code Code
	}{
		"other index":      {donate(t, otherIndex, donor, "Assendorp", Answer{"schulden", "ja"}), CodeOtherIndex},
		"other period":     {donate(t, otherPeriod, donor, "Assendorp", Answer{"schulden", "ja"}), CodeOtherPeriod},
		"not for us":       {donate(t, foreign, donor, "Assendorp", Answer{"schulden", "ja"}), CodeNotForUs},
		"tampered":         {tampered, CodeTampered},
		"truncated":        {good[:len(good)-20], CodeTampered},
		"undefined answer": {raw(func() *Donation { d := base(); d.Answers[0].Answer = "misschien"; return d }()), CodeUndefinedAnswer},
		"unknown question": {raw(func() *Donation { d := base(); d.Answers[0].Question = "inkomen"; return d }()), CodeUnknownQuestion},
		"unknown wijk":     {raw(func() *Donation { d := base(); d.Wijk = "Berkum"; return d }()), CodeUnknownWijk},
		"no answers":       {raw(func() *Donation { d := base(); d.Answers = nil; return d }()), CodeBadDonation},
		"twice":            {raw(func() *Donation { d := base(); d.Answers = append(d.Answers, d.Answers[0]); return d }()), CodeBadDonation},
		"bad pseudonym":    {raw(func() *Donation { d := base(); d.Pseudonym = "Jan Jansen"; return d }()), CodeBadDonation},
		"other org field":  {raw(func() *Donation { d := base(); d.Org = otherOrg.Card().Fingerprint(); return d }()), CodeOtherIndex},
		"too large":        {make([]byte, MaxDonation+1), CodeTooLarge},
	}
	for name, c := range cases {
		if _, err := OpenDonation(c.file, org, p.Definition); CodeOf(err) != c.code {
			t.Errorf("%s: got %v, want %s", name, err, c.code)
		}
	}
	if _, err := NewDonation(p, &Donation{Pseudonym: ps, Wijk: "Assendorp", Answers: []Answer{{"veilig", "6"}}}); CodeOf(err) != CodeUndefinedAnswer {
		t.Errorf("NewDonation with an undefined answer: %v", err)
	}
}
