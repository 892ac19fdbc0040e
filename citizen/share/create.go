package share

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"kluis/internal/errcode"
	"kluis/sync/bundle"
	"kluis/vault"
)

// ObjectShare is the vault object kind of a share made: its id is the
// bundle id, its value an Info as JSON.
const ObjectShare = "share"

// A Request is for whom, for what and until when a share is made: the
// terms a Draft carries next to what it holds. A screen may fill them in
// step by step before Sign; Sign checks them.
type Request struct {
	// Exactly one of To and Code: the organisation's card, or a share code
	// (bundle.NewShareCode) for an organisation without one, which must be
	// passed on by another channel than the bundle.
	To   *bundle.Card
	Code bundle.ShareCode

	Created       time.Time // now when zero
	NotAfter      time.Time // the expiry; required
	Purpose       string    // required, one line
	CaseReference string    // the organisation's case reference, if any
	// RequestID is the data request this share answers, if any; it goes
	// into the manifest and into the share kept in the vault.
	RequestID string
	// Message is a short note to the organisation that travels in the
	// bundle (bundle.CheckMessage), if any.
	Message string

	Armor    bool // an ASCII-armored age file instead of binary
	Compress bool // gzip inside the age file: for links and QR codes

	// Behalf, for a share a delegate makes from a managed replica on the
	// owner's behalf: the delegate signs, and the owner's certificate
	// travels in the bundle. Nil for a share of one's own vault.
	Behalf *Behalf

	// File is where the bundle is saved, as the list of shares shows it;
	// SetFile changes it later.
	File string

	// Flush, when set, runs after the whole bundle was written and before
	// the share is recorded: flush and sync the destination there, or make
	// what must go with the bundle (a QR code). An error stops Sign and
	// nothing is recorded.
	Flush func() error
}

// Behalf is who makes a share on someone else's behalf: the delegate's
// signer and public keys (their own vault's, never the replica's), and
// the owner's signed delegation certificate that lets them.
type Behalf struct {
	Signer      bundle.Signer
	Issuer      bundle.Issuer
	Certificate []byte
}

// Progress reports how many bytes of the documents were written so far, of
// total. It is called from the goroutine that runs Sign.
type Progress func(done, total int64)

// A Result is the share just made.
type Result struct {
	Info      Info
	Manifest  *bundle.Manifest
	Code      bundle.ShareCode // the share code, for a share without a card
	Records   int
	Documents int
}

// ErrNoPurpose means a request has no purpose: an organisation may only use
// shared data for a stated purpose.
var ErrNoPurpose = errcode.New("share.no_purpose", "a share needs a purpose")

// ErrOneRecipient means a request names both an organisation card and a
// share code, or neither: a share is for exactly one of them.
var ErrOneRecipient = errcode.New("share.one_recipient", "a share is for exactly one organisation card or one share code")

// ErrNoExpiry means a request's expiry is not after its creation.
var ErrNoExpiry = errcode.New("share.no_expiry", "a share needs an expiry in the future")

// ErrDocumentChanged means a document of a draft is no longer the one
// collected (another size or SHA-256) when the draft is signed: the share
// is refused rather than carry what the citizen did not see.
var ErrDocumentChanged = errcode.New("share.document_changed", "a document changed after the share was prepared")

// ErrSigned means a draft was signed before: one draft makes one share.
var ErrSigned = errcode.New("share.signed", "this share draft was signed already")

// countDocuments makes every document's Write report progress over all
// documents together, and stop when ctx is canceled.
func countDocuments(ctx context.Context, s *bundle.Share, progress Progress) {
	var total, done int64
	for _, d := range s.Documents {
		total += d.Size
	}
	progress(0, total)
	for i := range s.Documents {
		write := s.Documents[i].Write
		s.Documents[i].Write = func(w io.Writer) error {
			return write(&progressWriter{ctx: ctx, w: w, report: func(n int64) {
				done += n
				progress(done, total)
			}})
		}
	}
}

type progressWriter struct {
	ctx    context.Context
	w      io.Writer
	report func(n int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	if err := p.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.w.Write(b)
	p.report(int64(n))
	return n, err
}

func newInfo(s *bundle.Share, m *bundle.Manifest, mraw []byte, req Request) Info {
	info := Info{ID: m.ID, Created: m.Created, NotAfter: m.NotAfter, Purpose: m.Purpose,
		CaseReference: m.CaseReference, RequestID: m.RequestID,
		Recipient:  Recipient{Kind: m.Recipient.Kind, Org: m.Recipient.Org, OIN: m.Recipient.OIN, Fingerprint: m.Recipient.Fingerprint},
		Categories: m.Scope.Categories, Records: []string{}, ExcludedFields: m.Scope.ExcludedFields, Documents: []string{},
		ManifestSHA256: bundle.ManifestDigest(mraw), File: req.File}
	if s.To != nil {
		info.Recipient.Ed25519 = s.To.Ed25519
	}
	for _, r := range s.Records {
		info.Records = append(info.Records, r.ID)
	}
	for _, d := range s.Documents {
		info.Documents = append(info.Documents, d.ID)
	}
	return info
}

// createdDetail is the log entry's detail: the kind of recipient and the
// numbers, never values.
func createdDetail(info *Info) string {
	detail := info.Recipient.Kind
	if info.Recipient.Kind == bundle.RecipientCard {
		detail += " " + bundle.ShortFingerprint(info.Recipient.Fingerprint)
	}
	return detail + fmt.Sprintf("; %d records, %d documents", len(info.Records), len(info.Documents))
}

// behalfDetail says in the log entry who made the share for whom, under
// which certificate.
func behalfDetail(m *bundle.Manifest) string {
	d, err := bundle.ParseDelegation([]byte(m.OnBehalf.Certificate))
	if err != nil {
		return "; on behalf"
	}
	return fmt.Sprintf("; by %s on behalf of %s, certificate %s", m.Issuer.Name, d.Owner.Name, d.ID[:8])
}

// put stores info, with e in the activity log in the same transaction when
// e has an action.
func put(v *vault.Vault, info Info, e vault.Event) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return v.PutObject(ObjectShare, info.ID, b, e)
}
