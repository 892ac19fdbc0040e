package vault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// docFiles lists the names in the document folder of the vault at path
// (document ids), sorted; none when there is no folder.
func docFiles(t testing.TB, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(DocsFolder(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func countPending(t testing.TB, v *Vault) (pending int) {
	t.Helper()
	if err := v.view(func(tx *txn) error {
		pending = tx.tx.Bucket(bucketPending).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return pending
}

// checkNoStrayFiles fails when the document folder of v holds a file no
// live document refers to.
func checkNoStrayFiles(t testing.TB, v *Vault) {
	t.Helper()
	live := map[string]bool{}
	docs, err := v.documents(func(d Document) bool { return !d.Purged && d.Storage == StorageFile })
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		live[d.ID] = true
	}
	for _, name := range docFiles(t, v.Path()) {
		if !live[name] {
			t.Fatalf("document file %s is referred to by no document", name)
		}
	}
}

func TestDocumentFileRoundTrip(t *testing.T) {
	v, path := newTestVault(t)
	sizes := []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 5<<20 + 3}
	contents := map[string][]byte{}
	var progress []int64
	for _, n := range sizes {
		content := randomBytes(t, n)
		doc, err := v.AddDocument(context.Background(), "d.bin", bytes.NewReader(content),
			DocumentOptions{Progress: func(done int64) { progress = append(progress, done) }})
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if doc.Storage != StorageFile || doc.Size != int64(n) || doc.Chunks != uint64((n+ChunkSize-1)/ChunkSize) {
			t.Fatalf("%d bytes: metadata %+v", n, doc)
		}
		fi, err := os.Stat(filepath.Join(DocsFolder(path), doc.ID))
		if err != nil || fi.Size() != docFileSize(doc) || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%d bytes: document file %v %v", n, fi, err)
		}
		contents[doc.ID] = content
	}
	if fi, err := os.Stat(DocsFolder(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("document folder: %v %v", fi, err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != int64(sizes[len(sizes)-1]) {
		t.Fatalf("progress reports %v", progress)
	}
	if countPending(t, v) != 0 {
		t.Fatal("pending markers left")
	}
	v = reopen(t, v)
	for id, content := range contents {
		var out bytes.Buffer
		if _, err := v.ReadDocument(context.Background(), id, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
			t.Fatalf("%d bytes read back as %d (%v)", len(content), out.Len(), err)
		}
	}
	checkNoStrayFiles(t, v)
	if c, _ := countChunks(t, v); c != 0 {
		t.Fatalf("%d chunks in the vault file", c)
	}
}

func TestCanceledOrFailedUploadLeavesNoFile(t *testing.T) {
	v, path := newTestVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelAfter{r: bytes.NewReader(randomBytes(t, 12<<20)), n: 5 << 20, cancel: cancel}
	_, err := v.AddDocument(ctx, "big.bin", r, DocumentOptions{})
	wantErr(t, err, ErrCanceled)
	_, err = v.AddDocument(context.Background(), "scan.pdf", &failingReader{n: 3*ChunkSize + 5}, DocumentOptions{})
	if err == nil {
		t.Fatal("a failing read gave no error")
	}
	if files := docFiles(t, path); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
	if p := countPending(t, v); p != 0 {
		t.Fatalf("%d pending markers left", p)
	}
	if docs, _ := v.Documents(false); len(docs) != 0 {
		t.Fatalf("documents listed: %v", docs)
	}
}

// What a crash during an upload leaves: a pending marker and a document
// file, whole or in part, and no metadata. The next unlock removes both,
// and leaves the files of documents that were committed.
func TestUnfinishedFileUploadIsSweptOnUnlock(t *testing.T) {
	v, path := newTestVault(t)
	keep, err := v.AddDocument(context.Background(), "keep.pdf", bytes.NewReader(randomBytes(t, ChunkSize+7)), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idb, _ := newID()
	if err := v.update(func(t *txn) error { return t.putSealed(bucketPending, idb[:], nil) }); err != nil {
		t.Fatal(err)
	}
	var got Document
	if err := writeDocFile(context.Background(), v.seal, DocsFolder(path), idb, bytes.NewReader(randomBytes(t, 3*ChunkSize)), &got, nil); err != nil {
		t.Fatal(err)
	}
	if files := docFiles(t, path); len(files) != 2 {
		t.Fatalf("before unlock: %v", files)
	}
	v = reopen(t, v)
	if files := docFiles(t, path); len(files) != 1 || files[0] != keep.ID {
		t.Fatalf("after unlock: files %v, want only %s", files, keep.ID)
	}
	if p := countPending(t, v); p != 0 {
		t.Fatalf("%d pending markers left", p)
	}
	if _, err := v.ReadDocument(context.Background(), keep.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// A document file that is altered, cut, extended, swapped, missing or of
// another document makes reading that document fail with ErrDamaged, and
// no other.
func TestDocumentFileDamage(t *testing.T) {
	// File offsets of chunk 0 and chunk 1 of a document of 3 chunks and a bit.
	chunk0 := int64(docFileHeader)
	chunk1 := chunk0 + ChunkSize + sealOverhead
	cases := map[string]func(t *testing.T, file, other string){
		"bit flipped in a chunk": func(t *testing.T, file, _ string) { flipByte(t, file, chunk1+100) },
		"bit flipped in a tag":   func(t *testing.T, file, _ string) { flipByte(t, file, chunk1-1) },
		"bit flipped in header":  func(t *testing.T, file, _ string) { flipByte(t, file, 3) },
		"truncated at a chunk": func(t *testing.T, file, _ string) {
			fi, _ := os.Stat(file)
			os.Truncate(file, fi.Size()-(13+sealOverhead))
		},
		"truncated by a byte": func(t *testing.T, file, _ string) {
			fi, _ := os.Stat(file)
			os.Truncate(file, fi.Size()-1)
		},
		"extended": func(t *testing.T, file, _ string) {
			f, _ := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(make([]byte, ChunkSize+sealOverhead))
			f.Close()
		},
		"chunks reordered": func(t *testing.T, file, _ string) {
			b, _ := os.ReadFile(file)
			c0 := bytes.Clone(b[chunk0:chunk1])
			copy(b[chunk0:], b[chunk1:chunk1+(chunk1-chunk0)])
			copy(b[chunk1:], c0)
			os.WriteFile(file, b, 0o600)
		},
		"swapped with another document's file": func(t *testing.T, file, other string) {
			os.Rename(other, file+".tmp")
			os.Rename(file, other)
			os.Rename(file+".tmp", file)
		},
		"replaced by another document's file": func(t *testing.T, file, other string) {
			b, _ := os.ReadFile(other)
			os.WriteFile(file, b, 0o600)
		},
		"header naming another document": func(t *testing.T, file, other string) {
			b, _ := os.ReadFile(file)
			o, _ := os.ReadFile(other)
			copy(b[16:32], o[16:32])
			os.WriteFile(file, b, 0o600)
		},
		"missing":       func(t *testing.T, file, _ string) { os.Remove(file) },
		"made a folder": func(t *testing.T, file, _ string) { os.Remove(file); os.Mkdir(file, 0o700) },
		"emptied":       func(t *testing.T, file, _ string) { os.Truncate(file, 0) },
		"header removed": func(t *testing.T, file, _ string) {
			b, _ := os.ReadFile(file)
			os.WriteFile(file, b[docFileHeader:], 0o600)
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			v, path := newTestVault(t)
			doc, err := v.AddDocument(context.Background(), "x.bin", bytes.NewReader(randomBytes(t, 3*ChunkSize+13)), DocumentOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// The same size, so that a swap is not caught by the length alone.
			otherContent := randomBytes(t, 3*ChunkSize+13)
			other, err := v.AddDocument(context.Background(), "y.bin", bytes.NewReader(otherContent), DocumentOptions{})
			if err != nil {
				t.Fatal(err)
			}
			third, err := v.AddDocument(context.Background(), "z.bin", bytes.NewReader([]byte("klein")), DocumentOptions{})
			if err != nil {
				t.Fatal(err)
			}
			v.Close()
			edit(t, filepath.Join(DocsFolder(path), doc.ID), filepath.Join(DocsFolder(path), other.ID))
			v = reopen(t, &Vault{path: path, db: mustOpenDB(t, path)})
			_, err = v.ReadDocument(context.Background(), doc.ID, io.Discard)
			wantErr(t, err, ErrDamaged)
			var de *DamagedError
			if !errors.As(err, &de) || de.Part != PartDocument || de.ID != doc.ID {
				t.Fatalf("damage of %+v, want document %s", de, doc.ID)
			}
			if _, err := v.ReadDocument(context.Background(), third.ID, io.Discard); err != nil {
				t.Fatalf("another document: %v", err)
			}
			if name != "swapped with another document's file" {
				var out bytes.Buffer
				if _, err := v.ReadDocument(context.Background(), other.ID, &out); err != nil || !bytes.Equal(out.Bytes(), otherContent) {
					t.Fatalf("the other document: %v", err)
				}
			}
		})
	}
}

func flipByte(t *testing.T, file string, off int64) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x10
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A purge cut off before the document file was removed leaves a pending
// marker; the next unlock removes the file.
func TestPurgedDocumentFileIsSweptAfterACrash(t *testing.T) {
	v, path := newTestVault(t)
	doc, err := v.AddDocument(context.Background(), "a.pdf", bytes.NewReader(randomBytes(t, 2*ChunkSize)), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v.DeleteDocument(doc.ID)
	purgeTransactionOnly(t, v, doc.ID)
	if files := docFiles(t, path); len(files) != 1 || countPending(t, v) != 1 {
		t.Fatalf("before unlock: files %v, %d pending", files, countPending(t, v))
	}
	v = reopen(t, v)
	if files := docFiles(t, path); len(files) != 0 || countPending(t, v) != 0 {
		t.Fatalf("after unlock: files %v, %d pending", files, countPending(t, v))
	}
}

// A vault made before layout 5 keeps its documents in the chunks bucket.
// After the change they still read, delete for good and back up, next to
// new documents in files.
func TestDocumentOfAnEarlierVersionStillReads(t *testing.T) {
	// The checked-in vault of an earlier version holds one document.
	old := openFixture(t, logV1Fixture)
	docs, err := old.Documents(false)
	if err != nil || len(docs) != 1 || docs[0].Storage != "" {
		t.Fatalf("fixture documents: %+v %v", docs, err)
	}
	if _, err := old.ReadDocument(context.Background(), docs[0].ID, io.Discard); err != nil {
		t.Fatalf("the fixture's document: %v", err)
	}
	if err := old.db.View(func(tx *bolt.Tx) error {
		if f, _ := formatOf(tx); f != 5 {
			t.Errorf("layout after opening %d, want 5", f)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	v, path := newTestVault(t)
	legacyContent := randomBytes(t, 2*ChunkSize+3)
	legacy := addLegacyDocument(t, v, "oud.pdf", legacyContent)
	newContent := randomBytes(t, ChunkSize+9)
	fresh, err := v.AddDocument(context.Background(), "nieuw.pdf", bytes.NewReader(newContent), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b.kluisbackup")
	if err := v.Backup(backup); err != nil {
		t.Fatal(err)
	}
	v = reopen(t, v)
	for id, want := range map[string][]byte{legacy.ID: legacyContent, fresh.ID: newContent} {
		var out bytes.Buffer
		if _, err := v.ReadDocument(context.Background(), id, &out); err != nil || !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("document %s: %v", id, err)
		}
	}
	if c, _ := countChunks(t, v); c != 3 {
		t.Fatalf("%d chunks, want the earlier document's 3", c)
	}
	v.DeleteDocument(legacy.ID)
	if err := v.PurgeDocument(legacy.ID); err != nil {
		t.Fatal(err)
	}
	if c, p := countChunks(t, v); c != 0 || p != 0 {
		t.Fatalf("after purge: %d chunks, %d pending", c, p)
	}
	v.Close()
	restored, _, err := RestoreBackup(backup, path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var out bytes.Buffer
	if _, err := restored.ReadDocument(context.Background(), legacy.ID, &out); err != nil || !bytes.Equal(out.Bytes(), legacyContent) {
		t.Fatalf("restored earlier document: %v", err)
	}
}

// A vault of layout 5 may hold document files, which a version that reads
// up to layout 4 would take for damage or leave out of its backups: that
// version refuses it as made by a newer Kluis.
func TestLayout5IsRefusedByAnOlderVersion(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	db := mustOpenDB(t, path)
	defer db.Close()
	var before4 []migration
	for _, m := range migrations {
		if m.version <= 4 {
			before4 = append(before4, m)
		}
	}
	err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, before4) })
	wantErr(t, err, ErrNewerFormat)
	// And a layout-4 vault is brought to 5 by opening it.
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyFormat, formatMarker(4))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations) }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		if f, err := formatOf(tx); f != 5 || err != nil {
			t.Fatalf("layout %d (%v), want 5", f, err)
		}
		return nil
	})
}
