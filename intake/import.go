package intake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
	"kluis/internal/writeback"
	"kluis/sync/bundle"
)

// An Import is one bundle as the store keeps it: the exact signed
// manifest, records.json, and where its documents are.
type Import struct {
	ID         string           `json:"id"`
	ImportedAt time.Time        `json:"imported_at"`
	KeptUntil  time.Time        `json:"kept_until"` // the bundle's not_after: purge removes it then
	Manifest   []byte           `json:"manifest"`   // exact bytes, as signed
	Signature  []byte           `json:"signature"`
	Records    []byte           `json:"records"` // records.json, exact bytes
	Documents  []StoredDocument `json:"documents"`
}

// A StoredDocument is a document of an import: its metadata from the
// bundle and the file in docs/ holding its content, encrypted to Key.
type StoredDocument struct {
	bundle.Document
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	File   string `json:"file"`
	Key    string `json:"key"` // age X25519 identity of File
}

// ParsedManifest returns the import's manifest, checked again.
func (imp *Import) ParsedManifest() (*bundle.Manifest, error) {
	m, err := bundle.ParseManifest(imp.Manifest, bundle.Limits{})
	if err != nil {
		return nil, fmt.Errorf("%w: manifest of %s: %v", ErrDamaged, imp.ID, err)
	}
	return m, nil
}

// OnBehalf returns the delegation certificate of a share a delegate made
// on the owner's behalf (checked in full at import), or nil for a share
// the citizen made.
func (imp *Import) OnBehalf() (*bundle.Delegation, error) {
	m, err := imp.ParsedManifest()
	if err != nil || m.OnBehalf == nil {
		return nil, err
	}
	d, err := bundle.ParseDelegation([]byte(m.OnBehalf.Certificate))
	if err != nil {
		return nil, fmt.Errorf("%w: certificate of %s: %v", ErrDamaged, imp.ID, err)
	}
	return d, nil
}

// ParsedRecords returns the import's records and document metadata.
func (imp *Import) ParsedRecords() (*bundle.Records, error) {
	var rs bundle.Records
	dec := json.NewDecoder(bytes.NewReader(imp.Records))
	dec.UseNumber()
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("%w: records of %s: %v", ErrDamaged, imp.ID, err)
	}
	return &rs, nil
}

// ImportOptions say how to open a bundle.
type ImportOptions struct {
	Code   bundle.ShareCode // for a bundle protected with a share code
	Limits bundle.Limits
	Skew   time.Duration // bundle.DefaultSkew when zero
	// User is the desk account that imports, for the processing log;
	// the store's Actor when empty.
	User string
}

