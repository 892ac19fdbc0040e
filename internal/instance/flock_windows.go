//go:build windows

package instance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// errLocked means another process holds the lock: the running app.
var errLocked = errors.New("locked by another process")

// tryLock opens (or creates) the lock file at path and takes an exclusive
// lock on its first byte (LockFileEx) without waiting. Windows drops the
// lock when the handle is closed or the process ends, however it ends. The
// file itself is never removed.
func tryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open the lock file: %w", err)
	}
	ol := new(windows.Overlapped)
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("failed to lock: %w", err)
	}
	return f, nil
}

// owner is not known from a FileInfo on Windows; the lock file lies in the
// user's own profile.
func owner(fs.FileInfo) (int, bool) { return 0, false }
