package donate

import (
	"crypto/ed25519"
	"testing"

	"kluis/internal/sign"
	"kluis/sync/index"
	"kluis/sync/index/indextest"

	"kluis/vault"
)

// fakeVault is the slice of a vault a draft reads, with one signing key.
type fakeVault struct {
	priv ed25519.PrivateKey
	recs map[string][]vault.Record
}

func (f *fakeVault) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(f.priv, domain, msg), nil
}

func (f *fakeVault) List(cat string) ([]vault.Record, error) { return f.recs[cat], nil }

func TestDraftPrefillsAndRefuses(t *testing.T) {
	t.Parallel()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	p := indextest.NewDefinition(t, org, indextest.Fields())
	now := indextest.Now
	_, priv, _ := ed25519.GenerateKey(nil)
	v := &fakeVault{priv: priv, recs: map[string][]vault.Record{
		"personal": {{Fields: map[string]string{"birth_date": now.AddDate(-17, 0, -1).Format("2006-01-02")}}},
		"housing":  {{Fields: map[string]string{"postcode": "8011 AB"}}},
		"debts":    {{Fields: map[string]string{"creditor": "CJIB", "status": "open"}}},
	}}
	d, err := Prepare(v, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Age != 17 || d.Wijk != p.Definition.Wijken[0].Name {
		t.Fatalf("age %d, wijk %q", d.Age, d.Wijk)
	}
	for _, q := range p.Definition.Questions {
		if q.Prefill != "" && !d.Prefilled[q.ID] {
			t.Errorf("question %s with prefill %s was not prefilled", q.ID, q.Prefill)
		}
	}
	if err := d.Set("nope", "ja"); index.CodeOf(err) != index.CodeUnknownQuestion {
		t.Fatalf("unknown question: %v", err)
	}
	q := p.Definition.Questions[0]
	if err := d.Set(q.ID, "misschien"); index.CodeOf(err) != index.CodeUndefinedAnswer {
		t.Fatalf("undefined answer: %v", err)
	}
	file, err := d.Donation(v, now)
	if err != nil {
		t.Fatal(err)
	}
	don, err := index.OpenDonation(file, org, p.Definition)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := index.Pseudonym(v, p.Definition.ID, p.Definition.Period.Name)
	if don.Pseudonym != again || don.Wijk != d.Wijk || len(don.Answers) != len(d.Answers) {
		t.Fatalf("donation %+v", don)
	}
	for _, q := range p.Definition.Questions {
		d.Skip(q.ID)
	}
	if _, err := d.Donation(v, now); err == nil {
		t.Fatal("a donation without answers was made")
	}
}

func TestYouthRule(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		age    int
		helper bool
		ok     bool
	}{{-1, false, true}, {11, true, false}, {12, false, false}, {14, true, true}, {15, false, false}, {16, false, true}, {40, false, true}} {
		d := &Draft{Age: c.age}
		err := d.CheckYouth(c.helper)
		if (err == nil) != c.ok {
			t.Errorf("age %d, helper %v: %v", c.age, c.helper, err)
		}
		if err != nil && index.CodeOf(err) != index.CodeTooYoung {
			t.Errorf("age %d: code %v", c.age, index.CodeOf(err))
		}
	}
}
