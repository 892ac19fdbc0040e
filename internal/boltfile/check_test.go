package boltfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var testLayout = &Layout{Buckets: map[string]Rule{"b": {MinKey: 8, MaxKey: 8, MaxValue: 1024}}, Other: Rule{MinKey: 1, MaxKey: 64, MaxValue: MaxValue}}

// TestCheckMappedSameAsRead flips bytes all over a small file and checks
// that Check gives the same verdict reading from a mapping as with a read
// call per page, and that a cut-short mapping is damage, not a crash.
func TestCheckMappedSameAsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := range 2000 {
			if err := b.Put(fmt.Appendf(nil, "%08d", i), make([]byte, 40)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	verdict := func(mapped bool) error {
		mapForCheck = mapped
		defer func() { mapForCheck = true }()
		return Check(path, testLayout)
	}
	if err := verdict(true); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	step := 61
	if testing.Short() {
		step = 613
	}
	refused := 0
	for off := 0; off < len(good); off += step {
		bad := append([]byte(nil), good...)
		bad[off] ^= 0x10
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		m, r := verdict(true), verdict(false)
		var dm, dr *DamageError
		if (m == nil) != (r == nil) || (m != nil && (!errors.As(m, &dm) || !errors.As(r, &dr))) {
			t.Fatalf("byte %d: mapped %v, read %v", off, m, r)
		}
		if m != nil {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no flipped byte was refused")
	}
}
