//go:build !unix && !windows

package atomicfile

// processRuns cannot tell here, so every process counts as running: its
// temporary files are removed once they are a day old.
func processRuns(pid int) bool { return true }
