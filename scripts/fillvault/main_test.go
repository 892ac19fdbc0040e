package main

import (
	"os"
	"testing"
)

// TestMain runs fillvault's main when FILLVAULT_BE_MAIN=1, so that its test
// binary (go test -c ./scripts/fillvault) makes vaults with the test KDF
// (scrypt 2^10) that the CLIs' test binaries open without the release
// unlock cost, as scripts/bench-compare.sh needs; kluisctl's and
// kluis-intake's test binaries do the same.
func TestMain(m *testing.M) {
	if os.Getenv("FILLVAULT_BE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
