package intake

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kluis/internal/boltfile"
	"kluis/internal/errcode"
	"kluis/sync/bundle"
)

// Layout of the store folder:
//
//	intake.db          bbolt file
//	docs/<file>.age    document contents, each an age file to its own X25519 key
//	tmp/               documents of an import still being checked
//
// Buckets of intake.db:
//
//	meta/     format ("1", plaintext), datakey (an age file: the 32-byte data
//	          key, encrypted to the organisation's X25519 recipient), org
//	          (sealed: the card fingerprint the store belongs to); and,
//	          once used, sealed: loghead (log.go), generation (users.go),
//	          tls (the desk's certificate and key, tls.go)
//	imports/  bundle id (16 bytes) → sealed import (JSON)
//	gone/     bundle id (16 bytes) → sealed tombstone of a purged import
//	          ("revoked" or "expired", and when); it holds no personal data
//	users/    random id (16 bytes) → sealed desk account (users.go)
//	log/      sequence number (8 bytes) → sealed processing-log entry (log.go)
//	requests/, indexes/, tallies/: see requests.go and indexes.go
//	conv/, msgids/, mailbox/, citizens/, logidx/: see post.go
//
// Every value but the format marker and the wrapped data key is sealed with
// XChaCha20-Poly1305 under the data key; the associated data binds it to
// its bucket and key ("kluis-intake/v1" ‖ 0x00 ‖ bucket ‖ 0x00 ‖ key; the
// sealing of package internal/boltfile, shared with the vault), so
// values cannot be read, altered, swapped or moved. A document file's key
// lives only in its sealed import: once the import is deleted and the file
// compacted, the file's bytes are unreadable even where the file system
// kept them.
var (
	bucketMeta    = []byte("meta")
	bucketImports = []byte("imports")
	bucketGone    = []byte("gone")
	keyFormat     = []byte("format")
	keyDataKey    = []byte("datakey")
	keyOrg        = []byte("org")
)

const (
	dbName      = "intake.db"
	docsDir     = "docs"
	tmpDir      = "tmp"
	formatValue = "1"
)

// Errors of the store. Refusals of a bundle are *bundle.Error values.
var (
	// ErrInUse means another process has the store open.
	ErrInUse = errcode.New("intake.in_use", "the intake store is in use by another kluis-intake, such as the desk (kluis-intake serve)")
	// ErrOtherOrganisation means the store belongs to another organisation
	// identity.
	ErrOtherOrganisation = errcode.New("intake.other_organisation", "the intake store belongs to another organisation key")
	// ErrDamaged means the store's file is corrupt or was altered.
	ErrDamaged = errcode.New("intake.damaged", "the intake store is damaged")
	// ErrNotFound means no import has the id.
	ErrNotFound = errcode.New("intake.not_found", "no import with that id")
	// ErrAmbiguousID means the start of an id fits more than one import.
	ErrAmbiguousID = errcode.New("intake.ambiguous_id", "more than one import starts with that id")
	// ErrRevoked means a bundle was revoked before and is not imported again.
	ErrRevoked = errcode.New("intake.revoked", "this bundle was revoked by the citizen and its data purged; it is not imported again")
	// ErrPurged means a bundle was purged at its expiry and is not imported again.
	ErrPurged = errcode.New("intake.purged", "this bundle expired and its data was purged; it is not imported again")
	// ErrReplayConflict means a different bundle with an already imported id.
	ErrReplayConflict = errcode.New("intake.replay_conflict", "a different bundle with the same id was imported before")
	// ErrTooLarge means a value (an import's records, a tally) is larger
	// than the store keeps.
	ErrTooLarge = errcode.New("intake.too_large", "too large for the intake store")
	// ErrNotIssuer means a revocation notice was not signed by the bundle's issuer.
	ErrNotIssuer = errcode.New("intake.not_issuer", "the revocation notice is not signed by the citizen who made the bundle")
)

// Options tune a store.
type Options struct {
	Now     func() time.Time // time.Now when nil
	Timeout time.Duration    // wait for the file lock; one second when zero
	// Actor is the User of the processing-log entries this Store writes
	// when no account is named: Purge's, and Import's and Revoke's
	// without one. Program ("kluis-intake") when empty; the command line
	// and the desk give ProgramActor().
	Actor string
}

// ProgramActor is the User the program's own processing-log entries
// carry: "kluis-intake:" and the operating-system account it runs as, or
// Program alone when that is unknown.
func ProgramActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return Program + ":" + u.Username
	}
	return Program
}

func (s *Store) actor() string {
	if s.opt.Actor != "" {
		return s.opt.Actor
	}
	return Program
}

