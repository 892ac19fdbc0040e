package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// DefaultSkew is the clock difference Open tolerates on both ends of a
// bundle's validity window: a bundle counts as valid from not_before − 5
// minutes until not_after + 5 minutes.
const DefaultSkew = 5 * time.Minute

// Limits bound what Open reads. The zero value of a field means its default.
type Limits struct {
	MaxInput    int64 // the bundle file as given, armored or not; default 4 GiB
	MaxManifest int64 // manifest.json; default 1 MiB
	MaxRecords  int64 // records.json; default 64 MiB
	MaxEntry    int64 // one document; default MaxInput
	MaxEntries  int   // entries after the signature; default 10 000
}

func (l Limits) withDefaults() Limits {
	if l.MaxInput <= 0 {
		l.MaxInput = 4 << 30
	}
	if l.MaxManifest <= 0 {
		l.MaxManifest = 1 << 20
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = 64 << 20
	}
	if l.MaxEntry <= 0 {
		l.MaxEntry = l.MaxInput
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 10000
	}
	return l
}

// maxPadding bounds the zero bytes allowed after the end of the archive
// (tar tools pad to a record size; Kluis writes none).
const maxPadding = 64 << 10

// Options say how to open a bundle: with exactly one of an organisation
// identity or a share code, against a clock.
type Options struct {
	Org    *OrgIdentity // the organisation the bundle must be addressed to
	Code   ShareCode    // or the share code it must be protected with
	Now    func() time.Time
	Skew   time.Duration // DefaultSkew when zero
	Limits Limits
}

// A Reader opens a bundle as one stream. Open reads the age header, the
// manifest and its signature and checks them; then Next and Read give the
// documents one by one, each checked against its size and SHA-256 when it
// ends. The age payload authenticates chunk by chunk, so nothing read is
// trustworthy until Next has returned io.EOF: only then has the whole
// file, to its last byte, been authenticated and checked. Store nothing
// before that. A large document is hashed on a second goroutine while it
// is read; Close stops that when reading ends early.
type Reader struct {
	lim      Limits
	in       *limitReader
	plain    *bufio.Reader // age plaintext
	gz       *gzip.Reader  // when the archive is compressed
	tr       *tar.Reader
	manifest *Manifest
	mraw     []byte
	sig      []byte
	records  *Records
	behalf   *Delegation // the checked certificate of a share made on behalf
	rraw     []byte
	next     int // index of the next document in records.Documents
	seen     map[string]bool
	cur      *entryReader
	done     bool
	err      error
	looksAge bool // the input starts like an age file
}

