package cases

import (
	"context"
	"io"
	"slices"
	"time"

	"kluis/internal/errcode"
	"kluis/sync/request"

	"kluis/citizen/share"
	"kluis/vault"
)

// An Answer is what the citizen chose to send in reply to a request.
type Answer struct {
	// Draft is what goes, as the citizen saw it: a share draft of at most
	// what the request asks (Prepare makes one; its Narrow leaves out what
	// the citizen unticked). Respond signs this draft, never a new one.
	Draft *share.Draft
	// Message is a short note to the organisation, if any.
	Message string
	// NotAfter is the bundle's expiry; the request's keep_until when zero.
	NotAfter time.Time
	// Now is the time of answering (time.Now when zero).
	Now time.Time

	Armor, Compress bool
	File            string       // where the bundle is saved (share.Request.File)
	Flush           func() error // see share.Request.Flush
}

// ErrOutsideRequest means an answer's scope holds a category or record the
// request does not ask for.
var ErrOutsideRequest = errcode.New("cases.outside_request", "the answer holds more than the request asks for")

// Prepare makes the draft of an answer to o: scope cut down to what the
// request asks (Limit), collected from the vault once, with the request's
// terms (its card, purpose, case reference and id; its keep_until as the
// expiry). A screen shows the draft's Preview and answers with that draft.
func Prepare(ctx context.Context, v *vault.Vault, o *request.Opened, scope share.Scope) (*share.Draft, error) {
	scope, err := Limit(o.Request, v, scope)
	if err != nil {
		return nil, err
	}
	d, err := share.NewDraft(ctx, v, scope)
	if err != nil {
		return nil, err
	}
	d.Request = terms(o, share.Request{NotAfter: o.Request.KeepUntil})
	return d, nil
}

// terms sets the request's own terms on req.
func terms(o *request.Opened, req share.Request) share.Request {
	req.To, req.Code, req.Purpose = o.Card, "", o.Request.Purpose
	req.CaseReference, req.RequestID = o.Request.CaseReference, o.Request.ID
	return req
}

// Respond answers o with a share bundle written to w: it signs a.Draft
// (the draft the citizen saw) with the request's id, case reference and
// purpose in its manifest, encrypted to the card the request carries, and
// records the share in the vault (by share.Draft.Sign) and then in the
// request's thread. An expired request (CodeExpired) or one refused
// before (ErrRefused) is not answered, nor is a draft holding more than
// the request asks (ErrOutsideRequest); then nothing is written or
// recorded.
func Respond(ctx context.Context, v *vault.Vault, o *request.Opened, a Answer, w io.Writer, progress share.Progress) (share.Result, error) {
	now := a.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := o.CanAnswer(now); err != nil {
		return share.Result{}, err
	}
	if t, err := thread(v, o.Parsed); err != nil {
		return share.Result{}, err
	} else if t.State(o.Request.ID) == "refused" {
		return share.Result{}, ErrRefused
	}
	d := a.Draft
	if d == nil {
		return share.Result{}, share.ErrNothing
	}
	if err := within(o.Request, d); err != nil {
		return share.Result{}, err
	}
	notAfter := a.NotAfter
	if notAfter.IsZero() {
		notAfter = o.Request.KeepUntil
	}
	d.Request = terms(o, share.Request{Created: now, NotAfter: notAfter, Message: a.Message,
		Armor: a.Armor, Compress: a.Compress, File: a.File, Flush: a.Flush})
	res, err := d.Sign(ctx, w, progress)
	if err != nil {
		return res, err
	}
	// The share is recorded; a failure to note it in the thread loses
	// nothing, since Timeline finds the answer among the shares.
	_, err = RecordAnswer(v, o, res.Manifest, res.Records, res.Documents)
	return res, err
}

// within refuses a draft that holds a category r does not ask for, or
// does not leave out a field r does not ask for (ErrOutsideRequest).
func within(r *request.Request, d *share.Draft) error {
	s := d.Scope()
	for _, c := range s.Categories {
		if _, ok := r.Item(c); !ok {
			return ErrOutsideRequest
		}
	}
	for _, f := range r.BundleScope().ExcludedFields {
		if !slices.Contains(s.ExcludedFields, f) {
			return ErrOutsideRequest
		}
	}
	for _, rec := range d.Preview().Records {
		for _, f := range rec.Fields {
			if !r.Asks(rec.Category, f.ID) {
				return ErrOutsideRequest
			}
		}
	}
	return nil
}

// Limit returns s cut down to what request r asks: every field r does not ask for
// is left out. A category or a single record of a category r does not ask
// for is refused (ErrOutsideRequest) rather than silently dropped.
func Limit(r *request.Request, v *vault.Vault, s share.Scope) (share.Scope, error) {
	out := share.Scope{Categories: slices.Clone(s.Categories), Records: slices.Clone(s.Records),
		ExcludedFields: slices.Clone(s.ExcludedFields), ExcludedDocuments: slices.Clone(s.ExcludedDocuments)}
	for _, c := range out.Categories {
		if _, ok := r.Item(c); !ok {
			return share.Scope{}, ErrOutsideRequest
		}
	}
	for _, id := range out.Records {
		rec, err := v.Get(id)
		if err != nil {
			return share.Scope{}, err
		}
		if _, ok := r.Item(rec.Category); !ok {
			return share.Scope{}, ErrOutsideRequest
		}
	}
	for _, f := range r.BundleScope().ExcludedFields {
		if !slices.Contains(out.ExcludedFields, f) {
			out.ExcludedFields = append(out.ExcludedFields, f)
		}
	}
	slices.Sort(out.ExcludedFields)
	return out, nil
}
