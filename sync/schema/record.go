package schema

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Validate normalizes every field of a record typed by a person into a new
// map of canonical values; empty values are left out. It refuses unknown
// fields, missing required fields, invalid values, and a record whose fields
// are all empty. The error is the first *FieldError: unknown fields first
// (in sorted order), then the fields in form order.
//
// Validate reads input, not stored values: money "1250" means 1250 euro
// here. Use CheckCanonical for values that are already canonical.
func (c *Category) Validate(fields map[string]string) (map[string]string, error) {
	out, errs := c.ValidateAll(fields)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}

// ValidateAll is Validate reporting every refused field at once, for a form
// that shows each message next to its field. The map holds the fields that
// were accepted. Besides each value on its own it checks the category's
// Spans: an end date before its start date is refused on the end field
// (CodeDateBeforeStart).
func (c *Category) ValidateAll(fields map[string]string) (map[string]string, []*FieldError) {
	var errs []*FieldError
	for _, id := range sortedKeys(fields) {
		if _, ok := c.Field(id); !ok {
			errs = append(errs, &FieldError{Category: c.ID, Field: id, Code: CodeUnknownField})
		}
	}
	out := make(map[string]string, len(fields))
	for i := range c.Fields {
		f := &c.Fields[i]
		n, err := f.Normalize(fields[f.ID])
		if err != nil {
			errs = append(errs, &FieldError{Category: c.ID, Field: f.ID, Code: codeOf(err)})
			continue
		}
		if n != "" {
			out[f.ID] = n
		}
	}
	for _, s := range c.Spans {
		start, end := out[s.Start], out[s.End]
		if start != "" && end != "" && before(end, start) {
			delete(out, s.End)
			errs = append(errs, &FieldError{Category: c.ID, Field: s.End, Code: CodeDateBeforeStart})
		}
	}
	if len(errs) == 0 && len(out) == 0 {
		errs = append(errs, &FieldError{Category: c.ID, Code: CodeRecordEmpty})
	}
	return out, errs
}

// CheckCanonical checks a record whose values should already be canonical,
// such as one read from a sync pack or an imported bundle: every field is
// known, required fields are present, every value is exactly what Normalize
// would store, no value is empty and the record is not empty. The error is
// a *FieldError.
func (c *Category) CheckCanonical(fields map[string]string) error {
	for _, id := range sortedKeys(fields) {
		f, ok := c.Field(id)
		if !ok {
			return &FieldError{Category: c.ID, Field: id, Code: CodeUnknownField}
		}
		if fields[id] == "" && !f.Required {
			return &FieldError{Category: c.ID, Field: id, Code: CodeNotCanonical}
		}
	}
	for i := range c.Fields {
		f := &c.Fields[i]
		if err := f.CheckCanonical(fields[f.ID]); err != nil {
			return &FieldError{Category: c.ID, Field: f.ID, Code: codeOf(err)}
		}
	}
	if len(fields) == 0 {
		return &FieldError{Category: c.ID, Code: CodeRecordEmpty}
	}
	return nil
}

// ValidateRecord is Validate for a category given by id. An unknown
// category gives a *FieldError with CodeUnknownCategory and an empty Field.
func ValidateRecord(category string, fields map[string]string) (map[string]string, error) {
	c, ok := Lookup(category)
	if !ok {
		return nil, &FieldError{Category: category, Code: CodeUnknownCategory}
	}
	return c.Validate(fields)
}

// maxTitleRunes bounds the length of a title.
const maxTitleRunes = 80

// TitleOf returns the one-line title of a record with canonical values: the
// displayed values of the category's Title fields joined by spaces. When
// those are all empty it uses the first filled field that is not a choice,
// a document reference or sensitive, so that an untranslated id or a BSN
// never shows up in a list. Long titles are cut with "…".
func (c *Category) TitleOf(fields map[string]string) string {
	var parts []string
	for _, id := range c.Title {
		if f, ok := c.Field(id); ok && fields[id] != "" {
			parts = append(parts, oneLine(f.Display(fields[id])))
		}
	}
	if strings.Join(parts, "") == "" {
		parts = parts[:0]
		for i := range c.Fields {
			f := &c.Fields[i]
			if f.Type == Choice || f.Type == DocRef || f.Sensitive || fields[f.ID] == "" {
				continue
			}
			if s := oneLine(f.Display(fields[f.ID])); s != "" {
				parts = append(parts, s)
				break
			}
		}
	}
	title := strings.Join(parts, " ")
	if utf8.RuneCountInString(title) > maxTitleRunes {
		r := []rune(title)
		title = strings.TrimSpace(string(r[:maxTitleRunes-1])) + "…"
	}
	return title
}

// oneLine returns the first non-empty line of s with runs of white space
// turned into single spaces.
func oneLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			return line
		}
	}
	return ""
}

func codeOf(err error) Code {
	if ve, ok := err.(*ValueError); ok {
		return ve.Code
	}
	return CodeNotCanonical
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
