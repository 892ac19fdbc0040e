package share

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"kluis/citizen/youth"
	"kluis/internal/errcode"
	"kluis/sync/bundle"
	"kluis/vault"
)

// A Draft is one share from preview to signature: what it carries,
// collected from the vault once by NewDraft, and its terms (the embedded
// Request: for whom, for what, until when), which a screen may fill in
// step by step.
//
// The draft rule: a screen shows the same object it commits. Show
// Preview, then Sign the same draft. Sign puts the draft's records in the
// bundle as they were collected, never reading them again, so a change to
// the vault in between (a sync, the CLI) does not change what is signed.
// Documents are streamed from the vault when the bundle is written, and
// each must still have the size and SHA-256 it had when collected, or Sign
// fails with ErrDocumentChanged. To take in a change to the vault, make a
// new draft and show it.
//
// A Draft is not safe for use by several goroutines at once; a screen
// hands it to one goroutine for Sign.
type Draft struct {
	Request

	v       *vault.Vault
	scope   bundle.Scope
	records []bundle.Record
	docs    []draftDocument
	signed  bool
}

// draftDocument is a document of a draft: what goes into the manifest,
// with the size and SHA-256 it had when collected.
type draftDocument struct {
	bundle.Document
	Size   int64
	SHA256 string
}

// NewDraft collects what a share of scope holds from v, once: the current
// version of every record in its categories and of every single record,
// without the excluded fields, and the documents linked to those records
// unless left out (documents linked to no shared record never go). The
// terms are empty: fill them in before Sign.
//
// A single record that does not exist or is in the recycle bin is an error
// (vault.ErrNotFound, vault.ErrDeleted); an empty result is ErrNothing; an
// unknown category or field is a *schema.FieldError.
func NewDraft(ctx context.Context, v *vault.Vault, scope Scope) (*Draft, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bs, records, docs, err := collect(v, scope)
	if err != nil {
		return nil, err
	}
	return &Draft{v: v, scope: bs, records: records, docs: docs}, nil
}

// Preview is exactly what the draft carries, made from the draft itself:
// what a screen shows before Sign. Each call returns a new Preview, which
// the caller may sort or change without changing the draft.
func (d *Draft) Preview() *Preview { return describe(d.records, d.docs) }

// Scope is what the draft holds, as its bundle's manifest states it.
func (d *Draft) Scope() Scope {
	return Scope{Categories: slices.Clone(d.scope.Categories), Records: slices.Clone(d.scope.Records),
		ExcludedFields: slices.Clone(d.scope.ExcludedFields)}
}

// ErrOutsideDraft means Narrow was asked for a category or record the
// draft does not hold.
var ErrOutsideDraft = errcode.New("share.outside_draft", "the choice holds more than the share draft")

