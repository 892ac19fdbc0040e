package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"kluis/internal/sign"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/google/uuid"
)

// A Share is everything a new bundle holds and who it is for. Make one,
// then call Write.
type Share struct {
	ID            string    // bundle id; a new UUID v4 when empty
	Created       time.Time // when; now when zero
	NotBefore     time.Time // from when it may be imported; Created when zero
	NotAfter      time.Time // until when (the expiry)
	Purpose       string
	RequestID     string // the data request answered, if any
	CaseReference string // the organisation's case reference, if any
	Message       string // a short note to the organisation, if any

	Issuer Issuer // the citizen's name and public keys

	// OnBehalf, for a share a delegate makes on the owner's behalf: the
	// owner's signed delegation certificate. Issuer and the signer are
	// then the delegate's.
	OnBehalf []byte

	// Exactly one of To and Code: the organisation's card, or a share code
	// (which must then be the only way to open the bundle).
	To   *Card
	Code ShareCode

	Scope     Scope
	Records   []Record
	Documents []DocumentSource

	Armor    bool // ASCII-armored age file (PEM-like text) instead of binary
	Compress bool // gzip the archive inside the age file (for links and QR codes)
}

// A DocumentSource is a document to put in a bundle: its metadata, its
// size and SHA-256 known beforehand (the vault stores both), and a
// function that streams its content. The bundle fails if the content
// differs from Size or SHA256.
type DocumentSource struct {
	Document
	Size   int64
	SHA256 string // lower-case hex
	Write  func(w io.Writer) error
	// Checked says that Write itself fails when the content does not
	// match SHA256 (as vault.ReadDocument does), so Write need not hash
	// it again. Size is always checked.
	Checked bool
}

