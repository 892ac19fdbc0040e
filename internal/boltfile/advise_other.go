//go:build !unix

package boltfile

func adviseDontNeed(pages []byte) {}
