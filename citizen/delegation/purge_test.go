package delegation

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"kluis/sync/delegate"
	"kluis/vault"
)

// What the owner deletes for good is deleted for good in her helper's copy
// too, documents with their content; a change the helper made meanwhile
// does not bring it back, and neither does a document he sends again.
func TestPurgeTravelsAndStaysGone(t *testing.T) {
	p := newPair(t, delegate.RoleManage, []string{"debts", "income"}, time.Now().AddDate(1, 0, 0))
	ctx := context.Background()
	doc, err := p.mother.v.AddDocument(ctx, "aanmaning.pdf", bytes.NewReader(randomBytes(t, 2*vault.ChunkSize+3)), vault.DocumentOptions{Record: p.debtID})
	if err != nil {
		t.Fatal(err)
	}
	p.mother.sync(p.folder)
	p.son.sync(p.folder)
	rep := p.son.replica(p.mother)
	if _, err := rep.Document(doc.ID); err != nil {
		t.Fatalf("the son did not get the document: %v", err)
	}

	// He changes the debt; his pack leaves before he hears of the purge.
	if _, err := rep.Update(p.debtID, map[string]string{"amount": "120"}); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	p.son.sync(p.folder)

	// She deletes the debt and the letter, and empties the bin.
	p.mother.v.Delete(p.debtID)
	p.mother.v.DeleteDocument(doc.ID)
	if r, d, err := p.mother.v.EmptyBin(); err != nil || r != 1 || d != 1 {
		t.Fatalf("EmptyBin: %d %d %v", r, d, err)
	}
	res := p.mother.sync(p.folder)
	if len(res.Refused) != 0 {
		t.Fatalf("mother refused %+v", res.Refused)
	}
	if _, err := p.mother.v.Get(p.debtID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("his edit brought the debt back: %v", err)
	}
	res = p.son.sync(p.folder)
	if len(res.Refused) != 0 || len(res.Received) == 0 || res.Received[len(res.Received)-1].Incomplete {
		t.Fatalf("son: received %+v, refused %+v", res.Received, res.Refused)
	}
	rep = p.son.replica(p.mother)
	if _, err := rep.Get(p.debtID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the son's copy still has the debt: %v", err)
	}
	if _, err := rep.Document(doc.ID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the son's copy still has the letter: %v", err)
	}
	rep.Close()

	// Another round changes nothing on either side.
	p.mother.sync(p.folder)
	p.son.sync(p.folder)
	p.mother.sync(p.folder)
	if _, err := p.mother.v.Get(p.debtID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the debt came back: %v", err)
	}
	if _, err := p.mother.v.Document(doc.ID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the letter came back: %v", err)
	}
}

// A helper who manages a category may delete for good in it, like the
// owner; the owner's vault takes it over.
func TestHelperPurgeReachesTheOwner(t *testing.T) {
	p := newPair(t, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
	rep := p.son.replica(p.mother)
	if err := rep.Delete(p.debtID); err != nil {
		t.Fatal(err)
	}
	if err := rep.Purge(p.debtID); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	p.son.sync(p.folder)
	res := p.mother.sync(p.folder)
	if len(res.Refused) != 0 || len(res.Received) == 0 || len(res.Received[len(res.Received)-1].Updated) != 1 {
		t.Fatalf("mother: received %+v, refused %+v", res.Received, res.Refused)
	}
	if _, err := p.mother.v.Get(p.debtID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the owner still has it: %v", err)
	}
	events, _ := p.mother.v.Log()
	found := false
	for _, e := range events {
		if e.Action == vault.ActionRecordPurged && e.Subject == p.debtID && e.Person == "Youssef" {
			found = true
		}
	}
	if !found {
		t.Fatal("the owner's log does not say he deleted it for good")
	}
}

// A helper who may only view cannot delete for good in his copy.
func TestViewOnlyHelperCannotPurge(t *testing.T) {
	p := newPair(t, delegate.RoleView, []string{"debts"}, time.Now().AddDate(1, 0, 0))
	ms, err := ManagedVaults(p.son.v)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := OpenReplica(p.son.v, ms[p.mother.c.Fingerprint()])
	if err != nil {
		t.Fatal(err)
	}
	defer rv.Close()
	var refused *EditRefusedError
	if err := rv.Purge(p.debtID); !errors.As(err, &refused) {
		t.Fatalf("Purge in a view-only copy: %v", err)
	}
	if _, _, err := rv.EmptyBin(); err != nil {
		t.Fatalf("an empty bin: %v", err)
	}
}
