package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/boltfile"
)

// markedVault makes a closed vault of 600 records (the records bucket a
// tree of its own pages), remembered by its own list of marks.
func markedVault(t *testing.T) (path string, marks *boltfile.Marks, ids []string) {
	t.Helper()
	dir := t.TempDir()
	marks = &boltfile.Marks{File: filepath.Join(dir, "marks")}
	path = filepath.Join(dir, "vault.kluis")
	v, _, err := Create(path, []byte(testPass), "Fatima", &Options{Marks: marks})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := v.AddMany(sampleRecords(600))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return path, marks, ids
}

// fileState is what must not change when nothing is written.
func fileState(t *testing.T, path string) ([]byte, time.Time) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, fi.ModTime()
}

// TestReadingWritesNothing: opening, unlocking and reading a vault leaves
// the file as it was — which is what lets the next open go by its mark.
func TestReadingWritesNothing(t *testing.T) {
	t.Parallel()
	path, marks, ids := markedVault(t)
	before, mtime := fileState(t, path)
	v, err := Open(path, &Options{Marks: marks})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get(ids[300]); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	after, mtime2 := fileState(t, path)
	if !bytes.Equal(before, after) || !mtime.Equal(mtime2) {
		t.Fatal("opening, unlocking and reading wrote to the file")
	}

	// A failed unlock is still noted and logged at the next unlock.
	v, err = Open(path, &Options{Marks: marks})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	wantErr(t, v.Unlock([]byte("not the passphrase")), ErrWrongPassphrase)
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	entries, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	if last := entries[len(entries)-1]; last.Action != ActionUnlockFailed {
		t.Fatalf("last log entry %s, want %s", last.Action, ActionUnlockFailed)
	}
}

// TestOpenByMarkAndCheckBeforeWriting: a vault closed cleanly opens by its
// mark without the walk; damage the file system never saw in the records'
// tree is found before the first write, which is refused with nothing
// written, and the next open refuses the file.
func TestOpenByMarkAndCheckBeforeWriting(t *testing.T) {
	t.Parallel()
	path, marks, ids := markedVault(t)
	marks.Remember(path)
	v, err := Open(path, &Options{Marks: marks})
	if err != nil {
		t.Fatal(err)
	}
	if v.checked {
		t.Fatal("a vault as Kluis left it was walked at open")
	}
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	// The first write walks the file, once.
	if _, err := v.Add("network", map[string]string{"name": "Buurvrouw"}); err != nil {
		t.Fatal(err)
	}
	if !v.checked {
		t.Fatal("the first write did not walk the file")
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}

	// A bit flipped on the disk in the records' root page, which no write
	// through the file system made: remembered as if it had always been so.
	var root uint64
	var pageSize int64
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		root, pageSize = uint64(tx.Bucket(bucketRecords).Root()), int64(db.Info().PageSize)
		return nil
	})
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var far [4]byte
	binary.LittleEndian.PutUint32(far[:], 0x7FFFFFF0)
	if _, err := f.WriteAt(far[:], int64(root)*pageSize+16); err != nil { // the first branch element's position
		t.Fatal(err)
	}
	f.Close()
	marks.Remember(path)

	v, err = Open(path, &Options{Marks: marks})
	if err != nil {
		t.Fatalf("open by the mark: %v", err)
	}
	defer v.Close()
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	// A read through the damaged page is damage or not found, never a
	// crash or a wrong record.
	if r, err := v.Get(ids[0]); err == nil && r.ID != ids[0] {
		t.Fatalf("read %s for %s", r.ID, ids[0])
	} else if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotFound) {
		t.Fatalf("read through the damaged page: %v", err)
	}
	before, _ := fileState(t, path)
	_, err = v.Add("network", map[string]string{"name": "Buurman"})
	wantErr(t, err, ErrDamaged)
	if after, _ := fileState(t, path); !bytes.Equal(before, after) {
		t.Fatal("the refused write changed the file")
	}
	if marks.Holds(path) {
		t.Fatal("the mark of a damaged vault was kept")
	}
	v.Close()
	if _, err := Open(path, &Options{Marks: marks}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("next open: %v, want damaged", err)
	}
}
