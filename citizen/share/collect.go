package share

import (
	"fmt"
	"slices"
	"strings"

	"kluis/internal/errcode"
	"kluis/sync/bundle"
	"kluis/sync/schema"
	"kluis/vault"
)

// ErrNothing means a scope holds no records: the chosen categories are
// empty and no single record was chosen.
var ErrNothing = errcode.New("share.nothing", "nothing to share: the chosen categories and records are empty")

// A Scope is what the citizen chose to share: whole categories, single
// records (full ids), fields left out everywhere ("income.iban"), and
// documents left out. Documents linked to a shared record go along unless
// left out; documents linked to no shared record never do.
type Scope struct {
	Categories        []string
	Records           []string
	ExcludedFields    []string // "category.field"
	ExcludedDocuments []string // document ids
}

// Check reports the first unknown category or field in s as a
// *schema.FieldError.
func (s Scope) Check() error {
	for _, cat := range s.Categories {
		if _, ok := schema.Lookup(cat); !ok {
			return &schema.FieldError{Category: cat, Code: schema.CodeUnknownCategory}
		}
	}
	for _, cf := range s.ExcludedFields {
		cat, field, _ := strings.Cut(cf, ".")
		def, ok := schema.Lookup(cat)
		if !ok {
			return &schema.FieldError{Category: cat, Code: schema.CodeUnknownCategory}
		}
		if _, ok := def.Field(field); !ok {
			return &schema.FieldError{Category: cat, Field: field, Code: schema.CodeUnknownField}
		}
	}
	return nil
}

// bundleScope is the scope as a manifest states it: each list sorted and
// without duplicates (sharedRecord looks fields up by binary
// search).
func (s Scope) bundleScope() bundle.Scope {
	clone := func(x []string) []string {
		out := slices.Clone(x)
		if out == nil {
			out = []string{}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return bundle.Scope{Categories: clone(s.Categories), Records: clone(s.Records), ExcludedFields: clone(s.ExcludedFields)}
}

// collect reads what a share of scope holds, once: the current version
// of every record in its categories and of every single record, without
// the excluded fields (a record with no field left is left out, also from
// the scope's single records), and the documents linked to those records with the
// size and SHA-256 the vault has for them. NewDraft keeps the result.
//
// A single record that does not exist or is in the recycle bin is an error
// (vault.ErrNotFound, vault.ErrDeleted); an empty result is ErrNothing.
func collect(v *vault.Vault, scope Scope) (bundle.Scope, []bundle.Record, []draftDocument, error) {
	if err := scope.Check(); err != nil {
		return bundle.Scope{}, nil, nil, err
	}
	bs := scope.bundleScope()
	var records []bundle.Record
	seen := map[string]bool{}
	add := func(r vault.Record) {
		if seen[r.ID] {
			return
		}
		// A record with no field left (all empty or excluded) is left
		// out: a bundle carries no empty records.
		if sr := sharedRecord(r, &bs); len(sr.Fields) > 0 {
			seen[r.ID] = true
			records = append(records, sr)
		}
	}
	for _, cat := range scope.Categories {
		recs, err := v.List(cat)
		if err != nil {
			return bundle.Scope{}, nil, nil, err
		}
		for _, r := range recs {
			add(r)
		}
	}
	for _, id := range scope.Records {
		r, err := v.Get(id)
		if err != nil {
			return bundle.Scope{}, nil, nil, fmt.Errorf("record %s: %w", id, err)
		}
		if r.Deleted {
			return bundle.Scope{}, nil, nil, fmt.Errorf("record %s: %w", id, vault.ErrDeleted)
		}
		add(r)
	}
	bs.Records = kept(bs.Records, seen)
	if len(records) == 0 {
		return bundle.Scope{}, nil, nil, ErrNothing
	}
	all, err := v.Documents(false)
	if err != nil {
		return bundle.Scope{}, nil, nil, err
	}
	var docs []draftDocument
	for _, d := range all {
		if d.Record == "" || !seen[d.Record] || slices.Contains(scope.ExcludedDocuments, d.ID) {
			continue
		}
		docs = append(docs, draftDocument{
			Document: bundle.Document{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Record: d.Record},
			Size:     d.Size, SHA256: d.SHA256,
		})
	}
	return bs, records, docs, nil
}

// kept is ids without those not in held.
func kept(ids []string, held map[string]bool) []string {
	out := []string{}
	for _, id := range ids {
		if held[id] {
			out = append(out, id)
		}
	}
	return out
}

// A Preview is exactly what a draft carries, for a person to check before
// anything leaves the machine: every record with the fields that go (in
// the schema's order, real values), and every document. Draft.Preview
// makes it from the draft itself, so it is what Sign signs.
type Preview struct {
	Records   []PreviewRecord
	Documents []PreviewDocument
}

// A PreviewRecord is one record as it would be shared.
type PreviewRecord struct {
	ID       string
	Category string
	Title    string // from the shared fields only, as schema.Category.TitleOf makes it
	Fields   []PreviewField
}

// A PreviewField is one field that would leave. Value is the canonical
// value that goes into the bundle; Display is how a person reads it (money
// as "1.234,56", an IBAN in groups), never masked: a BSN that is shared is
// shown in full. Choices are ids: the caller translates them.
type PreviewField struct {
	ID      string
	Type    schema.Type
	Value   string
	Display string
}

// A PreviewDocument is one document that would leave.
type PreviewDocument struct {
	ID        string
	Name      string
	MediaType string
	Size      int64
	SHA256    string // lower-case hex, as collected: Sign refuses other content
	Record    string // the shared record it belongs to
}

// Size is the total size of the documents.
func (p *Preview) Size() int64 {
	var n int64
	for _, d := range p.Documents {
		n += d.Size
	}
	return n
}

// describe says what records and documents carry, as a Preview.
func describe(records []bundle.Record, docs []draftDocument) *Preview {
	p := &Preview{}
	for _, r := range records {
		fields := r.CanonicalFields()
		pr := PreviewRecord{ID: r.ID, Category: r.Category}
		cat, ok := schema.Lookup(r.Category)
		if ok {
			pr.Title = cat.TitleOf(fields)
			for i := range cat.Fields {
				f := &cat.Fields[i]
				if val, has := fields[f.ID]; has && val != "" {
					pr.Fields = append(pr.Fields, PreviewField{ID: f.ID, Type: f.Type, Value: val, Display: display(f, val)})
					delete(fields, f.ID)
				}
			}
		}
		// Fields the schema does not know (from a newer version) go too.
		for _, id := range sortedKeys(fields) {
			pr.Fields = append(pr.Fields, PreviewField{ID: id, Type: schema.Text, Value: fields[id], Display: fields[id]})
		}
		p.Records = append(p.Records, pr)
	}
	for _, d := range docs {
		p.Documents = append(p.Documents, PreviewDocument{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256, Record: d.Record})
	}
	return p
}

// display is a value as a person reads it, unmasked.
func display(f *schema.Field, v string) string {
	if f.Sensitive || f.Type == schema.BSN {
		return v
	}
	return f.Display(v)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
