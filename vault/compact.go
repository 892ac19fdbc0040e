package vault

import (
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
)

// Compact rewrites the vault file without its free pages. bbolt never
// shrinks a file: space that records, documents of earlier versions or
// their unfinished uploads used stays in it, and so do the (sealed) bytes
// they left behind. Document files (docfile.go) are not part of it: one
// deleted for good is removed whole. Compact copies
// every live value into a new file next to the vault, checks it, and
// renames it over the old one; on any error the vault stays as it was.
// The vault must be unlocked; it stays open and unlocked. It returns the
// file's size before and after.
func (v *Vault) Compact() (before, after int64, err error) {
	if v.Locked() {
		return 0, 0, ErrLocked
	}
	// bolt.Compact copies every key and value as long as the file says
	// they are: the whole structure is checked first.
	if err := v.checkStructure(); err != nil {
		return 0, 0, err
	}
	before, after, err = v.compact()
	if err != nil {
		return before, after, err
	}
	return before, after, v.update(func(t *txn) error {
		return t.log(Event{Action: ActionVaultCompacted, Detail: fmt.Sprintf("%d→%d", before, after)})
	})
}

func (v *Vault) compact() (before, after int64, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if fi, err := os.Stat(v.path); err == nil {
		before = fi.Size()
	}
	tmp := v.path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return before, before, diskError(err)
	}
	fail := func(err error) (int64, int64, error) {
		dst.Close()
		os.Remove(tmp)
		return before, before, diskError(err)
	}
	if err := guard(func() error { return bolt.Compact(dst, v.db, 16<<20) }); err != nil {
		return fail(err)
	}
	if err := dst.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		return fail(damaged(PartFile, "the compacted copy does not check out", err))
	}
	if err := dst.Sync(); err != nil {
		return fail(err)
	}
	if err := dst.Close(); err != nil {
		return fail(err)
	}
	// Swap: close the old file, rename the copy into place, open it again.
	if err := v.db.Close(); err != nil {
		os.Remove(tmp)
		return before, before, err
	}
	renameErr := atomicfile.Rename(tmp, v.path)
	if renameErr != nil {
		os.Remove(tmp)
	}
	db, err := openDB(v.path, time.Second, true)
	if err != nil {
		return before, before, err
	}
	v.db = db
	if renameErr != nil {
		return before, before, diskError(renameErr)
	}
	if fi, err := os.Stat(v.path); err == nil {
		after = fi.Size()
	}
	return before, after, nil
}
