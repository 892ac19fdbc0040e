package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocumentRoundTrip(t *testing.T) {
	v, _ := newTestVault(t)
	rec, _ := v.Add("income", map[string]string{"source": "Jumbo", "amount": "1500"})
	for _, size := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, chunksPerTx*ChunkSize + 3*ChunkSize + 17} {
		content := randomBytes(t, size)
		var progress []int64
		doc, err := v.AddDocument(context.Background(), "/home/fatima/Loonstrook maart.pdf", bytes.NewReader(content),
			DocumentOptions{Record: rec.ID, Progress: func(n int64) { progress = append(progress, n) }})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		sum := sha256.Sum256(content)
		if doc.Name != "Loonstrook maart.pdf" || doc.MediaType != "application/pdf" || doc.Size != int64(size) ||
			doc.SHA256 != hex.EncodeToString(sum[:]) || doc.Record != rec.ID {
			t.Fatalf("size %d: metadata %+v", size, doc)
		}
		if len(progress) == 0 || progress[len(progress)-1] != int64(size) {
			t.Fatalf("size %d: progress %v", size, progress)
		}
		var out bytes.Buffer
		if _, err := v.ReadDocument(context.Background(), doc.ID, &out); err != nil {
			t.Fatalf("size %d: read: %v", size, err)
		}
		if !bytes.Equal(out.Bytes(), content) {
			t.Fatalf("size %d: content differs", size)
		}
	}
	docs, err := v.Documents(false)
	if err != nil || len(docs) != 6 {
		t.Fatalf("Documents: %d, %v", len(docs), err)
	}
	if err := v.DeleteDocument(docs[0].ID); err != nil {
		t.Fatal(err)
	}
	if bin, _ := v.Documents(true); len(bin) != 1 || bin[0].ID != docs[0].ID {
		t.Fatalf("recycle bin: %v", bin)
	}
	if err := v.RestoreDocument(docs[0].ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.RestoreDocument(docs[0].ID), ErrNotDeleted)
}

func TestDocumentNeedsExistingRecordAndName(t *testing.T) {
	v, _ := newTestVault(t)
	_, err := v.AddDocument(context.Background(), "a.pdf", bytes.NewReader(nil), DocumentOptions{Record: "2b1f0c1e-8d7a-4e5b-9c3d-1a2b3c4d5e6f"})
	wantErr(t, err, ErrNotFound)
	if _, err := v.AddDocument(context.Background(), "", bytes.NewReader(nil), DocumentOptions{}); err == nil {
		t.Fatal("a document without a name was accepted")
	}
}

// cancelAfter cancels ctx once n bytes were read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n -= k
	if c.n <= 0 {
		c.cancel()
	}
	return k, err
}

