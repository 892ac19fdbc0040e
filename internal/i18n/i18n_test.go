package i18n

import (
	"encoding/json"
	"errors"
	"fmt"
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

	"kluis/assets"
	"kluis/sync/schema"
	"kluis/vault"
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
// a message in English and in Dutch, and that no key of ours is left
// unused.
func TestUsedKeysExist(t *testing.T) {
	used := usedKeys(t, ".", "../../cmd/kluisctl")
	if len(used) < 50 {
		t.Fatalf("found only %d keys in the sources; is the scan broken?", len(used))
	}
	for _, lang := range []string{English, Dutch} {
		msgs := readLang(t, lang)
		for key, where := range used {
			if msgs[key] == "" {
				t.Errorf("%s.json has no message for %q (used at %s)", lang, key, where)
			}
		}
		for key := range msgs {
			if isOwnKey(key) && used[key] == "" {
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

// sentinels lists every exported error variable of package vault by name.
// TestSentinelErrorsMapped fails when vault gains one that is not here.
var vaultSentinels = map[string]error{
	"ErrLocked":           vault.ErrLocked,
	"ErrWrongPassphrase":  vault.ErrWrongPassphrase,
	"ErrWrongRecoveryKey": vault.ErrWrongRecoveryKey,
	"ErrWeakPassphrase":   vault.ErrWeakPassphrase,
	"ErrInUse":            vault.ErrInUse,
	"ErrDamaged":          vault.ErrDamaged,
	"ErrNotFound":         vault.ErrNotFound,
	"ErrExists":           vault.ErrExists,
	"ErrNewerFormat":      vault.ErrNewerFormat,
	"ErrDiskFull":         vault.ErrDiskFull,
	"ErrKDFParameters":    vault.ErrKDFParameters,
	"ErrDeleted":          vault.ErrDeleted,
	"ErrNotDeleted":       vault.ErrNotDeleted,
	"ErrCanceled":         vault.ErrCanceled,
	"ErrNotBackup":        vault.ErrNotBackup,
	"ErrBadObjectKey":     vault.ErrBadObjectKey,
	"ErrBadDocumentName":  vault.ErrBadDocumentName,
	"ErrBadRecord":        vault.ErrBadRecord,
	"ErrDocumentConflict": vault.ErrDocumentConflict,
	"ErrTooLarge":         vault.ErrTooLarge,
}

// exportedErrVars parses package vault's sources for exported variables
// named Err….
func exportedErrVars(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("../../vault/*.go")
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if strings.HasPrefix(n.Name, "Err") {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("found no Err variables in ../../vault")
	}
	return names
}

// TestSentinelErrorsMapped checks that every vault sentinel error, also
// wrapped, gets its own message in both languages, not the general
// fallback.
func TestSentinelErrorsMapped(t *testing.T) {
	for _, name := range exportedErrVars(t) {
		if _, ok := vaultSentinels[name]; !ok {
			t.Errorf("vault.%s has no entry in this test (and maybe no message in Error)", name)
		}
	}
	for _, lang := range []string{English, Dutch} {
		cat := Load(lang)
		seen := map[string]string{}
		for name, err := range vaultSentinels {
			for _, e := range []error{err, fmt.Errorf("failed to do something: %w", err)} {
				msg := cat.Error(e)
				checkMessage(t, cat, name, msg, e)
			}
			msg := cat.Error(err)
			if other, dup := seen[msg]; dup {
				t.Errorf("%s: %s and %s have the same message %q", lang, name, other, msg)
			}
			seen[msg] = name
		}
	}
}

// checkMessage fails when msg is empty, the general fallback, an untranslated
// key or an unfilled template.
func checkMessage(t *testing.T, cat *Catalog, name, msg string, err error) {
	t.Helper()
	fallback := cat.T("error.vault.unknown", map[string]any{"Detail": err.Error()})
	switch {
	case msg == "":
		t.Errorf("%s: %s: empty message", cat.Lang(), name)
	case msg == fallback:
		t.Errorf("%s: %s: general fallback %q", cat.Lang(), name, msg)
	case strings.HasPrefix(msg, "error.") || strings.HasPrefix(msg, "cli."):
		t.Errorf("%s: %s: untranslated key %q", cat.Lang(), name, msg)
	case strings.Contains(msg, "{{") || strings.Contains(msg, "<no value>"):
		t.Errorf("%s: %s: template not filled: %q", cat.Lang(), name, msg)
	}
}

func TestTypedErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want map[string][]string // language → substrings
	}{
		{"LogError", &vault.LogError{Seq: 7, Reason: "entry was altered"},
			map[string][]string{English: {"7"}, Dutch: {"7", "logboek"}}},
		{"DamagedError", fmt.Errorf("open: %w", &vault.DamagedError{What: "file header"}),
			map[string][]string{English: {"damaged", "file header"}, Dutch: {"beschadigd", "file header"}}},
		{"FieldError", &schema.FieldError{Category: "personal", Field: "bsn", Code: schema.CodeBSNChecksum},
			map[string][]string{
				English: {"Personal details", "Citizen service number (BSN)", "not a valid BSN"},
				Dutch:   {"Persoonlijke gegevens", "Burgerservicenummer (BSN)", "geen geldig BSN"},
			}},
		{"FieldError unknown field", &schema.FieldError{Category: "income", Field: "sorce", Code: schema.CodeUnknownField},
			map[string][]string{English: {"Income", `"sorce"`}, Dutch: {"Inkomen", `"sorce"`}}},
		{"FieldError unknown category", &schema.FieldError{Category: "bogus\n", Code: schema.CodeUnknownCategory},
			map[string][]string{English: {`"bogus\n"`, "does not exist"}, Dutch: {`"bogus\n"`, "bestaat niet"}}},
		{"ValueError", &schema.ValueError{Code: schema.CodeMoneyFormat},
			map[string][]string{English: {"1234,56"}, Dutch: {"1234,56"}}},
		{"missing file", &fs.PathError{Op: "open", Path: "/tmp/x.pdf", Err: fs.ErrNotExist},
			map[string][]string{English: {"/tmp/x.pdf", "does not exist"}, Dutch: {"/tmp/x.pdf", "bestaat niet"}}},
		{"weak passphrase", vault.ErrWeakPassphrase,
			map[string][]string{English: {strconv.Itoa(vault.MinPassphraseLen)}, Dutch: {strconv.Itoa(vault.MinPassphraseLen)}}},
	}
	for _, tc := range cases {
		for lang, wants := range tc.want {
			cat := Load(lang)
			msg := cat.Error(tc.err)
			checkMessage(t, cat, tc.name, msg, tc.err)
			for _, w := range wants {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: %s: %q does not contain %q", lang, tc.name, msg, w)
				}
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("%s: %s: message has a line break: %q", lang, tc.name, msg)
			}
		}
	}
	if got := Load(English).Error(nil); got != "" {
		t.Errorf("Error(nil) = %q, want empty", got)
	}
	other := errors.New("something odd")
	if got := Load(English).Error(other); !strings.Contains(got, "something odd") {
		t.Errorf("Error(unknown) = %q, want it to carry the error's text", got)
	}
}

// TestSchemaCodesHaveMessages checks that every schema error code has the
// message Error relies on, in both languages.
func TestSchemaCodesHaveMessages(t *testing.T) {
	for _, lang := range []string{English, Dutch} {
		cat := Load(lang)
		for _, code := range schema.Codes() {
			if !cat.Has(code.LabelKey()) {
				t.Errorf("%s.json has no %s", lang, code.LabelKey())
			}
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
			key, ok := actionKeys[vault.Action(a)]
			if !ok || !cat.Has(key) {
				t.Errorf("%s: action %q has no label", lang, a)
				continue
			}
			if got := cat.Action(vault.Action(a)); got == a {
				t.Errorf("%s: Action(%q) is not translated", lang, a)
			}
		}
	}
	if got := Load(Dutch).Action("future.thing"); got != "future.thing" {
		t.Errorf("unknown action = %q, want its id", got)
	}
}

// TestNoGUIDependency keeps Fyne (and the app) out of this package and of
// kluisctl, so the CLI stays small and headless.
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
