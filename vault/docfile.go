package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"kluis/internal/atomicfile"
	"kluis/internal/boltfile"
	"kluis/internal/writeback"
)

// Since layout 5 a document's content lives outside the bbolt file, in a
// document file of its own in the folder beside the vault ("VAULT.docs",
// mode 0700), named after the document id. bbolt copies every value it
// writes into page buffers and syncs twice per commit; a file written once,
// straight through, goes as fast as the disk (docs/PERFORMANCE.md).
//
//	header (32 bytes) = "KLUISDOC" ‖ version (4 bytes, 1) ‖ chunk size (4 bytes, ChunkSize) ‖ document id (16)
//	then every chunk in order, sealed on its own (seal.go):
//	sealed chunk = 0x01 ‖ nonce (24) ‖ ciphertext ‖ tag (16)
//	associated data = "kluis/v1" ‖ 0x00 ‖ "docfile" ‖ 0x00 ‖ document id (16) ‖ chunk index (8)
//
// Every chunk holds ChunkSize bytes of content but the last, which holds
// the rest (a document of 0 bytes has no chunk). The document's sealed
// metadata in bbolt (Size, Chunks, SHA256, Storage) fixes the file's exact
// length, so a truncated, extended, swapped, reordered or altered file, or
// one of another document, reads as damage of that document (ErrDamaged),
// never as other content. The header is not secret and not sealed: it
// names the document so that a file put in the wrong place says so; the
// chunks' associated data is what binds them.
//
// A document file is written once and never changed. The write follows
// the pending-marker protocol of bbolt-kept chunks: the marker is committed
// first, the file is written and synced with its folder, and only then is
// the metadata committed and the marker removed, in one transaction. A
// file is removed only after the commit that drops its reference (a
// tombstone plus a marker); a crash in between leaves the marker, and the
// next unlock removes the file (sweepPendingDocuments).
const (
	docFileMagic   = "KLUISDOC"
	docFileVersion = 1
	docFileHeader  = 32
	// StorageFile is Document.Storage of a document kept in a document
	// file beside the vault.
	StorageFile = "file"
)

// docFileBucket stands in for a bucket name in the associated data of a
// document file's chunks, so that a chunk cannot be moved between a file
// and the bbolt chunks bucket.
var docFileBucket = []byte("docfile")

// docsFolderSuffix names the folder of document files: the vault's path
// with this added.
const docsFolderSuffix = ".docs"

// DocsFolder returns the folder that holds the document files of the vault
// at vaultPath. Copying a vault by hand means copying this folder too; a
// backup (Backup) carries both.
func DocsFolder(vaultPath string) string { return vaultPath + docsFolderSuffix }

func (v *Vault) docsFolder() string { return DocsFolder(v.path) }

// docFilePath is where the document file of id is.
func docFilePath(folder string, id [16]byte) string {
	return filepath.Join(folder, formatID(id[:]))
}

// docFileSize is the exact length of the document file of d.
func docFileSize(d Document) int64 {
	return docFileHeader + d.Size + int64(d.Chunks)*sealOverhead
}

func docFileHeaderFor(id [16]byte) []byte {
	h := make([]byte, 0, docFileHeader)
	h = append(h, docFileMagic...)
	h = binary.BigEndian.AppendUint32(h, docFileVersion)
	h = binary.BigEndian.AppendUint32(h, ChunkSize)
	return append(h, id[:]...)
}

// docChunkKey is a chunk's key in its associated data: the document id and
// the chunk's index, as in the chunks bucket.
func docChunkKey(key *[24]byte, id [16]byte, index uint64) []byte {
	copy(key[:16], id[:])
	binary.BigEndian.PutUint64(key[16:], index)
	return key[:]
}

// Writing: a goroutine reads and hashes chunks, this one seals them in
// place and writes them, so the work is spread over two cores. Two chunk
// buffers go round between them; nothing else is allocated per document,
// let alone per chunk. Every few MiB the system is asked to start writing
// what is there (internal/writeback), so that the final sync has little
// left.
const (
	docBuffers      = 2
	docProgressStep = 4 << 20
)

// A plainChunk is a buffer holding n bytes of content at sealPrefix,
// where sealing in place wants them.
type plainChunk struct {
	buf []byte
	n   int
}

