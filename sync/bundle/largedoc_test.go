package bundle

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

// TestLargeDocumentRefusals: a document of hashAsyncFrom bytes or more is
// hashed beside the reading, and is still refused at its end when one
// byte differs or it is cut short, and read whole when it is intact.
func TestLargeDocumentRefusals(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	size := hashAsyncFrom + 3*asyncBufferSize + 17
	data := build(t, testShare(t, signer, org, size, 2000), signer)
	_, docs, err := readAll(data, Options{Org: org})
	if err != nil {
		t.Fatalf("intact: %v", err)
	}
	if got := docs[doc1ID]; len(got) != size {
		t.Fatalf("intact: read %d bytes, want %d", len(got), size)
	}
	for _, tc := range []struct {
		name string
		edit func([]rawEntry) []rawEntry
		want Code
	}{
		{"last byte changed", func(e []rawEntry) []rawEntry { e[3].data[size-1] ^= 1; return e }, CodeEntryMismatch},
		{"first byte changed", func(e []rawEntry) []rawEntry { e[3].data[0] ^= 1; return e }, CodeEntryMismatch},
		{"shorter", func(e []rawEntry) []rawEntry { e[3] = reg(e[3].hdr.Name, e[3].data[:size-1]); return e }, CodeEntryMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(tamper(t, org, data, tc.edit), Options{Org: org})
			wantCode(t, err, tc.want)
		})
	}
}

// TestCloseMidDocument: a reader closed in the middle of a large document
// ends its hashing goroutine and refuses to go on.
func TestCloseMidDocument(t *testing.T) {
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	data := build(t, testShare(t, signer, org, 2*hashAsyncFrom, 2000), signer)
	before := runtime.NumGoroutine()
	r, err := Open(bytes.NewReader(data), Options{Org: org, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, hashAsyncFrom/2)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err == nil || err == io.EOF {
		t.Fatalf("Next after Close = %v, want an error", err)
	}
	if _, err := r.Read(make([]byte, 10)); err == nil {
		t.Fatal("Read after Close did not fail")
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before Open", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