func countChunks(t *testing.T, v *Vault) (chunks, pending int) {
	err := v.view(func(tx *txn) error {
		chunks = tx.tx.Bucket(bucketChunks).Stats().KeyN
		pending = tx.tx.Bucket(bucketPending).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestCanceledUploadLeavesNothing(t *testing.T) {
	v, _ := newTestVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelAfter{r: bytes.NewReader(randomBytes(t, 4*chunksPerTx*ChunkSize)), n: 2 * chunksPerTx * ChunkSize, cancel: cancel}
	_, err := v.AddDocument(ctx, "big.bin", r, DocumentOptions{})
	wantErr(t, err, ErrCanceled)
	if c, p := countChunks(t, v); c != 0 || p != 0 {
		t.Fatalf("after cancel: %d chunks, %d pending", c, p)
	}
	if docs, _ := v.Documents(false); len(docs) != 0 {
		t.Fatalf("a canceled document is listed: %v", docs)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("USB stick removed")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

func TestFailedReadLeavesNothing(t *testing.T) {
	v, _ := newTestVault(t)
	_, err := v.AddDocument(context.Background(), "scan.pdf", &failingReader{n: chunksPerTx*ChunkSize + 5}, DocumentOptions{})
	if err == nil {
		t.Fatal("want an error")
	}
	if c, p := countChunks(t, v); c != 0 || p != 0 {
		t.Fatalf("after a failed read: %d chunks, %d pending", c, p)
	}
}

// fullDisk accepts n bytes and then fails like a full disk.
type fullDisk struct{ n int }

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, syscall.ENOSPC
	}
	f.n -= len(p)
	return len(p), nil
}

func TestReadDocumentStopsOnWriteErrorAndCancel(t *testing.T) {
	v, _ := newTestVault(t)
	content := randomBytes(t, 20*ChunkSize+3)
	doc, err := v.AddDocument(context.Background(), "scan.pdf", bytes.NewReader(content), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, ChunkSize, 7*ChunkSize + 11, len(content) - 1} {
		_, err := v.ReadDocument(context.Background(), doc.ID, &fullDisk{n: n})
		wantErr(t, err, ErrDiskFull)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = v.ReadDocument(ctx, doc.ID, io.Discard)
	wantErr(t, err, ErrCanceled)
	// Reading still works afterwards, and gives the whole document.
	var out bytes.Buffer
	if _, err := v.ReadDocument(context.Background(), doc.ID, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("after the failures: %d bytes, %v", out.Len(), err)
	}
}

func TestUnfinishedUploadIsSweptOnUnlock(t *testing.T) {
	v, path := newTestVault(t)
	s := v.seal
	v.Close()
	// What a crash mid-upload leaves: a pending marker and some chunks.
	id, _ := newID()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		tx.Bucket(bucketPending).Put(id[:], s.Seal(bucketPending, id[:], nil))
		for i := range uint64(3) {
			k := chunkKey(id, i)
			tx.Bucket(bucketChunks).Put(k, s.Seal(bucketChunks, k, []byte("partial")))
		}
		return nil
	})
	v2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if err := v2.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	if c, p := countChunks(t, v2); c != 0 || p != 0 {
		t.Fatalf("after unlock: %d chunks, %d pending", c, p)
	}
}

// TestDocumentTamperingIsDetected alters a document kept in the chunks
// bucket, as vaults before layout 5 keep them (TestDocumentFileDamage does
// the same for document files).
func TestDocumentTamperingIsDetected(t *testing.T) {
	cases := map[string]func(tx *bolt.Tx, id [16]byte){
		"chunk removed": func(tx *bolt.Tx, id [16]byte) { tx.Bucket(bucketChunks).Delete(chunkKey(id, 1)) },
		"last chunk removed": func(tx *bolt.Tx, id [16]byte) {
			tx.Bucket(bucketChunks).Delete(chunkKey(id, 2))
		},
		"chunks swapped": func(tx *bolt.Tx, id [16]byte) {
			b := tx.Bucket(bucketChunks)
			c0, c1 := bytes.Clone(b.Get(chunkKey(id, 0))), bytes.Clone(b.Get(chunkKey(id, 1)))
			b.Put(chunkKey(id, 0), c1)
			b.Put(chunkKey(id, 1), c0)
		},
		"bit flipped": func(tx *bolt.Tx, id [16]byte) {
			b := tx.Bucket(bucketChunks)
			c := bytes.Clone(b.Get(chunkKey(id, 1)))
			c[100] ^= 1
			b.Put(chunkKey(id, 1), c)
		},
		"chunk appended": func(tx *bolt.Tx, id [16]byte) {
			b := tx.Bucket(bucketChunks)
			b.Put(chunkKey(id, 3), bytes.Clone(b.Get(chunkKey(id, 2))))
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			v, path := newTestVault(t)
			doc := addLegacyDocument(t, v, "x.bin", randomBytes(t, 2*ChunkSize+10))
			v.Close()
			id, _ := parseID(doc.ID)
			rawUpdate(t, path, func(tx *bolt.Tx) error { edit(tx, id); return nil })
			v2 := reopen(t, &Vault{path: path, db: mustOpenDB(t, path)})
			_, err := v2.ReadDocument(context.Background(), doc.ID, io.Discard)
			wantErr(t, err, ErrDamaged)
		})
	}
}

func mustOpenDB(t *testing.T, path string) *bolt.DB {
	db, err := openDB(path, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCompactShrinksTheFileAndKeepsEverything(t *testing.T) {
	v, path := newTestVault(t)
	rec, _ := v.Add("goals", map[string]string{"title": "blijft"})
	keep, err := v.AddDocument(context.Background(), "klein.pdf", bytes.NewReader(randomBytes(t, ChunkSize+5)), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A big document of an earlier version, kept in the vault file and
	// deleted for good, leaves its pages free, not returned.
	big := addLegacyDocument(t, v, "groot.bin", randomBytes(t, 6*chunksPerTx*ChunkSize))
	if err := v.DeleteDocument(big.ID); err != nil {
		t.Fatal(err)
	}
	if err := v.PurgeDocument(big.ID); err != nil {
		t.Fatal(err)
	}
	before, after, err := v.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Fatalf("compacting did not shrink the file: %d → %d bytes", before, after)
	}
	if _, err := v.Get(rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ReadDocument(context.Background(), keep.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyLog(); err != nil {
		t.Fatal(err)
	}
	// Still usable for writing, and a second program is still kept out.
	if _, err := v.Add("goals", map[string]string{"title": "na het comprimeren"}); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, &Options{Timeout: 100 * time.Millisecond})
	wantErr(t, err, ErrInUse)
	v.Lock()
	_, _, err = v.Compact()
	wantErr(t, err, ErrLocked)
}

// A document name with a hidden character is refused when the document is
// added: it would read as another name, and no bundle could carry it.
func TestDocumentNameWithHiddenCharacter(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"factuur\u202Efdp.exe", "brief\u200B.pdf", "a\x1b[31m.txt"} {
		if _, err := cleanDocName(name); !errors.Is(err, ErrBadDocumentName) {
			t.Errorf("%q: %v, want ErrBadDocumentName", name, err)
		}
	}
	for _, name := range []string{"loonstrook maart.pdf", "نامه\u200Cها.pdf", "café – brief.odt"} {
		if got, err := cleanDocName(name); err != nil || got != name {
			t.Errorf("%q: %q, %v", name, got, err)
		}
	}
}
