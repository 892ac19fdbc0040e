package request

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"kluis/sync/bundle"
	"kluis/sync/schema"
	"kluis/sync/signed"
)

// Format is the format id of a data request; Domain separates its
// signature from every other Kluis signature.
const (
	Format = "kluis-request/v1"
	Domain = "kluis-data-request/v1"
)

// Limits of a request.
const (
	MaxFile     = 64 << 10 // the signed file
	MaxItems    = 20       // requested categories
	MaxValidity = 732 * 24 * time.Hour
	// Skew is the clock difference allowed between the citizen's and the
	// organisation's machines when an answer-by date is checked.
	Skew = 5 * time.Minute
)

// A Request is the signed body of a data request. Its members are in the
// canonical order (docs/FORMAT.md §5a).
type Request struct {
	Format        string    `json:"format"` // Format
	ID            string    `json:"id"`     // random UUID v4, lower case
	Created       time.Time `json:"created"`
	AnswerBy      time.Time `json:"answer_by"`  // no answer after this
	KeepUntil     time.Time `json:"keep_until"` // the organisation keeps the answer until then
	Purpose       string    `json:"purpose"`
	LegalBasis    string    `json:"legal_basis,omitempty"`
	CaseReference string    `json:"case_reference,omitempty"`
	Message       string    `json:"message,omitempty"`
	Scope         []Item    `json:"scope"`
	Card          string    `json:"card"` // the organisation's signed card file, verbatim
}

// An Item is one requested category: all its fields, or only Fields.
type Item struct {
	Category string   `json:"category"`
	Fields   []string `json:"fields,omitempty"` // sorted, no duplicates; empty: every field
}

// Fields are what an organisation fills in for New.
type Fields struct {
	ID            string // a new UUID v4 when empty
	Purpose       string
	LegalBasis    string
	CaseReference string
	Message       string
	Scope         []Item
	AnswerBy      time.Time
	KeepUntil     time.Time
}

// New makes and signs a data request from the organisation id. It returns
// the request file (two lines: the body and its signature).
func New(id *bundle.OrgIdentity, f Fields, now time.Time) ([]byte, error) {
	rid := f.ID
	if rid == "" {
		rid = uuid.New().String()
	}
	r := &Request{Format: Format, ID: rid, Created: utc(now), AnswerBy: utc(f.AnswerBy), KeepUntil: utc(f.KeepUntil),
		Purpose: f.Purpose, LegalBasis: f.LegalBasis, CaseReference: f.CaseReference, Message: f.Message,
		Scope: normalizeScope(f.Scope), Card: string(id.CardFile())}
	if _, err := r.check(); err != nil {
		return nil, err
	}
	body, err := marshalCompact(r)
	if err != nil {
		return nil, err
	}
	sig, err := id.Sign(Domain, body)
	if err != nil {
		return nil, err
	}
	return joinSigned(body, sig), nil
}

// DefaultKeepUntil is how long an organisation keeps an answer when it
// names no date: three months after the answer-by date.
func DefaultKeepUntil(answerBy time.Time) time.Time { return answerBy.AddDate(0, 3, 0) }

// normalizeScope sorts the items by category and their fields, without
// duplicates.
func normalizeScope(in []Item) []Item {
	out := make([]Item, 0, len(in))
	for _, it := range in {
		fields := slices.Clone(it.Fields)
		slices.Sort(fields)
		fields = slices.Compact(fields)
		if len(fields) == 0 {
			fields = nil
		}
		out = append(out, Item{Category: it.Category, Fields: fields})
	}
	slices.SortFunc(out, func(a, b Item) int { return strings.Compare(a.Category, b.Category) })
	return out
}

