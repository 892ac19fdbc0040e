package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"kluis/sync/replica"

	"filippo.io/age"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
	"kluis/internal/boltfile"
	"kluis/internal/safetext"
	"kluis/sync/hlc"
)

// Options tune how a vault is opened. The zero value is right for the app
// and the CLI.
type Options struct {
	// Timeout is how long Open waits for another program to release the
	// vault before it returns ErrInUse. Default one second.
	Timeout time.Duration
	// Now is the wall clock (time.Now if nil). Tests inject their own.
	Now func() time.Time
	// Marks remember vaults as Kluis last closed them, so that Open can
	// leave out the walk of an unchanged file's whole tree (see
	// boltfile.Marks). Nil: boltfile.DefaultMarks, in the user's cache
	// folder; a Marks with no File keeps none, and every open checks.
	Marks *boltfile.Marks
}

func (o *Options) marks() *boltfile.Marks {
	if o == nil || o.Marks == nil {
		return boltfile.DefaultMarks()
	}
	return o.Marks
}

func (o *Options) timeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return time.Second
	}
	return o.Timeout
}

func (o *Options) now() func() time.Time {
	if o == nil || o.Now == nil {
		return time.Now
	}
	return o.Now
}

// Author says who made a change: a person and the device they used.
type Author = replica.Author

// deviceFile is the sealed per-installation identity of the acting person.
type deviceFile struct {
	Device string `json:"device"`
	Person string `json:"person"`
}

// A Vault is one encrypted vault file. It is safe for concurrent use: the
// GUI may read from one goroutine while another writes. Open it, Unlock it,
// use it, Lock or Close it.
type Vault struct {
	path string
	db   *bolt.DB
	now  func() time.Time

	mu     sync.RWMutex // guards the fields below; held for reading by every keyed operation
	id     *identity
	seal   *sealer
	author Author
	clock  *hlc.Clock
	guard  EditGuard // see SetEditGuard
	// lockedCh is closed by Lock: a document streaming in or out with the
	// data key stops then (untilLocked).
	lockedCh chan struct{}

	// The file's structure: checked at Open, or, when its mark held,
	// before the first write (checkStructure).
	marks    *boltfile.Marks
	checkMu  sync.Mutex
	checked  bool
	checkErr error

	// Document files this process is working on (docfile.go): uploads
	// under way, whose files and markers the unlock's sweep leaves alone,
	// and backups copying files, during which no document file is removed.
	filesMu sync.Mutex
	uploads map[[16]byte]bool
	backups int
}

// Create makes a new vault at path, protected by passphrase, and returns it
// unlocked together with the recovery key. The recovery key is shown to the
// person once and is never stored in the clear; it opens the vault when the
// passphrase is lost. person names the owner in the activity log.
func Create(path string, passphrase []byte, person string, opts *Options) (*Vault, string, error) {
	if err := checkPassphrase(passphrase); err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, "", fmt.Errorf("%w: %s", ErrExists, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", diskError(err)
	}
	if person == "" {
		person = DefaultPerson
	} else if err := CheckName(person); err != nil {
		return nil, "", err
	}
	id, err := newIdentity()
	if err != nil {
		return nil, "", err
	}
	recovery, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, "", err
	}
	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, "", err
	}
	idBlob, err := encryptWithPassphrase(passphrase, id.marshal())
	if err != nil {
		return nil, "", err
	}
	idRecovery, err := ageEncrypt(id.marshal(), recovery.Recipient())
	if err != nil {
		return nil, "", err
	}
	wrapped, err := ageEncrypt(dataKey, id.x25519.Recipient(), recovery.Recipient())
	if err != nil {
		return nil, "", err
	}

	// Build the file under a temporary name and rename it into place, so a
	// failure never leaves a half-made vault behind.
	tmp := path + ".creating"
	os.Remove(tmp)
	db, err := openDB(tmp, opts.timeout(), false)
	if err != nil {
		return nil, "", err
	}
	v := &Vault{path: path, db: db, now: opts.now(), marks: opts.marks(), checked: true}
	if err := v.setKeys(id, dataKey); err != nil {
		db.Close()
		os.Remove(tmp)
		return nil, "", err
	}
	v.author = Author{Person: person, Device: uuid.NewString()}
	err = v.update(func(t *txn) error {
		if err := migrate(t.tx, migrations); err != nil {
			return err
		}
		meta := t.tx.Bucket(bucketMeta)
		for k, val := range map[string][]byte{
			string(keyIdentity): idBlob, string(keyIdentityRecovery): idRecovery, string(keyDataKey): wrapped,
		} {
			if err := meta.Put([]byte(k), val); err != nil {
				return err
			}
		}
		if err := t.putSealed(bucketMeta, keyRecoveryPublic, []byte(recovery.Recipient().String())); err != nil {
			return err
		}
		dev, _ := json.Marshal(deviceFile{Device: v.author.Device, Person: person})
		if err := t.putSealed(bucketMeta, keyDevice, dev); err != nil {
			return err
		}
		return t.log(Event{Action: ActionVaultCreated})
	})
	if err == nil {
		err = db.Close()
	}
	if err == nil {
		err = atomicfile.Rename(tmp, path)
	}
	if err != nil {
		db.Close()
		os.Remove(tmp)
		v.Lock()
		return nil, "", diskError(err)
	}
	db, err = openDB(path, opts.timeout(), true)
	if err != nil {
		v.Lock()
		return nil, "", err
	}
	v.db = db
	return v, recovery.String(), nil
}

