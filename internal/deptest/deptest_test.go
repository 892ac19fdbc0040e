// Package deptest holds tests that keep Kluis's house in order, in the
// style of Tailscale's tstest/deptest: they ask the go command what each
// package needs (its code and its tests) and fail when a package depends on
// what it must not. The rules, one table (rules below):
//
//   - sync/… are the wire formats both products share: they never depend on
//     the vault, on a product's use cases (citizen/…, intake/…) or on the GUI.
//   - intake/… and cmd/kluis-intake are the municipality's product: they
//     never depend on the citizen's vault or use cases.
//   - vault/ is the citizen's store: it stands on formats and small shared
//     parts only, never on use cases, the intake or the GUI.
//   - citizen/… are the citizen's use cases: never the municipality's wing
//     or the GUI.
//   - internal/ shared parts (signing, sealed bbolt files, atomic writes, the
//     hidden-character rule, messages, the CLI helper) depend on no product
//     package at all; internal/demo (the app's example vault) is the one
//     exception, standing on the vault. internal/atomicfile and
//     internal/safetext, which every layer uses, depend on the standard
//     library only.
//   - Fyne is the GUI's alone, and nothing imports kluis/app but the
//     desktop app's main package (the repository root).
//   - bbolt is touched by the two stores (vault, intake) and
//     internal/boltfile, which they share, only.
//
// Packages that do not exist yet, or do not compile yet, are tolerated (the
// go command is run with -e): the test checks the imports that are there.
package deptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// tagSets are the build tag sets the checks run under: the plain build that
// ships, and the headless build used by tests and CI.
var tagSets = []string{"", "ci,migrated_fynedo"}