// sealPrefix is where the ciphertext starts in a sealed value.
const sealPrefix = boltfile.Prefix

// writeDocFile streams r into a new document file of id in folder, synced
// with its folder when it returns nil, and fills in got's size, chunk count
// and hash. On error the file is removed (or left for the sweep when that
// fails).
func writeDocFile(ctx context.Context, s *sealer, folder string, id [16]byte, r io.Reader, got *Document, progress func(int64)) (err error) {
	if err := makeDocsFolder(folder); err != nil {
		return err
	}
	path := docFilePath(folder, id)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	if _, err := f.Write(docFileHeaderFor(id)); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	free := make(chan []byte, docBuffers)
	full := make(chan plainChunk, docBuffers)
	for range docBuffers {
		free <- make([]byte, ChunkSize+sealOverhead)
	}
	var readErr error
	var sum [sha256.Size]byte
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(full)
		h := sha256.New()
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-ctx.Done():
				readErr = ctx.Err()
				return
			}
			n, err := io.ReadFull(r, buf[sealPrefix:sealPrefix+ChunkSize])
			if n > 0 {
				h.Write(buf[sealPrefix : sealPrefix+n])
				select {
				case full <- plainChunk{buf, n}:
				case <-ctx.Done():
					readErr = ctx.Err()
					return
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				h.Sum(sum[:0])
				return
			}
			if err != nil {
				readErr = fmt.Errorf("failed to read %s: %w", got.Name, err)
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range full { // let the reader stop
		}
		wg.Wait()
	}()

	var key [24]byte
	var reported int64
	out := writeback.NewWriter(f)
	for c := range full {
		if err := ctx.Err(); err != nil {
			return err
		}
		sealed := s.SealInPlace(c.buf, c.n, docFileBucket, docChunkKey(&key, id, got.Chunks))
		if _, err := out.Write(sealed); err != nil {
			return err
		}
		free <- c.buf
		got.Size += int64(c.n)
		got.Chunks++
		if progress != nil && got.Size-reported >= docProgressStep {
			progress(got.Size)
			reported = got.Size
		}
	}
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	got.SHA256 = hex.EncodeToString(sum[:])
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return atomicfile.SyncDir(folder)
}

// makeDocsFolder creates the folder of document files (0700) if it is not
// there yet, durably.
func makeDocsFolder(folder string) error {
	err := os.Mkdir(folder, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	// Also when the folder was there: a process that made it may have
	// died before its entry was synced. One more sync of the vault's
	// folder per upload is cheap.
	return atomicfile.SyncDir(filepath.Dir(folder))
}

// openDocFile opens the document file of d and checks its length and
// header. Any difference is damage of that document.
func openDocFile(folder string, d Document) (*os.File, error) {
	id, err := parseID(d.ID)
	if err != nil {
		return nil, err
	}
	path := docFilePath(folder, id)
	// Not opened unless it is a regular file: opening a named pipe put
	// there would wait for a writer, with the vault's lock held.
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, damagedItem(PartDocument, d.ID, errors.New("its document file is not a regular file"))
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, damagedItem(PartDocument, d.ID, fmt.Errorf("its document file is missing: %w", fs.ErrNotExist))
	}
	if err != nil {
		return nil, diskError(err)
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		return nil, damagedItem(PartDocument, d.ID, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(errors.New("its document file is not a regular file"))
	}
	if want := docFileSize(d); fi.Size() != want || d.Chunks != (uint64(d.Size)+ChunkSize-1)/ChunkSize {
		return fail(fmt.Errorf("its document file is %d bytes, want %d", fi.Size(), want))
	}
	var h [docFileHeader]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return fail(fmt.Errorf("its document file's header: %w", err))
	}
	if !bytes.Equal(h[:], docFileHeaderFor(id)) {
		if bytes.Equal(h[:len(docFileMagic)+8], docFileHeaderFor(id)[:len(docFileMagic)+8]) {
			return fail(fmt.Errorf("its document file belongs to document %s", formatID(h[16:])))
		}
		return fail(errors.New("its document file has no valid header"))
	}
	return f, nil
}

