package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"kluis/assets"
)

// ownPrefixes are the key prefixes this package and kluisctl own.
var ownPrefixes = []string{"cli.", "error.vault."}

func isOwnKey(s string) bool {
	for _, p := range ownPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

var keyPattern = regexp.MustCompile(`^(cli|error\.vault)\.[a-z0-9_.]+[a-z0-9_]$`)

// usedKeys returns every string literal that looks like one of our message
// keys in the non-test Go files of dirs.
func usedKeys(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	keys := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && keyPattern.MatchString(s) {
					keys[s] = fset.Position(lit.Pos()).String()
				}
				return true
			})
		}
	}
	return keys
}

func readLang(t *testing.T, lang string) map[string]string {
	t.Helper()
	data, err := fs.ReadFile(assets.Translations, lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

// TestUsedKeysExist checks that every key kluisctl and this package use has
// a message in English and in Dutch (a count's key both its forms, "<key>.one"
// and "<key>.other"), and that no cli.* key is left unused.
// (The error.* keys said through a code are checked in codes_test.go.)
func TestUsedKeysExist(t *testing.T) {
	used := usedKeys(t, ".", "../../cmd/kluisctl")
	if len(used) < 50 {
		t.Fatalf("found only %d keys in the sources; is the scan broken?", len(used))
	}
	for _, lang := range []string{English, Dutch} {
		msgs := readLang(t, lang)
		for key, where := range used {
			if msgs[key] == "" && (msgs[PluralKey(key, 1)] == "" || msgs[PluralKey(key, 2)] == "") {
				t.Errorf("%s.json has no message for %q (used at %s)", lang, key, where)
			}
		}
		for key := range msgs {
			base := strings.TrimSuffix(strings.TrimSuffix(key, ".one"), ".other")
			if strings.HasPrefix(key, "cli.") && used[key] == "" && used[base] == "" {
				t.Errorf("%s.json has %q, which no code uses", lang, key)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)

// TestTemplatesMatch checks that our messages are valid templates and that
// the Dutch one of each key fills in the same placeholders as the English.
func TestTemplatesMatch(t *testing.T) {
	en, nl := readLang(t, English), readLang(t, Dutch)
	names := func(s string) []string {
		var out []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for key, msg := range en {
		if !isOwnKey(key) {
			continue
		}
		for lang, m := range map[string]string{English: msg, Dutch: nl[key]} {
			if strings.Count(m, "{{") != len(placeholder.FindAllString(m, -1)) {
				t.Errorf("%s %s: only {{.Name}} placeholders are expected: %q", lang, key, m)
			}
		}
		if a, b := names(msg), names(nl[key]); !slices.Equal(a, b) {
			t.Errorf("%s: English fills in %v, Dutch %v", key, a, b)
		}
	}
}

// TestActionsLabelled parses vault's Action constants and checks that each
// has a label in both languages.
func TestActionsLabelled(t *testing.T) {
	src, err := os.ReadFile("../../vault/audit.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s*Action[A-Za-z]+\s+Action\s*=\s*("[^"]+")`)
	matches := re.FindAllSubmatch(src, -1)
	if len(matches) < 10 {
		t.Fatalf("found only %d Action constants in vault/audit.go", len(matches))
	}
	for _, m := range matches {
		a, _ := strconv.Unquote(string(m[1]))
		for _, lang := range []string{English, Dutch} {
			cat := Load(lang)
			key, ok := actionKeys[a]
			if !ok || !cat.Has(key) {
				t.Errorf("%s: action %q has no label", lang, a)
				continue
			}
			if got := cat.Action(a); got == a {
				t.Errorf("%s: Action(%q) is not translated", lang, a)
			}
		}
	}
	if got := Load(Dutch).Action("future.thing"); got != "future.thing" {
		t.Errorf("unknown action = %q, want its id", got)
	}
}

// TestNoGUIDependency keeps Fyne (and the app) out of this package and of
// kluisctl, so the CLI stays small and headless, and keeps this package
// free of every Kluis package but assets and errcode: the municipality's
// intake imports it, and errors reach it only through their codes.
func TestNoGUIDependency(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	out, err := exec.Command("go", "list", "-deps", "kluis/internal/i18n", "kluis/cmd/kluisctl").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") || dep == "kluis/app" {
			t.Errorf("internal/i18n or cmd/kluisctl depends on %s", dep)
		}
	}
	out, err = exec.Command("go", "list", "-deps", "kluis/internal/i18n").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case "kluis/internal/i18n", "kluis/assets", "kluis/internal/errcode":
		default:
			if strings.HasPrefix(dep, "kluis/") {
				t.Errorf("internal/i18n depends on %s", dep)
			}
		}
	}
}

func TestLangFrom(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, English},
		{map[string]string{"LANG": "nl_NL.UTF-8"}, Dutch},
		{map[string]string{"LANG": "nl_BE"}, Dutch},
		{map[string]string{"LANG": "en_GB.UTF-8"}, English},
		{map[string]string{"LANG": "C"}, English},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "nl_NL.UTF-8"}, Dutch},
		{map[string]string{"LANG": "nl_NL.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, English},
		{map[string]string{"LANG": "en_US", "LC_MESSAGES": "en_US", "LC_ALL": "nl_NL"}, Dutch},
		{map[string]string{"LANG": "nl_NL", "LC_ALL": "C"}, English},
		{map[string]string{"LANG": "nl_NL", "LC_ALL": ""}, Dutch}, // empty means unset
	}
	for _, tc := range cases {
		if got := LangFrom(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("LangFrom(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

// TestN: a count picks the one form for 1 and the other form for 0, 2 and
// more, in both languages, and fills in the count and the other data.
func TestN(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{Dutch, 0, "0 gegevens"},
		{Dutch, 1, "1 gegeven"},
		{Dutch, 2, "2 gegevens"},
		{English, 0, "0 records"},
		{English, 1, "1 record"},
		{English, 2, "2 records"},
	} {
		if got := Load(tc.lang).N("cli.count.records", tc.n, nil); got != tc.want {
			t.Errorf("%s: N(cli.count.records, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	c := &Catalog{lang: English, msgs: map[string]string{"k.one": "one {{.Name}}", "k.other": "{{.N}} {{.Name}}s"},
		templates: map[string]*template.Template{}}
	c.fallback = c.msgs
	data := map[string]any{"Name": "file"}
	if got := c.N("k", 1, data); got != "one file" {
		t.Errorf("N(k, 1) = %q", got)
	}
	if got := c.N("k", 3, data); got != "3 files" {
		t.Errorf("N(k, 3) = %q", got)
	}
	if _, ok := data["N"]; ok {
		t.Error("N changed the caller's data")
	}
}

func TestT(t *testing.T) {
	c := &Catalog{
		lang:      Dutch,
		msgs:      map[string]string{"a": "Hallo {{.Name}}", "bad": "{{.Name"},
		fallback:  map[string]string{"a": "Hello {{.Name}}", "b": "Only English"},
		templates: map[string]*template.Template{},
	}
	for _, tc := range []struct{ key, want string }{
		{"a", "Hallo Fatima"},
		{"b", "Only English"},
		{"c", "c"},
		{"bad", "{{.Name"},
	} {
		if got := c.T(tc.key, map[string]any{"Name": "Fatima"}); got != tc.want {
			t.Errorf("T(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
	if got := Load("fr").Lang(); got != English {
		t.Errorf("Load(fr).Lang() = %q, want en", got)
	}
	if got := Load(Dutch).Category("income"); got != "Inkomen" {
		t.Errorf("Category(income) = %q", got)
	}
	if got := Load(English).Choice("income", "period", "month"); got == "month" {
		t.Errorf("Choice(income.period.month) is not translated")
	}
}

// TestLastDay: an end time is shown as the last day it covers; one at
// midnight covers the day before.
func TestLastDay(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	old := time.Local
	time.Local = ams
	defer func() { time.Local = old }()
	for _, tc := range []struct {
		end  time.Time
		want string
	}{
		{time.Date(2027, 12, 5, 0, 0, 0, 0, ams), "2027-12-04"},
		{time.Date(2027, 12, 4, 23, 59, 59, 0, ams), "2027-12-04"},
		{time.Date(2027, 12, 4, 10, 0, 0, 0, ams), "2027-12-04"},
		{time.Date(2027, 12, 4, 23, 0, 0, 0, time.UTC), "2027-12-04"}, // 5 Dec 00:00 in Amsterdam
		{time.Date(2027, 12, 4, 23, 0, 1, 0, time.UTC), "2027-12-05"},
	} {
		if got := LastDay(tc.end).Format(time.DateOnly); got != tc.want {
			t.Errorf("LastDay(%v) = %s, want %s", tc.end, got, tc.want)
		}
	}
	if !AtMidnight(time.Date(2027, 12, 4, 23, 0, 0, 0, time.UTC)) || AtMidnight(time.Date(2027, 12, 4, 23, 59, 59, 0, ams)) {
		t.Error("AtMidnight is wrong")
	}
	// 28 March 2027 has 23 hours in Amsterdam, 31 October 2027 has 25.
	for _, day := range []time.Time{time.Date(2027, 3, 28, 0, 0, 0, 0, ams), time.Date(2027, 10, 31, 0, 0, 0, 0, ams), time.Date(2027, 12, 4, 0, 0, 0, 0, ams)} {
		end := EndOfDay(day, ams)
		if end.Day() != day.Day() || end.Hour() != 23 || end.Minute() != 59 || end.Second() != 59 {
			t.Errorf("EndOfDay(%v) = %v", day, end)
		}
	}
}
