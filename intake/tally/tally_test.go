package tally

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/index"
	"kluis/sync/index/indextest"
)

// filledTally folds donations of n fresh donors into a new tally; then the
// first donor donates again, which replaces the first donation.
func filledTally(t *testing.T, n int) (*bundle.OrgIdentity, *index.Parsed, *Tally, []indextest.KeySigner) {
	t.Helper()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	p := indextest.NewDefinition(t, org, indextest.Fields())
	tl := NewTally()
	var donors []indextest.KeySigner
	for i := 0; i < n; i++ {
		donor := indextest.NewKeySigner(t)
		donors = append(donors, donor)
		file := indextest.Donate(t, p, donor, p.Definition.Wijken[i%3].Name, index.Answer{Question: "schulden", Answer: []string{"ja", "nee"}[i%2]}, index.Answer{Question: "veilig", Answer: []string{"1", "3", "5"}[i%3]})
		d, err := index.OpenDonation(file, org, p.Definition)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := tl.Add(d); err != nil || out != Added {
			t.Fatalf("donation %d: %v, %v", i, out, err)
		}
	}
	// The first donor donates again: replaced, still n donors.
	d, err := index.OpenDonation(indextest.Donate(t, p, donors[0], "Stadshagen", index.Answer{Question: "veilig", Answer: "4"}), org, p.Definition)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tl.Add(d); err != nil || out != Replaced {
		t.Fatalf("second donation: %v, %v", out, err)
	}
	return org, p, tl, donors
}

// TestTallyClose: closing drops every per-pseudonym entry, keeps the
// counts and the number of donors, leaves the report as it was, is
// idempotent, and refuses every later donation without a change.
func TestTallyClose(t *testing.T) {
	org, p, tl, donors := filledTally(t, 25)
	if tl.Closed || len(tl.Donors) != 25 || tl.Donations() != 25 || !tl.Consistent() {
		t.Fatalf("before closing: closed %v, %d entries, %d donations", tl.Closed, len(tl.Donors), tl.Donations())
	}
	counts := maps.Clone(tl.Counts)
	before := MakeReport(p.Definition, tl, DefaultMinGroup)

	if !tl.Close() {
		t.Fatal("Close on an open tally reports no change")
	}
	if !tl.Closed || len(tl.Donors) != 0 || tl.Counted != 25 || tl.Donations() != 25 || !tl.Consistent() {
		t.Fatalf("after closing: closed %v, %d entries, counted %d, %d donations", tl.Closed, len(tl.Donors), tl.Counted, tl.Donations())
	}
	if !maps.Equal(tl.Counts, counts) {
		t.Fatalf("closing changed the counts: %v, want %v", tl.Counts, counts)
	}
	if after := MakeReport(p.Definition, tl, DefaultMinGroup); !reflect.DeepEqual(before, after) {
		t.Fatal("the report after closing differs from the one before")
	}

	// The stored form holds no pseudonym and no answer set.
	js, err := json.Marshal(tl)
	if err != nil {
		t.Fatal(err)
	}
	for _, donor := range donors {
		ps, _ := index.Pseudonym(donor, p.Definition.ID, p.Definition.Period.Name)
		if strings.Contains(string(js), ps) {
			t.Fatalf("the closed tally still holds a pseudonym: %s", js)
		}
	}
	if !strings.Contains(string(js), `"donors":{}`) || !strings.Contains(string(js), `"closed":true`) || !strings.Contains(string(js), `"counted":25`) {
		t.Fatalf("closed tally marshals as %s", js)
	}

	// Closing again is a no-op.
	if tl.Close() {
		t.Fatal("a second Close reports a change")
	}
	if tl.Counted != 25 || !maps.Equal(tl.Counts, counts) {
		t.Fatal("a second Close changed the tally")
	}

	// A new donor, a replay and a replacement are all refused, and nothing
	// changes.
	for name, file := range map[string][]byte{
		"new donor":   indextest.Donate(t, p, indextest.NewKeySigner(t), "Assendorp", index.Answer{Question: "schulden", Answer: "ja"}),
		"replacement": indextest.Donate(t, p, donors[1], "Assendorp", index.Answer{Question: "schulden", Answer: "ja"}),
		"replay":      indextest.Donate(t, p, donors[0], "Stadshagen", index.Answer{Question: "veilig", Answer: "4"}),
	} {
		d, err := index.OpenDonation(file, org, p.Definition)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := tl.Add(d); index.CodeOf(err) != index.CodeClosed {
			t.Errorf("%s after closing: %v, %v; want refused with %s", name, out, err, index.CodeClosed)
		}
	}
	if len(tl.Donors) != 0 || tl.Donations() != 25 || !maps.Equal(tl.Counts, counts) {
		t.Fatal("a refused donation changed the closed tally")
	}
}

