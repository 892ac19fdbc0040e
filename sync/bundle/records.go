package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"kluis/sync/schema"
)

// RecordsFormat is the format id of records.json.
const RecordsFormat = "kluis-records/v1"

// Records is the content of records.json: the shared records and the
// metadata of the shared documents. docs/schema/records.schema.json is its
// JSON Schema.
type Records struct {
	Format    string     `json:"format"` // RecordsFormat
	Records   []Record   `json:"records"`
	Documents []Document `json:"documents"`
}

// A Record is one shared record: its current version, without the fields
// the citizen left out. Field values are as in the vault's record JSON:
// money and numbers as JSON integers (money in euro cents), everything
// else as canonical strings.
type Record struct {
	ID       string         `json:"id"`
	Category string         `json:"category"`
	Version  uint64         `json:"version"`
	Modified time.Time      `json:"modified"`
	Fields   map[string]any `json:"fields"`
}

// A Document is the metadata of one shared document. Its content is the
// archive entry documents/<id>/<name>.
type Document struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Record    string `json:"record,omitempty"` // the record it belongs to, when shared too
}

// Path is the document's archive entry name.
func (d Document) Path() string { return documentsDir + d.ID + "/" + d.Name }

// CanonicalFields returns a shared record's fields in their canonical
// string form (as the vault stores them).
func (r Record) CanonicalFields() map[string]string {
	out := make(map[string]string, len(r.Fields))
	cat, ok := schema.Lookup(r.Category)
	for k, v := range r.Fields {
		if ok {
			if f, known := cat.Field(k); known {
				if s, err := f.FromJSONValue(v); err == nil {
					out[k] = s
					continue
				}
			}
		}
		out[k] = fmt.Sprint(v)
	}
	return out
}

// parseRecords decodes records.json and checks it against the schema and
// the manifest: the format, every record's category, id and fields
// (canonical values, checked with schema.Field.CheckCanonical through
// FromJSONValue; required fields present unless the scope leaves them
// out), every record in scope, no excluded field present, no duplicate id,
// and the documents matching the manifest's document entries one to one,
// in order.
func parseRecords(b []byte, m *Manifest) (*Records, error) {
	bad := func(format string, args ...any) error { return refuse(CodeBadRecords, format, args...) }
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var rs Records
	if err := dec.Decode(&rs); err != nil {
		return nil, refuseErr(CodeBadRecords, err, "not records JSON")
	}
	if _, err := dec.Token(); err == nil {
		return nil, bad("data after the JSON value")
	}
	if rs.Format != RecordsFormat {
		return nil, bad("unknown format %q", printable(rs.Format))
	}
	if rs.Records == nil || rs.Documents == nil {
		return nil, bad("records and documents must be present (possibly empty)")
	}
	seen := map[string]bool{}
	for i := range rs.Records {
		r := &rs.Records[i]
		if !isUUIDv4(r.ID) || seen[r.ID] {
			return nil, bad("record %d: id missing, malformed or repeated", i)
		}
		seen[r.ID] = true
		cat, ok := schema.Lookup(r.Category)
		if !ok {
			return nil, bad("record %d: unknown category", i)
		}
		if !m.Scope.covers(r.Category, r.ID) {
			return nil, bad("record %d is outside the manifest's scope", i)
		}
		if r.Version == 0 || !isCanonicalTime(r.Modified) {
			return nil, bad("record %d: version and modified are required", i)
		}
		if len(r.Fields) == 0 {
			return nil, bad("record %d has no fields", i)
		}
		for _, k := range slices.Sorted(maps.Keys(r.Fields)) {
			f, ok := cat.Field(k)
			if !ok {
				return nil, &Error{Code: CodeBadRecords, Detail: fmt.Sprintf("record %d", i),
					Err: &schema.FieldError{Category: cat.ID, Field: k, Code: schema.CodeUnknownField}}
			}
			if m.Scope.Excludes(cat.ID, k) {
				return nil, bad("record %d holds the excluded field %s.%s", i, cat.ID, k)
			}
			s, err := f.FromJSONValue(r.Fields[k])
			if err == nil && s == "" {
				err = &schema.ValueError{Code: schema.CodeNotCanonical}
			}
			if err != nil {
				return nil, &Error{Code: CodeBadRecords, Detail: fmt.Sprintf("record %d", i),
					Err: &schema.FieldError{Category: cat.ID, Field: k, Code: codeOf(err)}}
			}
			r.Fields[k] = f.JSONValue(s)
		}
		for _, f := range cat.Fields {
			if _, ok := r.Fields[f.ID]; f.Required && !ok && !m.Scope.Excludes(cat.ID, f.ID) {
				return nil, &Error{Code: CodeBadRecords, Detail: fmt.Sprintf("record %d", i),
					Err: &schema.FieldError{Category: cat.ID, Field: f.ID, Code: schema.CodeRequired}}
			}
		}
	}
	docEntries := m.Entries[1:]
	if len(rs.Documents) != len(docEntries) {
		return nil, bad("%d documents described, the manifest has %d", len(rs.Documents), len(docEntries))
	}
	for i, d := range rs.Documents {
		if !isUUIDv4(d.ID) || d.Path() != docEntries[i].Path {
			return nil, bad("document %d does not match manifest entry %d", i, i+1)
		}
		if err := checkLine(d.MediaType, 1, 255); err != nil || !strings.Contains(d.MediaType, "/") {
			return nil, bad("document %d: media_type is not a media type", i)
		}
		if d.Record != "" && !seen[d.Record] {
			return nil, bad("document %d belongs to a record that is not in the bundle", i)
		}
	}
	return &rs, nil
}

func codeOf(err error) schema.Code {
	switch e := err.(type) {
	case *schema.ValueError:
		return e.Code
	case *schema.FieldError:
		return e.Code
	}
	return schema.CodeNotCanonical
}