// pkg is the part of `go list -json` output these tests read.
type pkg struct {
	ImportPath   string
	Deps         []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// goList runs `go list -e -json` with the given extra arguments and decodes
// the stream of packages it prints. Patterns that match nothing only make
// the go command warn, so they yield no packages rather than an error.
func goList(t *testing.T, tags string, args ...string) []pkg {
	t.Helper()
	cmdArgs := []string{"list", "-e", "-json=ImportPath,Deps,Imports,TestImports,XTestImports"}
	if tags != "" {
		cmdArgs = append(cmdArgs, "-tags", tags)
	}
	cmdArgs = append(cmdArgs, args...)
	cmd := exec.Command("go", cmdArgs...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(cmdArgs, " "), err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("failed to decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func tagName(tags string) string {
	if tags == "" {
		return "default"
	}
	return tags
}

// isUnder reports whether path is root or a package below it. Test
// variants that go list -test prints, such as "kluis/vault [kluis/vault.test]"
// and "kluis/vault.test", count as the package they test.
func isUnder(path, root string) bool {
	path = basePath(path)
	return path == root || strings.HasPrefix(path, root+"/")
}

// basePath strips the test-variant decorations from an import path.
func basePath(path string) string {
	if i := strings.IndexByte(path, ' '); i >= 0 {
		path = path[:i]
	}
	return strings.TrimSuffix(path, ".test")
}

// forbiddenBelowGUI reports whether dep may not be a dependency of any
// package but the GUI: Fyne is for kluis/app only, and the GUI sits on top.
func forbiddenBelowGUI(dep string) bool {
	return strings.HasPrefix(basePath(dep), "fyne.io/") || isUnder(dep, "kluis/app")
}

// under returns a test that a path is one of roots or below one.
func under(roots ...string) func(string) bool {
	return func(path string) bool {
		for _, r := range roots {
			if isUnder(path, r) {
				return true
			}
		}
		return false
	}
}

// A rule says that packages matching from must not depend, in code or in
// tests, on any package matching forbidden.
type rule struct {
	name      string
	from      func(path string) bool
	forbidden func(dep string) bool
	why       string
}

var rules = []rule{
	{"formats stand alone", under("kluis/sync"),
		func(dep string) bool {
			return under("kluis/vault", "kluis/citizen", "kluis/intake", "kluis/cmd", "kluis/internal/i18n", "kluis/internal/demo")(dep) || forbiddenBelowGUI(dep)
		},
		"a format package must stand alone: no vault, no use case, no GUI"},
	{"the municipality's wing", under("kluis/intake", "kluis/cmd/kluis-intake"),
		func(dep string) bool { return under("kluis/vault", "kluis/citizen")(dep) || forbiddenBelowGUI(dep) },
		"the municipality's code never links the citizen's vault or use cases"},
	{"the vault", under("kluis/vault"),
		func(dep string) bool {
			return under("kluis/citizen", "kluis/intake", "kluis/cmd", "kluis/internal/i18n")(dep) || forbiddenBelowGUI(dep)
		},
		"the vault stands on formats and shared parts only"},
	{"the citizen's use cases", under("kluis/citizen"),
		func(dep string) bool { return under("kluis/intake", "kluis/cmd")(dep) || forbiddenBelowGUI(dep) },
		"the citizen's use cases never reach into the municipality's wing or the GUI"},
	{"shared parts", func(path string) bool {
		return isUnder(path, "kluis/internal") && !under("kluis/internal/demo", "kluis/internal/deptest")(path)
	},
		func(dep string) bool {
			return under("kluis/vault", "kluis/sync", "kluis/citizen", "kluis/intake", "kluis/cmd")(dep) || forbiddenBelowGUI(dep)
		},
		"shared infrastructure depends on no product package"},
}

// TestHouseRules checks every rule against every package of the module and
// its tests, under each tag set.
func TestHouseRules(t *testing.T) {
	for _, tags := range tagSets {
		t.Run(tagName(tags), func(t *testing.T) {
			pkgs := goList(t, tags, "-deps", "-test", "kluis/...")
			checked := map[string]int{}
			for _, p := range pkgs {
				if strings.HasSuffix(p.ImportPath, ".test") {
					continue // a generated test main: its test variants are checked
				}
				for _, r := range rules {
					if !r.from(p.ImportPath) {
						continue
					}
					checked[r.name]++
					var bad []string
					for _, dep := range p.Deps {
						if r.forbidden(dep) {
							bad = append(bad, basePath(dep))
						}
					}
					if len(bad) > 0 {
						t.Errorf("%s depends on %s: %s", p.ImportPath, summary(dedup(bad)), r.why)
					}
				}
			}
			for _, r := range rules {
				if checked[r.name] == 0 {
					t.Errorf("rule %q matched no package: the rule or the layout is wrong", r.name)
				}
			}
		})
	}
}

// TestOnlyMainImportsApp: the GUI is the top of the house; the desktop
// app's main package (the repository root) is the only one to import it.
func TestOnlyMainImportsApp(t *testing.T) {
	pkgs := goList(t, "ci,migrated_fynedo", "kluis/...")
	for _, p := range pkgs {
		if p.ImportPath == "kluis" || isUnder(p.ImportPath, "kluis/app") {
			continue
		}
		for _, imp := range imports(p) {
			if isUnder(imp, "kluis/app") {
				t.Errorf("%s imports %s: only the desktop app's main package may", p.ImportPath, imp)
			}
		}
	}
}

// TestRules checks the rules themselves on sample paths, so a typo cannot
// make the house test pass vacuously.
func TestRules(t *testing.T) {
	byName := map[string]rule{}
	for _, r := range rules {
		byName[r.name] = r
	}
	for _, c := range []struct {
		rule, from, dep string
		want            bool
	}{
		{"formats stand alone", "kluis/sync/bundle", "kluis/vault", true},
		{"formats stand alone", "kluis/sync/delegate", "kluis/citizen/delegation", true},
		{"formats stand alone", "kluis/sync/index", "kluis/intake/tally", true},
		{"formats stand alone", "kluis/sync/bundle", "fyne.io/fyne/v2", true},
		{"formats stand alone", "kluis/sync/bundle", "kluis/sync/signed", false},
		{"formats stand alone", "kluis/sync/bundle", "kluis/internal/sign", false},
		{"the municipality's wing", "kluis/intake", "kluis/vault", true},
		{"the municipality's wing", "kluis/cmd/kluis-intake", "kluis/citizen/share", true},
		{"the municipality's wing", "kluis/intake/tally", "kluis/sync/index", false},
		{"the vault", "kluis/vault", "kluis/citizen/share", true},
		{"the vault", "kluis/vault", "kluis/sync/replica", false},
		{"the citizen's use cases", "kluis/citizen/share", "kluis/intake", true},
		{"the citizen's use cases", "kluis/citizen/share", "kluis/vault", false},
		{"shared parts", "kluis/internal/i18n", "kluis/vault", true},
		{"shared parts", "kluis/internal/sign", "kluis/sync/signed", true},
		{"shared parts", "kluis/internal/i18n", "kluis/assets", false},
	} {
		r := byName[c.rule]
		if !r.from(c.from) {
			t.Errorf("rule %q does not apply to %s", c.rule, c.from)
		}
		if got := r.forbidden(c.dep); got != c.want {
			t.Errorf("rule %q: %s → %s forbidden = %v, want %v", c.rule, c.from, c.dep, got, c.want)
		}
	}
	if byName["shared parts"].from("kluis/internal/demo") {
		t.Error("internal/demo is the exception to the shared-parts rule")
	}
}

// summary names the first few packages of a sorted list and counts the rest.
func summary(list []string) string {
	const shown = 3
	if len(list) <= shown {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:shown], ", "), len(list)-shown)
}

func TestOnlyVaultImportsBbolt(t *testing.T) {
	for _, tags := range tagSets {
		t.Run(tagName(tags), func(t *testing.T) {
			pkgs := goList(t, tags, "kluis/...")
			if len(pkgs) == 0 {
				t.Fatal("go list found no packages in module kluis")
			}
			for _, p := range pkgs {
				if under("kluis/vault", "kluis/intake", "kluis/internal/boltfile")(p.ImportPath) {
					continue
				}
				for _, imp := range imports(p) {
					if isUnder(imp, "go.etcd.io/bbolt") {
						t.Errorf("%s imports %s: only the two stores (kluis/vault, kluis/intake) and the kluis/internal/boltfile they share may touch bbolt", p.ImportPath, imp)
					}
				}
			}
		})
	}
}

// standardOnly are packages that every layer may import and that may
// themselves import nothing but the standard library.
var standardOnly = []string{"kluis/internal/atomicfile", "kluis/internal/safetext"}

func TestSharedMechanismsUseTheStandardLibraryOnly(t *testing.T) {
	for _, tags := range tagSets {
		t.Run(tagName(tags), func(t *testing.T) {
			pkgs := goList(t, tags, standardOnly...)
			if len(pkgs) != len(standardOnly) {
				t.Fatalf("go list found %d of the %d packages", len(pkgs), len(standardOnly))
			}
			for _, p := range pkgs {
				for _, dep := range p.Deps {
					if first, _, _ := strings.Cut(dep, "/"); strings.Contains(first, ".") || first == "kluis" {
						t.Errorf("%s depends on %s: it may use the standard library only", p.ImportPath, dep)
					}
				}
			}
		})
	}
}

// TestForbiddenBelowGUI checks the rule itself, so a typo cannot make the
// boundary test pass vacuously.
func TestForbiddenBelowGUI(t *testing.T) {
	for dep, want := range map[string]bool{
		"fyne.io/fyne/v2":          true,
		"fyne.io/fyne/v2/widget":   true,
		"fyne.io/systray":          true,
		"kluis/app":                true,
		"kluis/app/screens":        true,
		"kluis/apple":              false,
		"kluis/assets":             false,
		"kluis/vault":              false,
		"go.etcd.io/bbolt":         false,
		"github.com/fyne-io/oksvg": false,
	} {
		if got := forbiddenBelowGUI(dep); got != want {
			t.Errorf("forbiddenBelowGUI(%q) = %v, want %v", dep, got, want)
		}
	}
}

// imports returns every package p's code and tests import, deduplicated.
func imports(p pkg) []string {
	seen := map[string]bool{}
	for _, list := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
		for _, imp := range list {
			seen[imp] = true
		}
	}
	return sortedKeys(seen)
}

func dedup(list []string) []string {
	seen := map[string]bool{}
	for _, s := range list {
		seen[s] = true
	}
	return sortedKeys(seen)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
