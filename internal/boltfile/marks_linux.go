package boltfile

import (
	"os"
	"syscall"
	"time"
)

func changeStamp(fi os.FileInfo) (fileStamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{}, false
	}
	return fileStamp{dev: uint64(st.Dev), ino: st.Ino, changed: time.Unix(st.Ctim.Unix())}, true
}