// ParseScope reads a scope as people type it: "income,costs.amount,costs.kind"
// asks for every field of income and two of costs. A category named on its
// own and with fields asks for every field.
func ParseScope(s string) ([]Item, error) {
	whole := map[string]bool{}
	fields := map[string][]string{}
	var order []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cat, field, hasField := strings.Cut(part, ".")
		def, ok := schema.Lookup(cat)
		if !ok {
			return nil, &schema.FieldError{Category: cat, Code: schema.CodeUnknownCategory}
		}
		if hasField {
			if _, ok := def.Field(field); !ok {
				return nil, &schema.FieldError{Category: cat, Field: field, Code: schema.CodeUnknownField}
			}
		}
		if !whole[cat] && fields[cat] == nil {
			order = append(order, cat)
		}
		if hasField {
			fields[cat] = append(fields[cat], field)
		} else {
			whole[cat] = true
			fields[cat] = []string{}
		}
	}
	var out []Item
	for _, cat := range order {
		it := Item{Category: cat}
		if !whole[cat] {
			it.Fields = fields[cat]
		}
		out = append(out, it)
	}
	return normalizeScope(out), nil
}

// check checks every member but the signature, and returns the parsed
// card.
func (r *Request) check() (*bundle.Card, error) {
	bad := func(format string, args ...any) error { return refuse(CodeBadRequest, format, args...) }
	if r.Format != Format {
		return nil, refuse(CodeNotRequest, "unknown format %q", printable(r.Format))
	}
	if !isUUIDv4(r.ID) {
		return nil, bad("id is not a lower-case UUID v4")
	}
	for name, t := range map[string]time.Time{"created": r.Created, "answer_by": r.AnswerBy, "keep_until": r.KeepUntil} {
		if !isCanonicalTime(t) {
			return nil, bad("%s must be a UTC time in whole seconds", name)
		}
	}
	if !r.AnswerBy.After(r.Created) {
		return nil, bad("answer_by must be after created")
	}
	if r.KeepUntil.Before(r.AnswerBy) || r.KeepUntil.Sub(r.Created) > MaxValidity {
		return nil, bad("keep_until must be after answer_by and within %d days of created", int(MaxValidity.Hours()/24))
	}
	if err := checkLine(r.Purpose, 1, 500); err != nil {
		return nil, refuseErr(CodeBadRequest, err, "purpose")
	}
	if r.LegalBasis != "" {
		if err := checkLine(r.LegalBasis, 1, 300); err != nil {
			return nil, refuseErr(CodeBadRequest, err, "legal_basis")
		}
	}
	if r.CaseReference != "" {
		if err := checkLine(r.CaseReference, 1, 100); err != nil {
			return nil, refuseErr(CodeBadRequest, err, "case_reference")
		}
	}
	if r.Message != "" {
		if err := bundle.CheckMessage(r.Message); err != nil {
			return nil, refuseErr(CodeBadRequest, err, "message")
		}
	}
	if len(r.Scope) == 0 || len(r.Scope) > MaxItems {
		return nil, bad("scope must list 1 to %d categories", MaxItems)
	}
	for i, it := range r.Scope {
		if i > 0 && r.Scope[i-1].Category >= it.Category {
			return nil, bad("scope must be sorted by category, without duplicates")
		}
		def, ok := schema.Lookup(it.Category)
		if !ok {
			return nil, refuse(CodeUnknownCategory, "%q", printable(it.Category))
		}
		if it.Fields != nil && len(it.Fields) == 0 {
			return nil, bad("an empty fields list is left out")
		}
		for j, f := range it.Fields {
			if j > 0 && it.Fields[j-1] >= f {
				return nil, bad("fields must be sorted, without duplicates")
			}
			if _, ok := def.Field(f); !ok {
				return nil, refuse(CodeUnknownField, "%q", printable(it.Category+"."+f))
			}
		}
	}
	card, err := bundle.ParseCard([]byte(r.Card))
	if err != nil {
		return nil, refuseErr(CodeBadCard, err, "card")
	}
	return card, nil
}

// Parsed is a request whose signature verified with the card it carries.
type Parsed struct {
	Request *Request
	Card    *bundle.Card
	File    []byte // the signed file, exactly as it came (after armor or link decoding)
}

