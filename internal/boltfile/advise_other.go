//go:build !unix

package boltfile

import "os"

var pageSize = os.Getpagesize()

func adviseWillNeed(pages []byte) {}
func adviseDontNeed(pages []byte) {}
