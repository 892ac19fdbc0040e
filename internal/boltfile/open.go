package boltfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrInUse means another program (or another part of this one) has the
// file open: bbolt's lock was not granted within the timeout.
var ErrInUse = errors.New("the file is open elsewhere")

// ErrNotRegular is the cause in the *fs.PathError Open returns for a path
// that is neither a regular file nor a folder (a device, a pipe, a socket).
// A folder gives syscall.EISDIR.
var ErrNotRegular = errors.New("not a regular file")

// Open opens the bbolt file at path. An existing file is checked first
// (Check, against layout), then opened under Guard
// with o (whose Timeout must be set, or a second Open waits for ever). A
// file bbolt cannot read, or one shorter than its meta page says, is a
// *DamageError; a lock not granted in time is ErrInUse. When mustExist is
// set, a missing or empty file is an error (wrapping os.ErrNotExist, or
// damage), else it is created: an empty file is what a crash while
// creating one leaves, and bbolt makes it a new file. A path that is a
// folder or not a regular file is an *fs.PathError (syscall.EISDIR,
// ErrNotRegular) before anything is read; a file that shows no sign of
// being a bbolt file is a *DamageError with NotBolt set.
func Open(path string, layout *Layout, o bolt.Options, mustExist bool) (*bolt.DB, error) {
	db, _, err := OpenMarked(path, layout, o, mustExist, nil)
	return db, err
}

// OpenMarked is Open, except that when marks hold the file as it was last
// left (Marks.Holds), the walk of every bucket's tree is left out: the meta
// pages, the free-page list and the top level are checked, which is what
// bbolt trusts when it opens the file and its buckets. checked reports
// whether the whole file was checked. When it was not, the caller must run
// Check before its first write (bbolt trusts every length and page id of a
// page it changes) and let every read go through Guard and a Sealer (a
// damaged page then faults or fails to authenticate, and no length read
// from it can make the program allocate more than the Sealer's limit).
func OpenMarked(path string, layout *Layout, o bolt.Options, mustExist bool, marks *Marks) (db *bolt.DB, checked bool, err error) {
	defer func() {
		var de *DamageError
		if errors.As(err, &de) {
			marks.Forget(path)
		}
	}()
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
	case err == nil && !fi.Mode().IsRegular():
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	case err == nil && fi.Size() == 0 && mustExist:
		return nil, false, notBolt("the file is empty", nil)
	case err == nil && fi.Size() == 0:
		checked = true // bbolt makes it a new file
	case err == nil && marks.Holds(path):
		if err := checkTop(path, layout); err != nil {
			return nil, false, err
		}
	case err == nil:
		if err := Check(path, layout); err != nil {
			return nil, false, err
		}
		checked = true
	case errors.Is(err, os.ErrNotExist) && !mustExist:
		checked = true // a new file
	default:
		return nil, false, err
	}
	// Keep hold of the file bbolt opens: if Open panics on a damaged file,
	// the file (and its lock) must still be released.
	var file *os.File
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	err = Guard(func() error {
		var openErr error
		db, openErr = bolt.Open(path, 0o600, &o)
		return openErr
	})
	var de *DamageError
	if err != nil && db == nil && file != nil {
		file.Close()
		if errors.As(err, &de) {
			if k, ok := fileKey(path); ok {
				poisoned.Store(k, err)
			}
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, bolterrors.ErrTimeout):
		if k, ok := fileKey(path); ok {
			if perr, ok := poisoned.Load(k); ok {
				return nil, false, perr.(error)
			}
		}
		return nil, false, ErrInUse
	case errors.As(err, &de):
		return nil, false, err
	case errors.Is(err, bolterrors.ErrInvalid), strings.Contains(err.Error(), "file size too small"):
		return nil, false, notBolt("file header", err)
	case errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, false, damaged("file header", err)
	default:
		return nil, false, err
	}
	// A file cut short opens fine but faults when a page past its end is
	// read: compare the size the file claims with the size it has.
	if err := Guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			fi, err := os.Stat(path)
			if err != nil {
				return err
			}
			if fi.Size() < tx.Size() {
				return damaged(fmt.Sprintf("the file is cut short (%d of %d bytes)", fi.Size(), tx.Size()), nil)
			}
			return nil
		})
	}); err != nil {
		db.Close()
		return nil, false, err
	}
	return db, checked, nil
}

// poisoned remembers files (by device and inode) on which bbolt panicked
// inside Open. Such a file stays locked by this process, so opening it again
// would time out; it is reported as damaged instead of "open elsewhere".
var poisoned sync.Map

func fileKey(path string) (any, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false
	}
	return statKey(fi)
}
