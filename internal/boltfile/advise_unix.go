//go:build unix

package boltfile

import (
	"os"

	"golang.org/x/sys/unix"
)

var pageSize = os.Getpagesize()

// For a shared, read-only file mapping MADV_DONTNEED only unmaps the pages
// from this process: the file's bytes are read again when touched.
func adviseWillNeed(pages []byte) { _ = unix.Madvise(pages, unix.MADV_WILLNEED) }
func adviseDontNeed(pages []byte) { _ = unix.Madvise(pages, unix.MADV_DONTNEED) }
