//go:build unix

package boltfile

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first n bytes of f read-only for Check. ok is false when
// the file cannot be mapped; Check then reads it page by page.
func mapFile(f *os.File, n int64) (m []byte, unmap func(), ok bool) {
	if !mapForCheck || n <= 0 || n > math.MaxInt {
		return nil, nil, false
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return m, func() { unix.Munmap(m) }, true
}
