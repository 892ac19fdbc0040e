package main

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kluis/assets"
	"kluis/internal/i18n"
)

// helpLangs are the languages help is checked in: LANG as a person sets it,
// and the catalog kluis-intake loads for it.
var helpLangs = []struct{ env, lang string }{
	{"LANG=nl_NL.UTF-8", i18n.Dutch},
	{"LANG=en_US.UTF-8", i18n.English},
}

// quick keeps the race detector from waiting a second at the end of each
// kluis-intake process these tests start.
const quick = "GORACE=atexit_sleep_ms=0"

// metavar returns the name of a flag's value as its message writes it,
// between back quotes, and the message as shown (without the quotes).
func metavar(msg string) (arg, shown string) {
	if _, after, ok := strings.Cut(msg, "`"); ok {
		arg, _, _ = strings.Cut(after, "`")
	}
	return arg, strings.ReplaceAll(msg, "`", "")
}

// TestHelp runs kluis-intake VERB --help and help VERB for every verb, in
// Dutch and in English: exit status 0, the help on standard output and
// nothing on standard error, every flag of the verb's FlagSet and every
// global flag with its description, and no message key left as it is.
func TestHelp(t *testing.T) {
	t.Parallel()
	globals := globalFlagSet()
	for _, l := range helpLangs {
		cat := i18n.Load(l.lang)
		// wantFlags checks that out describes every flag of fs.
		wantFlags := func(t *testing.T, out string, fs *flag.FlagSet) {
			t.Helper()
			fs.VisitAll(func(fl *flag.Flag) {
				arg, shown := metavar(cat.T(fl.Usage, nil))
				spec := strings.TrimSpace(flagName(fl.Name) + " " + arg)
				if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(spec) + `  +` + regexp.QuoteMeta(shown)).MatchString(out) {
					t.Errorf("%s: help does not describe %s as %q:\n%s", l.lang, spec, shown, out)
				}
			})
		}
		checkOutput := func(t *testing.T, args []string, stdout, stderr string, code int) {
			t.Helper()
			if code != 0 || stderr != "" || stdout == "" {
				t.Fatalf("%s %v: exit %d, stderr %q, stdout %q; want help on stdout, exit 0", l.lang, args, code, stderr, stdout)
			}
			if i := strings.Index(stdout, "intake."); i >= 0 {
				t.Errorf("%s %v: a message key is left untranslated near %q", l.lang, args, stdout[i:min(len(stdout), i+40)])
			}
			wantFlags(t, stdout, globals)
		}

		t.Run(l.lang+"/overview", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--store", "s", "--help"}} {
				out, stderr, code := runIntake(t, dir, []string{l.env, quick}, args...)
				checkOutput(t, args, out, stderr, code)
				for _, cmd := range commands {
					keys := []string{cmd.help}
					if len(cmd.subs) > 0 {
						keys = nil
						for _, sub := range cmd.subs {
							keys = append(keys, sub.help)
						}
					}
					for _, key := range keys {
						if !strings.Contains(out, "  "+cmd.name) || !strings.Contains(out, cat.T(key, nil)) {
							t.Errorf("%v: the overview does not list %s with %q:\n%s", args, cmd.name, cat.T(key, nil), out)
						}
					}
				}
			}
		})
		for _, cmd := range commands {
			t.Run(l.lang+"/"+cmd.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				forms := [][]string{{cmd.name, "--help"}, {cmd.name, "-h"}, {"help", cmd.name},
					{"--store", "s", cmd.name, "ARG", "--help"}}
				for _, sub := range cmd.subs {
					forms = append(forms, []string{cmd.name, sub.name, "--help"}, []string{"help", cmd.name, sub.name})
				}
				var first string
				for i, args := range forms {
					out, stderr, code := runIntake(t, dir, []string{l.env, quick}, args...)
					checkOutput(t, args, out, stderr, code)
					if i == 0 {
						first = out
						wantFlags(t, out, verbFlagSet(cmd))
						if !strings.Contains(out, "kluis-intake "+strings.TrimSpace(cmd.name+" "+cmd.synopsis)) ||
							!strings.Contains(out, cat.T(cmd.help, nil)) {
							t.Errorf("%s: no usage line or description:\n%s", cmd.name, out)
						}
						for _, sub := range cmd.subs {
							if !strings.Contains(out, strings.TrimSpace(cmd.name+" "+sub.name+" "+sub.synopsis)) ||
								!strings.Contains(out, cat.T(sub.help, nil)) {
								t.Errorf("%s: %s is not described:\n%s", cmd.name, sub.name, out)
							}
						}
					} else if out != first {
						t.Errorf("%v differs from %v:\n%s\n---\n%s", args, forms[0], out, first)
					}
				}
			})
		}
	}
}

