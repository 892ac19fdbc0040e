package cases

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"kluis/sync/request"

	"kluis/citizen/share"
	"kluis/vault"
)

// An Answer is what the citizen chose to send in reply to a request.
type Answer struct {
	// Scope is what goes: at most the request's BundleScope. Fields the
	// request does not ask for are left out whatever Scope says; the
	// citizen may leave out more (records, fields, documents).
	Scope share.Scope
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
var ErrOutsideRequest = errors.New("the answer holds more than the request asks for")

// Respond answers o with a share bundle written to w: the request's id,
// case reference and purpose go into its manifest, it is encrypted to the
// card the request carries, and the share is recorded in the vault (by
// share.Create) and then in the request's thread. An expired request
// (CodeExpired) or one refused before (ErrRefused) is not answered, and
// nothing is written or recorded.
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
	scope, err := Limit(o.Request, v, a.Scope)
	if err != nil {
		return share.Result{}, err
	}
	notAfter := a.NotAfter
	if notAfter.IsZero() {
		notAfter = o.Request.KeepUntil
	}
	res, err := share.Create(ctx, v, share.Request{
		Scope: scope, To: o.Card, Created: now, NotAfter: notAfter, Purpose: o.Request.Purpose,
		CaseReference: o.Request.CaseReference, RequestID: o.Request.ID, Message: a.Message,
		Armor: a.Armor, Compress: a.Compress, File: a.File, Flush: a.Flush,
	}, w, progress)
	if err != nil {
		return res, err
	}
	// The share is recorded; a failure to note it in the thread loses
	// nothing, since Timeline finds the answer among the shares.
	_, err = RecordAnswer(v, o, res.Manifest, res.Records, res.Documents)
	return res, err
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
