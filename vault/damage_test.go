package vault

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// useVault exercises every read path of a vault file and returns the first
// error. It must never panic, whatever the file holds.
func useVault(path string) error {
	v, err := Open(path, nil)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := v.Unlock([]byte(testPass)); err != nil {
		return err
	}
	recs, err := v.List("")
	if err != nil {
		return err
	}
	for _, r := range recs {
		if _, err := v.History(r.ID); err != nil {
			return err
		}
	}
	docs, err := v.Documents(false)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := v.ReadDocument(context.Background(), d.ID, io.Discard); err != nil {
			return err
		}
	}
	if _, err := v.VerifyLog(); err != nil {
		return err
	}
	return nil
}

func sampleVaultFile(t *testing.T) []byte {
	v, path := newTestVault(t)
	for i := range 30 {
		r, err := v.Add("debts", map[string]string{"creditor": "Schuldeiser", "amount": "100", "reference": string(rune('A' + i))})
		if err != nil {
			t.Fatal(err)
		}
		v.Update(r.ID, map[string]string{"status": "open"})
	}
	// In the chunks bucket, as an earlier version kept it, so that the
	// damage reaches document content too: these tests copy the vault
	// file alone (document files are tested in docfile_test.go).
	addLegacyDocument(t, v, "brief.pdf", randomBytes(t, ChunkSize+99))
	v.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := useVault(path); err != nil {
		t.Fatalf("the intact sample fails: %v", err)
	}
	return b
}

// acceptable is what a damaged file may produce: the damage was not on any
// path read (nil), it was detected (ErrDamaged), it hit the key file so the
// passphrase no longer fits, or it hit an index (branch) page of the tree,
// so that a lookup by id misses an item a scan still finds (ErrNotFound).
// Never a panic, and never a value that does not authenticate.
func acceptable(err error) bool {
	var le *LogError
	return err == nil || errors.Is(err, ErrDamaged) || errors.Is(err, ErrWrongPassphrase) ||
		errors.Is(err, ErrKDFParameters) || errors.Is(err, ErrNotFound) || errors.As(err, &le)
}

func TestBitFlippedFileNeverPanics(t *testing.T) {
	good := sampleVaultFile(t)
	path := filepath.Join(t.TempDir(), "v.kluis")
	// Every byte of the two meta pages, sparsely, and random bytes
	// elsewhere; the seed is logged so a failure can be replayed.
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	var offsets []int
	for off := 0; off < 8192; off += 61 {
		offsets = append(offsets, off)
	}
	for range 200 {
		offsets = append(offsets, 8192+rng.IntN(len(good)-8192))
	}
	detected := 0
	for _, off := range offsets {
		bad := bytes.Clone(good)
		bad[off] ^= 0x5a
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		err := useVault(path)
		if !acceptable(err) {
			t.Fatalf("flip at %d: unexpected error %v", off, err)
		}
		if err != nil {
			detected++
		}
	}
	if detected == 0 {
		t.Fatal("no flipped byte was ever detected")
	}
	t.Logf("%d of %d flips detected; the rest hit unused space", detected, len(offsets))
}

func TestTruncatedFileIsDamaged(t *testing.T) {
	good := sampleVaultFile(t)
	path := filepath.Join(t.TempDir(), "v.kluis")
	// bbolt grows its file ahead of use; only a cut into the used part is
	// damage. The used part ends at the newer meta page's high-water mark.
	meta, ok := parseBoltMeta(good)
	if !ok {
		t.Fatal("sample has no valid first meta page")
	}
	if m1, ok := parseBoltMeta(good[meta.pageSize:]); ok && m1.txid > meta.txid {
		meta = m1
	}
	used := int(meta.hwm) * int(meta.pageSize)
	if used > len(good) {
		t.Fatalf("high-water mark %d past the file's end %d", used, len(good))
	}
	if err := os.WriteFile(path, good[:used], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := useVault(path); err != nil {
		t.Fatalf("cutting off only the unused tail: %v", err)
	}
	for _, size := range []int{0, 1, 100, 4096, 8192, used / 2, used - 4096, used - 1} {
		if err := os.WriteFile(path, good[:size], 0o600); err != nil {
			t.Fatal(err)
		}
		err := useVault(path)
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("cut to %d of %d used bytes: %v, want ErrDamaged", size, used, err)
		}
	}
}

