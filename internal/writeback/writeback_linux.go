//go:build linux

package writeback

import (
	"os"

	"golang.org/x/sys/unix"
)

// start asks Linux to begin writing the file's dirty pages from off to its
// end, without waiting for them (sync_file_range with
// SYNC_FILE_RANGE_WRITE). It reports false when the call is refused.
func start(f *os.File, off int64) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SyncFileRange(int(fd), off, 0, unix.SYNC_FILE_RANGE_WRITE)
	}); err != nil {
		return false
	}
	return serr == nil
}