// Import reads a bundle from src, checks all of it, and only then stores it
// in one transaction. It returns the import and whether it was already in
// the store (a replay: nothing changes; answered only once the whole copy
// authenticated, so a truncated or altered copy is refused). A refused bundle returns an
// error (a *bundle.Error for the bundle's own faults) and stores nothing.
// The import and its entry in the processing log (ActImport, by o.User)
// are written in one transaction; a replay writes no entry.
func (s *Store) Import(ctx context.Context, src io.Reader, o ImportOptions) (*Import, bool, error) {
	opts := bundle.Options{Now: s.now, Skew: o.Skew, Limits: o.Limits}
	if o.Code != "" {
		opts.Code = o.Code
	} else {
		opts.Org = s.org
	}
	r, err := bundle.Open(src, opts)
	if err != nil {
		return nil, false, err
	}
	defer r.Close()
	m := r.Manifest()
	mraw := r.ManifestBytes()
	if prev, err := s.known(m.ID, mraw); err != nil || prev != nil {
		if err != nil {
			return nil, false, err
		}
		// The same manifest is not yet the same bundle: a truncated or
		// altered copy of it fails only past the manifest. Authenticate
		// the rest before answering "already imported".
		if err := drain(ctx, r); err != nil {
			return nil, false, err
		}
		return prev, true, nil
	}
	// An answer to a data request must match the request this store made:
	// checked now, before any document is read, and again at the commit.
	if m.RequestID != "" {
		if err := s.checkAnswer(m, r.Records()); err != nil {
			return nil, false, err
		}
	}
	rb := r.RecordsBytes()
	imp := &Import{ID: m.ID, ImportedAt: s.now().UTC().Truncate(time.Second), KeptUntil: m.NotAfter,
		Manifest: mraw, Signature: r.Signature(), Records: rb}

	var written []string // files in tmp/ or docs/ to remove if anything fails
	var syncs fileSyncs  // the documents' files, synced beside the next one
	committed := false
	defer func() {
		syncs.wait() // a file is removed only once it is closed
		if !committed {
			for _, f := range written {
				os.Remove(f)
			}
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		doc, entry, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		sd, tmp, err := s.writeDocument(ctx, r, doc, entry, &syncs)
		if tmp != "" {
			written = append(written, tmp)
		}
		if err != nil {
			return nil, false, err
		}
		imp.Documents = append(imp.Documents, sd)
	}
	// The whole bundle is authenticated and checked: once every document
	// is on disk, move them into place and store it.
	if err := syncs.wait(); err != nil {
		return nil, false, err
	}
	for i, d := range imp.Documents {
		from := filepath.Join(s.dir, tmpDir, d.File)
		to := filepath.Join(s.dir, docsDir, d.File)
		if err := os.Rename(from, to); err != nil {
			return nil, false, err
		}
		written[i] = to
	}
	if err := atomicfile.SyncDir(filepath.Join(s.dir, docsDir)); err != nil {
		return nil, false, err
	}
	// Files in docs/ that no committed import names are removed at the
	// next Open, should the process die before the commit below.
	val, err := json.Marshal(imp)
	if err != nil {
		return nil, false, err
	}
	key, _ := idKey(imp.ID)
	err = s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketImports).Get(key) != nil || tx.Bucket(bucketGone).Get(key) != nil {
			return ErrReplayConflict
		}
		if m.RequestID != "" {
			if err := s.markAnswered(tx, m.RequestID, m.ID); err != nil {
				return err
			}
		}
		if err := s.put(tx, bucketImports, key, val); err != nil {
			return err
		}
		if err := s.indexCitizen(tx, imp); err != nil && !errors.Is(err, errNoCitizenKey) {
			return err
		}
		_, err := s.appendLog(tx, LogEntry{User: o.User, Action: ActImport, Import: imp.ID, Purpose: m.Purpose,
			Detail: fmt.Sprintf("%d records, %d documents", len(r.Records().Records), len(imp.Documents))})
		return err
	})
	clear(val)
	if err != nil {
		return nil, false, err
	}
	committed = true
	return imp, false, nil
}

// drain reads r to its end, checking every document and the end of the
// archive and of the age file, and keeps nothing.
func drain(ctx context.Context, r *bundle.Reader) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, _, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := copyContext(ctx, io.Discard, r); err != nil {
			return err
		}
	}
}

// known tells a replay apart: the same bundle again returns its import,
// one revoked or purged before returns an error, as does a different
// bundle under an id already used.
func (s *Store) known(id string, mraw []byte) (*Import, error) {
	key, _ := idKey(id)
	var prev *Import
	err := s.view(func(tx *bolt.Tx) error {
		if b, err := s.get(tx, bucketGone, key); err == nil {
			var t tombstone
			json.Unmarshal(b, &t)
			if t.Status == ReasonRevoked {
				return ErrRevoked
			}
			return ErrPurged
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		imp, err := s.getImport(tx, id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(imp.Manifest, mraw) {
			return ErrReplayConflict
		}
		prev = imp
		return nil
	})
	return prev, err
}

// writeDocument copies the current document of r into a new file in tmp/,
// encrypted with age to a fresh X25519 key, and hands the file to syncs,
// which syncs and closes it while the next document streams. It returns
// the file's path once created, so the caller can remove it.
func (s *Store) writeDocument(ctx context.Context, r *bundle.Reader, doc *bundle.Document, e *bundle.Entry, syncs *fileSyncs) (StoredDocument, string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return StoredDocument{}, "", err
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	name := hex.EncodeToString(rnd[:]) + ".age"
	path := filepath.Join(s.dir, tmpDir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return StoredDocument{}, "", err
	}
	handed := false
	defer func() {
		if !handed {
			f.Close()
		}
	}()
	// Writeback starts every few MiB, so the Sync below waits for little.
	// Writes of 128 KiB: on the test machine 1 MiB writes cost the kernel
	// 3–7 times as much per byte (large page-cache folios).
	bw := bufio.NewWriterSize(writeback.NewWriter(f), 128<<10)
	w, err := age.Encrypt(bw, id.Recipient())
	if err != nil {
		return StoredDocument{}, path, err
	}
	// Decrypting and checking run here (the bundle reader hashes on a
	// goroutine of its own), straight into the buffers that encrypting and
	// writing take on another goroutine.
	async := bundle.NewAsyncWriter(w)
	if _, err := async.ReadFrom(ctxReader{ctx, r}); err != nil {
		async.Close()
		return StoredDocument{}, path, err
	}
	if err := async.Close(); err != nil {
		return StoredDocument{}, path, err
	}
	if err := w.Close(); err != nil {
		return StoredDocument{}, path, err
	}
	if err := bw.Flush(); err != nil {
		return StoredDocument{}, path, err
	}
	handed = true
	syncs.start(f)
	return StoredDocument{Document: *doc, Size: e.Size, SHA256: e.SHA256, File: name, Key: id.String()}, path, nil
}

// fileSyncs syncs and closes files on goroutines of their own, so the disk
// finishes one document while the next is decrypted and encrypted.
type fileSyncs struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

// start syncs and then closes f beside the caller.
func (s *fileSyncs) start(f *os.File) {
	s.wg.Go(func() {
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = err
			}
			s.mu.Unlock()
		}
	})
}