// Write builds the bundle and streams it to dst: the manifest (with every
// entry's size and SHA-256, known before any content is written), its
// signature by signer, records.json, then each document, as a tar archive
// inside an age file. Memory stays bounded whatever the document sizes.
// On error, what was written to dst must be thrown away.
func Write(dst io.Writer, s *Share, signer Signer) (*Manifest, error) {
	m, recordsJSON, err := s.manifest()
	if err != nil {
		return nil, err
	}
	mb, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := ParseManifest(mb, Limits{}); err != nil {
		return nil, fmt.Errorf("failed to make a valid manifest: %w", err)
	}
	sig, err := signer.Sign(DomainManifest, mb)
	if err != nil {
		return nil, fmt.Errorf("failed to sign the manifest: %w", err)
	}
	if !vaultVerify(m.Issuer.Ed25519, mb, sig) {
		return nil, errors.New("failed to sign the manifest: the signer is not the issuer")
	}

	var recipient age.Recipient
	if s.To != nil {
		recipient = s.To.Recipient()
	} else {
		if recipient, err = s.Code.recipient(); err != nil {
			return nil, err
		}
	}
	out := dst
	var armorW io.WriteCloser
	if s.Armor {
		armorW = armor.NewWriter(dst)
		out = armorW
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	enc, err := age.Encrypt(bw, recipient)
	if err != nil {
		return nil, err
	}
	// Documents are read (and checked) by the caller's Write functions on
	// this goroutine; encryption and output run on another.
	async := NewAsyncWriter(enc)
	defer async.Close()
	var plain io.Writer = async
	var gz *gzip.Writer
	if s.Compress {
		gz, _ = gzip.NewWriterLevel(async, gzip.BestCompression)
		plain = gz
	}
	tw := tar.NewWriter(plain)
	mtime := m.Created
	if err := writeEntry(tw, ManifestPath, mtime, mb); err != nil {
		return nil, err
	}
	if err := writeEntry(tw, SignaturePath, mtime, sig); err != nil {
		return nil, err
	}
	if err := writeEntry(tw, RecordsPath, mtime, recordsJSON); err != nil {
		return nil, err
	}
	for i, d := range s.Documents {
		e := m.Entries[i+1]
		if err := tw.WriteHeader(header(e.Path, e.Size, mtime)); err != nil {
			return nil, err
		}
		cw := &checkWriter{w: tw}
		if !d.Checked {
			cw.h = sha256.New()
		}
		if err := d.Write(cw); err != nil {
			return nil, fmt.Errorf("failed to read document %s: %w", d.ID, err)
		}
		if cw.n != e.Size || (cw.h != nil && hex.EncodeToString(cw.h.Sum(nil)) != e.SHA256) {
			return nil, fmt.Errorf("document %s changed while it was being shared", d.ID)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return nil, err
		}
	}
	if err := async.Close(); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if armorW != nil {
		if err := armorW.Close(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func vaultVerify(issuerKey string, mb, sig []byte) bool {
	k, err := parseEd25519(issuerKey)
	return err == nil && sign.Verify(k, DomainManifest, mb, sig)
}

// manifest fills in the defaults and builds the manifest and records.json.
func (s *Share) manifest() (*Manifest, []byte, error) {
	if (s.To == nil) == (s.Code == "") {
		return nil, nil, errors.New("a bundle is for exactly one organisation card or one share code")
	}
	id := s.ID
	if id == "" {
		id = uuid.New().String()
	}
	created := s.Created
	if created.IsZero() {
		created = time.Now()
	}
	notBefore := s.NotBefore
	if notBefore.IsZero() {
		notBefore = created
	}
	m := &Manifest{
		Format: ManifestFormat, ID: id, Created: utc(created), NotBefore: utc(notBefore),
		NotAfter: utc(s.NotAfter), Purpose: s.Purpose, RequestID: s.RequestID,
		CaseReference: s.CaseReference, Message: s.Message, Issuer: s.Issuer,
		Scope: Scope{
			Categories:     sortedUnique(s.Scope.Categories),
			Records:        sortedUnique(s.Scope.Records),
			ExcludedFields: sortedUnique(s.Scope.ExcludedFields),
		},
	}
	if s.To != nil {
		m.Recipient = Recipient{Kind: RecipientCard, Fingerprint: s.To.Fingerprint(), Org: s.To.Org, OIN: s.To.OIN}
	} else {
		m.Recipient = Recipient{Kind: RecipientShareCode}
	}
	rs := Records{Format: RecordsFormat, Records: s.Records, Documents: make([]Document, 0, len(s.Documents))}
	if rs.Records == nil {
		rs.Records = []Record{}
	}
	for _, d := range s.Documents {
		rs.Documents = append(rs.Documents, d.Document)
	}
	rb, err := marshalCompact(rs)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(rb)
	m.Entries = append(m.Entries, Entry{Path: RecordsPath, Size: int64(len(rb)), SHA256: hex.EncodeToString(sum[:])})
	for _, d := range s.Documents {
		m.Entries = append(m.Entries, Entry{Path: d.Path(), Size: d.Size, SHA256: d.SHA256})
	}
	parsed, err := parseRecords(rb, m)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to make valid records: %w", err)
	}
	if s.OnBehalf != nil {
		m.OnBehalf = &OnBehalf{Certificate: string(s.OnBehalf)}
		if _, err := CheckOnBehalf(m, parsed, m.Created, 0); err != nil {
			return nil, nil, fmt.Errorf("failed to share on behalf: %w", err)
		}
	}
	return m, rb, nil
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// header is the tar header of every entry: a regular file, mode 0644,
// owner 0/0 without names, modified at the bundle's creation time. Go's
// writer picks USTAR, or PAX for names that USTAR cannot hold.
func header(name string, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: mtime}
}

func writeEntry(tw *tar.Writer, name string, mtime time.Time, data []byte) error {
	if err := tw.WriteHeader(header(name, int64(len(data)), mtime)); err != nil {
		return err
	}
	_, err := io.Copy(tw, bytes.NewReader(data))
	return err
}

type checkWriter struct {
	w io.Writer
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (c *checkWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.n += int64(n)
	return n, err
}