// A Store is an organisation's intake store: the bundles it imported,
// encrypted at rest under its identity.
//
// A Store is safe for use by several goroutines at once (the desk serves
// many caseworkers and purges every hour): every call into bbolt holds mu
// for reading, and a compaction, which replaces the file and db, holds it
// for writing, so calls wait for it instead of reaching a closed file.
type Store struct {
	mu   sync.RWMutex
	dir  string
	db   *bolt.DB
	org  *bundle.OrgIdentity
	seal *boltfile.Sealer
	now  func() time.Time
	opt  Options
}

// Open opens (or creates) the store in dir for org. It removes what an
// interrupted import left behind.
func Open(dir string, org *bundle.OrgIdentity, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	for _, d := range []string{dir, filepath.Join(dir, docsDir), filepath.Join(dir, tmpDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	s := &Store{dir: dir, org: org, now: o.Now, opt: o}
	if err := s.openDB(); err != nil {
		return nil, err
	}
	if err := s.init(); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.ensurePost(); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.sweep(); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// maxValue bounds a value of the intake store. An import keeps its
// bundle's records.json (at most 64 MiB, bundle.Limits.MaxRecords) and its
// manifest in one sealed JSON value, base64 inside JSON (4/3 larger), and a
// tally keeps one entry per donor; both fit. The store refuses to write a
// larger value, and the structure check before opening refuses a file that
// holds one, so no length read from the file makes the store allocate more.
const maxValue = 128 << 20

// layout is what the structure check before opening (boltfile.Check)
// allows in each bucket: every key an id of 16 bytes but meta's and the
// log's (a sequence number of 8), and no value over maxValue (an account
// 4 KiB, a log entry 256 KiB: five texts of 4 KiB, each character
// written as a six-byte JSON escape at worst).
var layout = &boltfile.Layout{
	Buckets: map[string]boltfile.Rule{
		string(bucketMeta):     {MinKey: 1, MaxKey: 64, MaxValue: 1 << 16},
		string(bucketImports):  {MinKey: 16, MaxKey: 16, MaxValue: maxValue},
		string(bucketGone):     {MinKey: 16, MaxKey: 16, MaxValue: 1 << 10},
		string(bucketIndexes):  {MinKey: 16, MaxKey: 16, MaxValue: maxValue},
		string(bucketTallies):  {MinKey: 16, MaxKey: 16, MaxValue: maxValue},
		string(bucketRequests): {MinKey: 16, MaxKey: 16, MaxValue: maxValue},
		string(bucketUsers):    {MinKey: 16, MaxKey: 16, MaxValue: 1 << 12},
		string(bucketLog):      {MinKey: 8, MaxKey: 8, MaxValue: 1 << 18},
	},
	Other: boltfile.Rule{MinKey: 1, MaxKey: 1 << 15, MaxValue: maxValue},
}

// openDB opens the bbolt file: boltfile.Open checks an existing file's
// structure before bbolt maps it, so a damaged store is refused before
// anything is written, like a damaged vault.
func (s *Store) openDB() error {
	db, err := boltfile.Open(filepath.Join(s.dir, dbName), layout, bolt.Options{Timeout: s.opt.Timeout}, false)
	switch {
	case errors.Is(err, boltfile.ErrInUse):
		return ErrInUse
	case err != nil:
		return storeError(err)
	}
	s.db = db
	return nil
}

// init creates the buckets and data key of a new store, or unwraps the
// data key of an existing one. An existing store is only read, so opening
// it changes nothing in the file.
func (s *Store) init() error {
	var wrapped []byte
	fresh := false
	err := guard(func() error {
		return s.view(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if meta == nil {
				fresh = true
				return nil
			}
			if string(meta.Get(keyFormat)) != formatValue || tx.Bucket(bucketImports) == nil || tx.Bucket(bucketGone) == nil {
				return fmt.Errorf("%w: not an intake store, or made by a newer version", ErrDamaged)
			}
			wrapped = bytes.Clone(meta.Get(keyDataKey))
			return nil
		})
	})
	if err != nil {
		return err
	}
	if fresh {
		return s.create()
	}
	r, err := age.Decrypt(bytes.NewReader(wrapped), s.org.AgeIdentity())
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return ErrOtherOrganisation
		}
		return fmt.Errorf("%w: data key: %v", ErrDamaged, err)
	}
	key, err := io.ReadAll(io.LimitReader(r, 64))
	if err != nil || len(key) != boltfile.KeySize {
		return fmt.Errorf("%w: data key", ErrDamaged)
	}
	s.seal, err = boltfile.NewSealer(key, sealDomain, maxValue)
	clear(key)
	if err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		fp, err := s.get(tx, bucketMeta, keyOrg)
		if err != nil || string(fp) != s.org.Card().Fingerprint() {
			return ErrOtherOrganisation
		}
		return nil
	})
}

