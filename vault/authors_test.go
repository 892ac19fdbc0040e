package vault

import (
	"testing"
)

// TestMergeKeepsEachValuesAuthor: Ahmed (helper) changes the amount while
// Fatima changes the status. His copy merges her change first and sends
// the merged version back: on her side the amount, its history entry, its
// log entry and the conflict all name Ahmed, not her.
func TestMergeKeepsEachValuesAuthor(t *testing.T) {
	fatima, ahmed := openReplica(t, "Fatima"), openReplica(t, "Ahmed")
	r, _ := fatima.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"})
	send(t, fatima, ahmed, 0)
	if _, err := ahmed.Update(r.ID, map[string]string{"amount": "80"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fatima.Update(r.ID, map[string]string{"status": "paid"}); err != nil {
		t.Fatal(err)
	}
	send(t, fatima, ahmed, 0) // her change reaches his copy first
	recs, _, _ := ahmed.Changes(0)
	res, err := fatima.Merge(recs, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := fatima.Get(r.ID)
	if got.Fields["amount"] != "8000" || got.Fields["status"] != "paid" {
		t.Fatalf("merged fields %v", got.Fields)
	}
	if a := got.FieldAuthor("amount"); a.Person != "Ahmed" {
		t.Errorf("amount set by %q, want Ahmed", a.Person)
	}
	if a := got.FieldAuthor("status"); a.Person != "Fatima" {
		t.Errorf("status set by %q, want Fatima", a.Person)
	}
	if got.Author.Person != "Ahmed" {
		t.Errorf("the merged version is by %q, want Ahmed (he brought the change)", got.Author.Person)
	}
	for _, c := range res.Conflicts {
		if c.Field == "amount" && (c.KeptBy.Person != "Ahmed" || c.LostBy.Person != "Fatima") {
			t.Errorf("conflict names kept %s, lost %s; want Ahmed's value kept, Fatima's lost", c.KeptBy.Person, c.LostBy.Person)
		}
	}
	events, _ := fatima.Log()
	if last := events[len(events)-1]; last.Action != ActionRecordMerged || last.Person != "Ahmed" {
		t.Errorf("the merge is logged as %q's", last.Person)
	}
	// The per-field authors survive storage (layout 2) and another merge.
	recs, _, _ = fatima.Changes(0)
	back := openReplica(t, "Other")
	if _, err := back.Merge(recs, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	if g, _ := back.Get(r.ID); g.FieldAuthor("amount").Person != "Ahmed" || g.FieldAuthor("status").Person != "Fatima" {
		t.Errorf("authors after another merge: %+v %+v", g.Author, g.Authors)
	}
}
