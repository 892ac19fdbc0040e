package writeback

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestReadsBackTheSame writes a file of a few times Every through a Writer,
// in uneven pieces, from an offset other than 0, and reads it back.
func TestReadsBackTheSame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := []byte("written before the Writer")
	if _, err := f.Write(head); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 3*Every+12345)
	rand.NewChaCha8([32]byte{1}).Read(want)
	rng := rand.New(rand.NewPCG(1, 2))
	w := NewWriter(f)
	for rest := want; len(rest) > 0; {
		k := min(len(rest), 1+rng.IntN(300<<10))
		n, err := w.Write(rest[:k])
		if err != nil || n != k {
			t.Fatalf("Write = %d, %v; want %d, nil", n, err, k)
		}
		rest = rest[k:]
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(head, want...)) {
		t.Fatal("the file does not read back as written")
	}
}

// TestPipe writes more than Every through a Writer on a pipe, which
// sync_file_range refuses: the data still arrives, with no error.
func TestPipe(t *testing.T) {
	r, wf, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := bytes.Repeat([]byte("kluis "), (2*Every)/6+1)
	errc := make(chan error, 1)
	go func() {
		w := NewWriter(wf)
		for rest := want; len(rest) > 0; {
			k := min(len(rest), 64<<10)
			if _, err := w.Write(rest[:k]); err != nil {
				errc <- err
				return
			}
			rest = rest[k:]
		}
		errc <- wf.Close()
	}()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("writing to a pipe: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the pipe did not carry what was written")
	}
}

// TestDevNull writes through a Writer to a character device.
func TestDevNull(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	w := NewWriter(f)
	buf := make([]byte, 1<<20)
	for range 2 * Every / len(buf) {
		if n, err := w.Write(buf); err != nil || n != len(buf) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
}

// TestClosedFile passes on the file's own error.
func TestClosedFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := NewWriter(f).Write(make([]byte, Every)); err == nil {
		t.Fatal("a write to a closed file did not fail")
	}
}
