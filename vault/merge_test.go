package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/sync/hlc"

	bolt "go.etcd.io/bbolt"
)

// openReplica opens a second vault standing in for another replica (a
// delegate's copy) of the same data.
func openReplica(t *testing.T, person string) *Vault {
	t.Helper()
	v, _, err := Create(filepath.Join(t.TempDir(), person+".kluis"), []byte(testPass), person, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// send merges every change of from since mark into to and returns the new
// mark.
func send(t *testing.T, from, to *Vault, mark hlc.Timestamp) hlc.Timestamp {
	t.Helper()
	recs, upTo, err := from.Changes(mark)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := to.Merge(recs, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	return upTo
}

func TestMergeAddsUpdatesAndIsIdempotent(t *testing.T) {
	mother, son := openReplica(t, "Fatima"), openReplica(t, "Youssef")
	r, _ := son.Add("debts", map[string]string{"creditor": "CJIB", "amount": "389"})
	mark := send(t, son, mother, 0)
	got, err := mother.Get(r.ID)
	if err != nil || got.Fields["creditor"] != "CJIB" || got.Author.Person != "Youssef" {
		t.Fatalf("mother sees %+v, %v", got, err)
	}
	events, _ := mother.Log()
	if last := events[len(events)-1]; last.Action != ActionRecordMerged || last.Person != "Youssef" {
		t.Fatalf("the merge is not logged as his: %+v", last)
	}
	son.Update(r.ID, map[string]string{"status": "arrangement"})
	recs, _, _ := son.Changes(mark)
	if len(recs) != 1 {
		t.Fatalf("%d changes since the mark, want 1", len(recs))
	}
	res, err := mother.Merge(recs, MergeOptions{})
	if err != nil || len(res.Updated) != 1 {
		t.Fatalf("merge: %+v %v", res, err)
	}
	again, err := mother.Merge(recs, MergeOptions{})
	if err != nil || again.Unchanged != 1 || len(again.Updated) != 0 {
		t.Fatalf("merging the same change twice: %+v %v", again, err)
	}
	hist, _ := mother.History(r.ID)
	if len(hist) != 2 {
		t.Fatalf("history has %d versions, want 2", len(hist))
	}
}

func TestConcurrentEditsConvergeAndKeepTheLoser(t *testing.T) {
	mother, son := openReplica(t, "Fatima"), openReplica(t, "Youssef")
	r, _ := mother.Add("income", map[string]string{"source": "Thuiszorg", "amount": "1200"})
	send(t, mother, son, 0)
	// Both edit the same field offline.
	mother.Update(r.ID, map[string]string{"amount": "1250"})
	time.Sleep(2 * time.Millisecond)
	son.Update(r.ID, map[string]string{"amount": "1300"})
	send(t, mother, son, 0)
	send(t, son, mother, 0)
	a, _ := mother.Get(r.ID)
	b, _ := son.Get(r.ID)
	if !sameState(a, b) || a.Fields["amount"] != "130000" {
		t.Fatalf("not converged: mother %v, son %v", a.Fields, b.Fields)
	}
	for _, v := range []*Vault{mother, son} {
		hist, _ := v.History(r.ID)
		found := false
		for _, h := range hist {
			if h.Fields["amount"] == "125000" {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s lost the other value: history %v", v.Author().Person, hist)
		}
	}
}

func TestMergeRefusesBadRecordsAndStoresNothing(t *testing.T) {
	v, other := openReplica(t, "a"), openReplica(t, "b")
	good, _ := other.Add("goals", map[string]string{"title": "ok"})
	bad := []func(r *Record){
		func(r *Record) { r.Category = "pets" },
		func(r *Record) { r.Fields["title"] = "" },
		func(r *Record) { r.Fields["status"] = "bijna" },
		func(r *Record) { r.Fields["note"] = "x"; delete(r.Stamps, "note") },
		func(r *Record) { r.ID = "not-an-id" },
		func(r *Record) { r.Author.Device = "" },
	}
	for i, mutate := range bad {
		r := good
		r.Fields = maps.Clone(good.Fields)
		r.Stamps = maps.Clone(good.Stamps)
		mutate(&r)
		ok, _ := other.Add("goals", map[string]string{"title": fmt.Sprint("fine ", i)})
		_, err := v.Merge([]Record{ok, r}, MergeOptions{})
		wantErr(t, err, ErrBadRecord)
	}
	refused := errors.New("outside the delegate's scope")
	_, err := v.Merge([]Record{good}, MergeOptions{Allow: func(Record, *Record) error { return refused }})
	wantErr(t, err, refused)
	if n, _ := v.Counts(); len(n) != 0 {
		t.Fatalf("a refused merge stored %v", n)
	}
}

// TestMergeConvergesWhateverTheOrder: random edits on three replicas,
// changes delivered in random order and with duplicates; once everything
// has been delivered everywhere, all replicas hold the same state, and no
// replica has lost a value it ever held.
func TestMergeConvergesWhateverTheOrder(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	// Half the merges commit in batches of two records.
	setMergeBatch(t, 2)
	reps := []*Vault{openReplica(t, "a"), openReplica(t, "b"), openReplica(t, "c")}
	first, _ := reps[0].Add("debts", map[string]string{"creditor": "Start"})
	ids := []string{first.ID}
	for _, r := range reps[1:] {
		send(t, reps[0], r, 0)
	}
	held := make([]map[string]map[string]bool, len(reps)) // replica → record → values ever current
	for i := range held {
		held[i] = map[string]map[string]bool{}
	}
	note := func(i int, r Record) {
		if held[i][r.ID] == nil {
			held[i][r.ID] = map[string]bool{}
		}
		held[i][r.ID][r.Fields["creditor"]+"|"+r.Fields["amount"]] = true
	}
	var packs [][]Record
	for step := range 60 {
		i := rng.IntN(len(reps))
		v := reps[i]
		switch op := rng.IntN(5); {
		case op == 0 && len(ids) < 6:
			r, err := v.Add("debts", map[string]string{"creditor": fmt.Sprintf("S%d", step)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		case op <= 2:
			id := ids[rng.IntN(len(ids))]
			if _, err := v.Get(id); err != nil {
				continue // not arrived here yet
			}
			r, err := v.Update(id, map[string]string{"amount": fmt.Sprint(rng.IntN(50) + 1), "creditor": fmt.Sprintf("C%d", rng.IntN(3))})
			if err != nil && !errors.Is(err, ErrDeleted) {
				t.Fatal(err)
			}
			if err == nil {
				note(i, r)
			}
		case op == 3:
			id := ids[rng.IntN(len(ids))]
			if r, err := v.Get(id); err == nil {
				if r.Deleted {
					v.Restore(id)
				} else {
					v.Delete(id)
				}
			}
		default:
			recs, _, _ := v.Changes(0)
			packs = append(packs, recs)
		}
		// Deliver a random earlier pack to a random replica, sometimes twice.
		if len(packs) > 0 && rng.IntN(2) == 0 {
			p := packs[rng.IntN(len(packs))]
			if _, err := reps[rng.IntN(len(reps))].Merge(p, MergeOptions{Batched: rng.IntN(2) == 0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Deliver everything everywhere, in shuffled orders, twice.
	for range 2 {
		for _, from := range rng.Perm(len(reps)) {
			recs, _, _ := reps[from].Changes(0)
			rng.Shuffle(len(recs), func(a, b int) { recs[a], recs[b] = recs[b], recs[a] })
			for _, to := range rng.Perm(len(reps)) {
				if to != from {
					if _, err := reps[to].Merge(recs, MergeOptions{Batched: rng.IntN(2) == 0}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	for _, id := range ids {
		base, err := reps[0].Get(id)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range reps[1:] {
			r, err := v.Get(id)
			if err != nil || !sameState(base, r) {
				t.Fatalf("replica %d differs on %s: %v / %v (%v)", i+1, id, base.Fields, r.Fields, err)
			}
		}
	}
	for i, v := range reps {
		for id, values := range held[i] {
			hist, _ := v.History(id)
			seen := map[string]bool{}
			for _, h := range hist {
				seen[h.Fields["creditor"]+"|"+h.Fields["amount"]] = true
			}
			for val := range values {
				if !seen[val] {
					t.Fatalf("replica %d lost %q of %s (history %v)", i, val, id, slices.Collect(maps.Keys(seen)))
				}
			}
		}
	}
}

func TestDocumentsTravelBetweenReplicas(t *testing.T) {
	son, mother := openReplica(t, "Youssef"), openReplica(t, "Fatima")
	content := randomBytes(t, 2*ChunkSize+123)
	doc, err := son.AddDocument(context.Background(), "brief uit Canada.pdf", bytes.NewReader(content), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	metas, mark, err := son.DocumentChanges(0)
	if err != nil || len(metas) != 1 {
		t.Fatalf("DocumentChanges: %v %v", metas, err)
	}
	got, changed, err := mother.ImportDocument(context.Background(), metas[0], bytes.NewReader(content))
	if err != nil || !changed || got.Author.Person != "Youssef" || got.ID != doc.ID {
		t.Fatalf("import: %+v %v %v", got, changed, err)
	}
	var out bytes.Buffer
	if _, err := mother.ReadDocument(context.Background(), doc.ID, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("content at the mother's differs (%v)", err)
	}
	// The same document again changes nothing and needs no content.
	if _, changed, err := mother.ImportDocument(context.Background(), metas[0], nil); err != nil || changed {
		t.Fatalf("second import: changed %v, %v", changed, err)
	}
	// A delete travels as metadata.
	son.DeleteDocument(doc.ID)
	metas, _, _ = son.DocumentChanges(mark)
	if len(metas) != 1 || !metas[0].Deleted {
		t.Fatalf("changes after delete: %+v", metas)
	}
	if _, changed, err := mother.ImportDocument(context.Background(), metas[0], nil); err != nil || !changed {
		t.Fatalf("importing the delete: %v %v", changed, err)
	}
	if bin, _ := mother.Documents(true); len(bin) != 1 {
		t.Fatal("the delete did not arrive")
	}
}

func TestImportDocumentRefusesWrongContent(t *testing.T) {
	a, b := openReplica(t, "a"), openReplica(t, "b")
	content := randomBytes(t, ChunkSize+5)
	a.AddDocument(context.Background(), "x.pdf", bytes.NewReader(content), DocumentOptions{})
	metas, _, _ := a.DocumentChanges(0)
	tampered := bytes.Clone(content)
	tampered[10] ^= 1
	_, _, err := b.ImportDocument(context.Background(), metas[0], bytes.NewReader(tampered))
	wantErr(t, err, ErrBadRecord)
	if docs, _ := b.Documents(false); len(docs) != 0 {
		t.Fatal("a document that does not match its hash was kept")
	}
	if c, p := countChunks(t, b); c != 0 || p != 0 {
		t.Fatalf("%d chunks, %d pending left", c, p)
	}
	// Another content under an id already used here is refused.
	b.ImportDocument(context.Background(), metas[0], bytes.NewReader(content))
	other := metas[0]
	other.SHA256 = strings.Repeat("ab", 32)
	_, _, err = b.ImportDocument(context.Background(), other, bytes.NewReader(content))
	wantErr(t, err, ErrDocumentConflict)
}

// Changes answers "nothing new" from the records' change mark; the mark is
// the latest modification of any record, also when a merge brings an older
// one, and a vault made before the mark existed gets it from every record.
func TestChangesFollowsTheChangeMark(t *testing.T) {
	t.Parallel()
	older, newer := openReplica(t, "Fatima"), openReplica(t, "Youssef")
	old, err := older.Add("debts", map[string]string{"creditor": "CJIB", "amount": "389"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	fresh, err := newer.Add("debts", map[string]string{"creditor": "DUO", "amount": "120"})
	if err != nil {
		t.Fatal(err)
	}
	if old.Modified >= fresh.Modified {
		t.Fatalf("the test needs the first record older: %v, %v", old.Modified, fresh.Modified)
	}
	if recs, upTo, err := newer.Changes(fresh.Modified); err != nil || len(recs) != 0 || upTo != fresh.Modified {
		t.Fatalf("nothing changed after the latest: %d records up to %v, %v", len(recs), upTo, err)
	}
	// A vault from before the mark: remove it, then merge the older record.
	newer.Close()
	rawUpdate(t, newer.path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyRecordsChanged) })
	newer = reopen(t, newer)
	if recs, _, err := newer.Changes(fresh.Modified - 1); err != nil || len(recs) != 1 || recs[0].ID != fresh.ID {
		t.Fatalf("without the mark, changes after the latest but one: %+v, %v", recs, err)
	}
	send(t, older, newer, 0)
	// The mark is the latest of all records, not the merged one's time.
	recs, upTo, err := newer.Changes(fresh.Modified - 1)
	if err != nil || len(recs) != 1 || recs[0].ID != fresh.ID || upTo != fresh.Modified {
		t.Fatalf("after merging an older record, changes after the latest but one: %+v up to %v, %v", recs, upTo, err)
	}
	if recs, _, _ := newer.Changes(fresh.Modified); len(recs) != 0 {
		t.Fatalf("%d changes after the latest, want 0", len(recs))
	}
	if recs, _, _ := newer.Changes(old.Modified - 1); len(recs) != 2 {
		t.Fatalf("%d changes after the older record's time but one, want 2", len(recs))
	}
	// A damaged mark is damage, not "nothing new".
	newer.Close()
	rawUpdate(t, newer.path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyRecordsChanged, []byte("garbage")) })
	newer = reopen(t, newer)
	if _, _, err := newer.Changes(0); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Changes with a damaged mark: %v, want ErrDamaged", err)
	}
}
