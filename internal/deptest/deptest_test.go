// Package deptest holds tests that keep Kluis's import boundaries, in the
// style of Tailscale's tstest/deptest: they ask the go command what each
// package imports and fail when a package imports what it must not.
//
//   - vault and sync (and everything under them, tests included) never depend
//     on Fyne or on kluis/app: the GUI sits on top, never underneath.
//   - kluis/internal/atomicfile and kluis/internal/safetext, the small
//     shared mechanisms every layer uses, depend on the standard library
//     only.
//   - only kluis/vault and its sub-packages import go.etcd.io/bbolt: the
//     storage layout is vault's secret. The one exception is
//     kluis/sync/intake, the municipality's intake store, which keeps its
//     own, separate bbolt file and never opens the vault's.
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

// forbiddenBelowGUI reports whether dep may not be a dependency of vault or
// sync: Fyne is for the GUI only, and the GUI (kluis/app) sits on top of
// vault and sync, never under them.
func forbiddenBelowGUI(dep string) bool {
	return strings.HasPrefix(basePath(dep), "fyne.io/") || isUnder(dep, "kluis/app")
}

func TestVaultAndSyncStayHeadless(t *testing.T) {
	for _, tags := range tagSets {
		t.Run(tagName(tags), func(t *testing.T) {
			// -deps lists every package the patterns need, and -test adds
			// their tests and everything those need.
			pkgs := goList(t, tags, "-deps", "-test", "kluis/vault/...", "kluis/sync/...")
			if len(pkgs) == 0 {
				t.Fatal("go list found no packages under kluis/vault or kluis/sync")
			}
			checked := 0
			for _, p := range pkgs {
				if !isUnder(p.ImportPath, "kluis/vault") && !isUnder(p.ImportPath, "kluis/sync") {
					continue // a dependency itself, listed because of -deps
				}
				if strings.HasSuffix(p.ImportPath, ".test") {
					continue // a generated test main: its test variants are checked
				}
				checked++
				var bad, direct []string
				for _, dep := range p.Deps {
					if forbiddenBelowGUI(dep) {
						bad = append(bad, basePath(dep))
					}
				}
				for _, imp := range imports(p) {
					if forbiddenBelowGUI(imp) {
						direct = append(direct, basePath(imp))
					}
				}
				if len(bad) == 0 {
					continue
				}
				bad = dedup(bad)
				msg := fmt.Sprintf("%s depends on %s", p.ImportPath, summary(bad))
				if len(direct) > 0 {
					msg += fmt.Sprintf(", importing %s itself", strings.Join(dedup(direct), ", "))
				}
				t.Errorf("%s: vault and sync must never depend on Fyne or kluis/app", msg)
			}
			if checked == 0 {
				t.Fatal("go list listed no package under kluis/vault or kluis/sync")
			}
		})
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
				if isUnder(p.ImportPath, "kluis/vault") || isUnder(p.ImportPath, "kluis/sync/intake") {
					continue
				}
				for _, imp := range imports(p) {
					if isUnder(imp, "go.etcd.io/bbolt") {
						t.Errorf("%s imports %s: only kluis/vault (and kluis/sync/intake, for its own store) may touch bbolt; use vault's API instead", p.ImportPath, imp)
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
