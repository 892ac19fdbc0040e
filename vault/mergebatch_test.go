package vault

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// setMergeBatch lowers the batch size of batched merges for one test, so
// that small merges span several transactions.
func setMergeBatch(t *testing.T, n int) {
	t.Helper()
	old := mergeBatch
	mergeBatch = n
	t.Cleanup(func() { mergeBatch = old })
}

// mergeFixture returns 40 records of a replica "a" and a replica "b" that
// holds 15 of them, some edited there (conflicts) and some in the recycle
// bin, plus a record of its own.
func mergeFixture(t *testing.T) (recs []Record, fresh func() *Vault) {
	t.Helper()
	a := openReplica(t, "a")
	items := make([]NewRecord, 40)
	for i := range items {
		items[i] = NewRecord{Category: "debts", Fields: map[string]string{"creditor": fmt.Sprintf("S%d", i), "amount": "12"}}
	}
	if _, err := a.AddMany(items); err != nil {
		t.Fatal(err)
	}
	early, _, _ := a.Changes(0)
	var base string
	fresh = func() *Vault {
		if base != "" {
			// Copies of one replica, so that they differ in nothing.
			data, err := os.ReadFile(base)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "b.kluis")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			v, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { v.Close() })
			if err := v.Unlock([]byte(testPass)); err != nil {
				t.Fatal(err)
			}
			return v
		}
		b := openReplica(t, "b")
		if _, err := b.Merge(early[:15], MergeOptions{}); err != nil {
			t.Fatal(err)
		}
		for i, r := range early[:15] {
			switch i % 3 {
			case 0:
				if _, err := b.Update(r.ID, map[string]string{"amount": "99"}); err != nil {
					t.Fatal(err)
				}
			case 1:
				if err := b.Delete(r.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := b.Add("goals", map[string]string{"title": "eigen"}); err != nil {
			t.Fatal(err)
		}
		base = b.path
		b.Close()
		return fresh()
	}
	for i, r := range early {
		if i%4 == 0 {
			if _, err := a.Update(r.ID, map[string]string{"amount": fmt.Sprint(i + 1)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	recs, _, err := a.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	return recs, fresh
}

// replicaState is every record of v with its history and the number of
// log entries, for comparing two vaults' outcomes.
func replicaState(t *testing.T, v *Vault) (map[string]Record, map[string]int, int) {
	t.Helper()
	recs, _, err := v.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	cur, hist := map[string]Record{}, map[string]int{}
	for _, r := range recs {
		cur[r.ID] = r
		h, err := v.History(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		hist[r.ID] = len(h)
	}
	log, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyLog(); err != nil {
		t.Fatal(err)
	}
	return cur, hist, len(log)
}

func sameReplicas(t *testing.T, a, b *Vault) {
	t.Helper()
	ca, ha, la := replicaState(t, a)
	cb, hb, lb := replicaState(t, b)
	if len(ca) != len(cb) || la != lb {
		t.Fatalf("records %d/%d, log entries %d/%d", len(ca), len(cb), la, lb)
	}
	for id, r := range ca {
		o, ok := cb[id]
		if !ok || ha[id] != hb[id] {
			t.Fatalf("record %s: history of %d versions against %d (found: %v)", id, ha[id], hb[id], ok)
		}
		if !sameState(r, o) || r.Version != o.Version || r.Author != o.Author || r.Modified != o.Modified || !maps.Equal(r.Authors, o.Authors) {
			t.Fatalf("record %s differs:\n%+v\n%+v", id, r, o)
		}
	}
}

// TestBatchedMergeMatchesOneTransaction: a merge committed in batches of 7
// leaves the same records, versions, history and log as one transaction.
func TestBatchedMergeMatchesOneTransaction(t *testing.T) {
	setMergeBatch(t, 7)
	recs, fresh := mergeFixture(t)
	one, batched := fresh(), fresh()
	r1, err := one.Merge(recs, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := batched.Merge(recs, MergeOptions{Batched: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r1.Added, r1.Updated, r1.Unchanged, len(r1.Conflicts), r1.By) != fmt.Sprint(r2.Added, r2.Updated, r2.Unchanged, len(r2.Conflicts), r2.By) {
		t.Fatalf("results differ:\n%+v\n%+v", r1, r2)
	}
	if len(r1.Conflicts) == 0 || len(r1.Added) != 25 {
		t.Fatalf("the fixture should add 25 and conflict: %+v", r1)
	}
	sameReplicas(t, one, batched)

	// The same records from a RecordSet, as sync merges a pack.
	var set RecordSet
	for _, r := range recs {
		set.Add(r)
	}
	fromSet := fresh()
	r3, err := fromSet.MergeSet(&set, MergeOptions{Batched: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r1.Added, r1.Updated, r1.Unchanged, len(r1.Conflicts), r1.By) != fmt.Sprint(r3.Added, r3.Updated, r3.Unchanged, len(r3.Conflicts), r3.By) {
		t.Fatalf("results differ:\n%+v\n%+v", r1, r3)
	}
	sameReplicas(t, one, fromSet)
}

// recOrder is the order in which a merge applies recs.
func recOrder(recs []Record) []int32 {
	keys := make([][16]byte, len(recs))
	for i, r := range recs {
		keys[i], _ = parseID(r.ID)
	}
	return idOrder(keys)
}

// TestRecordSetKeepsRecordsAsTheyCame: a RecordSet gives back every record
// as it was added (an id in capitals in lower case), Keep drops what it is
// told to and keeps the order, and a malformed record makes MergeSet refuse
// with Merge's error before anything is written.
func TestRecordSetKeepsRecordsAsTheyCame(t *testing.T) {
	recs, fresh := mergeFixture(t)
	var set RecordSet
	for _, r := range recs {
		set.Add(r)
	}
	i := 0
	err := set.Each(func(r Record) error {
		want := recs[i]
		want.Authors = r.Authors // nil and empty alike
		if r.ID != want.ID || !sameState(r, want) || r.Author != want.Author || r.Modified != want.Modified || r.Created != want.Created || r.Version != want.Version {
			t.Errorf("record %d: got %+v, want %+v", i, r, want)
		}
		i++
		return nil
	})
	if err != nil || i != len(recs) {
		t.Fatalf("Each: %d records, %v", i, err)
	}
	if err := set.Keep(func(r Record) (bool, error) { return r.ID != recs[3].ID, nil }); err != nil || set.Len() != len(recs)-1 {
		t.Fatalf("Keep: %d left, %v", set.Len(), err)
	}

	bad := recs[5]
	bad.Fields = map[string]string{"creditor": ""}
	set.Add(bad)
	b := fresh()
	before, beforeHist, beforeLog := replicaState(t, b)
	_, errSet := b.MergeSet(&set, MergeOptions{Batched: true})
	_, errMerge := b.Merge([]Record{bad}, MergeOptions{})
	wantErr(t, errSet, ErrBadRecord)
	if errSet.Error() != errMerge.Error() {
		t.Errorf("MergeSet: %v, Merge: %v", errSet, errMerge)
	}
	after, afterHist, afterLog := replicaState(t, b)
	if len(before) != len(after) || beforeLog != afterLog || !maps.Equal(beforeHist, afterHist) {
		t.Fatal("a refused merge wrote")
	}
	if err := set.Keep(func(r Record) (bool, error) { return r.ID != bad.ID || r.Fields["creditor"] != "", nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.MergeSet(&set, MergeOptions{Batched: true}); err != nil {
		t.Fatalf("without the malformed record: %v", err)
	}
}

// TestBatchedMergeRefusesBeforeWriting: a record the merge refuses, even
// the last one, stops a batched merge before anything is written.
func TestBatchedMergeRefusesBeforeWriting(t *testing.T) {
	setMergeBatch(t, 3)
	recs, fresh := mergeFixture(t)
	b := fresh()
	before, beforeHist, beforeLog := replicaState(t, b)
	// The last record in the merge's order that is new here (Allow is
	// asked about what the merge would change).
	var last string
	for _, i := range recOrder(recs) {
		if _, err := b.Get(recs[i].ID); errors.Is(err, ErrNotFound) {
			last = recs[i].ID
		}
	}
	refused := errors.New("outside the delegate's scope")
	_, err := b.Merge(recs, MergeOptions{Batched: true, Allow: func(in Record, _ *Record) error {
		if in.ID == last {
			return refused
		}
		return nil
	}})
	wantErr(t, err, refused)
	bad := append([]Record(nil), recs...)
	bad[len(bad)-1].Fields = map[string]string{"creditor": ""}
	_, err = b.Merge(bad, MergeOptions{Batched: true})
	wantErr(t, err, ErrBadRecord)
	after, afterHist, afterLog := replicaState(t, b)
	if len(before) != len(after) || beforeLog != afterLog || !maps.Equal(beforeHist, afterHist) {
		t.Fatalf("a refused merge wrote: %d → %d records, %d → %d log entries", len(before), len(after), beforeLog, afterLog)
	}
}

// TestBatchedMergeResumes: a batched merge cut short after some batches
// (as by a crash) and then run again in full ends where one transaction
// ends: the same records, versions, history and log entries, none twice.
func TestBatchedMergeResumes(t *testing.T) {
	setMergeBatch(t, 5)
	recs, fresh := mergeFixture(t)
	want := fresh()
	if _, err := want.Merge(recs, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	order := recOrder(recs)
	for _, cut := range []int{5, 10, 20, 35} {
		b := fresh()
		// What a crash after cut/5 batches leaves: those records merged.
		var done []Record
		for _, i := range order[:cut] {
			done = append(done, recs[i])
		}
		if _, err := b.Merge(done, MergeOptions{Batched: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Merge(recs, MergeOptions{Batched: true}); err != nil {
			t.Fatal(err)
		}
		sameReplicas(t, want, b)
	}
}
