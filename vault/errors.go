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
// Part (with ID, for a record or a document) is what the person is told;
// What and Err are the English detail for logs and tests.
type DamagedError struct {
	What string // e.g. "record 3f0c…", "file header"
	Part Part   // which part of the vault; "" when not known
	ID   string // the record or document, for PartRecord and PartDocument
	Err  error  // the underlying cause, if any
}

// Part names a part of the vault that can be damaged, as a person would
// understand it. Each has its own sentence, "error.vault.damaged_<part>".
type Part string

// Parts of the vault.
const (
	PartFile     Part = "file"      // the file's structure (bbolt's pages, its index, its free list)
	PartNotVault Part = "not_vault" // not a vault file at all, or one that lost every sign of being one
	PartKeys     Part = "keys"      // the key files and the wrapped data key
	PartSettings Part = "settings"  // the format marker, the device record and other settings
	PartLog      Part = "log"       // the activity log
	PartRecord   Part = "record"    // one record (ID)
	PartDocument Part = "document"  // one document (ID)
	PartData     Part = "data"      // other kept data: shares, contacts, requests
	PartBackup   Part = "backup"    // a backup being restored
)

// Parts lists every Part, for the test that each has a sentence.
func Parts() []Part {
	return []Part{PartFile, PartNotVault, PartKeys, PartSettings, PartLog, PartRecord, PartDocument, PartData, PartBackup}
}

func (e *DamagedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("vault file is damaged: %s: %v", e.What, e.Err)
	}
	return "vault file is damaged: " + e.What
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// ErrorCode is "vault.damaged_<part>", whose sentence names the part (and
// the id of a record or document), or "vault.damaged" when Part is empty.
func (e *DamagedError) ErrorCode() string {
	if e.Part == "" {
		return "vault.damaged"
	}
	return "vault.damaged_" + string(e.Part)
}

func (e *DamagedError) ErrorArgs() map[string]any { return map[string]any{"ID": e.ID} }

// ErrorDetail is the English detail: what exactly, and why.
func (e *DamagedError) ErrorDetail() string {
	if e.Err != nil {
		return e.What + ": " + e.Err.Error()
	}
	return e.What
}

func (e *DamagedError) Unwrap() error { return e.Err }

// damaged is a DamagedError of part, with what and err as its detail.
func damaged(part Part, what string, err error) error {
	return &DamagedError{Part: part, What: what, Err: err}
}

// damagedItem is a DamagedError of one record or document.
func damagedItem(part Part, id string, err error) error {
	return &DamagedError{Part: part, ID: id, What: string(part) + " " + id, Err: err}
}

// damagedAt is a DamagedError of the value at bucket and key.
func damagedAt(bucket, key []byte, err error) error {
	what := string(bucket) + " entry"
	switch string(bucket) {
	case string(bucketRecords), string(bucketVersions):
		if len(key) >= 16 {
			return damagedItem(PartRecord, formatID(key[:16]), err)
		}
		return damaged(PartRecord, what, err)
	case string(bucketDocs), string(bucketChunks), string(bucketPending):
		if len(key) >= 16 {
			return damagedItem(PartDocument, formatID(key[:16]), err)
		}
		return damaged(PartDocument, what, err)
	case string(bucketAudit), string(bucketFailed):
		return damaged(PartLog, what, err)
	case string(bucketMeta):
		return damaged(PartSettings, what, err)
	}
	return damaged(PartData, what, err)
}

// A NotAFileError means the path given for a vault is not a file Kluis can
// use as one, before anything was read from it: a folder, or something
// other than a regular file (a device, a pipe, a socket).
type NotAFileError struct {
	Path   string
	Folder bool
}

func (e *NotAFileError) Error() string {
	if e.Folder {
		return e.Path + ": a folder, not a vault file"
	}
	return e.Path + ": not a regular file, so not a vault file"
}

// ErrorCode is "vault.is_folder" or "vault.not_a_file"; the sentence names
// the path.
func (e *NotAFileError) ErrorCode() string {
	if e.Folder {
		return "vault.is_folder"
	}
	return "vault.not_a_file"
}

func (e *NotAFileError) ErrorArgs() map[string]any { return map[string]any{"Path": e.Path} }

// diskFullErrnos are the system's ways of saying a disk or quota is full
// (diskfull_windows.go adds Windows's own).
var diskFullErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EFBIG, syscall.EDQUOT}

// diskError maps out-of-space conditions to ErrDiskFull, keeping the cause.
func diskError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrDiskFull) {
		return err
	}
	for _, errno := range diskFullErrnos {
		if errors.Is(err, errno) {
			return fmt.Errorf("%w: %v", ErrDiskFull, err)
		}
	}
	// bbolt reports a failed file resize as text, without the errno.
	msg := err.Error()
	for _, errno := range diskFullErrnos {
		if strings.Contains(msg, errno.Error()) {
			return fmt.Errorf("%w: %v", ErrDiskFull, err)
		}
	}
	return err
}

var errNotAnID = errors.New("not an id")
