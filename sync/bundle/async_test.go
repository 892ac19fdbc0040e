package bundle

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestAsyncWriter: what goes in through Write and ReadFrom, in pieces
// smaller and larger than a buffer, comes out whole and in order.
func TestAsyncWriter(t *testing.T) {
	want := make([]byte, 5*asyncBufferSize+123)
	for i := range want {
		want[i] = byte(i*7 + i/251)
	}
	var got bytes.Buffer
	a := NewAsyncWriter(&got)
	if n, err := a.Write(want[:1000]); n != 1000 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	// One byte at a time, then the rest in reads of at most a chunk.
	rest := io.MultiReader(iotest.OneByteReader(bytes.NewReader(want[1000:1100])), bytes.NewReader(want[1100:]))
	if n, err := a.ReadFrom(rest); n != int64(len(want)-1000) || err != nil {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("what came out differs from what went in")
	}
}

// TestAsyncWriterErrors: ReadFrom returns the reader's error, and after
// the destination failed, Write, ReadFrom and Close return its error.
func TestAsyncWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	var sink bytes.Buffer
	a := NewAsyncWriter(&sink)
	if _, err := a.ReadFrom(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("ReadFrom of a failing reader = %v, want %v", err, boom)
	}
	a.Close()

	full := errors.New("disk full")
	a = NewAsyncWriter(failWriter{full})
	a.ReadFrom(bytes.NewReader(make([]byte, 2*asyncBufferSize)))
	if err := a.Close(); !errors.Is(err, full) {
		t.Fatalf("Close = %v, want %v", err, full)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, full) {
		t.Fatalf("Write after the failure = %v, want %v", err, full)
	}
	if _, err := a.ReadFrom(bytes.NewReader([]byte("x"))); !errors.Is(err, full) {
		t.Fatalf("ReadFrom after the failure = %v, want %v", err, full)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
