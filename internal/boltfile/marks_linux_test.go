package boltfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// markedLayout has one large bucket ("big", left out when a file opens by
// its mark) and one small one ("small", walked at every open).
var markedLayout = &Layout{
	Buckets: map[string]Rule{
		"big":   {MinKey: 8, MaxKey: 8, MaxValue: 1024, Large: true},
		"small": {MinKey: 8, MaxKey: 8, MaxValue: 1024},
	},
	Other: Rule{MinKey: 1, MaxKey: 64, MaxValue: MaxValue},
}

// markedFile makes a bbolt file with 3,000 values in "big" (a tree of
// many pages) and 20 in "small" (one page of its own, not inline).
func markedFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for name, n := range map[string]int{"big": 3000, "small": 20} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for i := range n {
				if err := b.Put(fmt.Appendf(nil, "%08d", i), bytes.Repeat([]byte{'v'}, 100)); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// damageRoot moves the first element of bucket name's root page outside
// the page, as a bit flip on the disk would, in place (the same inode).
func damageRoot(t *testing.T, path, name string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	var pageSize int64
	db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket([]byte(name)).Root())
		pageSize = int64(db.Info().PageSize)
		return nil
	})
	db.Close()
	if root == 0 {
		t.Fatalf("bucket %s is inline", name)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := int64(root) * pageSize
	var flags [2]byte
	if _, err := f.ReadAt(flags[:], page+8); err != nil {
		t.Fatal(err)
	}
	pos := page + boltPageHeader // a branch element starts with pos
	if binary.LittleEndian.Uint16(flags[:]) == leafPage {
		pos += 4 // a leaf element with its flags
	}
	var far [4]byte
	binary.LittleEndian.PutUint32(far[:], 0x7FFFFFF0)
	if _, err := f.WriteAt(far[:], pos); err != nil {
		t.Fatal(err)
	}
}

func TestMarksHoldOnlyForTheSameBytes(t *testing.T) {
	t.Parallel()
	m := &Marks{File: filepath.Join(t.TempDir(), "marks")}
	path := markedFile(t)
	if m.Holds(path) {
		t.Fatal("a mark holds before anything was remembered")
	}
	m.Remember(path)
	if !m.Holds(path) {
		t.Fatal("the file just remembered does not hold")
	}

	// Any write moves the status change time, even of the same bytes.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // past the file system clock's tick
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if m.Holds(path) {
		t.Fatal("a mark still holds after the file was written to")
	}

	// A copy renamed into place is another file.
	m.Remember(path)
	cp := path + ".copy"
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cp, path); err != nil {
		t.Fatal(err)
	}
	if m.Holds(path) {
		t.Fatal("a mark holds for a copy renamed over the file")
	}

	// Forget drops it; a file changed less than Settle ago is not marked.
	m.Remember(path)
	m.Forget(path)
	if m.Holds(path) {
		t.Fatal("a forgotten mark still holds")
	}
	slow := &Marks{File: m.File, Settle: time.Hour}
	slow.Remember(path)
	if m.Holds(path) {
		t.Fatal("a file changed a moment ago was remembered")
	}

	// A list with no File keeps nothing and writes nothing.
	none := &Marks{}
	none.Remember(path)
	if none.Holds(path) {
		t.Fatal("a Marks without a file holds")
	}
}

func TestMarksListStaysSmall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := &Marks{File: filepath.Join(dir, "marks")}
	var paths []string
	for i := range maxMarks + 8 {
		p := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(p, make([]byte, 8192), 0o600); err != nil {
			t.Fatal(err)
		}
		m.Remember(p)
		paths = append(paths, p)
	}
	data, err := os.ReadFile(m.File)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != maxMarks {
		t.Fatalf("the list has %d lines, want %d", n, maxMarks)
	}
	if !m.Holds(paths[len(paths)-1]) || m.Holds(paths[0]) {
		t.Fatal("the list did not keep the newest marks")
	}
	// Remembering a file again replaces its line instead of adding one.
	m.Remember(paths[len(paths)-1])
	data, _ = os.ReadFile(m.File)
	if n := strings.Count(string(data), "\n"); n != maxMarks {
		t.Fatalf("remembering again: %d lines, want %d", n, maxMarks)
	}
	// A damaged or endless list is no list.
	if err := os.WriteFile(m.File, bytes.Repeat([]byte("v1 x"), 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if m.Holds(paths[len(paths)-1]) {
		t.Fatal("a damaged list holds a mark")
	}
}

// TestOpenMarkedLeavesOutOnlyLargeBuckets: a file opened by its mark is
// not walked in its large buckets, still in its small ones and its top
// level; damage the file system never saw (made here in place, then
// remembered as if it had been there all along) in a large bucket is left
// to Check before the first write, in a small one refused at once, and
// the mark dropped.
func TestOpenMarkedLeavesOutOnlyLargeBuckets(t *testing.T) {
	t.Parallel()
	m := &Marks{File: filepath.Join(t.TempDir(), "marks")}
	o := bolt.Options{Timeout: time.Second}

	path := markedFile(t)
	db, checked, err := OpenMarked(path, markedLayout, o, true, m)
	if err != nil || !checked {
		t.Fatalf("first open: checked %v, %v", checked, err)
	}
	db.Close()
	m.Remember(path)
	db, checked, err = OpenMarked(path, markedLayout, o, true, m)
	if err != nil || checked {
		t.Fatalf("open by the mark: checked %v, %v", checked, err)
	}
	db.Close()

	damageRoot(t, path, "big")
	m.Remember(path) // damage the file system did not see
	db, checked, err = OpenMarked(path, markedLayout, o, true, m)
	if err != nil || checked {
		t.Fatalf("damage in a large bucket, open by the mark: checked %v, %v", checked, err)
	}
	db.Close()
	var de *DamageError
	if err := Check(path, markedLayout); !errors.As(err, &de) {
		t.Fatalf("Check of the damaged large bucket: %v, want damage", err)
	}

	path = markedFile(t)
	damageRoot(t, path, "small")
	m.Remember(path)
	if _, _, err := OpenMarked(path, markedLayout, o, true, m); !errors.As(err, &de) {
		t.Fatalf("damage in a small bucket, open by the mark: %v, want damage", err)
	}
	if m.Holds(path) {
		t.Fatal("the mark of a file found damaged was kept")
	}
}
