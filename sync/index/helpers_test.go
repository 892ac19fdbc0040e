package index

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"kluis/internal/sign"

	"kluis/sync/bundle"
)

var testNow = time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)

func newOrg(t testing.TB, name string) *bundle.OrgIdentity {
	t.Helper()
	id, err := bundle.GenerateOrgIdentity(name, "", []string{"Jongerenindex"}, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testFields() Fields {
	p, _ := ParsePeriod("2026-Q4")
	return Fields{
		ID:      "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
		Title:   "Jongerenindex Zwolle",
		Purpose: "Zien wat jongeren in de wijk helpt of zorgen geeft, zonder gegevens van personen.",
		Period:  p,
		Wijken: []Wijk{
			{Name: "Assendorp", Postcodes: []Range{{8011, 8012}}},
			{Name: "Holtenbroek", Postcodes: []Range{{8031, 8031}, {8033, 8034}}},
			{Name: "Stadshagen", Postcodes: []Range{{8041, 8046}}},
		},
		Questions: []Question{
			{ID: "leeftijd", Text: "Hoe oud bent u?", Kind: KindAgeBand, Answers: []string{"12-15", "16-17", "18+"}, Prefill: PrefillAgeBand},
			{ID: "schulden", Text: "Heeft u schulden die nog open staan?", Kind: KindYesNo, Answers: []string{"ja", "nee"}, Prefill: PrefillOpenDebt},
			{ID: "veilig", Text: "Hoe veilig voelt u zich in uw wijk? 1 is heel onveilig, 5 is heel veilig.", Kind: KindScale, Answers: AnswersOf(KindScale)},
		},
	}
}

func newDefinition(t testing.TB, org *bundle.OrgIdentity, f Fields) *Parsed {
	t.Helper()
	file, err := New(org, f, testNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// keySigner signs with a bare Ed25519 key: a donor's vault, or someone
// who is not the organisation.
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

// donate makes a donation of a fresh or given donor.
func donate(t testing.TB, p *Parsed, donor bundle.Signer, wijk string, answers ...Answer) []byte {
	t.Helper()
	ps, err := Pseudonym(donor, p.Definition.ID, p.Definition.Period.Name)
	if err != nil {
		t.Fatal(err)
	}
	file, err := NewDonation(p, &Donation{Pseudonym: ps, Wijk: wijk, Answers: answers})
	if err != nil {
		t.Fatal(err)
	}
	return file
}

// resign replaces a definition's body with edit(body) and signs it again.
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

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}
