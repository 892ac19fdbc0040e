package vault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A heldReader gives its first piece, then waits for release before it
// gives the rest: an upload caught half-way.
type heldReader struct {
	first, rest []byte
	reached     chan struct{} // closed when the first piece has been read
	release     chan struct{}
	step        int
}

func newHeldReader(content []byte, at int) *heldReader {
	return &heldReader{first: content[:at], rest: content[at:], reached: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldReader) Read(p []byte) (int, error) {
	switch h.step {
	case 0:
		h.step = 1
		return copy(p, h.first), nil
	case 1:
		h.step = 2
		close(h.reached)
		<-h.release
	}
	if len(h.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, h.rest)
	h.rest = h.rest[n:]
	return n, nil
}

// waitForFile waits until the vault at path has n document files.
func waitForFile(t *testing.T, path string, n int) {
	t.Helper()
	for range 500 {
		if len(docFiles(t, path)) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no document file appeared; files: %v", docFiles(t, path))
}

// The app locks itself after a while. Locking stops a document streaming
// in with the data key (ErrLocked, nothing of it kept), and unlocking again
// before the upload has noticed must not let the unlock's sweep remove the
// file under it: the upload cleans up after itself.
func TestLockStopsAnUploadAndKeepsNothing(t *testing.T) {
	t.Parallel()
	v, path := newTestVault(t)
	content := randomBytes(t, 3*ChunkSize+5)
	r := newHeldReader(content, ChunkSize)
	done := make(chan error, 1)
	go func() {
		_, err := v.AddDocument(context.Background(), "groot.pdf", r, DocumentOptions{})
		done <- err
	}()
	<-r.reached
	waitForFile(t, path, 1)
	v.Lock()
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	if files := docFiles(t, path); len(files) != 1 {
		t.Fatalf("the unlock's sweep removed the file of an upload under way: %v", files)
	}
	close(r.release)
	if err := <-done; !errors.Is(err, ErrLocked) {
		t.Fatalf("an upload the vault was locked during: %v, want ErrLocked", err)
	}
	if files := docFiles(t, path); len(files) != 0 {
		t.Fatalf("document files left: %v", files)
	}
	if n := countPending(t, v); n != 0 {
		t.Fatalf("%d pending markers left", n)
	}
	if docs, err := v.Documents(false); err != nil || len(docs) != 0 {
		t.Fatalf("documents after the stopped upload: %v, %v", docs, err)
	}
	// The vault goes on as before.
	d, err := v.AddDocument(context.Background(), "klein.pdf", bytes.NewReader(content), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := v.ReadDocument(context.Background(), d.ID, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("a document added after reads back %d bytes, %v", out.Len(), err)
	}
}

// lockingWriter locks the vault at its first write and then gives the
// stream time to notice.
type lockingWriter struct {
	v     *Vault
	wrote int
}

func (w *lockingWriter) Write(p []byte) (int, error) {
	if w.wrote == 0 {
		w.v.Lock()
		time.Sleep(200 * time.Millisecond)
	}
	w.wrote += len(p)
	return len(p), nil
}

// Locking also stops a document streaming out: no more of it is opened
// with the data key once the person has locked the vault.
func TestLockStopsADocumentBeingRead(t *testing.T) {
	t.Parallel()
	v, _ := newTestVault(t)
	d, err := v.AddDocument(context.Background(), "groot.pdf", bytes.NewReader(randomBytes(t, 24*ChunkSize)), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := &lockingWriter{v: v}
	if _, err := v.ReadDocument(context.Background(), d.ID, w); !errors.Is(err, ErrLocked) {
		t.Fatalf("reading while the vault was locked: %v, want ErrLocked", err)
	}
	if w.wrote >= int(d.Size) {
		t.Fatalf("all %d bytes came out after the lock", w.wrote)
	}
}

// Two replicas can send the same document at once (two sync folders); the
// second import must be refused while the first streams, and must not
// remove the first one's file.
func TestSecondImportOfADocumentUnderWayIsRefused(t *testing.T) {
	t.Parallel()
	src, _ := newTestVault(t)
	content := randomBytes(t, 3*ChunkSize)
	meta, err := src.AddDocument(context.Background(), "brief.pdf", bytes.NewReader(content), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, path := newTestVault(t)
	r := newHeldReader(content, ChunkSize)
	done := make(chan error, 1)
	go func() {
		_, _, err := v.ImportDocument(context.Background(), meta, r)
		done <- err
	}()
	<-r.reached
	waitForFile(t, path, 1)
	if _, _, err := v.ImportDocument(context.Background(), meta, bytes.NewReader(content)); !errors.Is(err, ErrDocumentConflict) {
		t.Fatalf("second import while the first streams: %v, want ErrDocumentConflict", err)
	}
	if files := docFiles(t, path); len(files) != 1 {
		t.Fatalf("the refused import touched the first one's file: %v", files)
	}
	close(r.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := v.ReadDocument(context.Background(), meta.ID, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("imported document reads back %d bytes, %v", out.Len(), err)
	}
	// Once stored, the same document again is no new upload.
	if _, changed, err := v.ImportDocument(context.Background(), meta, bytes.NewReader(content)); err != nil || changed {
		t.Fatalf("the same document again: changed %v, %v", changed, err)
	}
}

// A backup copies the document files one at a time: with many documents it
// holds one descriptor, not one per document; and a document deleted for
// good while it runs keeps its file until the backup is done (the backup
// carries it), then the next unlock removes it. Not parallel: it counts
// this process's open files.
func TestBackupCopiesFilesOneAtATimeAndHoldsRemovals(t *testing.T) {
	v, path := newTestVault(t)
	const docs = 120
	var ids []string
	for i := range docs {
		d, err := v.AddDocument(context.Background(), "scan.pdf", bytes.NewReader([]byte{byte(i), byte(i >> 8)}), DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if err := v.DeleteDocument(ids[0]); err != nil {
		t.Fatal(err)
	}
	openAtStart := openFiles(t)
	mostOpen, purged := 0, false
	backup := filepath.Join(t.TempDir(), "b")
	err := v.BackupContext(context.Background(), backup, func(done, total int64) {
		if n := openFiles(t); n > mostOpen {
			mostOpen = n
		}
		if !purged {
			purged = true
			if err := v.PurgeDocument(ids[0]); err != nil {
				t.Errorf("purge during the backup: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if openAtStart >= 0 && mostOpen-openAtStart > 8 {
		t.Errorf("the backup of %d documents held %d more files open", docs, mostOpen-openAtStart)
	}
	if files := docFiles(t, path); len(files) != docs {
		t.Fatalf("%d document files after a purge during the backup, want all %d kept until the next unlock", len(files), docs)
	}
	v.Lock()
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	if files := docFiles(t, path); len(files) != docs-1 {
		t.Fatalf("%d document files after the next unlock, want %d", len(files), docs-1)
	}
	v.Close()
	restored, _, err := RestoreBackup(backup, path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	for i, id := range ids {
		var out bytes.Buffer
		if _, err := restored.ReadDocument(context.Background(), id, &out); err != nil || !bytes.Equal(out.Bytes(), []byte{byte(i), byte(i >> 8)}) {
			t.Fatalf("restored document %d: %q, %v", i, out.Bytes(), err)
		}
	}
}

// openFiles counts this process's open descriptors, or -1 where the
// system does not list them.
func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
