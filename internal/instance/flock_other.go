//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package instance

import (
	"errors"
	"io/fs"
	"os"
)

// errLocked means another process holds the lock: the running app.
var errLocked = errors.New("locked by another process")

// tryLock is not available here: Claim fails and the app runs on its own,
// as before there was a hand-over.
func tryLock(string) (*os.File, error) { return nil, errors.ErrUnsupported }

func owner(fs.FileInfo) (int, bool) { return 0, false }