// TestTallyJSON: a tally stored before closing existed (no "closed" and no
// "counted" member) loads as an open tally that still replaces and can be
// closed; a closed tally loads closed and stays closed.
func TestTallyJSON(t *testing.T) {
	org, p, tl, donors := filledTally(t, 12)
	// The JSON an older Kluis wrote: counts and donors only.
	old, err := json.Marshal(struct {
		Counts map[string]int   `json:"counts"`
		Donors map[string]Entry `json:"donors"`
	}{tl.Counts, tl.Donors})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(old), "closed") || strings.Contains(string(old), "counted") {
		t.Fatalf("the old form has a closed marker: %s", old)
	}
	if now, _ := json.Marshal(tl); string(now) != string(old) {
		t.Fatalf("an open tally marshals as %s, the old form is %s", now, old)
	}
	loaded := NewTally()
	if err := json.Unmarshal(old, loaded); err != nil {
		t.Fatal(err)
	}
	if loaded.Closed || loaded.Donations() != 12 || !loaded.Consistent() || !reflect.DeepEqual(loaded, tl) {
		t.Fatalf("old tally loads as closed %v with %d donations", loaded.Closed, loaded.Donations())
	}
	d, err := index.OpenDonation(indextest.Donate(t, p, donors[2], "Assendorp", index.Answer{Question: "schulden", Answer: "nee"}), org, p.Definition)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := loaded.Add(d); err != nil || out != Replaced {
		t.Fatalf("replacing in an old tally: %v, %v", out, err)
	}
	if !loaded.Close() {
		t.Fatal("an old tally does not close")
	}
	closed, err := json.Marshal(loaded)
	if err != nil {
		t.Fatal(err)
	}
	again := NewTally()
	if err := json.Unmarshal(closed, again); err != nil {
		t.Fatal(err)
	}
	if !again.Closed || again.Donations() != 12 || len(again.Donors) != 0 || !maps.Equal(again.Counts, loaded.Counts) || !again.Consistent() {
		t.Fatalf("closed tally reloads as %s", closed)
	}
	if _, err := again.Add(d); index.CodeOf(err) != index.CodeClosed {
		t.Fatalf("a reloaded closed tally takes a donation: %v", err)
	}
	if again.Close() {
		t.Fatal("a reloaded closed tally closes again")
	}

	// States neither Add nor Close leaves.
	for _, bad := range []*Tally{
		{Counts: map[string]int{}, Donors: map[string]Entry{"x": {}}, Closed: true, Counted: 1},
		{Counts: map[string]int{}, Donors: map[string]Entry{}, Counted: 3},
	} {
		if bad.Consistent() {
			t.Errorf("%+v is called consistent", bad)
		}
	}
}

func TestClosesAt(t *testing.T) {
	for _, c := range []struct {
		period string
		want   time.Time
	}{
		{"2026-Q4", time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)},
		{"2026-02", time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"kort:2026-05-04:2026-05-04", time.Date(2026, 5, 19, 0, 0, 0, 0, time.UTC)},
	} {
		p, err := index.ParsePeriod(c.period)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ClosesAt(p)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s closes at %v, %v; want %v", c.period, got, err, c.want)
		}
		_, end, _ := p.PeriodDates()
		// Donors may donate until the end of the last day plus Skew; the
		// grace must leave room for that and for files still on their way.
		if lastDonation := end.AddDate(0, 0, 1).Add(index.Skew); !got.After(lastDonation) || p.Open(got) {
			t.Errorf("%s closes at %v, before donating ends (%v)", c.period, got, lastDonation)
		}
	}
	if _, err := ClosesAt(index.Period{Name: "x", Start: "2026-01-01", End: "morgen"}); err == nil {
		t.Error("a period without dates has a closing moment")
	}
}
