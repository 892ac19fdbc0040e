// Package writeback asks the operating system to start writing a file's
// data to disk while the file is still being written, so that the fsync
// that makes it durable at the end finds little left to do, and the disk
// works while the CPU encrypts the rest. Without it, a 500 MiB bundle or
// import waited for all of its data at its final fsync.
//
// It is a hint only. It never makes anything durable (the caller still
// syncs the file before it counts on it), never waits for the disk, never
// reports an error, and does nothing where the system has no such call
// (everywhere but Linux) or the file is not one the call supports (a pipe,
// a terminal). It knows nothing of vaults, bundles or encryption.
package writeback

import "os"

// Every is how many bytes a Writer passes on between two requests to
// start writeback: a few MiB, so the disk gets work early and the calls
// stay rare.
const Every = 8 << 20

// A Writer writes to a file and, every Every bytes, asks the system to
// start writing what it wrote so far to disk. Write errors are the file's.
type Writer struct {
	f       *os.File
	written int64 // bytes written through the Writer
	started int64 // what the last request covered
	off     bool  // the system refused a request: make no more
}

// NewWriter returns a Writer that writes to f from its current position.
func NewWriter(f *os.File) *Writer { return &Writer{f: f} }

// Write writes p to the file.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	if !w.off && w.written-w.started >= Every {
		// From where the last request began, to the end of the file: a
		// file that did not start at offset 0 is still covered.
		if !start(w.f, w.started) {
			w.off = true
		}
		w.started = w.written
	}
	return n, err
}
