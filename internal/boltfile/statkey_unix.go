//go:build unix

package boltfile

import (
	"os"
	"syscall"
)

type inode struct{ dev, ino uint64 }

func statKey(fi os.FileInfo) (any, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, false
	}
	return inode{uint64(st.Dev), uint64(st.Ino)}, true
}
