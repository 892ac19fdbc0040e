//go:build unix

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// dutchEnglish finds English words in a Dutch line, leaving out flags and
// file names (the list of package assets' catalogue check, for what
// kluisctl prints at run time).
var dutchEnglish = regexp.MustCompile(`\b(the|an|not|no|failed|refused|file|folder|error|invalid|cannot|does|such|denied|permission|directory|damaged|missing|payload|layout|bundle|entry|header|key|value|unknown|read|write|too|large|exists|with|for|from|and|this|that|short|encrypted)\b`)

// TestNotAVaultFileSaysWhy: a vault path that is a folder, not a regular
// file, or a file of another kind is said as such, in Dutch without an
// English tail, and not as a damaged vault to restore from a backup.
func TestNotAVaultFileSaysWhy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.lang = "nl_NL.UTF-8"
	e.init()
	os.Mkdir(filepath.Join(e.dir, "map"), 0o700)
	e.write("ander.txt", strings.Repeat("geen kluis\n", 1000))
	e.write("leeg.kluis", "")
	fifo := filepath.Join(e.dir, "pijp")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	clean := func(r result) string {
		return regexp.MustCompile(`--[a-z-]+|[\w./-]+\.[a-z]+\b|\S*/\S*`).ReplaceAllString(r.stderr, " ")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--vault", "map", "list"}, "map is een map, geen kluisbestand."},
		{[]string{"--vault", "pijp", "list"}, "pijp is geen gewoon bestand, dus ook geen kluisbestand."},
		{[]string{"--vault", "ander.txt", "list"}, "Dit bestand is geen kluis van Kluis"},
		{[]string{"--vault", "leeg.kluis", "list"}, "Dit bestand is geen kluis van Kluis"},
		{[]string{"--vault", e.vault, "card", "add", "map"}, "map is een map, geen bestand."},
		{[]string{"--vault", e.vault, "card", "add", "ander.txt"}, "geen geldige organisatiekaart"},
		{[]string{"--vault", e.vault, "receipt", "import", "ander.txt"}, "geen geldig ontvangstbewijs"},
		{[]string{"--vault", e.vault, "restore", "ander.txt"}, "geen back-up van Kluis"},
		{[]string{"--vault", e.vault, "sync", "--dir", "ander.txt"}, "is een bestand, geen map"},
		{[]string{"--vault", e.vault, "list", "--json=misschien"}, "De waarde bij --json klopt niet."},
	} {
		r := e.runEnv([]string{"KLUIS_PASSPHRASE_FILE=" + e.pass}, tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("kluisctl %s: exit %d, %q; want %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, "Het kluisbestand is beschadigd") || strings.Contains(r.stderr, "Er ging iets") {
			t.Errorf("kluisctl %s: %q", strings.Join(tc.args, " "), r.stderr)
		}
		if words := dutchEnglish.FindAllString(clean(r), -1); len(words) > 0 {
			t.Errorf("kluisctl %s: English words %q in %q", strings.Join(tc.args, " "), words, r.stderr)
		}
	}
}
