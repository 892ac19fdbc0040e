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
	// No wijk is "none chosen", a wijk the index does not name "unknown".
	wijk := d.Wijk
	d.Wijk = ""
	if _, err := d.Donation(v, now); index.CodeOf(err) != index.CodeNoWijk {
		t.Fatalf("without a wijk: %v", err)
	}
	d.Wijk = "Nergens"
	if _, err := d.Donation(v, now); index.CodeOf(err) != index.CodeUnknownWijk {
		t.Fatalf("an unknown wijk: %v", err)
	}
	d.Wijk = wijk
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

// TestAgesOfTheIndex: the age bands of an index are the ages it is for. A
// 46-year-old cannot donate to an index whose bands end at 23, not even by
// skipping the age question or answering another band; a 17-year-old
// can, and so can a donor whose age the vault does not know.
func TestAgesOfTheIndex(t *testing.T) {
	t.Parallel()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	f := indextest.Fields()
	f.Questions[0].Answers = []string{"12-15", "16-17", "18-23"}
	p := indextest.NewDefinition(t, org, f)
	now := indextest.Now
	_, priv, _ := ed25519.GenerateKey(nil)
	draft := func(age int) *Draft {
		recs := map[string][]vault.Record{"housing": {{Fields: map[string]string{"postcode": "8011 AB"}}}}
		if age >= 0 {
			recs["personal"] = []vault.Record{{Fields: map[string]string{"birth_date": now.AddDate(-age, 0, -1).Format("2006-01-02")}}}
		}
		d, err := Prepare(&fakeVault{priv: priv, recs: recs}, p, now)
		if err != nil {
			t.Fatal(err)
		}
		d.Set("veilig", "4")
		return d
	}
	adult := draft(46)
	if _, ok := adult.Answers["leeftijd"]; ok {
		t.Errorf("a band was prefilled for 46: %v", adult.Answers)
	}
	for name, change := range map[string]func(d *Draft){
		"as prepared":      func(*Draft) {},
		"age skipped":      func(d *Draft) { d.Skip("leeftijd") },
		"another band set": func(d *Draft) { d.Set("leeftijd", "18-23") },
	} {
		d := draft(46)
		change(d)
		if _, err := d.Donation(&fakeVault{priv: priv}, now); index.CodeOf(err) != index.CodeOutsideAges {
			t.Errorf("46, %s: %v; want outside_ages", name, err)
		}
	}
	for _, age := range []int{17, -1} {
		if _, err := draft(age).Donation(&fakeVault{priv: priv}, now); err != nil {
			t.Errorf("age %d: %v", age, err)
		}
	}
	// An index with an open last band (18+) is for every age from its
	// first band: 46 takes part there, as the definition says.
	open := indextest.NewDefinition(t, org, indextest.Fields())
	d := draft(46)
	d.Index = open
	if err := d.CheckAges(); err != nil {
		t.Errorf("46 and an 18+ band: %v", err)
	}
}

// TestOpenDebtPrefill: "ja" when a debt is not paid, "nee" when there are
// debts and all are paid, nothing when the vault has no debts at all.
func TestOpenDebtPrefill(t *testing.T) {
	t.Parallel()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	p := indextest.NewDefinition(t, org, indextest.Fields())
	_, priv, _ := ed25519.GenerateKey(nil)
	debt := func(status string) vault.Record {
		return vault.Record{Fields: map[string]string{"creditor": "CJIB", "status": status}}
	}
	for _, c := range []struct {
		name  string
		debts []vault.Record
		want  string
	}{
		{"no debts entered", nil, ""},
		{"one open", []vault.Record{debt("open")}, "ja"},
		{"paid and an arrangement", []vault.Record{debt("paid"), debt("arrangement")}, "ja"},
		{"no status", []vault.Record{debt("")}, "ja"},
		{"all paid", []vault.Record{debt("paid"), debt("paid")}, "nee"},
	} {
		d, err := Prepare(&fakeVault{priv: priv, recs: map[string][]vault.Record{"debts": c.debts}}, p, indextest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Answers["schulden"]; got != c.want || d.Prefilled["schulden"] != (c.want != "") {
			t.Errorf("%s: schulden %q (prefilled %v), want %q", c.name, got, d.Prefilled["schulden"], c.want)
		}
	}
}
