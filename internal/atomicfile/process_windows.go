//go:build windows

package atomicfile

import "os"

// processRuns reports whether a process with pid runs on this computer: on
// Windows, FindProcess opens the process and fails when there is none.
func processRuns(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
