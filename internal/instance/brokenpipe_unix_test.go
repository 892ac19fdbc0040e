//go:build !windows

package instance

import "testing"

func tempDir(t *testing.T) string { return t.TempDir() }

// brokenPipe: a Unix socket reports a reset as ECONNRESET, checked apart.
func brokenPipe(error) bool { return false }