// TestHelpUsageErrors: help about a verb that does not exist is a usage
// error, like the verb itself.
func TestHelpUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{{"help", "frobnicate"}, {"help", "list", "extra"}, {"help", "index", "frobnicate"}} {
		if out, stderr, code := runIntake(t, dir, []string{quick}, args...); code != 2 || out != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a usage error", args, code, out, stderr)
		}
	}
}

// TestFlagMessages checks every flag's message in both languages: it
// exists in the language itself (not through the English fallback), names
// the value of a flag that takes one between back quotes, the same name in
// Dutch and English, and that name is the one the verb's synopsis uses.
func TestFlagMessages(t *testing.T) {
	check := func(where string, fs *flag.FlagSet, synopses []string) {
		fs.VisitAll(func(fl *flag.Flag) {
			var args []string
			for _, l := range helpLangs {
				cat := i18n.Load(l.lang)
				if !strings.HasPrefix(fl.Usage, "intake.flag.") || !cat.Has(fl.Usage) {
					t.Errorf("%s %s: usage %q is no message key of the %s catalog", where, flagName(fl.Name), fl.Usage, l.lang)
					continue
				}
				msg := cat.T(fl.Usage, nil)
				arg, _ := metavar(msg)
				if n := strings.Count(msg, "`"); isSwitch(fl) && n != 0 || !isSwitch(fl) && (n != 2 || arg == "") {
					t.Errorf("%s %s (%s): %q must name the value between back quotes, once, unless the flag is a switch", where, flagName(fl.Name), l.lang, msg)
				}
				args = append(args, arg)
			}
			if len(args) == 2 && args[0] != args[1] {
				t.Errorf("%s %s: the value is %s in Dutch and %s in English", where, flagName(fl.Name), args[0], args[1])
			}
			for _, syn := range synopses {
				if v, ok := synopsisValue(syn, fl.Name); ok && len(args) > 0 && v != args[0] {
					t.Errorf("%s %s: the synopsis %q says %s, the help %s", where, flagName(fl.Name), syn, v, args[0])
				}
			}
		})
	}
	for _, cmd := range commands {
		synopses := []string{cmd.synopsis, cmd.brief}
		for _, sub := range cmd.subs {
			synopses = append(synopses, sub.synopsis, sub.brief)
		}
		check(cmd.name, verbFlagSet(cmd), synopses)
	}
	check("global", globalFlagSet(), []string{"[--store DIR] [--key FILE]"})
}

// synopsisValue returns the value a synopsis writes after flag name:
// FILE for -o in "[-o FILE]", and for --tls-key in "[--tls-cert FILE
// --tls-key FILE]", where the bracket closes a group of two flags.
func synopsisValue(synopsis, name string) (string, bool) {
	words := strings.Fields(synopsis)
	for i, w := range words {
		if strings.TrimLeft(w, "[(") != flagName(name) || i+1 == len(words) || strings.HasPrefix(words[i+1], "-") ||
			strings.HasPrefix(words[i+1], "[") || words[i+1] == "…" {
			continue
		}
		// A bracket the value does not open closes the group around it.
		v := strings.TrimSuffix(words[i+1], "…")
		for strings.HasSuffix(v, "]") && strings.Count(v, "]") > strings.Count(v, "[") {
			v = strings.TrimSuffix(v, "]")
		}
		return v, true
	}
	return "", false
}

