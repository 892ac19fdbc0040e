//go:build !unix

package boltfile

import "os"

// mapFile maps nothing here: Check reads the file page by page.
func mapFile(f *os.File, n int64) (m []byte, unmap func(), ok bool) { return nil, nil, false }