// bbolt writes into the pages its free list names without checking them; a
// damaged list is refused before any write, and the file is left as it was.
func TestDamagedFreelistIsRefusedBeforeWriting(t *testing.T) {
	good := sampleVaultFile(t)
	m0, ok0 := parseBoltMeta(good)
	m1, ok1 := parseBoltMeta(good[4096:])
	if !ok0 || !ok1 || m0.pageSize != 4096 {
		t.Fatal("sample has no valid meta pages")
	}
	m := m0
	if m1.txid > m.txid {
		m = m1
	}
	if m.freelist == noFreelist {
		t.Fatal("sample has no free-page list")
	}
	at := int(m.freelist) * 4096
	count := int(binary.LittleEndian.Uint16(good[at+10:]))
	if count == 0 || count == 0xFFFF {
		t.Fatalf("sample's free-page list has %d entries", count)
	}
	path := filepath.Join(t.TempDir(), "v.kluis")
	for name, damage := range map[string]func(b []byte){
		"id past the end":   func(b []byte) { binary.LittleEndian.PutUint64(b[at+16:], 1<<40) },
		"id of a meta page": func(b []byte) { binary.LittleEndian.PutUint64(b[at+16+8*(count-1):], 1) },
		"id near overflow":  func(b []byte) { binary.LittleEndian.PutUint64(b[at+16:], 1<<63-7) },
		"count too big":     func(b []byte) { binary.LittleEndian.PutUint16(b[at+10:], 4000) },
		"wrong page type":   func(b []byte) { b[at+8] = 0x02 },
		"big count in slot": func(b []byte) {
			binary.LittleEndian.PutUint16(b[at+10:], 0xFFFF)
			binary.LittleEndian.PutUint64(b[at+16:], 1<<60)
		},
		"runs past the end": func(b []byte) { binary.LittleEndian.PutUint32(b[at+12:], 1<<20) },
		"another page's id": func(b []byte) { binary.LittleEndian.PutUint64(b[at:], m.root) },
	} {
		bad := bytes.Clone(good)
		damage(bad)
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		err := useVault(path)
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: %v, want ErrDamaged", name, err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, bad) {
			t.Errorf("%s: the damaged file was written to", name)
		}
	}
}

// bbolt copies every element of a page it changes; an element whose
// stored length was damaged must be refused when the vault is opened,
// before any write, and must never make Kluis allocate what it claims.
func TestDamagedElementLengthsAreRefusedBeforeWriting(t *testing.T) {
	good := sampleVaultFile(t)
	path := filepath.Join(t.TempDir(), "v.kluis")
	const pageSize = 4096
	leaves, detected := 0, 0
	for at := 2 * pageSize; at+pageSize <= len(good); at += pageSize {
		flags := binary.LittleEndian.Uint16(good[at+8:])
		count := int(binary.LittleEndian.Uint16(good[at+10:]))
		if flags != 0x02 || count == 0 || binary.LittleEndian.Uint64(good[at:]) != uint64(at/pageSize) {
			continue // not a leaf page with elements
		}
		leaves++
		// A leaf element: flags u32, pos u32, key size u32, value size u32.
		for _, field := range []int{8, 12} {
			for _, size := range []uint32{1<<31 - 1, 1 << 30, 40 << 20} {
				bad := bytes.Clone(good)
				binary.LittleEndian.PutUint32(bad[at+16+16*(count-1)+field:], size)
				if err := os.WriteFile(path, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := useVault(path)
				runtime.ReadMemStats(&after)
				if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
					t.Errorf("page %d, field %d = %d: allocated %d MiB", at/pageSize, field, size, grew>>20)
				}
				switch {
				case err == nil:
					// A page no longer in use: nothing reads it.
				case errors.Is(err, ErrDamaged):
					detected++
					if now, _ := os.ReadFile(path); !bytes.Equal(now, bad) {
						t.Errorf("page %d, field %d = %d: the damaged file was written to", at/pageSize, field, size)
					}
				default:
					t.Errorf("page %d, field %d = %d: %v, want ErrDamaged", at/pageSize, field, size, err)
				}
			}
		}
	}
	if leaves == 0 || detected == 0 {
		t.Fatalf("%d leaf pages, %d damaged lengths detected", leaves, detected)
	}
	t.Logf("%d leaf pages; %d damaged lengths detected, the rest were in pages no longer used", leaves, detected)
}

func TestNotAVaultIsDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, bytes.Repeat([]byte("Boodschappen: melk, brood. "), 1000), 0o600)
	_, err := Open(path, nil)
	wantErr(t, err, ErrDamaged)
	// A valid bbolt file that is not a vault is not one either.
	other := filepath.Join(t.TempDir(), "other.db")
	db, _ := bolt.Open(other, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	db.Close()
	_, err = Open(other, nil)
	wantErr(t, err, ErrDamaged)
	// Both are said as "not a vault file", not as a damaged part of one.
	for _, p := range []string{path, other} {
		_, err := Open(p, nil)
		if de := (*DamagedError)(nil); !errors.As(err, &de) || de.Part != PartNotVault {
			t.Errorf("Open(%s) = %v, want a damaged part %s", filepath.Base(p), err, PartNotVault)
		}
	}
}

