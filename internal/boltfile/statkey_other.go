//go:build !unix

package boltfile

import "os"

func statKey(fi os.FileInfo) (any, bool) { return nil, false }
