package vault

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Sentinel errors. Callers compare with errors.Is and show the user a
// translated message for each; the English text here is for logs and tests.
var (
	// ErrLocked is returned by every operation that needs the keys while the
	// vault is locked.
	ErrLocked = errors.New("vault is locked")
	// ErrWrongPassphrase means the passphrase did not unlock the vault.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrWrongRecoveryKey means the recovery key is malformed or belongs to
	// another vault.
	ErrWrongRecoveryKey = errors.New("wrong recovery key")
	// ErrWeakPassphrase means a new passphrase is too short.
	ErrWeakPassphrase = fmt.Errorf("passphrase too short: use at least %d characters", MinPassphraseLen)
	// ErrInUse means another program (or another window) has the vault open.
	ErrInUse = errors.New("vault is open elsewhere")
	// ErrDamaged means the vault file is corrupt: truncated, overwritten or
	// altered. A backup is the way back.
	ErrDamaged = errors.New("vault file is damaged")
	// ErrNotFound means no vault exists at the path, or no item has the id.
	ErrNotFound = errors.New("not found")
	// ErrExists means a vault already exists where a new one was to be made.
	ErrExists = errors.New("a vault already exists there")
	// ErrNewerFormat means the vault was written by a newer Kluis.
	ErrNewerFormat = errors.New("vault was made by a newer version of Kluis")
	// ErrDiskFull means a write failed for lack of space; nothing was changed.
	ErrDiskFull = errors.New("not enough disk space")
	// ErrKDFParameters means a key file asks for a weaker (or absurdly
	// stronger) key derivation than this version accepts.
	ErrKDFParameters = errors.New("key derivation parameters refused")
	// ErrDeleted means the item is in the recycle bin.
	ErrDeleted = errors.New("item is in the recycle bin")
	// ErrNotDeleted means a restore was asked for an item that is not in the
	// recycle bin.
	ErrNotDeleted = errors.New("item is not in the recycle bin")
	// ErrCanceled means the caller stopped a long operation; nothing of it
	// was kept.
	ErrCanceled = errors.New("canceled")
	// ErrBadDocumentName means a document's file name is empty, not valid
	// UTF-8 or holds control characters.
	ErrBadDocumentName = errors.New("a document needs a plain file name")
	// ErrNotBackup means a file given as a backup is not a Kluis backup.
	ErrNotBackup = errors.New("not a Kluis backup")
	// ErrTooLarge means a single value (a record, an object) is over the
	// 16 MiB every value in the file is kept under; documents are not
	// limited, they are stored in chunks.
	ErrTooLarge = errors.New("too large to keep in the vault")
)

// DamagedError says what is damaged. It matches ErrDamaged with errors.Is.
type DamagedError struct {
	What string // e.g. "record 3f0c…", "file header"
	Err  error  // the underlying cause, if any
}

func (e *DamagedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("vault file is damaged: %s: %v", e.What, e.Err)
	}
	return "vault file is damaged: " + e.What
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }
func (e *DamagedError) Unwrap() error        { return e.Err }

func damaged(what string, err error) error { return &DamagedError{What: what, Err: err} }

// diskError maps out-of-space conditions to ErrDiskFull, keeping the cause.
func diskError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrDiskFull) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	// bbolt reports a failed file resize as text, without the errno.
	msg := err.Error()
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EFBIG, syscall.EDQUOT} {
		if strings.Contains(msg, errno.Error()) {
			return fmt.Errorf("%w: %v", ErrDiskFull, err)
		}
	}
	return err
}

var errNotAnID = errors.New("not an id")