// TestPathNotAVaultFile: a folder, a pipe, a file without permission are
// said for what they are before anything is read, never as damage.
func TestPathNotAVaultFile(t *testing.T) {
	dir := t.TempDir()
	var nf *NotAFileError
	if _, err := Open(dir, nil); !errors.As(err, &nf) || !nf.Folder || nf.Path != dir || errors.Is(err, ErrDamaged) {
		t.Errorf("Open(a folder) = %v", err)
	}
	if _, _, err := Create(dir, []byte(testPass), "Fatima", nil); err == nil || errors.Is(err, ErrDamaged) {
		t.Errorf("Create(a folder) = %v", err)
	}
	fifo := filepath.Join(dir, "pipe")
	if err := mkfifo(fifo); err == nil {
		if _, err := Open(fifo, nil); !errors.As(err, &nf) || nf.Folder || errors.Is(err, ErrDamaged) {
			t.Errorf("Open(a pipe) = %v", err)
		}
	} else if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		t.Log("root reads any file: the permission case is left out")
		return
	}
	path := filepath.Join(dir, "vault.kluis")
	v, _, err := Create(path, []byte(testPass), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	for _, mode := range []os.FileMode{0, 0o400} {
		os.Chmod(path, mode)
		if _, err := Open(path, nil); !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrDamaged) {
			t.Errorf("Open(a vault with mode %o) = %v, want no permission", mode, err)
		}
	}
}

func TestNewerFormatIsRefused(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyFormat, formatMarker(currentFormat()+1))
	})
	_, err := Open(path, nil)
	wantErr(t, err, ErrNewerFormat)
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyFormat, formatMarker(currentFormat()))
	})
}

// The layout marker is read before unlocking, so it is not sealed; damage
// to it must read as damage, never as a vault from a newer Kluis.
func TestDamagedFormatMarkerIsDamage(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	good := formatMarker(currentFormat())
	for i := range good {
		for _, mask := range []byte{0x01, 0x5a, 0x80, 0xff} {
			bad := bytes.Clone(good)
			bad[i] ^= mask
			rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, bad) })
			_, err := Open(path, nil)
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("marker byte %d ^ %#x: %v, want ErrDamaged", i, mask, err)
			}
		}
	}
	for _, bad := range [][]byte{u64(0), u64(legacyFormats + 1), u64(88), good[:15], append(bytes.Clone(good), 0)} {
		rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, bad) })
		if _, err := Open(path, nil); !errors.Is(err, ErrDamaged) {
			t.Fatalf("marker %x: %v, want ErrDamaged", bad, err)
		}
	}
}

// Layouts 1 and 2 wrote the bare version; such a vault opens and gets the
// checked marker.
func TestLegacyFormatMarkerIsUpgraded(t *testing.T) {
	v, path := newTestVault(t)
	if _, err := v.Add("debts", map[string]string{"creditor": "Schuldeiser", "amount": "100"}); err != nil {
		t.Fatal(err)
	}
	v.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, u64(legacyFormats)) })
	v, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	if recs, err := v.List(""); err != nil || len(recs) != 1 {
		t.Fatalf("after the upgrade: %d records, %v", len(recs), err)
	}
	v.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if got := tx.Bucket(bucketMeta).Get(keyFormat); !bytes.Equal(got, formatMarker(currentFormat())) {
			t.Fatalf("marker after opening %x, want %x", got, formatMarker(currentFormat()))
		}
		return nil
	})
}

func TestMigrationsRunInOrderOnce(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	var ran []int
	table := append(append([]migration(nil), migrations...),
		migration{currentFormat() + 1, "add a bucket", func(tx *bolt.Tx) error {
			ran = append(ran, currentFormat()+1)
			_, err := tx.CreateBucket([]byte("test-extra"))
			return err
		}},
		migration{currentFormat() + 2, "fill it", func(tx *bolt.Tx) error {
			ran = append(ran, currentFormat()+2)
			return tx.Bucket([]byte("test-extra")).Put([]byte("k"), []byte("v"))
		}},
	)
	for range 2 {
		rawUpdate(t, path, func(tx *bolt.Tx) error { return migrate(tx, table) })
	}
	if len(ran) != 2 || ran[0] != currentFormat()+1 || ran[1] != currentFormat()+2 {
		t.Fatalf("migrations ran %v", ran)
	}
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if f, _ := formatOf(tx); f != currentFormat()+2 {
			t.Fatalf("format %d after migration", f)
		}
		return tx.Bucket(bucketMeta).Put(keyFormat, formatMarker(currentFormat()))
	})
	// A failing migration changes nothing.
	failing := append(append([]migration(nil), migrations...), migration{currentFormat() + 1, "fails", func(tx *bolt.Tx) error {
		tx.CreateBucket([]byte("half"))
		return errors.New("boom")
	}})
	db, _ := bolt.Open(path, 0o600, nil)
	err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, failing) })
	if err == nil {
		t.Fatal("want the migration error")
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("half")) != nil {
			t.Fatal("a failed migration left a change")
		}
		return nil
	})
	db.Close()
}

// testMeta is what the tests need of a bbolt meta page: bbolt's layout, a
// page header (16 bytes) and then magic u32, version u32, page size u32,
// flags u32, root u64, sequence u64, free list u64, high-water mark u64,
// txid u64 (little-endian).
type testMeta struct {
	pageSize                  uint32
	root, freelist, hwm, txid uint64
}

const noFreelist = ^uint64(0)

func parseBoltMeta(b []byte) (testMeta, bool) {
	if len(b) < 16+64 {
		return testMeta{}, false
	}
	m := b[16:]
	le := binary.LittleEndian
	if le.Uint32(m) != 0xED0CDAED {
		return testMeta{}, false
	}
	return testMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}
