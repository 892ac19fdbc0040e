package donate

import (
	"crypto/ed25519"
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/index"

	"kluis/vault"
)

var testNow = time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)

// newIndex makes an organisation and a signed definition with a question
// for each prefill hint and one without.
func newIndex(t *testing.T) (*bundle.OrgIdentity, *index.Parsed) {
	t.Helper()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", []string{"Jongerenindex"}, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	period, err := index.ParsePeriod("2026-Q4")
	if err != nil {
		t.Fatal(err)
	}
	file, err := index.New(org, index.Fields{
		ID:      "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
		Title:   "Jongerenindex Zwolle",
		Purpose: "Zien wat jongeren in de wijk helpt of zorgen geeft, zonder gegevens van personen.",
		Period:  period,
		Wijken: []index.Wijk{
			{Name: "Assendorp", Postcodes: []index.Range{{From: 8011, To: 8012}}},
			{Name: "Stadshagen", Postcodes: []index.Range{{From: 8041, To: 8046}}},
		},
		Questions: []index.Question{
			{ID: "leeftijd", Text: "Hoe oud bent u?", Kind: index.KindAgeBand, Answers: []string{"12-15", "16-17", "18+"}, Prefill: index.PrefillAgeBand},
			{ID: "schulden", Text: "Heeft u schulden die nog open staan?", Kind: index.KindYesNo, Answers: []string{"ja", "nee"}, Prefill: index.PrefillOpenDebt},
			{ID: "veilig", Text: "Hoe veilig voelt u zich in uw wijk?", Kind: index.KindScale, Answers: index.AnswersOf(index.KindScale)},
		},
	}, testNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p, err := index.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	return org, p
}

// fakeVault is the slice of a vault a draft reads, with one signing key.
type fakeVault struct {
	priv ed25519.PrivateKey
	recs map[string][]vault.Record
}

func (f *fakeVault) Sign(domain string, msg []byte) ([]byte, error) {
	return ed25519.Sign(f.priv, append(append([]byte(domain), 0), msg...)), nil
}

func (f *fakeVault) List(cat string) ([]vault.Record, error) { return f.recs[cat], nil }

func TestDraftPrefillsAndRefuses(t *testing.T) {
	t.Parallel()
	org, p := newIndex(t)
	now := testNow
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
