package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"syscall"
	"time"

	"kluis/internal/boltfile"

	bolt "go.etcd.io/bbolt"
)

// Bucket names and fixed keys. Names say what kind of thing a bucket holds,
// never which category or person: every value inside is sealed.
var (
	bucketMeta     = []byte("meta")     // fixed keys below
	bucketRecords  = []byte("records")  // record id (16) → sealed current version
	bucketVersions = []byte("versions") // record id (16) ‖ version (8) → sealed earlier version
	bucketDocs     = []byte("docs")     // document id (16) → sealed document metadata
	bucketChunks   = []byte("chunks")   // document id (16) ‖ chunk index (8) → sealed chunk (documents added before layout 5)
	bucketPending  = []byte("pending")  // document id (16) → sealed marker of an unfinished upload
	bucketAudit    = []byte("audit")    // sequence (8) → sealed log entry
	bucketFailed   = []byte("failed")   // sequence (8) → time of a failed unlock (Unix ms, 8 bytes)

	keyFormat           = []byte("format")            // plaintext: layout version and its complement (2×8 bytes, big-endian)
	keyIdentity         = []byte("identity")          // age scrypt file: owner identity
	keyIdentityRecovery = []byte("identity-recovery") // age file to the recovery key: owner identity
	keyDataKey          = []byte("datakey")           // age file to owner and recovery: data key
	keyRecoveryPublic   = []byte("recovery-public")   // sealed: the recovery key's age recipient (for backups)
	keyDevice           = []byte("device")            // sealed: this installation's device id and person
	keyClock            = []byte("clock")             // sealed: last hybrid logical clock value
	keyAuditHead        = []byte("audit-head")        // sealed: last log sequence and hash
	keyRecordsChanged   = []byte("records-changed")   // sealed: the latest modification time of any record (8 bytes)
)

// openDB opens the bbolt file with a lock timeout: boltfile.Open checks an
// existing file's structure first and turns bbolt's own failures (and
// panics or memory faults on a damaged file) into damage; this maps them to
// the vault's errors.
func openDB(path string, timeout time.Duration, mustExist bool) (*bolt.DB, error) {
	db, _, err := openMarkedDB(path, timeout, mustExist, nil)
	return db, err
}

// openMarkedDB is openDB that leaves out the walk of the whole file when
// marks hold it as Kluis last closed it (boltfile.OpenMarked); checked
// says whether the walk ran.
func openMarkedDB(path string, timeout time.Duration, mustExist bool, marks *boltfile.Marks) (db *bolt.DB, checked bool, err error) {
	db, checked, err = boltfile.OpenMarked(path, layout, bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistMapType}, mustExist, marks)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist) && mustExist:
		return nil, false, fmt.Errorf("%w: no vault at %s", ErrNotFound, path)
	case errors.Is(err, boltfile.ErrInUse):
		return nil, false, ErrInUse
	case errors.Is(err, syscall.EISDIR):
		return nil, false, &NotAFileError{Path: path, Folder: true}
	case errors.Is(err, boltfile.ErrNotRegular):
		return nil, false, &NotAFileError{Path: path}
	default:
		return nil, false, storeError(err)
	}
	db.AllocSize = growStep
	return db, checked, nil
}

// bbolt grows a file past what a commit needs by its AllocSize: in steps
// of growStep, so a vault of records carries little empty space. (Document
// content no longer goes into the file: see docfile.go.)
const growStep = 4 << 20

// guard runs f, turning a panic or a memory fault inside bbolt (which a
// corrupt file can cause) into ErrDamaged.
func guard(f func() error) error { return storeError(boltfile.Guard(f)) }

// storeError turns boltfile's damage into the vault's, and a full disk into
// ErrDiskFull.
func storeError(err error) error {
	var de *boltfile.DamageError
	if errors.As(err, &de) {
		if de.NotBolt {
			return damaged(PartNotVault, de.What, de.Err)
		}
		return damaged(PartFile, de.What, de.Err)
	}
	return diskError(err)
}

func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// A migration brings the layout from version-1 to version. Migrations run
// in order, all in the transaction that opens the vault, and are never
// edited once released: add a new one instead.
type migration struct {
	version int
	what    string
	apply   func(tx *bolt.Tx) error
}

// migrations is the ordered history of the file layout. Version 1 is the
// initial layout; a new vault is created by running the table from 0.
var migrations = []migration{
	{1, "initial layout", func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketRecords, bucketVersions, bucketDocs,
			bucketChunks, bucketPending, bucketAudit, bucketFailed} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}},
	{2, "objects bucket", func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketObjects)
		return err
	}},
	// The marker itself is rewritten by migrate, in its checked form.
	{3, "format marker with a check value", func(tx *bolt.Tx) error { return nil }},
	// New activity-log entries are written in form 2 (auditentry.go); the
	// JSON entries already there stay as they are and are still read. The
	// version says so to an older Kluis, which would take the new entries
	// for damage: it refuses the vault as made by a newer version instead.
	{4, "activity log entries in compact form", func(tx *bolt.Tx) error { return nil }},
	// New documents are kept in document files beside the vault file
	// (docfile.go); those already in the chunks bucket stay there and are
	// still read. An older Kluis would take a document whose content it
	// cannot find for damage, and a backup it made would leave the files
	// out: it refuses the vault as made by a newer version instead.
	{5, "document content in files beside the vault", func(tx *bolt.Tx) error { return nil }},
}

// legacyFormats is the highest layout written as a bare 8-byte marker.
const legacyFormats = 2

// formatMarker is the plaintext layout marker: the version followed by its
// bitwise complement. The marker is read before the vault is unlocked, so
// it cannot be sealed; the complement makes damage to it show as damage
// instead of as a vault "made by a newer Kluis".
func formatMarker(version int) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, uint64(version))
	binary.BigEndian.PutUint64(b[8:], ^uint64(version))
	return b
}

// currentFormat is the layout version this code writes.
func currentFormat() int { return migrations[len(migrations)-1].version }

// formatOf reads the layout version; 0 means an empty (new) file.
func formatOf(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if tx.Bucket(bucketRecords) != nil {
			return 0, damaged(PartSettings, "the settings are missing", nil)
		}
		return 0, nil
	}
	v := meta.Get(keyFormat)
	switch len(v) {
	case 0:
		return 0, damaged(PartSettings, "the format marker is missing", nil)
	case 8:
		// Layouts 1 and 2 wrote the version alone; no later one does.
		if n := binary.BigEndian.Uint64(v); n >= 1 && n <= legacyFormats {
			return int(n), nil
		}
	case 16:
		n := binary.BigEndian.Uint64(v)
		if binary.BigEndian.Uint64(v[8:]) == ^n && n >= 1 && n <= math.MaxInt32 {
			return int(n), nil
		}
	}
	return 0, damaged(PartSettings, "the format marker", nil)
}

// migrate runs every migration after the file's version, and records the new
// version, in tx.
func migrate(tx *bolt.Tx, table []migration) error {
	from, err := formatOf(tx)
	if err != nil {
		return err
	}
	latest := table[len(table)-1].version
	if from > latest {
		return fmt.Errorf("%w (layout %d, this version reads up to %d)", ErrNewerFormat, from, latest)
	}
	for _, m := range table {
		if m.version <= from {
			continue
		}
		if err := m.apply(tx); err != nil {
			return fmt.Errorf("failed to migrate to layout %d (%s): %w", m.version, m.what, err)
		}
	}
	if from == latest {
		return nil
	}
	return tx.Bucket(bucketMeta).Put(keyFormat, formatMarker(latest))
}