// Open starts reading a bundle from src (binary or armored). It refuses,
// with an *Error, anything not addressed to opts' identity or share code,
// a damaged or altered file, a missing or bad signature, a manifest for
// another recipient and a bundle outside its validity window. It reads and
// checks records.json too; Records returns it.
func Open(src io.Reader, opts Options) (*Reader, error) {
	if (opts.Org == nil) == (opts.Code == "") {
		return nil, errors.New("bundle.Open needs exactly one of an organisation identity and a share code")
	}
	lim := opts.Limits.withDefaults()
	r := &Reader{lim: lim, in: &limitReader{r: src, left: lim.MaxInput}, seen: map[string]bool{}}
	br := bufio.NewReaderSize(r.in, 4096)
	var ageIn io.Reader = br
	head, _ := br.Peek(len(armor.Header))
	switch {
	case string(head) == armor.Header:
		ageIn = armor.NewReader(br)
		r.looksAge = true
	case r.in.err != nil:
		return nil, r.in.err
	default:
		r.looksAge = bytes.HasPrefix(head, []byte("age-encryption.org/"))
	}
	id := &watchIdentity{}
	if opts.Org != nil {
		id.inner = opts.Org.AgeIdentity()
	} else {
		sid, err := opts.Code.identity()
		if err != nil {
			return nil, refuseErr(CodeBadShareCode, err, "")
		}
		id.inner = sid
	}
	payload, err := age.Decrypt(ageIn, id)
	if err != nil {
		return nil, r.ageError(err, id, opts.Org != nil)
	}
	r.plain = bufio.NewReaderSize(&ageReader{r: payload, in: r.in}, 64<<10)
	var archive io.Reader = r.plain
	if magic, err := r.plain.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(r.plain)
		if err != nil {
			return nil, classify(err, CodeNotBundle, "compressed archive")
		}
		gz.Multistream(false)
		r.gz = gz
		archive = &limitReader{r: gz, left: lim.MaxInput}
	}
	r.tr = tar.NewReader(archive)

	// manifest.json, then manifest.sig.
	h, err := r.tr.Next()
	if err != nil {
		return nil, classify(err, CodeNotBundle, "no archive")
	}
	if h.Name != ManifestPath {
		return nil, refuse(CodeNotBundle, "the first entry is %q, not %s", printable(h.Name), ManifestPath)
	}
	if err := checkHeader(h); err != nil {
		return nil, err
	}
	if h.Size > lim.MaxManifest {
		return nil, refuse(CodeTooLarge, "the manifest is over %d bytes", lim.MaxManifest)
	}
	if r.mraw, err = readEntry(r.tr, h.Size); err != nil {
		return nil, err
	}
	r.seen[ManifestPath] = true
	h, err = r.tr.Next()
	if err == io.EOF || (err == nil && h.Name != SignaturePath) {
		return nil, refuse(CodeUnsigned, "%s is not followed by %s", ManifestPath, SignaturePath)
	} else if err != nil {
		return nil, classify(err, CodeNotBundle, "after the manifest")
	}
	if err := checkHeader(h); err != nil {
		return nil, err
	}
	if h.Size != 64 {
		return nil, refuse(CodeBadSignature, "%s must hold 64 bytes", SignaturePath)
	}
	if r.sig, err = readEntry(r.tr, h.Size); err != nil {
		return nil, err
	}
	r.seen[SignaturePath] = true

	m, err := ParseManifest(r.mraw, lim)
	if err != nil {
		return nil, err
	}
	if !vaultVerify(m.Issuer.Ed25519, r.mraw, r.sig) {
		return nil, refuse(CodeBadSignature, "the manifest signature does not verify with the issuer's key")
	}
	if err := checkRecipient(m, opts); err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if err := CheckWindow(m, now(), opts.Skew); err != nil {
		return nil, err
	}
	r.manifest = m

	// records.json, always the first entry after the signature.
	e := m.Entries[0]
	h, err = r.nextHeader(e)
	if err != nil {
		return nil, err
	}
	rb, err := readEntry(r.tr, h.Size)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(rb); hex.EncodeToString(sum[:]) != e.SHA256 {
		return nil, refuse(CodeEntryMismatch, "%s does not match its SHA-256 in the manifest", RecordsPath)
	}
	if r.records, err = parseRecords(rb, m); err != nil {
		return nil, err
	}
	if r.behalf, err = CheckOnBehalf(m, r.records, now(), opts.Skew); err != nil {
		return nil, err
	}
	r.rraw = rb
	return r, nil
}

// CheckWindow refuses a bundle that is not valid at now, allowing skew
// (DefaultSkew when zero) on both ends.
func CheckWindow(m *Manifest, now time.Time, skew time.Duration) error {
	if skew == 0 {
		skew = DefaultSkew
	}
	if now.Add(skew).Before(m.NotBefore) {
		return refuse(CodeNotYetValid, "valid from %s", m.NotBefore.Format(time.RFC3339))
	}
	if !now.Add(-skew).Before(m.NotAfter) {
		return refuse(CodeExpired, "expired at %s", m.NotAfter.Format(time.RFC3339))
	}
	return nil
}

func checkRecipient(m *Manifest, opts Options) error {
	if opts.Org != nil {
		if m.Recipient.Kind != RecipientCard || m.Recipient.Fingerprint != opts.Org.Card().Fingerprint() {
			return refuse(CodeWrongRecipient, "the signed manifest names another recipient")
		}
		return nil
	}
	if m.Recipient.Kind != RecipientShareCode {
		return refuse(CodeWrongRecipient, "the signed manifest names an organisation card, not a share code")
	}
	return nil
}

// Manifest returns the checked manifest.
func (r *Reader) Manifest() *Manifest { return r.manifest }

// ManifestBytes returns the manifest's exact bytes, as signed.
func (r *Reader) ManifestBytes() []byte { return bytes.Clone(r.mraw) }

// Signature returns the manifest's signature.
func (r *Reader) Signature() []byte { return bytes.Clone(r.sig) }

// OnBehalf returns the checked delegation certificate of a share made by a
// delegate on the owner's behalf, or nil: the issuer then is the delegate,
// the certificate's owner the person the data is about.
func (r *Reader) OnBehalf() *Delegation { return r.behalf }

// Records returns the checked content of records.json.
func (r *Reader) Records() *Records { return r.records }

// RecordsBytes returns records.json's exact bytes.
func (r *Reader) RecordsBytes() []byte { return bytes.Clone(r.rraw) }

// Next moves to the next document and returns its metadata and manifest
// entry; Read then reads its content. A document not read to its end is
// read (and checked) by Next. After the last document Next checks the end
// of the archive and of the age file and returns io.EOF: only then is the
// whole bundle authenticated.
func (r *Reader) Next() (*Document, *Entry, error) {
	if r.err != nil {
		return nil, nil, r.err
	}
	doc, e, err := r.advance()
	if err != nil && err != io.EOF {
		r.err = err
	}
	return doc, e, err
}

