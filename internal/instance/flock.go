//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package instance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// errLocked means another process holds the lock: the running app.
var errLocked = errors.New("locked by another process")

// tryLock opens (or creates) the lock file at path and takes an exclusive
// flock on it without waiting. The lock lasts until the file is closed or
// the process ends. The file itself is never removed: removing it could let
// two processes lock two different files of the same name.
func tryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open the lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("failed to lock: %w", err)
	}
	return f, nil
}

// owner is the user id that owns the file fi describes.
func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