// Narrow returns a new draft holding only what s keeps of d, without
// reading the vault: d's records in s's categories or among s's single
// records, without s's excluded fields, and d's documents of those records
// that s does not leave out. A record left with no field is left out,
// with its documents: a bundle carries no empty records. The terms are d's. It is how a screen turns
// what the citizen unticks in a preview into the draft it signs. A
// category or record that d does not hold is ErrOutsideDraft; an empty
// result is ErrNothing. A draft that was signed is not narrowed
// (ErrSigned): its copy could be signed again.
func (d *Draft) Narrow(s Scope) (*Draft, error) {
	if d.signed {
		return nil, ErrSigned
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	for _, c := range s.Categories {
		if _, ok := slices.BinarySearch(d.scope.Categories, c); !ok {
			return nil, ErrOutsideDraft
		}
	}
	held := map[string]bool{}
	for _, r := range d.records {
		held[r.ID] = true
	}
	for _, id := range s.Records {
		if !held[id] {
			return nil, fmt.Errorf("record %s: %w", id, ErrOutsideDraft)
		}
	}
	s.ExcludedFields = append(slices.Clone(s.ExcludedFields), d.scope.ExcludedFields...)
	bs := s.bundleScope()
	out := &Draft{Request: d.Request, v: d.v, scope: bs}
	held = map[string]bool{}
	for _, r := range d.records {
		if !slices.Contains(s.Categories, r.Category) && !slices.Contains(s.Records, r.ID) {
			continue
		}
		r.Fields = maps.Clone(r.Fields)
		for k := range r.Fields {
			if bs.Excludes(r.Category, k) {
				delete(r.Fields, k)
			}
		}
		if len(r.Fields) == 0 {
			// Every field unticked: the record is left out, with its
			// documents, rather than sent empty.
			continue
		}
		held[r.ID] = true
		out.records = append(out.records, r)
	}
	if len(out.records) == 0 {
		return nil, ErrNothing
	}
	out.scope.Records = kept(out.scope.Records, held)
	for _, doc := range d.docs {
		if held[doc.Record] && !slices.Contains(s.ExcludedDocuments, doc.ID) {
			out.docs = append(out.docs, doc)
		}
	}
	return out, nil
}

// Sign makes the share the draft describes: it checks the terms, writes
// the bundle to w with the draft's records and its documents (streamed
// from the vault, each checked against the size and SHA-256 it had when
// collected), and then records the share in the vault together with its
// activity-log entry, in one transaction. When Sign returns an error
// nothing was recorded and what was written to w must be thrown away.
// Canceling ctx stops it between document chunks with ctx's error.
// progress may be nil. A draft signs once (ErrSigned after).
func (d *Draft) Sign(ctx context.Context, w io.Writer, progress Progress) (Result, error) {
	req := d.Request
	req.Purpose = strings.TrimSpace(req.Purpose)
	req.CaseReference = strings.TrimSpace(req.CaseReference)
	if req.Created.IsZero() {
		req.Created = time.Now()
	}
	switch {
	case d.signed:
		return Result{}, ErrSigned
	case req.Purpose == "":
		return Result{}, ErrNoPurpose
	case !req.NotAfter.After(req.Created):
		return Result{}, ErrNoExpiry
	case (req.To == nil) == (req.Code == ""):
		return Result{}, ErrOneRecipient
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	v := d.v
	if req.Behalf == nil {
		// A young person shares only as the youth rule allows; a parent
		// sharing on their behalf is a delegate (Behalf) and acts as such.
		if err := youth.Apply(v, req.Created); err != nil {
			return Result{}, err
		}
	}
	keys, err := v.PublicKeys()
	if err != nil {
		return Result{}, err
	}
	s := &bundle.Share{Scope: d.scope, Records: slices.Clone(d.records), Documents: d.sources(ctx),
		Created: req.Created, NotAfter: req.NotAfter, Purpose: req.Purpose,
		CaseReference: req.CaseReference, RequestID: req.RequestID, Message: req.Message,
		Issuer: Issuer(v.Author().Person, keys), To: req.To, Code: req.Code, Armor: req.Armor, Compress: req.Compress}
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
	d.signed = true
	return Result{Info: info, Manifest: m, Code: s.Code, Records: len(s.Records), Documents: len(s.Documents)}, nil
}

// sources streams the draft's documents from the vault, each refused
// unless it is still the one collected.
func (d *Draft) sources(ctx context.Context) []bundle.DocumentSource {
	var out []bundle.DocumentSource
	for _, doc := range d.docs {
		out = append(out, bundle.DocumentSource{
			Document: doc.Document, Size: doc.Size, SHA256: doc.SHA256,
			// ReadDocument fails unless the content matches the vault's
			// SHA-256, which must be the draft's.
			Checked: true,
			Write: func(w io.Writer) error {
				// Checked before streaming (a longer document would fail
				// in the archive first) and after (it may change between).
				if got, err := d.v.Document(doc.ID); err != nil {
					return err
				} else if got.Size != doc.Size || got.SHA256 != doc.SHA256 {
					return ErrDocumentChanged
				}
				got, err := d.v.ReadDocument(ctx, doc.ID, w)
				if err != nil {
					return err
				}
				if got.Size != doc.Size || got.SHA256 != doc.SHA256 {
					return ErrDocumentChanged
				}
				return nil
			},
		})
	}
	return out
}