// readDocFile streams the content of d from f, opened by openDocFile, to
// out, checking every chunk and the hash.
func readDocFile(ctx context.Context, s *sealer, d Document, f *os.File, out *chunkWriter) error {
	id, _ := parseID(d.ID)
	sealed := make([]byte, ChunkSize+sealOverhead)
	var key [24]byte
	left := d.Size
	for index := range d.Chunks {
		if err := ctx.Err(); err != nil {
			return stopped(ctx)
		}
		n := min(left, ChunkSize)
		if _, err := io.ReadFull(f, sealed[:n+sealOverhead]); err != nil {
			return damagedItem(PartDocument, d.ID, fmt.Errorf("chunk %d: %w", index, err))
		}
		buf, ok := out.buffer()
		if !ok {
			break // writing failed; finish says why
		}
		plain, err := s.Open(buf, docFileBucket, docChunkKey(&key, id, index), sealed[:n+sealOverhead])
		if err != nil {
			return damagedItem(PartDocument, d.ID, fmt.Errorf("chunk %d does not authenticate", index))
		}
		out.write(plain)
		left -= n
	}
	sum, err := out.finish()
	if err != nil {
		return diskError(err)
	}
	if hex.EncodeToString(sum) != d.SHA256 {
		return damagedItem(PartDocument, d.ID, errors.New("content hash does not match"))
	}
	return nil
}

// untilLocked returns ctx, canceled also when the vault is locked, with
// ErrLocked as its cause: a document streams in or out with the data key
// it started with, outside the vault's transactions, and must not go on
// once the person has locked the vault. stop releases it.
func (v *Vault) untilLocked(ctx context.Context) (_ context.Context, stop func()) {
	v.mu.RLock()
	locked := v.lockedCh
	v.mu.RUnlock()
	ctx, cancel := context.WithCancelCause(ctx)
	if locked == nil {
		cancel(ErrLocked)
		return ctx, func() {}
	}
	go func() {
		select {
		case <-locked:
			cancel(ErrLocked)
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(context.Canceled) }
}

// stopped is the error of a document stream that ctx (from untilLocked)
// stopped: ErrLocked when the vault was locked, else ErrCanceled.
func stopped(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), ErrLocked) {
		return ErrLocked
	}
	return ErrCanceled
}

// beginUpload claims id for an upload by this process; false means one is
// under way already. The unlock's sweep leaves a claimed upload alone
// (fileBusy), so a lock and unlock while a document streams in do not
// remove its file. endUpload gives the claim up.
func (v *Vault) beginUpload(id [16]byte) bool {
	v.filesMu.Lock()
	defer v.filesMu.Unlock()
	if v.uploads[id] {
		return false
	}
	if v.uploads == nil {
		v.uploads = make(map[[16]byte]bool)
	}
	v.uploads[id] = true
	return true
}

func (v *Vault) endUpload(id [16]byte) {
	v.filesMu.Lock()
	defer v.filesMu.Unlock()
	delete(v.uploads, id)
}

// beginBackup holds off the removal of document files until endBackup:
// a backup copies the files its snapshot refers to, one after the other,
// and a document deleted for good meanwhile keeps its file (and its
// pending marker, so the next unlock removes it).
func (v *Vault) beginBackup() {
	v.filesMu.Lock()
	defer v.filesMu.Unlock()
	v.backups++
}

func (v *Vault) endBackup() {
	v.filesMu.Lock()
	defer v.filesMu.Unlock()
	v.backups--
}

// removalsHeld reports whether a backup is copying document files, so
// that none may be removed now.
func (v *Vault) removalsHeld() bool {
	v.filesMu.Lock()
	defer v.filesMu.Unlock()
	return v.backups > 0
}

// fileBusy reports whether the content of id must stay for now: an upload
// of it is under way, or a backup is copying files.
func (v *Vault) fileBusy(id [16]byte) bool {
	if v.removalsHeld() {
		return true
	}
	v.filesMu.Lock()
	defer v.filesMu.Unlock()
	return v.uploads[id]
}

// removeDocFile removes the document file of id, if there is one, and
// makes the removal durable. A file already gone is no error.
func removeDocFile(folder string, id [16]byte) error {
	err := os.Remove(docFilePath(folder, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return atomicfile.SyncDir(folder)
}
