package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"
)

// benchShare is n records of income and debts plus documents of the given
// sizes, whose content is generated while it is written (nothing held in
// memory).
func benchShare(b *testing.B, signer *keySigner, org *OrgIdentity, n int, docSizes ...int64) *Share {
	s := &Share{Created: testNow, NotAfter: testNow.Add(14 * 24 * time.Hour), Purpose: "Benchmark",
		Issuer: signer.issuer(b), To: org.Card(),
		Scope: Scope{Categories: []string{"debts", "income"}, Records: []string{}, ExcludedFields: []string{}}}
	for i := range n {
		id := uuid.New().String()
		if i%2 == 0 {
			s.Records = append(s.Records, Record{ID: id, Category: "income", Version: 1, Modified: testNow,
				Fields: map[string]any{"source": fmt.Sprintf("Werkgever %d", i), "amount": int64(100000 + i), "period": "month"}})
		} else {
			s.Records = append(s.Records, Record{ID: id, Category: "debts", Version: 1, Modified: testNow,
				Fields: map[string]any{"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": int64(5000 + i), "status": "open", "reference": "REF-" + fmt.Sprint(i)}})
		}
	}
	for i, size := range docSizes {
		block := bytes.Repeat([]byte{byte(i + 1)}, 1<<20)
		h := sha256.New()
		for left := size; left > 0; left -= int64(len(block)) {
			h.Write(block[:min(left, int64(len(block)))])
		}
		s.Documents = append(s.Documents, DocumentSource{
			Document: Document{ID: uuid.New().String(), Name: fmt.Sprintf("document-%d.pdf", i), MediaType: "application/pdf"},
			Size:     size, SHA256: hex.EncodeToString(h.Sum(nil)),
			Write: func(w io.Writer) error {
				for left := size; left > 0; left -= int64(len(block)) {
					if _, err := w.Write(block[:min(left, int64(len(block)))]); err != nil {
						return err
					}
				}
				return nil
			},
		})
	}
	return s
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkWrite: 1,000 records and 64 MiB of documents, streamed to a
// writer that only counts.
func BenchmarkWrite(b *testing.B) {
	signer := newKeySigner(b)
	org := newOrg(b, "Gemeente Zwolle")
	s := benchShare(b, signer, org, 1000, 32<<20, 32<<20)
	b.SetBytes(64 << 20)
	for b.Loop() {
		s.ID = ""
		if _, err := Write(&countWriter{}, s, signer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen: opening and checking the same bundle from memory.
func BenchmarkOpen(b *testing.B) {
	signer := newKeySigner(b)
	org := newOrg(b, "Gemeente Zwolle")
	var buf bytes.Buffer
	if _, err := Write(&buf, benchShare(b, signer, org, 1000, 32<<20, 32<<20), signer); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(64 << 20)
	for b.Loop() {
		if _, _, err := readAllDiscard(data, org); err != nil {
			b.Fatal(err)
		}
	}
}

func readAllDiscard(data []byte, org *OrgIdentity) (*Reader, int64, error) {
	r, err := Open(bytes.NewReader(data), Options{Org: org, Now: fixedNow})
	if err != nil {
		return nil, 0, err
	}
	var n int64
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			return r, n, nil
		}
		if err != nil {
			return nil, 0, err
		}
		k, err := io.Copy(io.Discard, r)
		if err != nil {
			return nil, 0, err
		}
		n += k
	}
}

// BenchmarkSmallBundle is the fixed cost of a bundle: one record and a
// 1 KiB document, made (signed, encrypted) and opened (decrypted,
// verified, checked).
func BenchmarkSmallBundle(b *testing.B) {
	signer := newKeySigner(b)
	org := newOrg(b, "Gemeente Zwolle")
	s := benchShare(b, signer, org, 1, 1024)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		s.ID = ""
		if _, err := Write(&buf, s, signer); err != nil {
			b.Fatal(err)
		}
		if _, _, err := readAllDiscard(buf.Bytes(), org); err != nil {
			b.Fatal(err)
		}
	}
}
