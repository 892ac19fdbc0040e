package tally

import (
	"bytes"
	"fmt"
	"testing"

	"kluis/sync/index"
)

// TestReportDonorsPerWijk: the report and the chart give the number of
// donors per wijk, a small number suppressed (and the chart the same
// whatever it hides); closing the tally keeps them, and a tally closed
// before they were kept says nothing rather than zero.
func TestReportDonorsPerWijk(t *testing.T) {
	t.Parallel()
	def := &index.Definition{ID: "x", Title: "t", Period: index.Period{Name: "2026-Q4", Start: "2026-10-01", End: "2026-12-31"},
		Wijken:    []index.Wijk{{Name: "Assendorp"}, {Name: "Holtenbroek"}, {Name: "Stadshagen"}},
		Questions: []index.Question{{ID: "q", Text: "Vraag?", Kind: index.KindYesNo, Answers: []string{"ja", "nee"}}}}
	fill := func(perWijk map[string]int) *Tally {
		tl := NewTally()
		n := 0
		for w, k := range perWijk {
			for range k {
				n++
				d := &index.Donation{Pseudonym: fmt.Sprintf("%064x", n), Wijk: w, Answers: []index.Answer{{Question: "q", Answer: "ja"}}}
				if _, err := tl.Add(d); err != nil {
					t.Fatal(err)
				}
			}
		}
		return tl
	}
	tl := fill(map[string]int{"Assendorp": 12, "Holtenbroek": 3})
	check := func(what string, r *Report) {
		t.Helper()
		want := []Value{{N: 12}, {Suppressed: true}, {N: 0}}
		if fmt.Sprint(r.Wijken) != "[Assendorp Holtenbroek Stadshagen]" || fmt.Sprint(r.Donors) != fmt.Sprint(want) {
			t.Errorf("%s: donors %v %v, want %v", what, r.Wijken, r.Donors, want)
		}
	}
	check("open", MakeReport(def, tl, 10))
	open, err := MakeReport(def, tl, 10).Chart()
	if err != nil {
		t.Fatal(err)
	}
	without := MakeReport(def, tl, 10)
	without.Donors = nil
	if plain, _ := without.Chart(); bytes.Equal(plain, open) {
		t.Error("the chart does not show the donors per wijk")
	}
	if other, _ := MakeReport(def, fill(map[string]int{"Assendorp": 12, "Holtenbroek": 4}), 10).Chart(); !bytes.Equal(other, open) {
		t.Error("the chart changes with the number a suppressed wijk hides")
	}
	tl.Close()
	check("closed", MakeReport(def, tl, 10))
	old := &Tally{Counts: tl.Counts, Donors: map[string]Entry{}, Closed: true, Counted: 15}
	for i, v := range MakeReport(def, old, 10).Donors {
		if !v.Suppressed {
			t.Errorf("closed before donors per wijk were kept: wijk %d shows %v", i, v)
		}
	}
	if s := donorsLine(MakeReport(def, fill(map[string]int{"Assendorp": 12, "Holtenbroek": 3}), 10), "Donors per wijk"); s != "Donors per wijk: Assendorp 12, Holtenbroek -, Stadshagen 0" {
		t.Errorf("chart line %q", s)
	}
}