func (r *Reader) advance() (*Document, *Entry, error) {
	if r.done {
		return nil, nil, io.EOF
	}
	if r.cur != nil {
		if _, err := io.Copy(io.Discard, r.cur); err != nil {
			return nil, nil, err
		}
		r.cur = nil
	}
	if r.next == len(r.records.Documents) {
		if err := r.finish(); err != nil {
			return nil, nil, err
		}
		r.done = true
		return nil, nil, io.EOF
	}
	e := &r.manifest.Entries[r.next+1]
	doc := &r.records.Documents[r.next]
	h, err := r.nextHeader(*e)
	if err != nil {
		return nil, nil, err
	}
	r.cur = newEntryReader(io.LimitReader(r.tr, h.Size), *e)
	r.next++
	return doc, e, nil
}

// Read reads the current document. At its end it returns io.EOF only when
// the content matches the manifest's SHA-256; otherwise an *Error.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.cur == nil {
		return 0, io.EOF
	}
	n, err := r.cur.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// Close ends reading before Next has returned io.EOF: it stops the work
// the Reader does beside the caller for the current document. Next and
// Read fail after it. It does not close the source Open was given. Defer
// it after Open when reading may stop early (an error, a cancellation).
func (r *Reader) Close() error {
	if r.cur != nil {
		r.cur.stop()
	}
	if r.err == nil {
		r.err = errClosed
	}
	return nil
}

var errClosed = errors.New("bundle: read after Close")

// nextHeader reads the next tar header and checks it is exactly entry e.
func (r *Reader) nextHeader(e Entry) (*tar.Header, error) {
	h, err := r.tr.Next()
	if err == io.EOF {
		return nil, refuse(CodeEntryMissing, "the archive ends before %q", printable(e.Path))
	}
	if err != nil {
		return nil, classify(err, CodeNotBundle, "entry header")
	}
	if err := safeName(h.Name); err != nil {
		return nil, err
	}
	if r.seen[h.Name] {
		return nil, refuse(CodeEntryDuplicate, "%q occurs twice", printable(h.Name))
	}
	r.seen[h.Name] = true
	if h.Name != e.Path {
		for _, later := range r.manifest.Entries {
			if later.Path == h.Name {
				return nil, refuse(CodeEntryOrder, "found %q where the manifest has %q", printable(h.Name), printable(e.Path))
			}
		}
		return nil, refuse(CodeEntryExtra, "%q is not in the manifest", printable(h.Name))
	}
	if err := checkHeader(h); err != nil {
		return nil, err
	}
	if h.Size != e.Size {
		return nil, refuse(CodeEntryMismatch, "%q has %d bytes, the manifest says %d", printable(h.Name), h.Size, e.Size)
	}
	return h, nil
}

// finish checks that the archive ends after the last entry, that only
// zero padding follows, and that the age file ends there, authenticated.
func (r *Reader) finish() error {
	h, err := r.tr.Next()
	switch {
	case err == nil && r.seen[h.Name]:
		return refuse(CodeEntryDuplicate, "%q occurs twice", printable(h.Name))
	case err == nil:
		return refuse(CodeEntryExtra, "%q is not in the manifest", printable(h.Name))
	case err != io.EOF:
		return classify(err, CodeNotBundle, "end of archive")
	}
	rest := io.Reader(r.plain)
	if r.gz != nil {
		rest = r.gz
	}
	if err := drainZeros(rest); err != nil {
		return err
	}
	if r.gz != nil {
		// The gzip member has ended: nothing may follow it in the payload.
		if _, err := r.plain.ReadByte(); err == nil {
			return refuse(CodeTrailingData, "data after the compressed archive")
		} else if err != io.EOF {
			return classify(err, CodeDamaged, "")
		}
	}
	return nil
}

func drainZeros(rd io.Reader) error {
	buf := make([]byte, 4096)
	var total int64
	for {
		n, err := rd.Read(buf)
		total += int64(n)
		for _, b := range buf[:n] {
			if b != 0 {
				return refuse(CodeTrailingData, "data after the end of the archive")
			}
		}
		if total > maxPadding {
			return refuse(CodeTrailingData, "more than %d bytes of padding after the archive", maxPadding)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return classify(err, CodeDamaged, "")
		}
	}
}

// checkHeader allows regular files only, with no link target, no special
// mode bits and no PAX records other than the path.
func checkHeader(h *tar.Header) error {
	if h.Typeflag != tar.TypeReg {
		return refuse(CodeEntryType, "%q is not a regular file (type %q)", printable(h.Name), string(rune(h.Typeflag)))
	}
	if h.Linkname != "" {
		return refuse(CodeEntryType, "%q names a link target", printable(h.Name))
	}
	if h.Mode&^0o100777 != 0 {
		return refuse(CodeEntryType, "%q has special mode bits", printable(h.Name))
	}
	for k := range h.PAXRecords {
		if k != "path" {
			return refuse(CodeEntryType, "%q has the unexpected PAX record %q", printable(h.Name), printable(k))
		}
	}
	return nil
}

