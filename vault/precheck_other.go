//go:build !unix

package vault

import "os"

func statKey(fi os.FileInfo) (any, bool) { return nil, false }
