package intake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A damaged intake store is refused before anything is written, the way a
// damaged vault is: the structure check of package internal/boltfile runs
// before bbolt maps the file.
func TestDamagedStoreIsRefusedBeforeWriting(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, _, err := w.importBytes(w.build(w.share(nil)), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	path := w.store.Path()
	w.store.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reopen := func() error {
		s, err := Open(w.dir, w.org, &Options{Now: w.clock.now})
		if err == nil {
			s.Close()
		}
		return err
	}
	if err := reopen(); err != nil {
		t.Fatalf("the undamaged store: %v", err)
	}
	const pageSize = 4096
	le := binary.LittleEndian
	// The newer of the two meta pages (each after a page header of 16
	// bytes) says where the free-page list is and where the file ends.
	meta := good[16:]
	if second := good[pageSize+16:]; le.Uint64(second[48:]) > le.Uint64(meta[48:]) {
		meta = second
	}
	freelist, hwm := le.Uint64(meta[32:]), le.Uint64(meta[40:])
	damages := map[string]func(b []byte) []byte{
		"cut short": func(b []byte) []byte { return b[:int(hwm)*pageSize/2] },
		"both meta pages": func(b []byte) []byte {
			b[16] ^= 0xFF
			b[pageSize+16] ^= 0xFF
			return b
		},
	}
	if freelist != ^uint64(0) {
		damages["free page past the end"] = func(b []byte) []byte {
			at := int(freelist) * pageSize
			if le.Uint16(b[at+10:]) == 0 {
				le.PutUint16(b[at+10:], 1)
			}
			le.PutUint64(b[at+16:], 1<<40)
			return b
		}
	}
	// Every leaf element's value length, set to 1 GiB: bbolt would
	// allocate it when it copies the page for a write. A page no longer in
	// use is read by nobody, so only some of these are damage.
	leaves := map[string]bool{}
	for at := 2 * pageSize; at+pageSize <= int(hwm)*pageSize; at += pageSize {
		count := int(le.Uint16(good[at+10:]))
		if le.Uint16(good[at+8:]) != 0x02 || count == 0 || le.Uint64(good[at:]) != uint64(at/pageSize) {
			continue
		}
		at := at
		name := fmt.Sprintf("leaf value length on page %d", at/pageSize)
		leaves[name] = true
		damages[name] = func(b []byte) []byte {
			le.PutUint32(b[at+16+16*(count-1)+12:], 1<<30)
			return b
		}
	}
	detected := 0
	for name, damage := range damages {
		bad := damage(bytes.Clone(good))
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		err := reopen()
		switch {
		case errors.Is(err, ErrDamaged):
			if leaves[name] {
				detected++
			}
		case err == nil && leaves[name]:
			// A page no longer in use.
		default:
			t.Errorf("%s: %v, want ErrDamaged", name, err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, bad) {
			t.Errorf("%s: the damaged store was written to", name)
		}
	}
	if detected == 0 {
		t.Errorf("none of %d damaged leaf pages was found", len(leaves))
	}
	// An empty file is what a crash while creating the store leaves: it
	// opens as a new store.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := reopen(); err != nil {
		t.Errorf("an empty store file: %v, want a new store", err)
	}
	// The test's own cleanup checks the store: give it the good file back.
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(w.dir, w.org, &Options{Now: w.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	w.store = s
}

// The intake store keeps a bundle's records in one value, which may be
// larger than a vault's values: the store writes it, and opens again.
func TestLargeValueOpensAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	big := bytes.Repeat([]byte("x"), 40<<20)
	key := bytes.Repeat([]byte{1}, 16)
	scratch := []byte("scratch") // a bucket the store does not read when it opens
	if err := w.store.db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket(scratch); err != nil {
			return err
		}
		return w.store.put(tx, scratch, key, big)
	}); err != nil {
		t.Fatal(err)
	}
	w.store.Close()
	s, err := Open(w.dir, w.org, &Options{Now: w.clock.now})
	if err != nil {
		t.Fatalf("a store with a 40 MiB value: %v", err)
	}
	w.store = s
	err = s.db.View(func(tx *bolt.Tx) error {
		got, err := s.get(tx, scratch, key)
		if err == nil && !bytes.Equal(got, big) {
			err = errors.New("the value changed")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return s.put(tx, scratch, key, make([]byte, maxValue)) }); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a value over the limit: %v, want ErrTooLarge", err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(scratch) }); err != nil {
		t.Fatal(err)
	}
}

// TestValueOverItsBucketsBound: a value larger than its bucket's bound in
// the structure check (layout) is refused when written, so the store never
// holds what would make it refuse to open.
func TestValueOverItsBucketsBound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	key := bytes.Repeat([]byte{2}, 16)
	for _, b := range [][]byte{bucketGone, bucketUsers} {
		limit := layout.Buckets[string(b)].MaxValue
		err := w.store.update(func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
			return w.store.put(tx, b, key, make([]byte, limit))
		})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: a value of %d bytes: %v, want ErrTooLarge", b, limit, err)
		}
	}
	w.reopen(t)
}