func readEntry(tr *tar.Reader, size int64) ([]byte, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(tr, b); err != nil {
		return nil, classify(err, CodeNotBundle, "entry content")
	}
	return b, nil
}

// classify passes a refusal on as it is and turns any other error into a
// refusal with code c.
func classify(err error, c Code, detail string) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && c == CodeNotBundle {
		return refuseErr(CodeEntryMissing, err, "the archive is cut off")
	}
	return refuseErr(c, err, "%s", detail)
}

// ageError turns an error from age.Decrypt into a refusal.
func (r *Reader) ageError(err error, id *watchIdentity, org bool) error {
	if r.in.err != nil {
		return r.in.err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && !id.called && r.looksAge {
		return refuseErr(CodeDamaged, err, "the age header is cut off")
	}
	var nm *age.NoIdentityMatchError
	switch {
	case errors.Is(err, ErrKDFParameters):
		return refuseErr(CodeTooLarge, err, "the share code's work factor is too high")
	case errors.As(err, &nm) && org && id.scrypt:
		return refuse(CodeNotAddressed, "the bundle is protected with a share code, not addressed to this organisation's card")
	case errors.As(err, &nm) && org:
		return refuse(CodeNotAddressed, "the bundle is not addressed to this organisation")
	case errors.As(err, &nm) && id.scrypt:
		return refuse(CodeWrongShareCode, "the share code does not open this bundle")
	case errors.As(err, &nm):
		return refuse(CodeNotAddressed, "the bundle is addressed to an organisation card, not protected with a share code")
	case !id.called && !r.looksAge:
		return refuseErr(CodeNotAge, err, "")
	}
	return refuseErr(CodeDamaged, err, "the age header")
}

// watchIdentity remembers whether age asked it to unwrap, and whether the
// file had a scrypt stanza, to say clearly why a file does not open.
type watchIdentity struct {
	inner  age.Identity
	called bool
	scrypt bool
}

func (w *watchIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	w.called = true
	for _, s := range stanzas {
		if s.Type == "scrypt" {
			w.scrypt = true
		}
	}
	key, err := w.inner.Unwrap(stanzas)
	if w.scrypt {
		// A share code's scrypt run is over: hand its memory back before
		// the bundle streams.
		ReleaseKDFMemory()
	}
	return key, err
}

// limitReader returns a CodeTooLarge refusal once more than left bytes
// would be read.
type limitReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.err = refuse(CodeTooLarge, "the input is over the size limit")
		return 0, l.err
	}
	l.left -= int64(n)
	return n, err
}

// ageReader marks every error from the age payload, other than its clean
// end, as damage: a chunk that does not authenticate, a file cut off, or
// bytes appended.
type ageReader struct {
	r  io.Reader
	in *limitReader
}

func (a *ageReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		if a.in.err != nil {
			return n, a.in.err
		}
		return n, refuseErr(CodeDamaged, err, "the encrypted payload")
	}
	return n, err
}

// hashAsyncFrom is the size from which a document's SHA-256 is computed
// on a goroutine of its own, beside the decryption, instead of in Read:
// on two cores that takes the hash off the path of a large document.
const hashAsyncFrom = 1 << 20

// entryReader reads one document and checks it against its manifest
// entry when it ends.
type entryReader struct {
	r    io.Reader
	want Entry
	h    hash.Hash
	aw   *AsyncWriter // feeds h on another goroutine, for a large document
	n    int64
}

func newEntryReader(r io.Reader, want Entry) *entryReader {
	e := &entryReader{r: r, want: want, h: sha256.New()}
	if want.Size >= hashAsyncFrom {
		e.aw = NewAsyncWriter(e.h)
	}
	return e
}

// stop waits until the hashing goroutine, if any, has hashed all it was
// given and has ended. It may be called more than once.
func (e *entryReader) stop() {
	if e.aw != nil {
		e.aw.Close()
	}
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if e.aw != nil {
		e.aw.Write(p[:n]) // a hash takes every write: no error
	} else {
		e.h.Write(p[:n])
	}
	e.n += int64(n)
	if err != nil {
		e.stop()
	}
	if err == io.EOF {
		if e.n != e.want.Size {
			return n, refuse(CodeEntryMissing, "%q is cut off", printable(e.want.Path))
		}
		if hex.EncodeToString(e.h.Sum(nil)) != e.want.SHA256 {
			return n, refuse(CodeEntryMismatch, "%q does not match its SHA-256 in the manifest", printable(e.want.Path))
		}
	} else if err != nil {
		err = classify(err, CodeNotBundle, "entry content")
	}
	return n, err
}
