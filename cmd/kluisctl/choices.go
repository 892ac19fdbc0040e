package main

import (
	"strings"
	"sync"

	"kluis/internal/i18n"
	"kluis/sync/schema"
)

// People type a choice as they see it: relation=kind or relation="Ander
// familielid" as well as relation=child. A value of a choice field is taken
// as the choice whose key, Dutch label or English label it is, ignoring
// case and extra spaces (and, for the key, "_" for a space). A value that
// names no choice, or more than one, is left as typed: the schema then
// refuses it, and the message lists the choices (hint).

// choiceCatalogs are the two languages whose labels are accepted, whatever
// the person's own language.
var choiceCatalogs = sync.OnceValue(func() []*i18n.Catalog {
	return []*i18n.Catalog{i18n.Load(i18n.Dutch), i18n.Load(i18n.English)}
})

// choiceKeys returns fields with the value of every choice field of
// category turned into its choice key where it names one; the map given is
// not changed.
func choiceKeys(category string, fields map[string]string) map[string]string {
	cat, ok := schema.Lookup(category)
	if !ok {
		return fields
	}
	out := make(map[string]string, len(fields))
	for k, val := range fields {
		if f, ok := cat.Field(k); ok && f.Type == schema.Choice {
			if key, ok := choiceKey(category, f, val); ok {
				val = key
			}
		}
		out[k] = val
	}
	return out
}

// choiceKey returns the choice of f (in category) that s names.
func choiceKey(category string, f *schema.Field, s string) (string, bool) {
	want := foldChoice(s)
	if want == "" {
		return "", false
	}
	found := ""
	for _, key := range f.Choices {
		names := []string{key, strings.ReplaceAll(key, "_", " ")}
		for _, cat := range choiceCatalogs() {
			names = append(names, cat.Choice(category, f.ID, key))
		}
		for _, n := range names {
			if foldChoice(n) != want {
				continue
			}
			if found != "" && found != key {
				return "", false // names two choices: let the schema say so
			}
			found = key
		}
	}
	return found, found != ""
}

// foldChoice lower-cases s and keeps single spaces between its words.
func foldChoice(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// choiceLabels lists the choices of a field by their labels in the
// person's language, for a message: "Partner, Kind, Ouder".
func (c *cli) choiceLabels(category, field string) string {
	cat, ok := schema.Lookup(category)
	if !ok {
		return ""
	}
	f, ok := cat.Field(field)
	if !ok || f.Type != schema.Choice {
		return ""
	}
	labels := make([]string, 0, len(f.Choices))
	for _, key := range f.Choices {
		labels = append(labels, c.cat.Choice(category, field, key))
	}
	return strings.Join(labels, ", ")
}
