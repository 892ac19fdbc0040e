package boltfile

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// mappedKiB is how much of the file at path this process has resident in
// its mappings (Rss of its entries in /proc/self/smaps), in KiB.
func mappedKiB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasSuffix(line, " "+path)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Rss:"); ok && in {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(rest, "kB")))
			if err != nil {
				t.Fatalf("smaps: %q", line)
			}
			total += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

// A value's Offset is where the file holds it. Reading a large value from
// bbolt's mapping makes its pages resident in the process; Release lets
// them go, and the value still reads the same.
func TestMappingReleaseDropsResidentPages(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	value := bytes.Repeat([]byte("kluis\x00"), 16<<20/6)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		if m := MappingOf(tx); len(m.data) != 0 {
			t.Error("a writable transaction's mapping is not empty")
		}
		return b.Put([]byte("k"), value)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		got := tx.Bucket([]byte("b")).Get([]byte("k"))
		m := MappingOf(tx)
		if _, ok := m.Offset(value); ok {
			t.Error("memory of the heap has an offset in the file")
		}
		off, ok := m.Offset(got)
		if !ok {
			t.Fatal("a value read from the mapping has no offset in the file")
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fromFile := make([]byte, len(value))
		if _, err := f.ReadAt(fromFile, off); err != nil || !bytes.Equal(fromFile, value) {
			t.Fatalf("the file at the value's offset %d does not hold the value (%v)", off, err)
		}
		if !bytes.Equal(got, value) {
			t.Fatal("the value reads back wrong")
		}
		before := mappedKiB(t, path)
		if before < 15<<10 {
			t.Fatalf("after reading 16 MiB, %d KiB of the file are resident, want at least 15 MiB", before)
		}
		m.Release()
		after := mappedKiB(t, path)
		if after > 1<<10 {
			t.Errorf("after Release, %d KiB of the file are resident (%d before), want at most 1 MiB", after, before)
		}
		if !bytes.Equal(got, value) {
			t.Error("after Release, the value reads back wrong")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
