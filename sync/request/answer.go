package request

import (
	"slices"
	"time"

	"kluis/sync/bundle"
)

// CheckAnswer checks, on the organisation's side, that a verified bundle
// answers r and holds no more than r asks: its manifest names r's id and
// case reference, it was made before the answer-by date (with Skew), every
// category in its scope and every record and field in its records was
// asked for, and every document belongs to one of its records. A bundle
// may hold less than was asked (the citizen may leave things out).
func (r *Request) CheckAnswer(m *bundle.Manifest, rs *bundle.Records) error {
	if m.RequestID != r.ID {
		return refuse(CodeNotTheRequest, "the bundle answers request %q", m.RequestID)
	}
	if m.CaseReference != r.CaseReference {
		return refuse(CodeNotTheRequest, "the bundle names case %q, the request %q", printable(m.CaseReference), printable(r.CaseReference))
	}
	if m.Created.After(r.AnswerBy.Add(Skew)) {
		return refuse(CodeAnswerLate, "made %s, to answer by %s", m.Created.Format(time.RFC3339), r.AnswerBy.Format(time.RFC3339))
	}
	for _, cat := range m.Scope.Categories {
		if _, ok := r.Item(cat); !ok {
			return refuse(CodeExceeds, "category %s was not asked for", cat)
		}
	}
	ids := map[string]bool{}
	for _, rec := range rs.Records {
		ids[rec.ID] = true
		if _, ok := r.Item(rec.Category); !ok {
			return refuse(CodeExceeds, "category %s was not asked for", rec.Category)
		}
		for field := range rec.Fields {
			if !r.Asks(rec.Category, field) {
				return refuse(CodeExceeds, "field %s.%s was not asked for", rec.Category, field)
			}
		}
	}
	for _, id := range m.Scope.Records {
		if !ids[id] {
			return refuse(CodeExceeds, "the scope names a record the bundle does not hold")
		}
	}
	for _, d := range rs.Documents {
		if d.Record == "" || !ids[d.Record] {
			return refuse(CodeExceeds, "document %s belongs to no answered record", d.ID)
		}
	}
	return nil
}

// Covers reports whether a bundle scope stays within what r asks: every
// category asked for, and every field not asked for left out.
func (r *Request) Covers(s bundle.Scope) bool {
	max := r.BundleScope()
	for _, c := range s.Categories {
		if !slices.Contains(max.Categories, c) {
			return false
		}
	}
	for _, f := range max.ExcludedFields {
		if !slices.Contains(s.ExcludedFields, f) {
			return false
		}
	}
	return true
}
