package tally

import (
	"bytes"
	"testing"

	"kluis/sync/index"
	"kluis/sync/index/indextest"
)

// A tally fed with real signed donations: added, replayed, replaced.
func TestTallyReplaceAndReplay(t *testing.T) {
	t.Parallel()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	p := indextest.NewDefinition(t, org, indextest.Fields())
	donor := indextest.NewKeySigner(t)
	tl := NewTally()
	first := indextest.Donate(t, p, donor, "Assendorp", index.Answer{Question: "schulden", Answer: "ja"})
	d, _ := index.OpenDonation(first, org, p.Definition)
	if out, err := tl.Add(d); err != nil || out != Added {
		t.Fatal("first donation not added")
	}
	d, _ = index.OpenDonation(first, org, p.Definition)
	if out, err := tl.Add(d); err != nil || out != Same {
		t.Fatal("a replayed donation changed the tally")
	}
	second := indextest.Donate(t, p, donor, "Stadshagen", index.Answer{Question: "schulden", Answer: "nee"}, index.Answer{Question: "veilig", Answer: "2"})
	d, _ = index.OpenDonation(second, org, p.Definition)
	if out, err := tl.Add(d); err != nil || out != Replaced {
		t.Fatal("second donation did not replace the first")
	}
	want := map[string]int{CellKey("Stadshagen", "schulden", "nee"): 1, CellKey("Stadshagen", "veilig", "2"): 1}
	if len(tl.Counts) != len(want) || tl.Donations() != 1 {
		t.Fatalf("counts %v", tl.Counts)
	}
	for k, n := range want {
		if tl.Counts[k] != n {
			t.Fatalf("counts %v", tl.Counts)
		}
	}
}

func TestChart(t *testing.T) {
	t.Parallel()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	p := indextest.NewDefinition(t, org, indextest.Fields())
	tl := NewTally()
	for i := 0; i < 30; i++ {
		d, _ := index.OpenDonation(indextest.Donate(t, p, indextest.NewKeySigner(t), p.Definition.Wijken[i%3].Name, index.Answer{Question: "schulden", Answer: []string{"ja", "nee"}[i%2]}), org, p.Definition)
		if _, err := tl.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	png, err := MakeReport(p.Definition, tl, 10).Chart()
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("chart: %v", err)
	}
}
