package vault

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"kluis/internal/boltfile"
	"kluis/internal/safetext"
	"kluis/sync/hlc"
)

// Documents are stored in fixed-size chunks, each sealed on its own and
// bound to its document id and position, so memory stays bounded whatever
// the size and chunks cannot be swapped, dropped or reordered unnoticed.
// Since layout 5 the chunks of a new document go into a document file
// beside the vault (docfile.go); documents added before stay in the chunks
// bucket of the bbolt file (Document.Storage empty), where an upload
// committed every chunksPerTx chunks, and are read, deleted and backed up
// as they were. Either way the document only appears when its metadata is
// committed last. An upload cut off by a crash leaves a pending marker, and
// the next unlock removes its file or chunks.
const (
	ChunkSize   = 256 << 10
	chunksPerTx = 16 // 4 MiB per transaction
	maxNameLen  = 255
)

// A Document is a file kept in the vault: a payslip, a letter, a contract.
type Document struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`       // file name as given, without folders
	MediaType string        `json:"media_type"` // e.g. application/pdf
	Size      int64         `json:"size"`
	SHA256    string        `json:"sha256"` // hex, of the whole content
	Record    string        `json:"record,omitempty"`
	Added     hlc.Timestamp `json:"added"`
	Modified  hlc.Timestamp `json:"modified"`
	Author    Author        `json:"author"`
	Deleted   bool          `json:"deleted"`
	Chunks    uint64        `json:"chunks"`
	// Storage says where the content is: StorageFile for a document file
	// beside the vault (docfile.go), empty for the chunks bucket of the
	// vault file, where vaults before layout 5 kept every document.
	Storage string `json:"storage,omitempty"`
	// Purged marks a document deleted for good: its content is gone and
	// only this tombstone is left (id, link, times, author; no name, type,
	// size or hash), so that no replica brings it back. Deleted is true.
	Purged bool `json:"purged,omitempty"`
}

// DocumentOptions describe a document being added.
type DocumentOptions struct {
	Record    string           // link to this record id (optional)
	MediaType string           // detected from the name when empty
	Progress  func(done int64) // called every few MiB and when done (from the caller's goroutine)
}

// AddDocument streams r into the vault as a document called name. ctx
// cancels it; then nothing of it is kept.
func (v *Vault) AddDocument(ctx context.Context, name string, r io.Reader, opts DocumentOptions) (Document, error) {
	name, err := cleanDocName(name)
	if err != nil {
		return Document{}, err
	}
	if opts.Record != "" {
		if _, err := v.Get(opts.Record); err != nil {
			return Document{}, fmt.Errorf("linked record: %w", err)
		}
	}
	if err := v.checkDocEdit(opts.Record); err != nil {
		return Document{}, err
	}
	idb, id := newID()
	doc := Document{ID: id, Name: name, MediaType: opts.MediaType, Record: opts.Record}
	if doc.MediaType == "" {
		doc.MediaType = mediaTypeOf(name)
	}
	return v.storeDocument(ctx, idb, doc, r, opts.Progress, func(t *txn, doc *Document) error {
		now := t.clock.Now()
		doc.Added, doc.Modified, doc.Author = now, now, t.author
		return t.log(Event{Action: ActionDocumentAdded, Subject: doc.ID, Detail: doc.MediaType})
	})
}

// storeDocument streams r into a new document file of idb and, once all of
// it is on disk, calls finish in the transaction that stores the metadata.
// On any error (finish's included) nothing of the document is kept.
func (v *Vault) storeDocument(ctx context.Context, idb [16]byte, doc Document, r io.Reader,
	progress func(int64), finish func(t *txn, doc *Document) error) (Document, error) {
	// The id is claimed twice: in this process, so that the unlock's sweep
	// leaves the upload alone should the vault be locked and unlocked
	// meanwhile, and in the file, where a pending marker or a document
	// (or its tombstone) under the id refuses a second upload of it.
	if !v.beginUpload(idb) {
		return Document{}, fmt.Errorf("%w: %s is being stored already", ErrDocumentConflict, doc.ID)
	}
	defer v.endUpload(idb)
	err := v.update(func(t *txn) error {
		if t.tx.Bucket(bucketPending).Get(idb[:]) != nil {
			return fmt.Errorf("%w: %s is being stored or removed", ErrDocumentConflict, doc.ID)
		}
		if _, err := t.getStoredDoc(doc.ID); err == nil {
			return fmt.Errorf("%w: %s is there already", ErrDocumentConflict, doc.ID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return t.putSealed(bucketPending, idb[:], nil)
	})
	if err != nil {
		return Document{}, err
	}
	v.mu.RLock()
	sealer := v.seal
	v.mu.RUnlock()
	if sealer == nil {
		v.removeContent(idb)
		return Document{}, ErrLocked
	}
	fail := func(err error) (Document, error) {
		v.removeContent(idb)
		return Document{}, err
	}
	// What the stream turns out to be: size, chunk count and hash.
	got := doc
	got.Size, got.Chunks, got.SHA256, got.Storage = 0, 0, "", StorageFile
	ctx, stop := v.untilLocked(ctx)
	defer stop()
	if err := writeDocFile(ctx, sealer, v.docsFolder(), idb, r, &got, progress); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// A file no document or marker names, left by something
			// else: not this upload's to remove.
			_ = v.update(func(t *txn) error { return t.tx.Bucket(bucketPending).Delete(idb[:]) })
			return Document{}, diskError(err)
		}
		if errors.Is(err, context.Canceled) {
			err = stopped(ctx)
		}
		return fail(diskError(err))
	}
	err = v.update(func(t *txn) error {
		if t.tx.Bucket(bucketPending).Get(idb[:]) == nil {
			// Never by this code (the claim above keeps the sweep away);
			// without its marker the file may be gone.
			return fmt.Errorf("%w: the upload of %s lost its pending marker", ErrDocumentConflict, doc.ID)
		}
		if err := finish(t, &got); err != nil {
			return err
		}
		if err := t.putDoc(got); err != nil {
			return err
		}
		return t.tx.Bucket(bucketPending).Delete(idb[:])
	})
	if err != nil {
		return fail(err)
	}
	if progress != nil {
		progress(got.Size)
	}
	return got, nil
}

func chunkKey(id [16]byte, index uint64) []byte {
	return append(id[:], u64(index)...)
}

// removeContent deletes the content of an unfinished upload or of a
// document deleted for good, whose pending marker is committed: its
// document file, or its chunks in batches so memory stays bounded, and then
// the marker. Errors are ignored: the next unlock sweeps what is left, as
// it does when a backup is copying files (fileBusy).
func (v *Vault) removeContent(id [16]byte) {
	if v.removalsHeld() {
		return
	}
	if removeDocFile(v.docsFolder(), id) != nil {
		return // still open elsewhere (Windows), or a disk error
	}
	for {
		more := false
		err := v.update(func(t *txn) error {
			var err error
			more, err = t.deleteChunks(id, chunksPerTx*8)
			if err != nil || more {
				return err
			}
			return t.tx.Bucket(bucketPending).Delete(id[:])
		})
		if err != nil || !more {
			return
		}
	}
}

// deleteChunks removes up to limit chunks of a document and reports whether
// more are left.
func (t *txn) deleteChunks(id [16]byte, limit int) (bool, error) {
	c := t.tx.Bucket(bucketChunks).Cursor()
	n := 0
	for k, _ := c.Seek(id[:]); k != nil && bytes.HasPrefix(k, id[:]); k, _ = c.Seek(id[:]) {
		if n == limit {
			return true, nil
		}
		if err := c.Delete(); err != nil {
			return false, err
		}
		n++
	}
	return false, nil
}

// sweepPendingDocuments removes the files and chunks of uploads that never
// finished and of documents deleted for good whose content was not removed
// yet. The files go first and durably, then the markers with the commit; a
// file that cannot be removed now (open in another program on Windows)
// keeps its marker for the next unlock, as does the content that busy
// reports in use by this process (an upload under way, a backup).
func (t *txn) sweepPendingDocuments(folder string, busy func([16]byte) bool) error {
	var ids [][16]byte
	if err := t.tx.Bucket(bucketPending).ForEach(func(k, _ []byte) error {
		if len(k) == 16 {
			ids = append(ids, [16]byte(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if busy(id) {
			continue
		}
		if d, err := t.getStoredDoc(formatID(id[:])); err == nil && !d.Purged && d.Storage == StorageFile {
			// Never by this code (the metadata and the marker's removal
			// commit together, and an upload under way is busy), but a
			// file a live document refers to is never removed.
		} else if err := removeDocFile(folder, id); err != nil {
			continue
		}
		if _, err := t.deleteChunks(id, -1); err != nil {
			return err
		}
		if err := t.tx.Bucket(bucketPending).Delete(id[:]); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) putDoc(d Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	key, _ := parseID(d.ID)
	return t.putSealed(bucketDocs, key[:], b)
}

// getDoc returns a document's metadata; a document deleted for good is not
// found.
func (t *txn) getDoc(id string) (Document, error) {
	d, err := t.getStoredDoc(id)
	if err == nil && d.Purged {
		return Document{}, ErrNotFound
	}
	return d, err
}

// getStoredDoc is getDoc that also returns the tombstone of a document
// deleted for good.
func (t *txn) getStoredDoc(id string) (Document, error) {
	key, err := parseID(id)
	if err != nil {
		return Document{}, err
	}
	plain, err := t.getSealed(bucketDocs, key[:])
	if err != nil {
		return Document{}, err
	}
	var d Document
	if err := json.Unmarshal(plain, &d); err != nil || d.ID != id {
		return Document{}, damagedItem(PartDocument, id, err)
	}
	return d, nil
}

// Document returns a document's metadata. A document deleted for good is
// not found.
func (v *Vault) Document(id string) (Document, error) {
	var d Document
	err := v.view(func(t *txn) error {
		var err error
		d, err = t.getDoc(id)
		return err
	})
	return d, err
}

// Documents lists the documents not in the recycle bin, oldest first. With
// deleted true it lists those in the recycle bin instead.
func (v *Vault) Documents(deleted bool) ([]Document, error) {
	return v.documents(func(d Document) bool { return !d.Purged && d.Deleted == deleted })
}

// documents returns the metadata for which keep is true, tombstones of
// documents deleted for good included, oldest first.
func (v *Vault) documents(keep func(Document) bool) ([]Document, error) {
	var out []Document
	err := v.view(func(t *txn) error {
		return t.tx.Bucket(bucketDocs).ForEach(func(k, _ []byte) error {
			d, err := t.getStoredDoc(formatID(k))
			if err != nil {
				return err
			}
			if keep(d) {
				out = append(out, d)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Document) int { return cmp.Compare(a.Added, b.Added) })
	return out, err
}

// ReadDocument streams a document's content to w. Every chunk is
// authenticated; a missing, extra or altered chunk, or a content hash that
// does not match, returns ErrDamaged. Bytes already written to w before
// that point must then be thrown away: write to a temporary file and keep
// it only when ReadDocument returns nil.
func (v *Vault) ReadDocument(ctx context.Context, id string, w io.Writer) (Document, error) {
	var doc Document
	var file *os.File
	var sealer *sealer
	err := v.view(func(t *txn) error {
		var err error
		if doc, err = t.getDoc(id); err != nil {
			return err
		}
		if doc.Storage == StorageFile {
			// Opened while the metadata is current: a purge removes the
			// file only after its commit, and an open file outlives its
			// removal (on Windows the removal waits for the next unlock).
			sealer = t.seal
			file, err = openDocFile(v.docsFolder(), doc)
			return err
		}
		return t.readChunks(ctx, doc, w)
	})
	if errors.Is(err, fs.ErrNotExist) {
		// Deleted for good between reading the metadata and opening the
		// file: not found, as it would have been a moment later.
		if _, derr := v.Document(id); errors.Is(derr, ErrNotFound) {
			return Document{}, ErrNotFound
		}
	}
	if err != nil || file == nil {
		return doc, err
	}
	defer file.Close()
	ctx, stop := v.untilLocked(ctx)
	defer stop()
	out := startChunkWriter(w, docReadBuffers)
	defer out.finish()
	return doc, readDocFile(ctx, sealer, doc, file, out)
}

// readChunks streams the content of doc, kept in the chunks bucket, to w.
func (t *txn) readChunks(ctx context.Context, doc Document, w io.Writer) error {
	id := doc.ID
	key, _ := parseID(id)
	// Two stages on two cores: this goroutine opens and hashes chunks,
	// out writes them, a few chunks behind.
	out := startChunkWriter(w, 3)
	defer out.finish()
	// The chunks are read from the vault file at their place in it,
	// one read call each, not through bbolt's mapping: a process keeps
	// every page it touches there (a 1 GiB document made it 1 GiB
	// resident), and bbolt maps for random access, so a cold read
	// waited on the disk page by page. The pages the cursor touches
	// are released every few MiB (boltfile.Mapping).
	mapping := boltfile.MappingOf(t.tx)
	file, err := os.Open(t.tx.DB().Path())
	if err != nil {
		return diskError(err)
	}
	defer file.Close()
	sealed := make([]byte, ChunkSize+sealOverhead)
	c := t.tx.Bucket(bucketChunks).Cursor()
	var index uint64
	var size int64
	for k, val := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]); k, val = c.Next() {
		if err := ctx.Err(); err != nil {
			return ErrCanceled
		}
		if len(k) != 24 || beUint64(k[16:]) != index {
			return damagedItem(PartDocument, id, fmt.Errorf("chunk %d is missing", index))
		}
		buf, ok := out.buffer()
		if !ok {
			break // writing failed; finish says why
		}
		if off, ok := mapping.Offset(val); ok && len(val) <= len(sealed) {
			if _, err := file.ReadAt(sealed[:len(val)], off); err != nil {
				return damagedItem(PartDocument, id, fmt.Errorf("chunk %d: %w", index, err))
			}
			val = sealed[:len(val)]
		}
		plain, err := t.seal.Open(buf, bucketChunks, k, val)
		if err != nil {
			return damagedItem(PartDocument, id, fmt.Errorf("chunk %d does not authenticate", index))
		}
		if index%chunksPerRelease == chunksPerRelease-1 {
			mapping.Release()
		}
		out.write(plain)
		size += int64(len(plain))
		index++
	}
	sum, err := out.finish()
	if err != nil {
		return diskError(err)
	}
	if index != doc.Chunks || size != doc.Size {
		return damagedItem(PartDocument, id, fmt.Errorf("%d of %d chunks", index, doc.Chunks))
	}
	if hex.EncodeToString(sum) != doc.SHA256 {
		return damagedItem(PartDocument, id, errors.New("content hash does not match"))
	}
	return nil
}

// docReadBuffers is how many chunks of a document file may wait between
// its opening and its writing: 2 MiB, enough to ride out the other
// stage's hiccups (share create of 500 MiB 6 % faster than with three).
const docReadBuffers = 8

// chunksPerRelease is how many chunks ReadDocument reads between two
// releases of the pages its cursor touched (boltfile.Mapping.Release).
const chunksPerRelease = 32

// A chunkWriter writes a document's chunks on its own goroutine, in order,
// reusing a fixed number of chunk buffers; write hashes each chunk on the
// caller's goroutine first. The hash goes with the opening, not with the
// writing: a writer that encrypts again (a share bundle, whose age stream
// runs on a goroutine of its own) then has a core to itself, and the two
// busy stages are about even (share create of 500 MiB: 2.1 s against
// 3.1 s, medians of five, with a build running beside it).
type chunkWriter struct {
	free   chan []byte
	full   chan []byte
	failed chan struct{} // closed when a write fails
	done   chan struct{} // closed when the goroutine has ended
	sum    hash.Hash
	err    error // read after done
	ended  bool
}

func startChunkWriter(w io.Writer, buffers int) *chunkWriter {
	cw := &chunkWriter{
		free: make(chan []byte, buffers), full: make(chan []byte, buffers),
		failed: make(chan struct{}), done: make(chan struct{}), sum: sha256.New(),
	}
	for range buffers {
		cw.free <- make([]byte, 0, ChunkSize)
	}
	go func() {
		defer close(cw.done)
		for b := range cw.full {
			if cw.err == nil {
				if _, cw.err = w.Write(b); cw.err != nil {
					close(cw.failed)
				}
			}
			cw.free <- b[:0]
		}
	}()
	return cw
}

// buffer waits for an empty chunk buffer; false means a write has failed.
func (cw *chunkWriter) buffer() ([]byte, bool) {
	select {
	case b := <-cw.free:
		return b, true
	case <-cw.failed:
		return nil, false
	}
}

// write queues b, a buffer from buffer, to be hashed and written.
func (cw *chunkWriter) write(b []byte) {
	cw.sum.Write(b)
	cw.full <- b
}

// finish waits for every queued chunk and returns the hash of all of them,
// or the first write error. Calling it again returns the same.
func (cw *chunkWriter) finish() ([]byte, error) {
	if !cw.ended {
		cw.ended = true
		close(cw.full)
		<-cw.done
	}
	if cw.err != nil {
		return nil, cw.err
	}
	return cw.sum.Sum(nil), nil
}

// DeleteDocument moves a document to the recycle bin.
func (v *Vault) DeleteDocument(id string) error {
	return v.setDocDeleted(id, true, ActionDocumentDeleted)
}

// RestoreDocument takes a document out of the recycle bin.
func (v *Vault) RestoreDocument(id string) error {
	return v.setDocDeleted(id, false, ActionDocumentRestored)
}

func (v *Vault) setDocDeleted(id string, deleted bool, action Action) error {
	if d, err := v.Document(id); err == nil {
		if err := v.checkDocEdit(d.Record); err != nil {
			return err
		}
	}
	return v.update(func(t *txn) error {
		d, err := t.getDoc(id)
		if err != nil {
			return err
		}
		if d.Deleted == deleted {
			if deleted {
				return ErrDeleted
			}
			return ErrNotDeleted
		}
		d.Deleted, d.Modified, d.Author = deleted, t.clock.Now(), t.author
		if err := t.putDoc(d); err != nil {
			return err
		}
		return t.log(Event{Action: action, Subject: id})
	})
}

// LogDocumentExported notes in the activity log that a copy of a document
// left the vault (saved elsewhere by its owner).
func (v *Vault) LogDocumentExported(id string) error {
	return v.update(func(t *txn) error {
		return t.log(Event{Action: ActionDocumentExported, Subject: id})
	})
}

func cleanDocName(name string) (string, error) {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) {
		return "", ErrBadDocumentName
	}
	// No hidden characters (package safetext): a name like
	// "factuur\u202Efdp.exe" reads as another file type, and a bundle
	// refuses it, so a document could never be shared.
	if _, _, hidden := safetext.Find(name); hidden {
		return "", ErrBadDocumentName
	}
	if len(name) > maxNameLen {
		name = truncateUTF8(name, maxNameLen)
	}
	return name, nil
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var mediaTypes = map[string]string{
	".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".heic": "image/heic", ".txt": "text/plain",
	".csv": "text/csv", ".doc": "application/msword", ".odt": "application/vnd.oasis.opendocument.text",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".eml":  "message/rfc822", ".zip": "application/zip",
}

func mediaTypeOf(name string) string {
	if t, ok := mediaTypes[strings.ToLower(filepath.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}
