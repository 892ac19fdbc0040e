package share

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"kluis/citizen/youth"
	"kluis/sync/bundle"
	"kluis/vault"
)

// ObjectShare is the vault object kind of a share made: its id is the
// bundle id, its value an Info as JSON.
const ObjectShare = "share"

// A Request is everything a new share needs.
type Request struct {
	Scope Scope

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
	// what must go with the bundle (a QR code). An error stops Create and
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
// total. It is called from the goroutine that runs Create.
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
var ErrNoPurpose = errors.New("a share needs a purpose")

// ErrNoExpiry means a request's expiry is not after its creation.
var ErrNoExpiry = errors.New("a share needs an expiry in the future")

// Create collects req.Scope, writes the bundle to w (streaming documents
// from the vault), and then records the share in the vault together with
// its activity-log entry, in one transaction. When Create returns an error
// nothing was recorded and what was written to w must be thrown away.
// Canceling ctx stops it between document chunks with ctx's error.
// progress may be nil.
func Create(ctx context.Context, v *vault.Vault, req Request, w io.Writer, progress Progress) (Result, error) {
	req.Purpose = strings.TrimSpace(req.Purpose)
	req.CaseReference = strings.TrimSpace(req.CaseReference)
	if req.Created.IsZero() {
		req.Created = time.Now()
	}
	switch {
	case req.Purpose == "":
		return Result{}, ErrNoPurpose
	case !req.NotAfter.After(req.Created):
		return Result{}, ErrNoExpiry
	case (req.To == nil) == (req.Code == ""):
		return Result{}, errors.New("a share is for exactly one organisation card or one share code")
	}
	if req.Behalf == nil {
		// A young person shares only as the youth rule allows; a parent
		// sharing on their behalf is a delegate (Behalf) and acts as such.
		if err := youth.Apply(v, req.Created); err != nil {
			return Result{}, err
		}
	}
	s, err := Collect(ctx, v, req.Scope)
	if err != nil {
		return Result{}, err
	}
	keys, err := v.PublicKeys()
	if err != nil {
		return Result{}, err
	}
	s.Created, s.NotAfter, s.Purpose = req.Created, req.NotAfter, req.Purpose
	s.CaseReference, s.RequestID, s.Message = req.CaseReference, req.RequestID, req.Message
	s.Issuer = Issuer(v.Author().Person, keys)
	s.To, s.Code, s.Armor, s.Compress = req.To, req.Code, req.Armor, req.Compress
	var signer bundle.Signer = v
	if req.Behalf != nil {
		s.Issuer, s.OnBehalf, signer = req.Behalf.Issuer, req.Behalf.Certificate, req.Behalf.Signer
	}
	if progress != nil {
		countDocuments(ctx, s, progress)
	}
	m, err := bundle.Write(w, s, signer)
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if req.Flush != nil {
		if err := req.Flush(); err != nil {
			return Result{}, err
		}
	}
	mraw, err := m.Marshal()
	if err != nil {
		return Result{}, err
	}
	info := newInfo(s, m, mraw, req)
	detail := createdDetail(&info)
	if m.OnBehalf != nil {
		detail += behalfDetail(m)
	}
	if err := put(v, info, vault.Event{Action: vault.ActionShareCreated, Subject: m.ID, Detail: detail}); err != nil {
		return Result{}, err
	}
	return Result{Info: info, Manifest: m, Code: s.Code, Records: len(s.Records), Documents: len(s.Documents)}, nil
}

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
