package bundle

import (
	"io"
	"sync"
)

// AsyncWriter hands writes to a second goroutine, so that producing data
// (decrypting, hashing) and consuming it (encrypting, writing to disk) run
// on two cores at once. Memory is bounded: at most asyncBuffers buffers of
// asyncBufferSize bytes are in flight. Close waits for everything to be
// written and returns the first error; after an error, Write returns it.
type AsyncWriter struct {
	w     io.Writer
	full  chan []byte
	free  chan []byte
	done  chan struct{}
	mu    sync.Mutex
	err   error
	cur   []byte
	close sync.Once
}

const (
	asyncBuffers    = 4
	asyncBufferSize = 256 << 10
)

// NewAsyncWriter starts the goroutine that writes to w.
func NewAsyncWriter(w io.Writer) *AsyncWriter {
	a := &AsyncWriter{w: w, full: make(chan []byte, asyncBuffers), free: make(chan []byte, asyncBuffers), done: make(chan struct{})}
	for range asyncBuffers {
		a.free <- make([]byte, 0, asyncBufferSize)
	}
	go a.run()
	return a
}

func (a *AsyncWriter) run() {
	defer close(a.done)
	for b := range a.full {
		if a.failed() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.free <- b[:0]
	}
}

func (a *AsyncWriter) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write copies p into buffers that the writing goroutine consumes.
func (a *AsyncWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := a.failed(); err != nil {
			return n, err
		}
		if a.cur == nil {
			a.cur = <-a.free
		}
		k := copy(a.cur[len(a.cur):cap(a.cur)], p)
		a.cur = a.cur[:len(a.cur)+k]
		p, n = p[k:], n+k
		if len(a.cur) == cap(a.cur) {
			a.full <- a.cur
			a.cur = nil
		}
	}
	return n, nil
}

// ReadFrom reads r to its end straight into the buffers the writing
// goroutine consumes, without the copy Write makes. It returns the bytes
// read and the first error other than io.EOF, from r or from writing.
func (a *AsyncWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		if err := a.failed(); err != nil {
			return n, err
		}
		if a.cur == nil {
			a.cur = <-a.free
		}
		k, err := r.Read(a.cur[len(a.cur):cap(a.cur)])
		a.cur = a.cur[:len(a.cur)+k]
		n += int64(k)
		if len(a.cur) == cap(a.cur) {
			a.full <- a.cur
			a.cur = nil
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Close flushes what is buffered, waits for the writing goroutine and
// returns the first error. It does not close the underlying writer.
func (a *AsyncWriter) Close() error {
	a.close.Do(func() {
		if len(a.cur) > 0 {
			a.full <- a.cur
			a.cur = nil
		}
		close(a.full)
	})
	<-a.done
	return a.failed()
}
