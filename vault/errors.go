package vault

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"kluis/internal/errcode"
)

// Sentinel errors. Callers compare with errors.Is; each has a code
// "vault.<name>" (package errcode), and i18n says it to the user with the
// message "error.vault.<name>". The English text here is for logs and tests.
var (
	// ErrLocked is returned by every operation that needs the keys while the
	// vault is locked.
	ErrLocked = errcode.New("vault.locked", "vault is locked")
	// ErrWrongPassphrase means the passphrase did not unlock the vault.
	ErrWrongPassphrase = errcode.New("vault.wrong_passphrase", "wrong passphrase")
	// ErrWrongRecoveryKey means the recovery key is malformed or belongs to
	// another vault.
	ErrWrongRecoveryKey = errcode.New("vault.wrong_recovery_key", "wrong recovery key")
	// ErrWeakPassphrase means a new passphrase is too short.
	ErrWeakPassphrase = errcode.NewWithArgs("vault.weak_passphrase",
		fmt.Sprintf("passphrase too short: use at least %d characters", MinPassphraseLen),
		map[string]any{"Min": MinPassphraseLen})
	// ErrInUse means another program (or another window) has the vault open.
	ErrInUse = errcode.New("vault.in_use", "vault is open elsewhere")
	// ErrDamaged means the vault file is corrupt: truncated, overwritten or
	// altered. A backup is the way back.
	ErrDamaged = errcode.New("vault.damaged", "vault file is damaged")
	// ErrNotFound means no vault exists at the path, or no item has the id.
	ErrNotFound = errcode.New("vault.not_found", "not found")
	// ErrExists means a vault already exists where a new one was to be made.
	ErrExists = errcode.New("vault.exists", "a vault already exists there")
	// ErrNewerFormat means the vault was written by a newer Kluis.
	ErrNewerFormat = errcode.New("vault.newer_format", "vault was made by a newer version of Kluis")
	// ErrDiskFull means a write failed for lack of space; nothing was changed.
	ErrDiskFull = errcode.New("vault.disk_full", "not enough disk space")
	// ErrKDFParameters means a key file asks for a weaker (or absurdly
	// stronger) key derivation than this version accepts.
	ErrKDFParameters = errcode.New("vault.kdf_parameters", "key derivation parameters refused")
	// ErrDeleted means the item is in the recycle bin.
	ErrDeleted = errcode.New("vault.deleted", "item is in the recycle bin")
	// ErrNotDeleted means a restore was asked for an item that is not in the
	// recycle bin.
	ErrNotDeleted = errcode.New("vault.not_deleted", "item is not in the recycle bin")
	// ErrCanceled means the caller stopped a long operation; nothing of it
	// was kept.
	ErrCanceled = errcode.New("vault.canceled", "canceled")
	// ErrBadDocumentName means a document's file name is empty, not valid
	// UTF-8 or holds control characters.
	ErrBadDocumentName = errcode.New("vault.bad_document_name", "a document needs a plain file name")
	// ErrBadName means a person's name is empty, longer than MaxNameLen,
	// more than one line, holds hidden characters (package safetext) or is
	// the placeholder DefaultPerson.
	ErrBadName = errcode.New("vault.bad_name", "a name must be one line of visible characters")
	// ErrNotBackup means a file given as a backup is not a Kluis backup.
	ErrNotBackup = errcode.New("vault.not_backup", "not a Kluis backup")
	// ErrTooLarge means a single value (a record, an object) is over the
	// 16 MiB every value in the file is kept under; documents are not
	// limited, they are stored in chunks.
	ErrTooLarge = errcode.New("vault.too_large", "too large to keep in the vault")
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

// ErrorCode is "vault.damaged_what", whose sentence names What, or
// "vault.damaged" when What is empty.
func (e *DamagedError) ErrorCode() string {
	if e.What == "" {
		return "vault.damaged"
	}
	return "vault.damaged_what"
}

func (e *DamagedError) ErrorArgs() map[string]any { return map[string]any{"What": e.What} }
func (e *DamagedError) Unwrap() error             { return e.Err }

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
