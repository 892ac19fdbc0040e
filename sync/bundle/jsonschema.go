package bundle

import (
	"kluis/sync/schema"
)

// RecordsJSONSchema returns the JSON Schema (draft 2020-12) of
// records.json, generated from the vault's schema. docs/schema/
// records.schema.json is this value; a test keeps the two equal.
//
// The JSON Schema checks the shape and the form of values. A reader must
// still check what JSON Schema cannot say: elfproef of a BSN, mod-97 of an
// IBAN, real calendar dates, canonical forms (docs/FORMAT.md), and the
// scope rules against the manifest (a field required by the category may
// only be absent when the manifest's scope excludes it).
func RecordsJSONSchema() map[string]any {
	defs := map[string]any{
		"uuid": map[string]any{"type": "string",
			"pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
		"time": map[string]any{"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
		"document": map[string]any{
			"type": "object", "additionalProperties": false,
			"required": []string{"id", "name", "media_type"},
			"properties": map[string]any{
				"id":         map[string]any{"$ref": "#/$defs/uuid"},
				"name":       map[string]any{"type": "string", "minLength": 1, "maxLength": 255},
				"media_type": map[string]any{"type": "string", "pattern": "^[^/]+/[^/]+$"},
				"record":     map[string]any{"$ref": "#/$defs/uuid"},
			},
		},
	}
	var oneOf []any
	for _, c := range schema.Categories() {
		fields := map[string]any{}
		for _, f := range c.Fields {
			fields[f.ID] = fieldSchema(f)
		}
		defs["category."+c.ID] = map[string]any{
			"type": "object", "additionalProperties": false,
			"required": []string{"id", "category", "version", "modified", "fields"},
			"properties": map[string]any{
				"id":       map[string]any{"$ref": "#/$defs/uuid"},
				"category": map[string]any{"const": c.ID},
				"version":  map[string]any{"type": "integer", "minimum": 1},
				"modified": map[string]any{"$ref": "#/$defs/time"},
				"fields": map[string]any{"type": "object", "additionalProperties": false, "minProperties": 1,
					"properties": fields},
			},
		}
		oneOf = append(oneOf, map[string]any{"$ref": "#/$defs/category." + c.ID})
	}
	return map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         "urn:kluis:schema:records:v1",
		"title":       "Kluis records.json (kluis-records/v1)",
		"description": "The records and document metadata inside a Kluis share bundle. See docs/FORMAT.md for the checks JSON Schema cannot express.",
		"type":        "object", "additionalProperties": false,
		"required": []string{"format", "records", "documents"},
		"properties": map[string]any{
			"format":    map[string]any{"const": RecordsFormat},
			"records":   map[string]any{"type": "array", "items": map[string]any{"oneOf": oneOf}},
			"documents": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/document"}},
		},
		"$defs": defs,
	}
}

func fieldSchema(f schema.Field) map[string]any {
	s := map[string]any{}
	if f.Required {
		s["description"] = "required by the category, unless the manifest's scope excludes it"
	}
	switch f.Type {
	case schema.Money:
		s["type"], s["minimum"], s["maximum"] = "integer", -schema.MaxCents, schema.MaxCents
		s["description"] = "euro cents"
	case schema.Number:
		s["type"], s["minimum"], s["maximum"] = "integer", 0, schema.MaxNumber
	case schema.Text:
		s["type"], s["minLength"], s["maxLength"] = "string", 1, schema.MaxTextRunes
	case schema.LongText:
		s["type"], s["minLength"], s["maxLength"] = "string", 1, schema.MaxLongTextRunes
	case schema.Date:
		s["type"], s["pattern"] = "string", "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
	case schema.BSN:
		s["type"], s["pattern"] = "string", "^[0-9]{9}$"
	case schema.IBAN:
		s["type"], s["pattern"] = "string", "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"
	case schema.Postcode:
		s["type"], s["pattern"] = "string", "^[1-9][0-9]{3} [A-Z]{2}$"
	case schema.Phone:
		s["type"], s["pattern"] = "string", "^\\+?[0-9]{8,15}$"
	case schema.Email:
		s["type"], s["pattern"] = "string", "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"
	case schema.Choice:
		s["enum"] = f.Choices
	case schema.DocRef:
		s["$ref"] = "#/$defs/uuid"
	default:
		s["type"] = "string"
	}
	return s
}
