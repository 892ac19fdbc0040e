package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// labelKeys returns every label key this package needs.
func labelKeys() []string {
	var keys []string
	for _, c := range Categories() {
		keys = append(keys, "category."+c.ID)
		for _, f := range c.Fields {
			keys = append(keys, "field."+c.ID+"."+f.ID)
			for _, ch := range f.Choices {
				keys = append(keys, "choice."+c.ID+"."+f.ID+"."+ch)
			}
		}
	}
	for _, code := range Codes() {
		keys = append(keys, code.LabelKey())
	}
	for _, typ := range Types() {
		keys = append(keys, "type."+string(typ))
	}
	return keys
}

// readLabels reads a translation file and checks that it is one flat JSON
// object of strings with unique keys in sorted order.
func readLabels(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object: %v", path, err)
	}
	labels := map[string]string{}
	prev := ""
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		key := tok.(string)
		var value string
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("%s: value of %q is not a string: %v", path, key, err)
		}
		if _, dup := labels[key]; dup {
			t.Errorf("%s: key %q appears twice", path, key)
		}
		if key < prev {
			t.Errorf("%s: key %q is not in sorted order (after %q)", path, key, prev)
		}
		prev = key
		labels[key] = value
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		t.Fatalf("%s: object not closed: %v", path, err)
	}
	if _, err := dec.Token(); err == nil {
		t.Fatalf("%s: data after the object", path)
	}
	return labels
}

func TestLabels(t *testing.T) {
	en := readLabels(t, "../../assets/en.json")
	nl := readLabels(t, "../../assets/nl.json")
	for _, key := range labelKeys() {
		for lang, labels := range map[string]map[string]string{"en": en, "nl": nl} {
			if strings.TrimSpace(labels[key]) == "" {
				t.Errorf("%s.json has no label for %q", lang, key)
			}
		}
	}
	var enKeys, nlKeys []string
	for k := range en {
		enKeys = append(enKeys, k)
	}
	for k := range nl {
		nlKeys = append(nlKeys, k)
	}
	slices.Sort(enKeys)
	slices.Sort(nlKeys)
	for _, k := range enKeys {
		if _, ok := nl[k]; !ok {
			t.Errorf("%q is in en.json but not in nl.json", k)
		}
	}
	for _, k := range nlKeys {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in nl.json but not in en.json", k)
		}
	}
	// The Dutch category names are fixed by the design.
	for id, want := range map[string]string{
		"personal": "Persoonlijke gegevens", "household": "Huishouden", "housing": "Wonen",
		"income": "Inkomen", "costs": "Vaste lasten", "debts": "Schulden",
		"care": "Zorg en ondersteuning", "network": "Netwerk", "goals": "Doelen",
	} {
		if nl["category."+id] != want {
			t.Errorf("nl category.%s = %q, want %q", id, nl["category."+id], want)
		}
	}
}