func (s *Store) create() error {
	key := make([]byte, boltfile.KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	var wrapped bytes.Buffer
	w, err := age.Encrypt(&wrapped, s.org.Card().Recipient())
	if err != nil {
		return err
	}
	w.Write(key)
	if err := w.Close(); err != nil {
		return err
	}
	s.seal, err = boltfile.NewSealer(key, sealDomain, maxValue)
	clear(key)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bucketImports, bucketGone} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		if err := meta.Put(keyFormat, []byte(formatValue)); err != nil {
			return err
		}
		if err := meta.Put(keyDataKey, wrapped.Bytes()); err != nil {
			return err
		}
		return s.put(tx, bucketMeta, keyOrg, []byte(s.org.Card().Fingerprint()))
	})
}

// Close releases the store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Close()
}

// Path is the bbolt file of the store.
func (s *Store) Path() string { return filepath.Join(s.dir, dbName) }

// sealDomain is the store's domain in the associated data of its sealed
// values (see the layout above).
const sealDomain = "kluis-intake/v1"

func (s *Store) open(bucket, key, sealed []byte) ([]byte, error) {
	plain, err := s.seal.Open(nil, bucket, key, sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: a value in %s does not authenticate", ErrDamaged, bucket)
	}
	return plain, nil
}

// openJSON opens a sealed value and decodes its JSON into a T; either
// failing is damage.
func openJSON[T any](s *Store, bucket, key, sealed []byte) (T, error) {
	var v T
	plain, err := s.open(bucket, key, sealed)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(plain, &v); err != nil {
		return v, errors.Join(ErrDamaged, err)
	}
	return v, nil
}

// put seals plain into bucket/key. A value too large for the structure
// check to accept on the next open (the bucket's rule in layout) is
// refused, so the store never holds what would make it unopenable.
func (s *Store) put(tx *bolt.Tx, bucket, key, plain []byte) error {
	limit := maxValue
	if r, ok := layout.Buckets[string(bucket)]; ok {
		limit = r.MaxValue
	}
	if len(plain) > limit-boltfile.Overhead {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(plain))
	}
	return tx.Bucket(bucket).Put(key, s.seal.Seal(bucket, key, plain))
}

// get returns the opened value at bucket/key, or ErrNotFound.
func (s *Store) get(tx *bolt.Tx, bucket, key []byte) ([]byte, error) {
	v := tx.Bucket(bucket).Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	return s.open(bucket, key, v)
}

func idKey(id string) ([]byte, error) {
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return nil, ErrNotFound
	}
	return u[:], nil
}

func (s *Store) getImport(tx *bolt.Tx, id string) (*Import, error) {
	k, err := idKey(id)
	if err != nil {
		return nil, err
	}
	b, err := s.get(tx, bucketImports, k)
	if err != nil {
		return nil, err
	}
	var imp Import
	if err := json.Unmarshal(b, &imp); err != nil || imp.ID != id {
		return nil, fmt.Errorf("%w: import %s", ErrDamaged, id)
	}
	return &imp, nil
}

// tombstone records why a bundle id is no longer in the store.
type tombstone struct {
	Status string    `json:"status"` // "revoked" or "expired"
	At     time.Time `json:"at"`
}

// sweep removes documents of imports that never committed: everything in
// tmp/, and files in docs/ that no import names.
func (s *Store) sweep() error {
	tmp := filepath.Join(s.dir, tmpDir)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	for _, e := range entries {
		os.RemoveAll(filepath.Join(tmp, e.Name()))
	}
	known := map[string]bool{}
	imps, err := s.List()
	if err != nil {
		return err
	}
	for _, imp := range imps {
		for _, d := range imp.Documents {
			known[d.File] = true
		}
	}
	docs, err := os.ReadDir(filepath.Join(s.dir, docsDir))
	if err != nil {
		return err
	}
	for _, e := range docs {
		if !known[e.Name()] {
			os.Remove(filepath.Join(s.dir, docsDir, e.Name()))
		}
	}
	return nil
}

// view runs fn in a read transaction, guarded (see guard), never during a
// compaction. fn must not call view or update: a compaction waiting in
// between would block both.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return guard(func() error { return s.db.View(fn) })
}

// update runs fn in a write transaction, as view does.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return guard(func() error { return s.db.Update(fn) })
}

// guard runs a call into bbolt, turning a panic or memory fault (a damaged
// file can cause one) into ErrDamaged.
func guard(f func() error) error { return storeError(boltfile.Guard(f)) }

// storeError turns boltfile's damage into ErrDamaged, keeping what and why.
func storeError(err error) error {
	var de *boltfile.DamageError
	if errors.As(err, &de) {
		return fmt.Errorf("%w: %s", ErrDamaged, de.Error())
	}
	return err
}