func TestSynopsisValue(t *testing.T) {
	for _, tc := range []struct{ synopsis, flag, want string }{
		{"[-o FILE]", "o", "FILE"},
		{"--org NAME [--oin NUMBER] -o DIR", "oin", "NUMBER"},
		{"[--addr HOST:PORT] [--tls-cert FILE --tls-key FILE] [--max-upload BYTES]", "tls-cert", "FILE"},
		{"[--addr HOST:PORT] [--tls-cert FILE --tls-key FILE] [--max-upload BYTES]", "tls-key", "FILE"},
		{"[--at TIME [--force]]", "at", "TIME"},
		{"--scope CAT[.FIELD][,…] --purpose TEXT", "scope", "CAT[.FIELD][,…]"},
	} {
		if got, ok := synopsisValue(tc.synopsis, tc.flag); !ok || got != tc.want {
			t.Errorf("synopsisValue(%q, %s) = %q, %v; want %q", tc.synopsis, tc.flag, got, ok, tc.want)
		}
	}
}

var intakeKey = regexp.MustCompile(`^intake\.[a-z0-9_.]+[a-z0-9_]$`)

// dynamicKeys are key prefixes the code completes at run time.
var dynamicKeys = []string{"intake.index.imported."}

// TestMessagesTranslated checks that every intake.* key kluis-intake uses
// has a message in Dutch and in English, with the same placeholders, and
// that no intake.* message is left unused.
func TestMessagesTranslated(t *testing.T) {
	used := map[string]string{}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
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
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && intakeKey.MatchString(s) {
					used[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in the sources; is the scan broken?", len(used))
	}
	placeholders := regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)
	names := func(s string) []string {
		var out []string
		for _, m := range placeholders.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	msgs := map[string]map[string]string{}
	for _, l := range helpLangs {
		data, err := fs.ReadFile(assets.Translations, l.lang+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		msgs[l.lang] = m
		for key, where := range used {
			if m[key+".one"] != "" && m[key+".other"] != "" {
				continue // a count: Catalog.N picks the form
			}
			if strings.TrimSpace(m[key]) == "" {
				t.Errorf("%s.json has no message for %q (used at %s)", l.lang, key, where)
			}
		}
		for key := range m {
			dynamic := slices.ContainsFunc(dynamicKeys, func(p string) bool { return strings.HasPrefix(key, p) })
			base := strings.TrimSuffix(strings.TrimSuffix(key, ".one"), ".other")
			if strings.HasPrefix(key, "intake.") && used[key] == "" && used[base] == "" && !dynamic {
				t.Errorf("%s.json has %q, which kluis-intake does not use", l.lang, key)
			}
		}
	}
	for key, en := range msgs[i18n.English] {
		if !strings.HasPrefix(key, "intake.") {
			continue
		}
		if a, b := names(en), names(msgs[i18n.Dutch][key]); !slices.Equal(a, b) {
			t.Errorf("%s: English fills in %v, Dutch %v", key, a, b)
		}
	}
}

// TestREADMEDescribesServe: the README and --help are the command line's
// contract. The README's "Voor de gemeente" runs serve with every flag
// serve's help describes, and names every global flag it depends on.
func TestREADMEDescribesServe(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Voor de gemeente\n")
	if !ok {
		t.Fatal("README.md has no section Voor de gemeente")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	if !strings.Contains(section, " serve --addr ") {
		t.Error("Voor de gemeente does not start serve")
	}
	named := func(what string, fl *flag.Flag) {
		if !regexp.MustCompile(`[\s\[(` + "`" + `]` + regexp.QuoteMeta(flagName(fl.Name)) + `[\s\]=),.` + "`" + `]`).MatchString(section) {
			t.Errorf("Voor de gemeente does not name %s %s", what, flagName(fl.Name))
		}
	}
	verbFlagSet(lookup("serve")).VisitAll(func(fl *flag.Flag) { named("serve's flag", fl) })
	globalFlagSet().VisitAll(func(fl *flag.Flag) {
		if fl.Name != "json" {
			named("the global flag", fl)
		}
	})
	for _, want := range []string{"KLUIS_INTAKE_PASSPHRASE_FILE", "127.0.0.1:8443", "SIGTERM", "docs/kluis-intake.service"} {
		if !strings.Contains(section, want) {
			t.Errorf("Voor de gemeente does not say %s", want)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "..", "docs", "kluis-intake.service")); err != nil {
		t.Error(err)
	}
}