// Open opens the vault at path, locked. It fails with ErrNotFound when there
// is none, ErrInUse when another program has it open, ErrDamaged when the
// file is corrupt and ErrNewerFormat when a newer Kluis wrote it.
func Open(path string, opts *Options) (*Vault, error) {
	marks := opts.marks()
	db, checked, err := openMarkedDB(path, opts.timeout(), true, marks)
	if err != nil {
		return nil, err
	}
	v := &Vault{path: path, db: db, now: opts.now(), marks: marks, checked: checked}
	// openMarkedDB has checked the file's structure, or the top of it when
	// the file is as Kluis last closed it; check what it holds before
	// anything writes to it. Opening an intact vault of the current layout
	// writes nothing.
	var format int
	err = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			var err error
			if format, err = formatOf(tx); err != nil {
				return err
			}
			if format == 0 {
				return damaged(PartNotVault, "this is not a Kluis vault, or its settings are missing", nil)
			}
			if format > currentFormat() {
				return migrate(tx, migrations) // says which layout
			}
			for _, k := range [][]byte{keyIdentity, keyIdentityRecovery, keyDataKey} {
				if len(tx.Bucket(bucketMeta).Get(k)) == 0 {
					return damaged(PartKeys, "the key "+string(k)+" is missing", nil)
				}
			}
			return nil
		})
	})
	if err == nil && format < currentFormat() {
		err = v.checkStructure()
	}
	if err == nil && format < currentFormat() {
		err = guard(func() error {
			return db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations) })
		})
	}
	if err != nil {
		db.Close()
		return nil, diskError(err)
	}
	return v, nil
}

// Path is the vault file's location.
func (v *Vault) Path() string { return v.path }

// Close locks the vault and releases the file. A file whose whole
// structure was checked in this session, and written to only by it, is
// remembered as it is left (Options.Marks), so that the next Open of it,
// unchanged, can leave the walk out.
func (v *Vault) Close() error {
	v.Lock()
	if err := v.db.Close(); err != nil {
		return err
	}
	v.checkMu.Lock()
	defer v.checkMu.Unlock()
	if v.checked && v.checkErr == nil {
		v.marks.Remember(v.path)
	}
	return nil
}

// checkStructure walks the whole file (boltfile.Check) before the first
// write of a session that opened the file by its mark: bbolt trusts every
// length and page id of a page it changes, so nothing is written before
// the walk. Damage found is kept: every later write is refused with it,
// and the mark is dropped.
func (v *Vault) checkStructure() error {
	v.checkMu.Lock()
	defer v.checkMu.Unlock()
	if !v.checked && v.checkErr == nil {
		if err := boltfile.Check(v.path, layout); err != nil {
			v.checkErr = storeError(err)
			v.marks.Forget(v.path)
		} else {
			v.checked = true
		}
	}
	return v.checkErr
}

// Locked reports whether the keys are out of memory.
func (v *Vault) Locked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.seal == nil
}