// Parse reads a request from a file's bytes, armored text or a kluis:
// link, and checks its form and signature. It does not say whether the
// organisation is known: see Open.
func Parse(input []byte) (*Parsed, error) {
	file, err := Decode(input)
	if err != nil {
		return nil, err
	}
	var r Request
	var card *bundle.Card
	err = signed.Read(file, MaxFile, Format, Domain, &r, func() (ed25519.PublicKey, error) {
		var err error
		if card, err = r.check(); err != nil {
			return nil, err
		}
		return card.PublicKey(), nil
	})
	if err != nil {
		return nil, readRefusal(err)
	}
	return &Parsed{Request: &r, Card: card, File: file}, nil
}

// Expired reports whether the answer-by date has passed at now (with
// Skew): an expired request cannot be answered.
func (r *Request) Expired(now time.Time) bool {
	return !now.Add(-Skew).Before(r.AnswerBy)
}

// Categories are the requested category ids, sorted.
func (r *Request) Categories() []string {
	out := make([]string, 0, len(r.Scope))
	for _, it := range r.Scope {
		out = append(out, it.Category)
	}
	return out
}

// Item returns the requested item of category, if asked.
func (r *Request) Item(category string) (Item, bool) {
	for _, it := range r.Scope {
		if it.Category == category {
			return it, true
		}
	}
	return Item{}, false
}

// Asks reports whether the request asks for field of category.
func (r *Request) Asks(category, field string) bool {
	it, ok := r.Item(category)
	return ok && (it.Fields == nil || slices.Contains(it.Fields, field))
}

// BundleScope is the most an answer may hold, as a bundle scope: the
// requested categories, with every field not asked for left out.
func (r *Request) BundleScope() bundle.Scope {
	s := bundle.Scope{Categories: r.Categories(), Records: []string{}, ExcludedFields: []string{}}
	for _, it := range r.Scope {
		if it.Fields == nil {
			continue
		}
		def, _ := schema.Lookup(it.Category)
		for _, f := range def.Fields {
			if !slices.Contains(it.Fields, f.ID) {
				s.ExcludedFields = append(s.ExcludedFields, it.Category+"."+f.ID)
			}
		}
	}
	slices.Sort(s.ExcludedFields)
	return s
}

// Requests use the signed-file layout of package sync/signed.
var (
	joinSigned     = signed.Join
	marshalCompact = signed.MarshalCompact
)

// splitSigned parses the two-line layout without checking the signature,
// with the refusal codes of this package.
func splitSigned(file []byte) (body, sig []byte, err error) {
	body, sig, err = signed.Split(file, MaxFile)
	if err != nil {
		return nil, nil, readRefusal(err)
	}
	return body, sig, nil
}

// readRefusal turns an error of signed.Split or signed.Read into this
// package's refusal; a refusal of its own passes unchanged.
func readRefusal(err error) error {
	var own *Error
	var body *signed.BodyError
	switch {
	case errors.As(err, &own):
		return err
	case errors.Is(err, signed.ErrTooLarge):
		return refuse(CodeTooLarge, "over %d bytes", MaxFile)
	case errors.Is(err, signed.ErrNotJSON):
		return refuse(CodeNotRequest, "the first line is not a JSON object")
	case errors.As(err, &body) && body.OtherFormat:
		return refuseErr(CodeNotRequest, body.Err, "body")
	case errors.As(err, &body):
		return refuseErr(CodeBadRequest, body.Err, "body")
	case errors.Is(err, signed.ErrNotCanonical):
		return refuse(CodeBadRequest, "not in canonical form")
	case errors.Is(err, signed.ErrSignatureMismatch):
		return refuse(CodeBadSignature, "the signature does not verify with the key of the card it carries")
	default:
		return refuse(CodeUnsigned, "%v", err)
	}
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

var checkLine = signed.CheckLine

var isUUIDv4 = signed.IsUUIDv4

var isCanonicalTime = signed.IsCanonicalTime

var printable = signed.Printable
