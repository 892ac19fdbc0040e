package index

import (
	"bytes"
	"testing"
)

// FuzzParse feeds Parse anything: it must never panic, and what it accepts
// must be the canonical, signed form, the same again from armor and link.
func FuzzParse(f *testing.F) {
	org := newOrg(f, "Gemeente Zwolle")
	file := newDefinition(f, org, testFields()).File
	f.Add(file)
	f.Add(Armor(file))
	f.Add([]byte(Link(file)))
	f.Add([]byte("{}\nAAAA\n"))
	f.Fuzz(func(t *testing.T, input []byte) {
		p, err := Parse(input)
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("a refusal without a code: %v", err)
			}
			return
		}
		again, err := marshalCompact(p.Definition)
		body, _, _ := splitSigned(p.File)
		if err != nil || !bytes.Equal(again, body) {
			t.Fatal("accepted a body that is not canonical")
		}
		for _, enc := range [][]byte{Armor(p.File), []byte(Link(p.File))} {
			if q, err := Parse(enc); err != nil || !bytes.Equal(q.File, p.File) {
				t.Fatalf("re-encoded definition does not parse the same: %v", err)
			}
		}
	})
}

// FuzzParseDonation feeds the donation parser and checker any plaintext
// (what is inside the age file): it must never panic, refusals carry a
// code, and an accepted donation marshals back to the same bytes.
func FuzzParseDonation(f *testing.F) {
	org := newOrg(f, "Gemeente Zwolle")
	p := newDefinition(f, org, testFields())
	ps, _ := Pseudonym(newKeySigner(f), p.Definition.ID, p.Definition.Period.Name)
	good := &Donation{Format: DonationFormat, Index: p.Definition.ID, Period: p.Definition.Period.Name, Org: org.Card().Fingerprint(),
		Pseudonym: ps, Wijk: "Assendorp", Answers: []Answer{{"leeftijd", "16-17"}, {"schulden", "nee"}}}
	body, _ := marshalCompact(good)
	f.Add(body)
	f.Add([]byte(`{"format":"kluis-donation/v1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := parseDonation(body)
		if err == nil {
			err = d.check(p.Definition, org.Card().Fingerprint())
		}
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("a refusal without a code: %v", err)
			}
			return
		}
		again, _ := marshalCompact(d)
		if !bytes.Equal(again, body) {
			t.Fatal("accepted a donation that is not canonical")
		}
	})
}

// FuzzOpenDonation feeds OpenDonation whole files: never a panic, every
// refusal with a code.
func FuzzOpenDonation(f *testing.F) {
	org := newOrg(f, "Gemeente Zwolle")
	p := newDefinition(f, org, testFields())
	f.Add(donate(f, p, newKeySigner(f), "Stadshagen", Answer{"veilig", "3"}))
	f.Add([]byte("age-encryption.org/v1\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		if _, err := OpenDonation(file, org, p.Definition); err != nil && CodeOf(err) == "" {
			t.Fatalf("a refusal without a code: %v", err)
		}
	})
}