// Lock wipes the keys from memory (as far as Go allows). The vault stays
// open and can be unlocked again.
func (v *Vault) Lock() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.id.wipe()
	v.id, v.seal, v.clock = nil, nil, nil
	if v.lockedCh != nil {
		close(v.lockedCh) // documents streaming in or out stop (untilLocked)
		v.lockedCh = nil
	}
}

// Unlock derives the key from the passphrase (one scrypt run), opens the
// owner identity and the data key. A wrong passphrase returns
// ErrWrongPassphrase and is noted for the activity log.
func (v *Vault) Unlock(passphrase []byte) error {
	blob, err := v.metaValue(keyIdentity)
	if err != nil {
		return err
	}
	plain, err := decryptWithPassphrase(passphrase, blob)
	if err != nil {
		if errors.Is(err, ErrWrongPassphrase) {
			v.noteFailedUnlock()
		}
		return err
	}
	defer clear(plain)
	id, err := parseIdentity(plain)
	if err != nil {
		return damaged(PartKeys, "the key file", err)
	}
	return v.unlockWith(id, "")
}

// UnlockWithRecoveryKey opens the vault with the recovery key instead of the
// passphrase. Follow it with ChangePassphrase: that is how a forgotten
// passphrase is replaced.
func (v *Vault) UnlockWithRecoveryKey(recoveryKey string) error {
	rid, err := ParseRecoveryKey(recoveryKey)
	if err != nil {
		v.noteFailedUnlock()
		return err
	}
	blob, err := v.metaValue(keyIdentityRecovery)
	if err != nil {
		return err
	}
	plain, err := ageDecrypt(blob, rid)
	if err != nil {
		if errors.Is(err, age.ErrIncorrectIdentity) || isNoMatch(err) {
			v.noteFailedUnlock()
			return ErrWrongRecoveryKey
		}
		return damaged(PartKeys, "the recovery key file", err)
	}
	defer clear(plain)
	id, err := parseIdentity(plain)
	if err != nil {
		return damaged(PartKeys, "the recovery key file", err)
	}
	return v.unlockWith(id, ActionRecoveryKeyUsed)
}

func (v *Vault) metaValue(key []byte) ([]byte, error) {
	var out []byte
	err := guard(func() error {
		return v.db.View(func(tx *bolt.Tx) error {
			out = bytes.Clone(tx.Bucket(bucketMeta).Get(key))
			return nil
		})
	})
	if err == nil && len(out) == 0 {
		err = damaged(PartKeys, "the key "+string(key)+" is missing", nil)
	}
	return out, err
}

// unlockWith opens the data key with the owner identity, loads the device
// and clock, logs earlier failed unlocks and sweeps unfinished uploads.
func (v *Vault) unlockWith(id *identity, action Action) error {
	wrapped, err := v.metaValue(keyDataKey)
	if err != nil {
		return err
	}
	dataKey, err := ageDecrypt(wrapped, id.x25519)
	if err != nil || len(dataKey) != 32 {
		return damaged(PartKeys, "the data key", err)
	}
	defer clear(dataKey)
	if err := v.setKeys(id, dataKey); err != nil {
		return err
	}
	// Most unlocks find nothing to write: no failed unlock to log, no
	// unfinished upload to sweep. They read in a read-only transaction, so
	// that a vault opened only to read something is not written to.
	load := func(t *txn) (work bool, err error) {
		dev, err := t.getSealed(bucketMeta, keyDevice)
		if err != nil {
			return false, err
		}
		var d deviceFile
		if err := json.Unmarshal(dev, &d); err != nil {
			return false, damaged(PartSettings, "the device record", err)
		}
		v.author = Author{Person: d.Person, Device: d.Device}
		if c, err := t.getSealed(bucketMeta, keyClock); err == nil && len(c) == 8 {
			v.clock.Observe(hlc.Timestamp(beUint64(c)))
		}
		failed, _ := t.tx.Bucket(bucketFailed).Cursor().First()
		pending, _ := t.tx.Bucket(bucketPending).Cursor().First()
		return action != "" || failed != nil || pending != nil, nil
	}
	var work bool
	err = v.view(func(t *txn) error {
		work, err = load(t)
		return err
	})
	if err == nil && work {
		err = v.update(func(t *txn) error {
			if _, err := load(t); err != nil {
				return err
			}
			if err := t.logFailedUnlocks(); err != nil {
				return err
			}
			if err := t.sweepPendingDocuments(v.docsFolder(), v.fileBusy); err != nil {
				return err
			}
			if action != "" {
				return t.log(Event{Action: action})
			}
			return nil
		})
	}
	if err != nil {
		v.Lock()
		return err
	}
	return nil
}

