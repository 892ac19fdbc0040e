// Package i18n gives Kluis's messages to people in their language: labels,
// the CLI's output and, above all, errors. It reads the translation files
// embedded in package assets (en.json and nl.json: flat maps from a key to
// a Go text/template, such as "{{.Path}}", the same placeholders Fyne's lang
// package uses), so the desktop app and the CLIs say the same thing in the
// same words.
//
// Load a Catalog once and ask it for text:
//
//	cat := i18n.Load(i18n.Lang())      // Dutch when the locale says nl, else English
//	fmt.Println(cat.T("cli.rm.done", map[string]any{"ID": id}))
//	fmt.Fprintln(os.Stderr, cat.Error(err)) // any error with a code (package errcode), said plainly
//
// A key missing in the chosen language falls back to English, and a key
// missing in English too falls back to the key itself, so a missing
// translation shows up as a visible key, never as an empty message.
//
// A message that counts something has two forms, under the keys
// "<key>.one" and "<key>.other" ("1 document", "{{.N}} documenten"); N
// picks the form for a count, as PluralKey does for the app's own lookups.
// Dutch and English both use the one form for exactly 1 and the other form
// for everything else, 0 included. (The labels of options,
// "choice.<category>.<field>.<option>", are never counts: an option may be
// called "other".)
//
// This package never imports Fyne or any other GUI package, and never
// prints: it only turns keys and errors into strings. It imports no Kluis
// package but assets and errcode, so the municipality's intake can use it
// without the citizen's vault: errors reach it only through their codes,
// and activity-log actions by their string value.
package i18n

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"kluis/assets"
)

// Languages Kluis has translations for. English is the fallback.
const (
	English = "en"
	Dutch   = "nl"
)

// A Catalog holds the messages of one language plus the English ones to
// fall back on. It is safe for concurrent use.
type Catalog struct {
	lang     string
	msgs     map[string]string
	fallback map[string]string

	mu        sync.Mutex
	templates map[string]*template.Template
}

// Lang returns the language the environment asks for, following the POSIX
// order: the first non-empty of LC_ALL, LC_MESSAGES and LANG decides. It
// returns Dutch when that value starts with "nl" (nl_NL.UTF-8, nl_BE, nl),
// English otherwise, also when none is set.
func Lang() string { return LangFrom(os.Getenv) }

// LangFrom is Lang reading the environment through getenv.
func LangFrom(getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if strings.HasPrefix(strings.ToLower(v), Dutch) {
				return Dutch
			}
			return English
		}
	}
	return English
}

// Load returns the catalog for lang ("nl" or "en"). An unknown language
// gives the English catalog. Load never fails: a translation file that
// cannot be read leaves its keys to the fallbacks, and the test of this
// package makes sure the shipped files can be read.
func Load(lang string) *Catalog {
	if lang != Dutch {
		lang = English
	}
	c := &Catalog{lang: lang, fallback: readFile(English), templates: map[string]*template.Template{}}
	c.msgs = c.fallback
	if lang != English {
		c.msgs = readFile(lang)
	}
	return c
}

func readFile(lang string) map[string]string {
	data, err := fs.ReadFile(assets.Translations, lang+".json")
	if err != nil {
		return map[string]string{}
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return map[string]string{}
	}
	return m
}

// Lang is the catalog's language: "nl" or "en".
func (c *Catalog) Lang() string { return c.lang }

// Has reports whether key has a message in the catalog's own language,
// without falling back to English.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[key]
	return ok
}

// T returns the message for key with data filled into its placeholders
// ({{.Name}} takes data["Name"]). A key missing in this language uses the
// English message; one missing there too returns the key itself. A message
// whose template does not run is returned with its placeholders as they
// are, rather than not at all.
func (c *Catalog) T(key string, data map[string]any) string {
	msg, ok := c.msgs[key]
	if !ok {
		if msg, ok = c.fallback[key]; !ok {
			return key
		}
	}
	if !strings.Contains(msg, "{{") {
		return msg
	}
	tmpl, err := c.template(key, msg)
	if err != nil {
		return msg
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return msg
	}
	return b.String()
}

// N returns the message for a count n: the one form ("<key>.one") when n
// is 1, the other form ("<key>.other") otherwise, with n filled in as
// {{.N}} beside data.
func (c *Catalog) N(key string, n int, data map[string]any) string {
	d := make(map[string]any, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	d["N"] = n
	return c.T(PluralKey(key, n), d)
}

// PluralKey is the key of the form of key's message for a count n:
// "<key>.one" for 1, "<key>.other" for any other number. Dutch and English
// need no more forms than these two.
func PluralKey(key string, n int) string {
	if n == 1 {
		return key + ".one"
	}
	return key + ".other"
}

func (c *Catalog) template(key, msg string) (*template.Template, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.templates[key]; ok {
		return t, nil
	}
	t, err := template.New(key).Option("missingkey=zero").Parse(msg)
	if err != nil {
		return nil, err
	}
	c.templates[key] = t
	return t, nil
}

// Category returns the label of a schema category, such as "Inkomen" for
// "income". An unknown id is returned quoted, so it never looks like a
// label.
func (c *Catalog) Category(id string) string {
	return c.label("category."+id, id)
}

// Field returns the label of a field of a category, such as "Burgerservice-
// nummer (BSN)" for personal.bsn. An unknown field is returned quoted.
func (c *Catalog) Field(category, field string) string {
	return c.label("field."+category+"."+field, field)
}

// Choice returns the label of one option of a choice field. An unknown
// option is returned as it is stored.
func (c *Catalog) Choice(category, field, choice string) string {
	if msg, ok := c.lookup("choice." + category + "." + field + "." + choice); ok {
		return msg
	}
	return choice
}

func (c *Catalog) lookup(key string) (string, bool) {
	if msg, ok := c.msgs[key]; ok {
		return msg, true
	}
	msg, ok := c.fallback[key]
	return msg, ok
}

func (c *Catalog) label(key, id string) string {
	if msg, ok := c.lookup(key); ok {
		return msg
	}
	return printable(id)
}

// printable quotes an id that is not a plain machine id and shortens a long
// one, so text that came from outside never brings control characters or a
// flood of text into a message.
func printable(id string) string {
	const max = 40
	if r := []rune(id); len(r) > max {
		id = string(r[:max]) + "…"
	}
	return strconv.Quote(id)
}
