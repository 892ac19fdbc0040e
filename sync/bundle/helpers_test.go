package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"kluis/internal/sign"

	"filippo.io/age"
)

// testNow is the clock of every test bundle.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// keySigner is a citizen's signing key outside a vault.
type keySigner struct{ priv ed25519.PrivateKey }

func newKeySigner(t testing.TB) *keySigner {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &keySigner{priv: priv}
}

func (k *keySigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(k.priv, domain, msg), nil
}

func (k *keySigner) public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

func (k *keySigner) issuer(t testing.TB) Issuer {
	t.Helper()
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return Issuer{Name: "Fatima Yılmaz", X25519: x.Recipient().String(), Ed25519: encodeKey(k.public())}
}

func newOrg(t testing.TB, name string) *OrgIdentity {
	t.Helper()
	id, err := GenerateOrgIdentity(name, "00000001234567890000", []string{"Schuldhulpverlening"}, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// testDoc is a document of size bytes with a pattern that differs per
// position, so swapped chunks would be noticed.
func testDoc(t testing.TB, id, name, record string, size int) DocumentSource {
	t.Helper()
	content := make([]byte, size)
	for i := range content {
		content[i] = byte(i*7 + i/251)
	}
	sum := sha256.Sum256(content)
	return DocumentSource{
		Document: Document{ID: id, Name: name, MediaType: "application/pdf", Record: record},
		Size:     int64(size), SHA256: hex.EncodeToString(sum[:]),
		Write: func(w io.Writer) error { _, err := w.Write(content); return err },
	}
}

const (
	incomeID = "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
	debtID   = "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
	doc1ID   = "8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e"
	doc2ID   = "9c4d5e6f-7a8b-4c3d-8e1f-2a3b4c5d6e7f"
	bundleID = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"
)

// testShare is a bundle of an income, a debt and two documents for org.
func testShare(t testing.TB, signer *keySigner, org *OrgIdentity, docSizes ...int) *Share {
	t.Helper()
	s := &Share{
		ID: bundleID, Created: testNow, NotAfter: testNow.Add(14 * 24 * time.Hour),
		Purpose: "Aanvraag schuldhulp", CaseReference: "Z-2026-0042",
		Issuer: signer.issuer(t),
		Scope:  Scope{Categories: []string{"income", "debts"}, Records: []string{}, ExcludedFields: []string{"income.iban"}},
		Records: []Record{
			{ID: incomeID, Category: "income", Version: 2, Modified: testNow.Add(-time.Hour),
				Fields: map[string]any{"source": "UWV", "amount": int64(123456), "period": "month", "kind": "benefit"}},
			{ID: debtID, Category: "debts", Version: 1, Modified: testNow.Add(-2 * time.Hour),
				Fields: map[string]any{"creditor": "Belastingdienst", "amount": int64(25000), "status": "arrangement"}},
		},
	}
	if org != nil {
		s.To = org.Card()
	}
	ids := []string{doc1ID, doc2ID}
	names := []string{"loonstrook maart.pdf", "brief belastingdienst.pdf"}
	records := []string{incomeID, debtID}
	for i, size := range docSizes {
		s.Documents = append(s.Documents, testDoc(t, ids[i], names[i], records[i], size))
	}
	return s
}

func build(t testing.TB, s *Share, signer Signer) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := Write(&b, s, signer); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

// readAll opens a bundle and reads every document; it returns the reader
// and the documents' contents, or the first error.
func readAll(data []byte, opts Options) (*Reader, map[string][]byte, error) {
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	r, err := Open(bytes.NewReader(data), opts)
	if err != nil {
		return nil, nil, err
	}
	docs := map[string][]byte{}
	for {
		d, _, err := r.Next()
		if err == io.EOF {
			return r, docs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, nil, err
		}
		docs[d.ID] = b
	}
}

func wantCode(t *testing.T, err error, codes ...Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want a refusal %v", codes)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a refusal", err, err)
	}
	for _, c := range codes {
		if e.Code == c {
			return
		}
	}
	t.Fatalf("refused with %v, want %v", err, codes)
}

// rawEntry is one entry of a hand-made archive.
type rawEntry struct {
	hdr  tar.Header
	data []byte
}

func reg(name string, data []byte) rawEntry {
	return rawEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644, ModTime: testNow}, data: data}
}

// makeTar writes entries as a tar archive, exactly as given.
func makeTar(t testing.TB, entries []rawEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("tar header %q: %v", h.Name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatalf("tar data %q: %v", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encrypt(t testing.TB, plain []byte, r age.Recipient) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := age.Encrypt(&b, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decryptTar returns the archive inside a bundle made for org.
func decryptTar(t testing.TB, data []byte, org *OrgIdentity) []rawEntry {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(data), org.AgeIdentity())
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(r)
	var out []rawEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rawEntry{hdr: *h, data: b})
	}
}

// signedParts returns a manifest (as bytes) for s after edit changed it,
// and its signature by signer.
func signedParts(t testing.TB, s *Share, signer Signer, edit func(m *Manifest)) (mb, sig, records []byte) {
	t.Helper()
	m, rb, err := s.manifest()
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	if mb, err = m.Marshal(); err != nil {
		t.Fatal(err)
	}
	if sig, err = signer.Sign(DomainManifest, mb); err != nil {
		t.Fatal(err)
	}
	return mb, sig, rb
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