func (v *Vault) setKeys(id *identity, dataKey []byte) error {
	s, err := newSealer(dataKey)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.id, v.seal = id, s
	v.clock = hlc.NewClock(v.now, 0)
	if v.lockedCh == nil {
		v.lockedCh = make(chan struct{})
	}
	return nil
}

// noteFailedUnlock records the time of a failed unlock so the next
// successful unlock can put it in the activity log. It needs no key.
func (v *Vault) noteFailedUnlock() {
	if v.checkStructure() != nil {
		return
	}
	_ = guard(func() error {
		return v.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketFailed)
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			return b.Put(u64(seq), u64(uint64(v.now().UnixMilli())))
		})
	})
}

// VerifyPassphrase tells whether p is the vault's current passphrase
// (ErrWrongPassphrase if not), for asking it again before a sensitive
// change. It costs one key derivation and does not count as a failed
// unlock.
func (v *Vault) VerifyPassphrase(p []byte) error {
	blob, err := v.metaValue(keyIdentity)
	if err != nil {
		return err
	}
	plain, err := decryptWithPassphrase(p, blob)
	clear(plain)
	return err
}

// ChangePassphrase replaces the passphrase. Only the owner identity is
// re-encrypted; the data key and all data stay as they are.
func (v *Vault) ChangePassphrase(newPassphrase []byte) error {
	if err := checkPassphrase(newPassphrase); err != nil {
		return err
	}
	v.mu.RLock()
	id := v.id
	v.mu.RUnlock()
	if id == nil {
		return ErrLocked
	}
	plain := id.marshal()
	defer clear(plain)
	blob, err := encryptWithPassphrase(newPassphrase, plain)
	if err != nil {
		return err
	}
	return v.update(func(t *txn) error {
		if err := t.tx.Bucket(bucketMeta).Put(keyIdentity, blob); err != nil {
			return err
		}
		return t.log(Event{Action: ActionPassphraseChanged})
	})
}

// DefaultPerson is what Create records as the owner's name when none is
// given. It is a placeholder, not a name: apps never show it, they ask the
// name (see Named and SetPerson).
const DefaultPerson = "owner"

// MaxNameLen is the longest name, in characters, CheckName accepts.
const MaxNameLen = 100

// CheckName checks a person's name as typed: one line of visible
// characters (package safetext), without leading or trailing spaces, at
// most MaxNameLen characters, and not the placeholder DefaultPerson.
func CheckName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxNameLen || strings.TrimSpace(name) != name || name == DefaultPerson {
		return ErrBadName
	}
	if _, _, hidden := safetext.Find(name); hidden {
		return ErrBadName
	}
	return nil
}

// Named reports whether the owner's name was given (at Create or with
// SetPerson) rather than left as DefaultPerson.
func (v *Vault) Named() bool { return v.Author().Person != DefaultPerson }

// SetPerson changes the owner's name this vault writes changes as, from now
// on; earlier entries of the activity log keep the name they were made with.
func (v *Vault) SetPerson(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	err := v.update(func(t *txn) error {
		raw, err := t.getSealed(bucketMeta, keyDevice)
		if err != nil {
			return err
		}
		var d deviceFile
		if err := json.Unmarshal(raw, &d); err != nil {
			return damaged(PartSettings, "the device record", err)
		}
		d.Person = name
		dev, _ := json.Marshal(d)
		return t.putSealed(bucketMeta, keyDevice, dev)
	})
	if err != nil {
		return err
	}
	v.mu.Lock() // update holds the read lock while it runs
	v.author.Person = name
	v.mu.Unlock()
	return nil
}

// Author is the person and device this vault writes changes as.
func (v *Vault) Author() Author {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.author
}
