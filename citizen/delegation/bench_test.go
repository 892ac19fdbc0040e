package delegation

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kluis/sync/delegate"
	"kluis/vault"
)

func benchPair(b *testing.B, n int) *pair {
	b.Helper()
	dir := b.TempDir()
	p := &pair{folder: filepath.Join(dir, "folder"), mother: newSide(b, dir, "Fatima"), son: newSide(b, dir, "Youssef")}
	os.Mkdir(p.folder, 0o700)
	p.son.pin(p.mother)
	items := make([]vault.NewRecord, n)
	for i := range items {
		items[i] = vault.NewRecord{Category: "debts", Fields: map[string]string{"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": "125,50", "reference": fmt.Sprintf("REF-%06d", i)}}
	}
	if _, err := p.mother.v.AddMany(items); err != nil {
		b.Fatal(err)
	}
	p.cert = p.mother.grant(p.son, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
	return p
}

// BenchmarkPackExport10k writes one pack with 10,000 changed records.
func BenchmarkPackExport10k(b *testing.B) {
	p := benchPair(b, 10_000)
	id := p.son.c.Fingerprint()
	for b.Loop() {
		b.StopTimer()
		p.mother.v.PutObject(kindPeer, id, []byte("{}"), vault.Event{})
		b.StartTimer()
		res := p.mother.sync(p.folder)
		if len(res.Written) != 1 || res.Written[0].Records != 10_000 {
			b.Fatalf("wrote %+v", res.Written)
		}
	}
}

// BenchmarkPackMerge10k opens and merges one pack with 10,000 new records
// on the delegate's side (creating the replica included).
func BenchmarkPackMerge10k(b *testing.B) {
	p := benchPair(b, 10_000)
	p.mother.sync(p.folder)
	for b.Loop() {
		b.StopTimer()
		son := newSide(b, b.TempDir(), "Youssef")
		// The pack is encrypted to the first son; give this one his keys'
		// place by re-granting and re-exporting.
		son.pin(p.mother)
		p.mother.grant(son, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
		folder := b.TempDir()
		p.mother.sync(folder)
		b.StartTimer()
		res := son.sync(folder)
		if len(res.Received) != 1 || len(res.Received[0].Added) != 10_000 {
			b.Fatalf("received %+v", res.Received)
		}
	}
}

// BenchmarkSyncNoChange is a sync with nothing new on either side.
func BenchmarkSyncNoChange(b *testing.B) {
	p := benchPair(b, 10_000)
	for range 3 {
		p.mother.sync(p.folder)
		p.son.sync(p.folder)
	}
	for b.Loop() {
		if res := p.mother.sync(p.folder); len(res.Written)+len(res.Received) != 0 {
			b.Fatalf("not quiet: %+v", res)
		}
	}
}