// wait waits until every file started is synced and closed, and returns
// the first error.
func (s *fileSyncs) wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// ctxReader is a reader that stops when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyContext is io.Copy that stops when ctx is done.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, err := src.Read(buf)
		if k > 0 {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// List returns every import, oldest first.
func (s *Store) List() ([]*Import, error) {
	var out []*Import
	err := guard(func() error {
		return s.view(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketImports).ForEach(func(k, v []byte) error {
				b, err := s.open(bucketImports, k, v)
				if err != nil {
					return err
				}
				var imp Import
				if err := json.Unmarshal(b, &imp); err != nil {
					return fmt.Errorf("%w: an import does not decode", ErrDamaged)
				}
				out = append(out, &imp)
				return nil
			})
		})
	})
	slices.SortStableFunc(out, func(a, b *Import) int { return a.ImportedAt.Compare(b.ImportedAt) })
	return out, err
}

// MinPrefix is the shortest start of an id that Resolve looks up.
const MinPrefix = 4

// Resolve returns the id of the one import that arg names: a whole id, or
// the start of one (at least MinPrefix characters, case does not matter).
// It returns ErrNotFound when no import fits and ErrAmbiguousID when more
// than one does. Only the keys are read, nothing is decrypted.
func (s *Store) Resolve(arg string) (string, error) {
	prefix := strings.ToLower(strings.TrimSpace(arg))
	if len(prefix) < MinPrefix || len(prefix) > 36 || strings.Trim(prefix, "0123456789abcdef-") != "" {
		return "", ErrNotFound
	}
	var found []string
	err := guard(func() error {
		return s.view(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketImports).ForEach(func(k, _ []byte) error {
				u, err := uuid.FromBytes(k)
				if err != nil {
					return fmt.Errorf("%w: an import key is not an id", ErrDamaged)
				}
				if id := u.String(); strings.HasPrefix(id, prefix) {
					found = append(found, id)
				}
				return nil
			})
		})
	})
	switch {
	case err != nil:
		return "", err
	case len(found) == 0:
		return "", ErrNotFound
	case len(found) > 1:
		return "", fmt.Errorf("%w: %d imports start with %s", ErrAmbiguousID, len(found), prefix)
	}
	return found[0], nil
}

// Get returns one import.
func (s *Store) Get(id string) (*Import, error) {
	var imp *Import
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		imp, err = s.getImport(tx, id)
		return err
	})
	return imp, err
}

// Receipt returns a receipt for an import, signed by the organisation.
func (s *Store) Receipt(id string) ([]byte, error) {
	imp, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	return bundle.NewReceipt(s.org, imp.ID, bundle.ManifestDigest(imp.Manifest), imp.ImportedAt, imp.KeptUntil)
}

// OpenDocument streams a stored document's content to w and checks it
// against its SHA-256. Throw away what was written if it fails.
func (s *Store) OpenDocument(d StoredDocument, w io.Writer) error {
	id, err := age.ParseX25519Identity(d.Key)
	if err != nil {
		return fmt.Errorf("%w: document key", ErrDamaged)
	}
	f, err := os.Open(filepath.Join(s.dir, docsDir, d.File))
	if err != nil {
		return fmt.Errorf("%w: document %s: %v", ErrDamaged, d.ID, err)
	}
	defer f.Close()
	r, err := age.Decrypt(f, id)
	if err != nil {
		return fmt.Errorf("%w: document %s: %v", ErrDamaged, d.ID, err)
	}
	h := newHashWriter(w)
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	if h.n != d.Size || h.sum() != d.SHA256 {
		return fmt.Errorf("%w: document %s does not match its SHA-256", ErrDamaged, d.ID)
	}
	return nil
}
