package vault

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"kluis/sync/hlc"
)

func TestPurgeRemovesARecordAndItsHistory(t *testing.T) {
	v, _ := newTestVault(t)
	r, _ := v.Add("debts", map[string]string{"creditor": "CJIB", "amount": "389"})
	v.Update(r.ID, map[string]string{"amount": "400"})
	keep, _ := v.Add("goals", map[string]string{"title": "Werk vinden"})

	// Only what is in the recycle bin can be deleted for good.
	wantErr(t, v.Purge(r.ID), ErrNotDeleted)
	if err := v.Delete(r.ID); err != nil {
		t.Fatal(err)
	}
	if err := v.Purge(r.ID); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"Get":     func() error { _, err := v.Get(r.ID); return err }(),
		"History": func() error { _, err := v.History(r.ID); return err }(),
		"Update":  func() error { _, err := v.Update(r.ID, map[string]string{"amount": "1"}); return err }(),
		"Restore": v.Restore(r.ID),
		"Delete":  v.Delete(r.ID),
		"Purge":   v.Purge(r.ID),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after purge: %v, want not found", what, err)
		}
	}
	if bin, _ := v.RecycleBin(); len(bin) != 0 {
		t.Fatalf("bin after purge: %v", bin)
	}
	if all, _ := v.List(""); len(all) != 1 || all[0].ID != keep.ID {
		t.Fatalf("list after purge: %v", all)
	}
	if found, _ := v.Search("CJIB"); len(found) != 0 {
		t.Fatalf("search still finds it: %v", found)
	}
	// No version of it is left in the file; its tombstone holds no value.
	key, _ := parseID(r.ID)
	err := v.view(func(tx *txn) error {
		c := tx.tx.Bucket(bucketVersions).Cursor()
		if k, _ := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]) {
			t.Errorf("a version of the purged record is left")
		}
		tomb, err := tx.getStored(r.ID)
		if err != nil || !tomb.Purged || !tomb.Deleted || len(tomb.Fields) != 0 || tomb.Category != "debts" {
			t.Errorf("tombstone %+v, %v", tomb, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := v.Log()
	if last := events[len(events)-1]; last.Action != ActionRecordPurged || last.Subject != r.ID || last.Detail != "" {
		t.Fatalf("last log entry %+v", last)
	}
	// The export knows nothing of it.
	exp, err := v.exportDocument()
	if err != nil || len(exp.Records) != 1 {
		t.Fatalf("export holds %d records (%v)", len(exp.Records), err)
	}
	// It stays gone after reopening.
	v = reopen(t, v)
	if _, err := v.Get(r.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after reopening: %v", err)
	}
}

func TestPurgeDocumentRemovesItsContent(t *testing.T) {
	v, _ := newTestVault(t)
	content := randomBytes(t, 3*chunksPerTx*ChunkSize+5)
	doc, err := v.AddDocument(context.Background(), "loonstrook.pdf", bytes.NewReader(content), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := v.AddDocument(context.Background(), "brief.pdf", bytes.NewReader([]byte("brief")), DocumentOptions{})
	wantErr(t, v.PurgeDocument(doc.ID), ErrNotDeleted)
	v.DeleteDocument(doc.ID)
	if err := v.PurgeDocument(doc.ID); err != nil {
		t.Fatal(err)
	}
	if p := countPending(t, v); p != 0 {
		t.Fatalf("%d pending markers left", p)
	}
	if files := docFiles(t, v.Path()); len(files) != 1 || files[0] != other.ID {
		t.Fatalf("document files left: %v, want the other document's", files)
	}
	if _, err := v.Document(doc.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Document after purge: %v", err)
	}
	if _, err := v.ReadDocument(context.Background(), doc.ID, &bytes.Buffer{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadDocument after purge: %v", err)
	}
	wantErr(t, v.RestoreDocument(doc.ID), ErrNotFound)
	for _, deleted := range []bool{false, true} {
		docs, _ := v.Documents(deleted)
		for _, d := range docs {
			if d.ID == doc.ID {
				t.Fatalf("Documents(%v) lists the purged document", deleted)
			}
		}
	}
	if docs, _ := v.Documents(false); len(docs) != 1 || docs[0].ID != other.ID {
		t.Fatalf("documents left: %+v", docs)
	}
	// What other replicas learn: a tombstone without name, size or hash.
	changes, _, _ := v.DocumentChanges(0)
	i := slices.IndexFunc(changes, func(d Document) bool { return d.ID == doc.ID })
	if i < 0 || !changes[i].Purged || changes[i].Name != "" || changes[i].SHA256 != "" || changes[i].Size != 0 {
		t.Fatalf("changes: %+v", changes)
	}
}

// A purge cut off before its content was removed leaves a pending marker;
// the next unlock removes the content: the chunks of a document of an
// earlier version, the file of a newer one.
func TestPurgedDocumentChunksAreSweptAfterACrash(t *testing.T) {
	v, _ := newTestVault(t)
	doc := addLegacyDocument(t, v, "a.pdf", randomBytes(t, 2*ChunkSize))
	v.DeleteDocument(doc.ID)
	purgeTransactionOnly(t, v, doc.ID)
	if c, p := countChunks(t, v); c != 2 || p != 1 {
		t.Fatalf("before unlock: %d chunks, %d pending", c, p)
	}
	v = reopen(t, v)
	if c, p := countChunks(t, v); c != 0 || p != 0 {
		t.Fatalf("after unlock: %d chunks, %d pending", c, p)
	}
}

func TestEmptyBin(t *testing.T) {
	v, _ := newTestVault(t)
	a, _ := v.Add("debts", map[string]string{"creditor": "A"})
	b, _ := v.Add("debts", map[string]string{"creditor": "B"})
	c, _ := v.Add("debts", map[string]string{"creditor": "C"})
	d1, _ := v.AddDocument(context.Background(), "d1.pdf", bytes.NewReader(randomBytes(t, ChunkSize+1)), DocumentOptions{})
	d2, _ := v.AddDocument(context.Background(), "d2.pdf", bytes.NewReader([]byte("x")), DocumentOptions{})
	v.Delete(a.ID)
	v.Delete(b.ID)
	v.DeleteDocument(d1.ID)
	records, documents, err := v.EmptyBin()
	if err != nil || records != 2 || documents != 1 {
		t.Fatalf("EmptyBin: %d records, %d documents, %v", records, documents, err)
	}
	if bin, _ := v.RecycleBin(); len(bin) != 0 {
		t.Fatalf("bin: %v", bin)
	}
	if docs, _ := v.Documents(true); len(docs) != 0 {
		t.Fatalf("documents in the bin: %v", docs)
	}
	if all, _ := v.List(""); len(all) != 1 || all[0].ID != c.ID {
		t.Fatalf("left: %v", all)
	}
	if docs, _ := v.Documents(false); len(docs) != 1 || docs[0].ID != d2.ID {
		t.Fatalf("documents left: %v", docs)
	}
	if p := countPending(t, v); p != 0 {
		t.Fatalf("%d pending", p)
	}
	if files := docFiles(t, v.Path()); len(files) != 1 || files[0] != d2.ID {
		t.Fatalf("document files left: %v, want %s", files, d2.ID)
	}
	// An empty bin empties to nothing.
	if r, d, err := v.EmptyBin(); err != nil || r != 0 || d != 0 {
		t.Fatalf("again: %d %d %v", r, d, err)
	}

	// The edit guard refuses the whole of it.
	e, _ := v.Add("goals", map[string]string{"title": "Werk"})
	f, _ := v.Add("debts", map[string]string{"creditor": "F"})
	v.Delete(e.ID)
	v.Delete(f.ID)
	refused := errors.New("only debts")
	v.SetEditGuard(func(cat string) error {
		if cat != "debts" {
			return refused
		}
		return nil
	})
	if _, _, err := v.EmptyBin(); !errors.Is(err, refused) {
		t.Fatalf("EmptyBin past the guard: %v", err)
	}
	wantErr(t, v.Purge(e.ID), refused)
	if bin, _ := v.RecycleBin(); len(bin) != 2 {
		t.Fatalf("a refused EmptyBin deleted something: %v", bin)
	}
}

// A record deleted for good on one replica is deleted for good on the
// others, and no later or concurrent change brings it back, whatever the
// order in which changes arrive.
func TestPurgeTravelsAndNothingBringsItBack(t *testing.T) {
	for order := range 4 {
		mother, son, daughter := openReplica(t, "Fatima"), openReplica(t, "Youssef"), openReplica(t, "Amina")
		r, _ := mother.Add("debts", map[string]string{"creditor": "CJIB", "amount": "389"})
		send(t, mother, son, 0)
		send(t, mother, daughter, 0)
		old, _, _ := mother.Changes(0) // the version before the purge

		// The son edits while the mother deletes for good.
		son.Update(r.ID, map[string]string{"amount": "500"})
		time.Sleep(2 * time.Millisecond)
		mother.Delete(r.ID)
		if err := mother.Purge(r.ID); err != nil {
			t.Fatal(err)
		}
		edit, _, _ := son.Changes(0)
		purge, _, _ := mother.Changes(0)
		if len(purge) != 1 || !purge[0].Purged || len(purge[0].Fields) != 0 {
			t.Fatalf("the purge travels as %+v", purge)
		}
		deliveries := [][2][]Record{{edit, purge}, {purge, edit}, {purge, old}, {old, purge}}[order]
		for _, to := range []*Vault{mother, son, daughter} {
			for _, recs := range deliveries {
				if _, err := to.Merge(recs, MergeOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			send(t, son, to, 0)
			send(t, mother, to, 0)
		}
		for _, v := range []*Vault{mother, son, daughter} {
			if got, err := v.Get(r.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("order %d: %s still has it: %+v %v", order, v.Author().Person, got, err)
			}
			if _, err := v.History(r.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("order %d: %s keeps its history", order, v.Author().Person)
			}
			if found, _ := v.Search("CJIB"); len(found) != 0 {
				t.Fatalf("order %d: %s finds it", order, v.Author().Person)
			}
		}
	}
}

func TestMergePurgeIsLoggedAllowedAndChecked(t *testing.T) {
	mother, son := openReplica(t, "Fatima"), openReplica(t, "Youssef")
	r, _ := son.Add("goals", map[string]string{"title": "Rijbewijs"})
	send(t, son, mother, 0)
	son.Delete(r.ID)
	son.Purge(r.ID)
	recs, _, _ := son.Changes(0)

	// The owner's check sees the purge like any change.
	refused := errors.New("view only")
	_, err := mother.Merge(recs, MergeOptions{Allow: func(in Record, local *Record) error {
		if in.Purged && local != nil {
			return refused
		}
		return nil
	}})
	wantErr(t, err, refused)
	if _, err := mother.Get(r.ID); err != nil {
		t.Fatalf("a refused purge deleted it: %v", err)
	}
	res, err := mother.Merge(recs, MergeOptions{})
	if err != nil || !slices.Equal(res.Updated, []string{r.ID}) || len(res.By) != 1 || res.By[0].Person != "Youssef" {
		t.Fatalf("merge: %+v %v", res, err)
	}
	events, _ := mother.Log()
	if last := events[len(events)-1]; last.Action != ActionRecordPurged || last.Person != "Youssef" {
		t.Fatalf("the purge is not logged as his: %+v", last)
	}
	again, err := mother.Merge(recs, MergeOptions{})
	if err != nil || again.Unchanged != 1 || len(again.Updated) != 0 {
		t.Fatalf("merging the purge twice: %+v %v", again, err)
	}

	// A tombstone that still carries values is refused.
	bad := recs[0]
	bad.Fields = map[string]string{"title": "x"}
	bad.Stamps = map[string]hlc.Timestamp{"title": bad.Modified}
	_, err = openReplica(t, "x").Merge([]Record{bad}, MergeOptions{})
	wantErr(t, err, ErrBadRecord)
	notDeleted := recs[0]
	notDeleted.Deleted = false
	_, err = openReplica(t, "y").Merge([]Record{notDeleted}, MergeOptions{})
	wantErr(t, err, ErrBadRecord)

	// A replica that never had the record keeps the tombstone, so the
	// record cannot arrive later from one that has not heard of the purge.
	late := openReplica(t, "Amina")
	if _, err := late.Merge(recs, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	old, _ := mother.History(r.ID) // gone at the mother's too
	if old != nil {
		t.Fatalf("history %v", old)
	}
	if _, err := late.Merge([]Record{r}, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := late.Get(r.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the record came back: %v", err)
	}
}

// Two replicas that both delete a record for good end with the same
// tombstone: the earlier one.
func TestTwoPurgesConverge(t *testing.T) {
	a, b := openReplica(t, "a"), openReplica(t, "b")
	r, _ := a.Add("goals", map[string]string{"title": "x"})
	send(t, a, b, 0)
	a.Delete(r.ID)
	a.Purge(r.ID)
	time.Sleep(2 * time.Millisecond)
	b.Delete(r.ID)
	b.Purge(r.ID)
	send(t, a, b, 0)
	send(t, b, a, 0)
	var tombs []Record
	for _, v := range []*Vault{a, b} {
		v.view(func(tx *txn) error {
			tomb, err := tx.getStored(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			tombs = append(tombs, tomb)
			return nil
		})
	}
	if !sameState(tombs[0], tombs[1]) || tombs[0].Author != tombs[1].Author || tombs[0].Author.Person != "a" {
		t.Fatalf("tombstones differ: %+v / %+v", tombs[0], tombs[1])
	}
}

func TestPurgedDocumentTravelsAndStaysGone(t *testing.T) {
	son, mother := openReplica(t, "Youssef"), openReplica(t, "Fatima")
	content := randomBytes(t, 2*ChunkSize+9)
	doc, _ := son.AddDocument(context.Background(), "brief.pdf", bytes.NewReader(content), DocumentOptions{})
	metas, mark, _ := son.DocumentChanges(0)
	if _, _, err := mother.ImportDocument(context.Background(), metas[0], bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	mother.DeleteDocument(doc.ID)
	if err := mother.PurgeDocument(doc.ID); err != nil {
		t.Fatal(err)
	}
	tombs, _, _ := mother.DocumentChanges(mark)
	if len(tombs) != 1 || !tombs[0].Purged {
		t.Fatalf("changes: %+v", tombs)
	}
	// The tombstone needs no content and removes the son's copy.
	got, changed, err := son.ImportDocument(context.Background(), tombs[0], nil)
	if err != nil || !changed || !got.Purged {
		t.Fatalf("importing the tombstone: %+v %v %v", got, changed, err)
	}
	if _, err := son.Document(doc.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the son still has it: %v", err)
	}
	if c, p := countChunks(t, son); c != 0 || p != 0 {
		t.Fatalf("son: %d chunks, %d pending", c, p)
	}
	// The old metadata and content arriving again bring nothing back.
	if _, changed, err := mother.ImportDocument(context.Background(), metas[0], bytes.NewReader(content)); err != nil || changed {
		t.Fatalf("old version at the mother's: changed %v, %v", changed, err)
	}
	if _, err := mother.Document(doc.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("it came back: %v", err)
	}
	if c, _ := countChunks(t, mother); c != 0 {
		t.Fatalf("%d chunks at the mother's", c)
	}
	// A replica that never had it keeps only the tombstone.
	other := openReplica(t, "Amina")
	if _, changed, err := other.ImportDocument(context.Background(), tombs[0], nil); err != nil || !changed {
		t.Fatalf("tombstone on a new replica: %v %v", changed, err)
	}
	if _, changed, _ := other.ImportDocument(context.Background(), metas[0], bytes.NewReader(content)); changed {
		t.Fatal("the document arrived after its tombstone")
	}
	if docs, _ := other.Documents(false); len(docs) != 0 {
		t.Fatalf("documents: %v", docs)
	}
}

func TestPurgedRecordCodec(t *testing.T) {
	tomb := Record{ID: "2b1f0c1e-8d7a-4e5b-9c3d-1a2b3c4d5e6f", Category: "debts", Version: 4,
		Created: hlc.New(1000, 0), Modified: hlc.New(3000, 0), Author: Author{Person: "Fatima", Device: "dev"},
		Deleted: true, DeletedAt: hlc.New(3000, 0), Purged: true}
	b, err := marshalRecord(&tomb)
	if err != nil {
		t.Fatal(err)
	}
	got, err := unmarshalRecord(b)
	if err != nil || !got.Purged || !got.Deleted || got.DeletedAt != tomb.DeletedAt {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	withValue := tomb
	withValue.Fields = map[string]string{"creditor": "CJIB"}
	withValue.Stamps = map[string]hlc.Timestamp{"creditor": 5}
	if _, err := marshalRecord(&withValue); err == nil {
		t.Fatal("a tombstone with a value was written")
	}
	// A deleted record's bytes with deleted state 2 but a field left do
	// not decode: a tombstone holds no value.
	live := withValue
	live.Purged = false
	deleted, _ := marshalRecord(&live)
	live.Deleted = false
	kept, _ := marshalRecord(&live)
	at := -1
	for i := range deleted {
		if deleted[i] != kept[i] {
			at = i
			break
		}
	}
	if at < 0 || deleted[at] != 1 {
		t.Fatalf("deleted state not found")
	}
	deleted[at] = 2
	if r, err := unmarshalRecord(deleted); err == nil {
		t.Fatalf("a tombstone with fields decoded: %+v", r)
	}
}

// purgeTransactionOnly commits the deletion for good of document id, the
// transaction alone, as if the process ended right after it: the content
// and its pending marker are still there.
func purgeTransactionOnly(t *testing.T, v *Vault, id string) {
	t.Helper()
	if err := v.update(func(tx *txn) error {
		d, err := tx.getDoc(id)
		if err != nil {
			return err
		}
		return tx.purgeDoc(d)
	}); err != nil {
		t.Fatal(err)
	}
}
