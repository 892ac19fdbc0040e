//go:build unix

package boltfile

import (
	"golang.org/x/sys/unix"
)

// For a shared, read-only file mapping MADV_DONTNEED only unmaps the pages
// from this process: the file's bytes are read again when touched.
func adviseDontNeed(pages []byte) { _ = unix.Madvise(pages, unix.MADV_DONTNEED) }
