package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/internal/atomicfile"

	"kluis/internal/cmdline"
	"kluis/internal/i18n"
	"kluis/sync/schema"
	"kluis/vault"
)

func TestRecordsAddListGetSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	person := e.add("personal", "given_names=Fatima", "surname=Yılmaz", "bsn=123456782", "birth_date=1-5-1980", "iban=NL91 ABNA 0417 1643 00")
	income := e.add("income", "source=UWV", "kind=benefit", "amount=1.234,56", "period=month")
	debt := e.add("debts", "creditor=Belastingdienst", "amount=250", "status=arrangement", "arrangement=25 euro per month")
	member := e.add("household", "given_names=Amir", "relation=child", "birth_date=2015")
	// Flags may come after the positional arguments.
	var goal record
	e.decode(e.ok("add", "goals", "title=Find work", "status=planned", "--json"), &goal)
	if goal.Category != "goals" || goal.Fields["title"] != "Find work" || goal.Version != 1 {
		t.Errorf("add --json = %+v", goal)
	}

	all := e.list()
	var ids []string
	for _, r := range all {
		ids = append(ids, r.ID)
	}
	if want := []string{person, income, debt, member, goal.ID}; !slices.Equal(ids, want) {
		t.Errorf("list ids = %v, want %v (oldest first)", ids, want)
	}
	if got := e.list("income"); len(got) != 1 || got[0].ID != income || got[0].Title != "UWV" {
		t.Errorf("list income = %+v", got)
	}

	// JSON: money in cents as a number, BSN masked unless --reveal.
	r := e.get(income)
	if r.Fields["amount"] != float64(123456) || r.Fields["period"] != "month" || r.Author.Person != "Fatima" {
		t.Errorf("get income --json fields = %v, author %+v", r.Fields, r.Author)
	}
	if bsn := e.get(person).Fields["bsn"]; bsn != "•••••6782" {
		t.Errorf("get --json bsn = %v, want it masked", bsn)
	}
	if bsn := e.get(person, "--reveal").Fields["bsn"]; bsn != "123456782" {
		t.Errorf("get --json --reveal bsn = %v", bsn)
	}

	// Human output: labels, display values, masked BSN, money in euros.
	out := e.ok("get", person)
	for _, want := range []string{"Personal details", "Citizen service number (BSN):", "•••••6782", "Date of birth:", "1980-05-01",
		"NL91 ABNA 0417 1643 00", "--reveal"} {
		if !strings.Contains(out, want) {
			t.Errorf("get personal: output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "123456782") {
		t.Errorf("get without --reveal shows the BSN:\n%s", out)
	}
	if out := e.ok("get", person, "--reveal"); !strings.Contains(out, "123456782") {
		t.Errorf("get --reveal does not show the BSN:\n%s", out)
	}
	out = e.ok("get", income)
	for _, want := range []string{"€ 1.234,56", "Per month", "Benefit", "UWV"} {
		if !strings.Contains(out, want) {
			t.Errorf("get income: output lacks %q:\n%s", want, out)
		}
	}
	// The start of an id is enough when it fits one item.
	if out := e.ok("get", debt[:8]); !strings.Contains(out, "Belastingdienst") {
		t.Errorf("get with an id prefix:\n%s", out)
	}

	// list shows id, category label and title.
	out = e.ok("list")
	for _, want := range []string{person + "  ", "Personal details", "Fatima Yılmaz", "Income", "UWV", "Household", "Amir", "Debts"} {
		if !strings.Contains(out, want) {
			t.Errorf("list: output lacks %q:\n%s", want, out)
		}
	}
	if LANGout := (&env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}).ok("list"); !strings.Contains(LANGout, "Persoonlijke gegevens") {
		t.Errorf("list in Dutch lacks the Dutch category label:\n%s", LANGout)
	}

	// search: every word, case and accents ignored; Dutch money display found.
	var found struct {
		Records   []record   `json:"records"`
		Documents []document `json:"documents"`
	}
	e.decode(e.ok("search", "--json", "belastingdienst"), &found)
	if len(found.Records) != 1 || found.Records[0].ID != debt || len(found.Documents) != 0 {
		t.Errorf("search belastingdienst = %+v", found)
	}
	e.decode(e.ok("search", "yilmaz", "--json"), &found)
	if len(found.Records) != 1 || found.Records[0].ID != person {
		t.Errorf("search yilmaz = %+v", found)
	}
	// Documents by their file name (not those in the recycle bin).
	letter := strings.TrimSpace(e.ok("doc", "add", e.write("Beschikking_Belastingdienst_2024.pdf", "%PDF")))
	old := strings.TrimSpace(e.ok("doc", "add", e.write("belastingdienst-oud.pdf", "%PDF")))
	e.ok("rm", old)
	e.decode(e.ok("search", "--json", "belastingdienst 2024"), &found)
	if len(found.Records) != 0 || len(found.Documents) != 1 || found.Documents[0].ID != letter {
		t.Errorf("search belastingdienst 2024 = %+v", found)
	}
	if out := e.ok("search", "beschikking"); !strings.Contains(out, letter) || !strings.Contains(out, "Beschikking_Belastingdienst_2024.pdf") {
		t.Errorf("search for a document's name:\n%s", out)
	}
	if out := e.ok("search", "belastingdienst"); !strings.Contains(out, debt) || !strings.Contains(out, letter) || strings.Contains(out, old) {
		t.Errorf("search for a record and a document:\n%s", out)
	}
	if out := e.ok("search", "1.234,56"); !strings.Contains(out, income) {
		t.Errorf("search for a displayed amount:\n%s", out)
	}
	if out := e.ok("search", "nothing-like-this"); !strings.Contains(out, "Nothing found") {
		t.Errorf("search without results:\n%s", out)
	}
}

func TestInvalidValueNamesTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	e.fails(1, []string{"Personal details", "Citizen service number (BSN)", "not a valid BSN"},
		"add", "personal", "surname=Jansen", "bsn=123456789")
	nl := &env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}
	nl.fails(1, []string{"Persoonlijke gegevens", "Burgerservicenummer (BSN)", "geen geldig BSN"},
		"add", "personal", "surname=Jansen", "bsn=123456789")
	e.fails(1, []string{"Income", "Amount", "1234,56"}, "add", "income", "source=UWV", "amount=lots")
	e.fails(1, []string{"Income", "Amount", "fill this in"}, "add", "income", "source=UWV")
	nl.fails(1, []string{"Zorg en ondersteuning, Tot: De einddatum ligt vóór de begindatum."},
		"add", "care", "provider=Wijkteam", "since=1-5-2024", "until=1-4-2024")
	if recs := e.list(); len(recs) != 0 {
		t.Errorf("a refused record was stored: %+v", recs)
	}
	// An invalid change leaves the record as it was.
	id := e.add("income", "source=UWV", "amount=10")
	e.fails(1, []string{"Amount"}, "set", id, "amount=ten")
	care := e.add("care", "provider=Wijkteam", "since=1-5-2024")
	e.fails(1, []string{"Care and support, Until: The end date is before the start date."}, "set", care, "until=2024-04")
	if r := e.get(id); r.Version != 1 || r.Fields["amount"] != float64(1000) {
		t.Errorf("after a refused set: %+v", r)
	}
}

func TestUnknownCategoryAndField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	e.fails(1, []string{`"pets"`, "does not exist", "kluisctl schema"}, "add", "pets", "name=Rex")
	e.fails(1, []string{"Income", `"sorce"`, "does not belong", "kluisctl schema"}, "add", "income", "sorce=UWV", "amount=1")
	e.fails(1, []string{"Income", "How often?", "options"}, "add", "income", "source=UWV", "amount=1", "period=daily")
	e.fails(1, []string{`"pets"`}, "list", "pets")
	nl := &env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}
	nl.fails(1, []string{"Inkomen", `"sorce"`, "hoort niet bij deze categorie"}, "add", "income", "sorce=UWV", "amount=1")
	if recs := e.list(); len(recs) != 0 {
		t.Errorf("records stored: %+v", recs)
	}
}

func TestSetHistoryRevertBin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	id := e.add("income", "source=UWV", "amount=1000", "note=first")
	if out := e.ok("set", id, "amount=1200,50"); !strings.Contains(out, "version 2") {
		t.Errorf("set: %s", out)
	}
	e.ok("set", id, "note=") // an empty value clears the field
	r := e.get(id)
	if r.Version != 3 || r.Fields["amount"] != float64(120050) {
		t.Errorf("after set: %+v", r)
	}
	if _, ok := r.Fields["note"]; ok {
		t.Errorf("note was not cleared: %+v", r.Fields)
	}
	if out := e.ok("set", id, "source=UWV"); !strings.Contains(out, "Nothing changed") {
		t.Errorf("set without a change: %s", out)
	}

	var versions []record
	e.decode(e.ok("history", id, "--json"), &versions)
	if len(versions) != 3 || versions[0].Fields["amount"] != float64(100000) || versions[0].Fields["note"] != "first" {
		t.Fatalf("history = %+v", versions)
	}
	if out := e.ok("history", id); !strings.Contains(out, "Version 1") || !strings.Contains(out, "€ 1.000,00") ||
		!strings.Contains(out, "€ 1.200,50") {
		t.Errorf("history:\n%s", out)
	}

	e.ok("revert", id, "1")
	r = e.get(id)
	if r.Version != 4 || r.Fields["amount"] != float64(100000) || r.Fields["note"] != "first" {
		t.Errorf("after revert 1: %+v", r)
	}
	e.fails(1, []string{"version 9"}, "revert", id, "9")

	// rm → recycle bin → restore.
	keep := e.add("goals", "title=Stay")
	if out := e.ok("rm", id); !strings.Contains(out, "recycle bin") || !strings.Contains(out, "kluisctl restore "+id) {
		t.Errorf("rm: %s", out)
	}
	if recs := e.list(); len(recs) != 1 || recs[0].ID != keep {
		t.Errorf("list after rm = %+v", recs)
	}
	var bin struct {
		Records   []record   `json:"records"`
		Documents []document `json:"documents"`
	}
	e.decode(e.ok("bin", "--json"), &bin)
	if len(bin.Records) != 1 || bin.Records[0].ID != id || !bin.Records[0].Deleted || len(bin.Documents) != 0 {
		t.Errorf("bin = %+v", bin)
	}
	if out := e.ok("bin"); !strings.Contains(out, id) || !strings.Contains(out, "Income") {
		t.Errorf("bin:\n%s", out)
	}
	e.fails(1, []string{"recycle bin"}, "set", id, "amount=1")
	e.fails(1, []string{"recycle bin"}, "revert", id, "2")
	e.fails(1, []string{"recycle bin"}, "rm", id)
	e.ok("restore", id)
	if recs := e.list(); len(recs) != 2 {
		t.Errorf("list after restore = %+v", recs)
	}
	e.fails(1, []string{"not in the recycle bin"}, "restore", id)
	if out := e.ok("bin"); !strings.Contains(out, "empty") {
		t.Errorf("bin after restore:\n%s", out)
	}
	e.fails(1, []string{"id 00000000-0000-4000-8000-000000000000", "does not exist"},
		"get", "00000000-0000-4000-8000-000000000000")
}

// randomFile writes n random bytes to a file and returns its path and
// content.
func (e *env) randomFile(name string, n int) (string, []byte) {
	e.t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return e.write(name, string(b)), b
}

func TestDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	rec := e.add("income", "source=Werkgever", "amount=2100")
	// Several 256 KiB chunks and a short last one.
	src, content := e.randomFile("loonstrook.pdf", 3*1024*1024+12345)
	var d document
	e.decode(e.ok("doc", "add", src, "--record", rec[:8], "--json"), &d)
	if d.Name != "loonstrook.pdf" || d.MediaType != "application/pdf" || d.Size != int64(len(content)) || d.Record != rec {
		t.Errorf("doc add --json = %+v", d)
	}
	small, _ := e.randomFile("brief.txt", 100)
	id2 := strings.TrimSpace(e.ok("doc", "add", small))

	var docs []document
	e.decode(e.ok("doc", "list", "--json"), &docs)
	if len(docs) != 2 || docs[0].ID != d.ID || docs[1].ID != id2 {
		t.Errorf("doc list = %+v", docs)
	}
	if out := e.ok("doc", "list"); !strings.Contains(out, "loonstrook.pdf") || !strings.Contains(out, "3.0 MiB") {
		t.Errorf("doc list:\n%s", out)
	}
	if out := e.ok("get", rec); !strings.Contains(out, "loonstrook.pdf") {
		t.Errorf("get of the linked record does not show the document:\n%s", out)
	}
	if out := e.ok("get", d.ID); !strings.Contains(out, d.SHA256) {
		t.Errorf("get of a document:\n%s", out)
	}

	out := filepath.Join(e.dir, "out", "copy.pdf")
	os.Mkdir(filepath.Dir(out), 0o700)
	e.ok("doc", "get", d.ID, "-o", out)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, content) {
		t.Fatalf("doc get: %d bytes back, want the %d bytes put in", len(got), len(content))
	}
	// An existing file is kept unless --force.
	os.WriteFile(out, []byte("mine"), 0o600)
	e.fails(1, []string{out, "already exists", "--force"}, "doc", "get", d.ID, "-o", out)
	if got, _ := os.ReadFile(out); string(got) != "mine" {
		t.Errorf("doc get replaced an existing file without --force")
	}
	e.ok("doc", "get", d.ID, "--output", out, "--force")
	if got, _ := os.ReadFile(out); !bytes.Equal(got, content) {
		t.Errorf("doc get --force did not write the document")
	}
	// A temporary file that a killed doc get left (plaintext) is removed by
	// the next doc get into that folder; other hidden files stay.
	stale := atomicfile.TempName(filepath.Join(filepath.Dir(out), "copy.pdf"), goneProcess(t), 123456)
	mine := filepath.Join(filepath.Dir(out), ".copy.pdf.123456.tmp")
	os.WriteFile(stale, content[:100], 0o600)
	os.WriteFile(mine, []byte("mine"), 0o600)
	// A folder as -o takes the document's own name.
	e.ok("doc", "get", id2, "-o", filepath.Dir(out))
	if _, err := os.Lstat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the next doc get left a killed run's temporary file: %v", err)
	}
	if err := os.Remove(mine); err != nil {
		t.Errorf("doc get removed a hidden file not its own: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), "brief.txt")); err != nil {
		t.Errorf("doc get into a folder: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), ".") {
			t.Errorf("a temporary file was left behind: %s", en.Name())
		}
	}

	e.fails(1, []string{"is a record, not a document"}, "doc", "get", rec, "-o", filepath.Join(e.dir, "x"))
	e.fails(1, []string{"nope.pdf", "does not exist"}, "doc", "add", filepath.Join(e.dir, "nope.pdf"))
	e.fails(1, []string{"does not exist"}, "doc", "add", small, "--record", "00000000-0000-4000-8000-000000000000")

	// Documents go to the recycle bin and come back too.
	e.ok("rm", d.ID)
	var bin struct {
		Records   []record   `json:"records"`
		Documents []document `json:"documents"`
	}
	e.decode(e.ok("bin", "--json"), &bin)
	if len(bin.Documents) != 1 || bin.Documents[0].ID != d.ID {
		t.Errorf("bin after rm of a document = %+v", bin)
	}
	e.decode(e.ok("doc", "list", "--json"), &docs)
	if len(docs) != 1 {
		t.Errorf("doc list after rm = %+v", docs)
	}
	e.ok("restore", d.ID)
	e.decode(e.ok("doc", "list", "--json"), &docs)
	if len(docs) != 2 {
		t.Errorf("doc list after restore = %+v", docs)
	}
}

// TestWriteAtomicLeavesNothingOnError checks the mechanism doc get relies
// on: when writing fails halfway (a damaged chunk), neither the target nor
// a temporary file is left.
func TestWriteAtomicLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.pdf")
	err := writeAtomic(target, func(f *os.File) error {
		f.Write(bytes.Repeat([]byte("x"), 1<<20))
		return vault.ErrDamaged
	})
	if err != vault.ErrDamaged {
		t.Fatalf("writeAtomic error = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	os.WriteFile(target, []byte("old"), 0o600)
	writeAtomic(target, func(f *os.File) error { f.Write([]byte("partial")); return vault.ErrDamaged })
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Errorf("a failed write changed the existing file to %q", got)
	}
}

func TestWrongPassphrase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	wrong := e.write("wrong.txt", "not the passphrase\n")
	r := e.runEnv(nil, "--vault", e.vault, "--passphrase-file", wrong, "list")
	e.checkFailure(r, 1, e.vault, "passphrase is not right")
	nl := &env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}
	r = nl.runEnv(nil, "list", "--vault", e.vault, "--passphrase-file", wrong)
	nl.checkFailure(r, 1, "wachtwoord klopt niet")
	// The flag wins over the environment.
	r = e.runEnv([]string{"KLUIS_PASSPHRASE_FILE=" + e.pass}, "--vault", e.vault, "--passphrase-file", wrong, "list")
	e.checkFailure(r, 1, "passphrase is not right")
	e.fails(1, []string{"missing.txt", "does not exist"}, "list", "--passphrase-file", filepath.Join(e.dir, "missing.txt"))
	empty := e.write("empty.txt", "\n")
	e.fails(1, []string{"empty.txt", "empty"}, "list", "--passphrase-file", empty)
	// The failed unlocks show in the log at the next unlock.
	var events []vault.Event
	if err := json.Unmarshal([]byte(e.ok("log", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, ev := range events {
		if ev.Action == vault.ActionUnlockFailed {
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("log has %d failed unlocks, want 3", failed)
	}
}

// TestPassphraseFileNewline checks that exactly one trailing newline is
// stripped from a passphrase file.
func TestPassphraseFileNewline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	two := e.write("two.txt", "ends with a newline\n\n") // the passphrase is "ends with a newline\n"
	r := e.runEnv(nil, "--vault", e.vault, "--passphrase-file", two, "init", "--name", "Fatima")
	if r.code != 0 {
		t.Fatalf("init: %s", r.stderr)
	}
	one := e.write("one.txt", "ends with a newline\n")
	r = e.runEnv(nil, "--vault", e.vault, "--passphrase-file", one, "list")
	e.checkFailure(r, 1, "passphrase is not right")
	for _, name := range []string{"two.txt", "crlf.txt"} {
		p := two
		if name == "crlf.txt" {
			p = e.write(name, "ends with a newline\n\r\n")
		}
		if r := e.runEnv(nil, "--vault", e.vault, "--passphrase-file", p, "list"); r.code != 0 {
			t.Errorf("list with %s: %s", name, r.stderr)
		}
	}
}

// TestNoPassphraseWithoutTerminal checks that kluisctl fails at once when
// there is no passphrase and standard input is not a terminal, also when
// standard input is a pipe that stays open.
func TestNoPassphraseWithoutTerminal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	for _, stdin := range []string{"dev-null", "open-pipe"} {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		if stdin == "open-pipe" {
			e.stdin = func(cmd *exec.Cmd) { cmd.Stdin = pr }
		} else {
			e.stdin = nil
		}
		r := e.runEnv(nil, "--vault", e.vault, "list")
		pw.Close()
		pr.Close()
		e.checkFailure(r, 1, "No passphrase", "--passphrase-file", "KLUIS_PASSPHRASE_FILE")
		if r.took > 10*time.Second {
			t.Errorf("%s: took %v", stdin, r.took)
		}
		r = e.runEnv(nil, "--vault", filepath.Join(e.dir, "new.kluis"), "init", "--name", "Fatima")
		e.checkFailure(r, 1, "No new passphrase", "--new-passphrase-file")
		r = e.runEnv([]string{"KLUIS_PASSPHRASE_FILE=" + e.pass}, "--vault", filepath.Join(e.dir, "new.kluis"), "init")
		e.checkFailure(r, 1, "Give your name with --name", "kluisctl init --name")
		r = e.runEnv(nil, "--vault", e.vault, "recover")
		e.checkFailure(r, 1, "No recovery key", "--recovery-key-file")
	}
	e.stdin = nil
	if _, err := os.Stat(filepath.Join(e.dir, "new.kluis")); err == nil {
		t.Errorf("init without a passphrase made a vault")
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	id := e.add("goals", "title=Test")
	cases := [][]string{
		{},
		{"frobnicate"},
		{"add"},
		{"add", "income", "amount"},
		{"add", "income", "=12"},
		{"add", "income", "amount=1", "amount=2"},
		{"get"},
		{"get", id, "extra"},
		{"list", "--bogus"},
		{"list", "a", "b"},
		{"set", id},
		{"revert", id, "one"},
		{"revert", id, "0"},
		{"doc"},
		{"doc", "frob"},
		{"doc", "get", id},
		{"backup"},
		{"search"},
		{"search", " "},
		{"--vault"},
		{"list", "--vault"},
		{"--json=maybe", "list"},
		{"restore", id, "--recovery-key-file", "x"},
		{"log", "verify", "extra"},
	}
	for _, args := range cases {
		r := e.run(args...)
		e.checkFailure(r, 2, "--help")
		if r.stdout != "" {
			t.Errorf("kluisctl %v: printed on stdout: %q", args, r.stdout)
		}
	}
	if recs := e.list(); len(recs) != 1 {
		t.Errorf("a usage error changed the vault: %+v", recs)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out := e.ok(args...)
		for _, cmd := range commands {
			if !strings.Contains(out, "  "+cmd.name) {
				t.Errorf("kluisctl %v does not list %q", args, cmd.name)
			}
		}
		for _, want := range []string{"--vault PATH", "--passphrase-file FILE", "KLUIS_PASSPHRASE_FILE", "--json", "Exit status"} {
			if !strings.Contains(out, want) {
				t.Errorf("kluisctl %v lacks %q", args, want)
			}
		}
	}
	for _, cmd := range commands {
		args := append(strings.Fields(cmd.name), "--help")
		out := e.ok(args...)
		if !strings.Contains(out, "kluisctl "+cmd.name) {
			t.Errorf("kluisctl %s --help lacks its usage line:\n%s", cmd.name, out)
		}
		for _, name := range flagNames(cmd) {
			if !strings.Contains(out, name) {
				t.Errorf("kluisctl %s --help does not document %s:\n%s", cmd.name, name, out)
			}
		}
		if out2 := e.ok(append([]string{"help"}, strings.Fields(cmd.name)...)...); out2 != out {
			t.Errorf("kluisctl help %s differs from kluisctl %s --help", cmd.name, cmd.name)
		}
	}
	nl := &env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}
	if out := nl.ok("--help"); !strings.Contains(out, "Opdrachten") || !strings.Contains(out, "prullenbak") {
		t.Errorf("Dutch help:\n%s", out)
	}
	if out := e.ok("doc", "--help"); !strings.Contains(out, "doc add") || !strings.Contains(out, "doc list") {
		t.Errorf("doc --help:\n%s", out)
	}
}

func TestPasswd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	id := e.add("goals", "title=Keep me")
	short := e.write("short.txt", "short\n")
	e.fails(1, []string{"too short", "8"}, "passwd", "--new-passphrase-file", short)
	newPass := e.write("new.txt", "a much better passphrase\n")
	if out := e.ok("passwd", "--new-passphrase-file", newPass); !strings.Contains(out, "changed") {
		t.Errorf("passwd: %s", out)
	}
	e.fails(1, []string{"passphrase is not right"}, "list")
	r := e.runEnv([]string{"KLUIS_PASSPHRASE_FILE=" + newPass}, "--vault", e.vault, "get", id, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, "Keep me") {
		t.Errorf("get with the new passphrase: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// recoveryKeyFromInit returns the recovery key as init prints it for
// people: indented lines of groups.
func recoveryKeyFromInit(t *testing.T, out string) string {
	t.Helper()
	var lines []string
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "    ") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	if len(lines) == 0 {
		t.Fatalf("init printed no recovery key:\n%s", out)
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestRecover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out := e.ok("init", "--name", "Fatima")
	if !strings.Contains(out, "recovery key") || !strings.Contains(out, "only this once") {
		t.Errorf("init output:\n%s", out)
	}
	// The key as printed, in groups over several lines, is what a person
	// would type back.
	keyFile := e.write("recovery.txt", recoveryKeyFromInit(t, out))
	id := e.add("income", "source=UWV", "amount=1")

	other := newEnv(t)
	otherKey := other.write("other.txt", other.init())
	newPass := e.write("new.txt", "my new passphrase\n")
	e.fails(1, []string{"recovery key is not right"}, "recover", "--recovery-key-file", otherKey, "--new-passphrase-file", newPass)
	garbage := e.write("garbage.txt", "hello\n")
	e.fails(1, []string{"recovery key is not right"}, "recover", "--recovery-key-file", garbage, "--new-passphrase-file", newPass)

	if out := e.ok("recover", "--recovery-key-file", keyFile, "--new-passphrase-file", newPass); !strings.Contains(out, "new passphrase is set") {
		t.Errorf("recover: %s", out)
	}
	e.fails(1, []string{"passphrase is not right"}, "list")
	r := e.runEnv(nil, "--vault", e.vault, "--passphrase-file", newPass, "list", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, id) {
		t.Errorf("list with the new passphrase: %d %s", r.code, r.stderr)
	}
	var events []vault.Event
	json.Unmarshal([]byte(e.runEnv(nil, "--vault", e.vault, "--passphrase-file", newPass, "log", "--json").stdout), &events)
	var actions []vault.Action
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	if !slices.Contains(actions, vault.ActionRecoveryKeyUsed) || !slices.Contains(actions, vault.ActionPassphraseChanged) {
		t.Errorf("log after recover = %v", actions)
	}
}

func TestInit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	short := e.write("short.txt", "1234567\n")
	r := e.runEnv(nil, "--vault", e.vault, "init", "--name", "Fatima", "--new-passphrase-file", short)
	e.checkFailure(r, 1, "too short", "8")
	if _, err := os.Stat(e.vault); err == nil {
		t.Errorf("a refused init made a vault")
	}
	// --name follows the app's rule for a name: one line, nothing hidden.
	for _, bad := range []string{"Fa\u202etima", "Fatima\nEvil", " Fatima", "owner"} {
		e.fails(1, []string{"without hidden characters"}, "init", "--name", bad)
		if _, err := os.Stat(e.vault); err == nil {
			t.Fatalf("init --name %q made a vault", bad)
		}
	}
	// Without --name and without a terminal to ask it on, init refuses
	// and says to give --name: a vault never gets a made-up name.
	e.fails(1, []string{"Give your name with --name"}, "init")
	nl := &env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}
	nl.fails(1, []string{"Geef uw naam met --name", "kluisctl init --name"}, "init")
	if _, err := os.Stat(e.vault); err == nil {
		t.Fatal("init without a name made a vault")
	}
	e.init()
	e.fails(1, []string{e.vault, "already"}, "init")
	e.fails(1, []string{"There is no vault at", "kluisctl init"}, "list", "--vault", filepath.Join(e.dir, "elsewhere.kluis"))
	// Without --vault the default place under $XDG_DATA_HOME is used.
	r = e.runEnv([]string{"KLUIS_PASSPHRASE_FILE=" + e.pass}, "init", "--name", "Fatima")
	if r.code != 0 {
		t.Fatalf("init at the default place: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "xdg", "kluis", "vault.kluis")); err != nil {
		t.Errorf("default vault: %v", err)
	}
}

func TestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	id := e.add("debts", "creditor=CJIB", "amount=90")
	e.ok("set", id, "status=paid")
	var events []vault.Event
	if err := json.Unmarshal([]byte(e.ok("log", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	var actions []vault.Action
	for i, ev := range events {
		actions = append(actions, ev.Action)
		if ev.Seq != uint64(i+1) || ev.Hash == "" {
			t.Errorf("event %d = %+v", i, ev)
		}
	}
	want := []vault.Action{vault.ActionVaultCreated, vault.ActionRecordCreated, vault.ActionRecordUpdated}
	if !slices.Equal(actions, want) {
		t.Errorf("log actions = %v, want %v", actions, want)
	}
	if strings.Contains(e.ok("log", "--json"), "CJIB") {
		t.Errorf("the log contains a value")
	}
	out := e.ok("log")
	for _, w := range []string{"Vault created", "Record added", "Record changed", "Debts", id, "Fatima"} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if out := e.ok("log", "verify"); !strings.Contains(out, "complete and unchanged") || !strings.Contains(out, "3 entries") {
		t.Errorf("log verify: %s", out)
	}
	var v struct {
		OK      bool `json:"ok"`
		Entries int  `json:"entries"`
	}
	e.decode(e.ok("log", "verify", "--json"), &v)
	if !v.OK || v.Entries != 3 {
		t.Errorf("log verify --json = %+v", v)
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cats []struct {
		ID     string   `json:"id"`
		Label  string   `json:"label"`
		Title  []string `json:"title"`
		Fields []struct {
			ID        string `json:"id"`
			Label     string `json:"label"`
			Type      string `json:"type"`
			Required  bool   `json:"required"`
			Sensitive bool   `json:"sensitive"`
			Choices   []struct {
				ID    string `json:"id"`
				Label string `json:"label"`
			} `json:"choices"`
		} `json:"fields"`
	}
	e.decode(e.ok("schema", "--json"), &cats) // no vault needed
	var ids []string
	for _, c := range cats {
		ids = append(ids, c.ID)
		if c.ID != "personal" {
			continue
		}
		for _, f := range c.Fields {
			if f.ID == "bsn" && (f.Type != "bsn" || !f.Sensitive || f.Label != "Citizen service number (BSN)") {
				t.Errorf("schema personal.bsn = %+v", f)
			}
			if f.ID == "surname" && !f.Required {
				t.Errorf("personal.surname is not required")
			}
		}
	}
	for _, want := range []string{"personal", "household", "housing", "income", "costs", "debts", "care", "network", "goals"} {
		if !slices.Contains(ids, want) {
			t.Errorf("schema --json lacks %s", want)
		}
	}
	out := e.ok("schema")
	for _, w := range []string{"income", "Income", "amount", "money", "required", "month (Per month)"} {
		if !strings.Contains(out, w) {
			t.Errorf("schema lacks %q", w)
		}
	}
}

// TestBackupRestoreRoundTrip is the done-when scenario: records and a
// document go into a backup; after changes, restoring the backup brings
// back exactly what was there when it was made, and the changed vault is
// kept aside.
func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recoveryKey := e.write("recovery.txt", e.init())
	personal := e.add("personal", "given_names=Fatima", "surname=Yılmaz", "bsn=123456782")
	income := e.add("income", "source=UWV", "amount=1234,56", "period=month")
	e.add("debts", "creditor=Energie BV", "amount=300", "status=open")
	e.ok("set", income, "amount=1300")
	src, content := e.randomFile("jaaropgave.pdf", 700*1024)
	doc := strings.TrimSpace(e.ok("doc", "add", src, "--record", income))

	before := e.ok("list", "--json", "--reveal")
	var beforeHist []record
	e.decode(e.ok("history", income, "--json"), &beforeHist)

	backup := filepath.Join(e.dir, "kluis.backup")
	if out := e.ok("backup", "-o", backup); !strings.Contains(out, backup) {
		t.Errorf("backup: %s", out)
	}

	// Change everything after the backup.
	e.ok("set", personal, "surname=Jansen")
	e.ok("rm", income)
	added := e.add("goals", "title=Made after the backup")
	e.ok("rm", doc)

	out := e.ok("restore", backup)
	m := regexp.MustCompile(`kept as (\S+)\.\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("restore does not say where the earlier vault went:\n%s", out)
	}
	movedAside := m[1]
	if !strings.HasPrefix(movedAside, e.vault+".") {
		t.Errorf("moved aside to %s, want it next to the vault", movedAside)
	}

	if after := e.ok("list", "--json", "--reveal"); after != before {
		t.Errorf("records after restore differ from the backup:\nbefore: %s\nafter: %s", before, after)
	}
	var afterHist []record
	e.decode(e.ok("history", income, "--json"), &afterHist)
	if len(afterHist) != len(beforeHist) || len(afterHist) != 2 {
		t.Errorf("history after restore has %d versions, want %d", len(afterHist), len(beforeHist))
	}
	target := filepath.Join(e.dir, "back.pdf")
	e.ok("doc", "get", doc, "-o", target)
	if got, _ := os.ReadFile(target); !bytes.Equal(got, content) {
		t.Errorf("document after restore: %d bytes, want the %d bytes backed up", len(got), len(content))
	}
	if out := e.ok("log", "verify"); !strings.Contains(out, "complete") {
		t.Errorf("log verify after restore: %s", out)
	}

	// The vault that was replaced is intact, with the changes made after
	// the backup.
	aside := &env{t: t, dir: e.dir, vault: movedAside, pass: e.pass, lang: e.lang}
	if r := aside.get(added); r.Fields["title"] != "Made after the backup" {
		t.Errorf("moved-aside vault: %+v", r)
	}

	// Restore with the recovery key into a new place, setting a new
	// passphrase.
	fresh := filepath.Join(e.dir, "fresh", "vault.kluis")
	newPass := e.write("new.txt", "passphrase after restore\n")
	r := e.runEnv(nil, "--vault", fresh, "restore", backup, "--recovery-key-file", recoveryKey, "--new-passphrase-file", newPass)
	if r.code != 0 || strings.Contains(r.stdout, "kept as") {
		t.Fatalf("restore with the recovery key: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = e.runEnv(nil, "--vault", fresh, "--passphrase-file", newPass, "list", "--json", "--reveal")
	if r.code != 0 || r.stdout != before {
		t.Errorf("records in the vault restored with the recovery key: %d %s\n%s", r.code, r.stderr, r.stdout)
	}

	// A wrong passphrase or a file that is no backup changes nothing.
	wrong := e.write("wrong.txt", "not the passphrase\n")
	r = e.runEnv(nil, "--vault", e.vault, "--passphrase-file", wrong, "restore", backup)
	e.checkFailure(r, 1, "passphrase is not right")
	notBackup := e.write("notes.txt", "just some notes\n")
	e.fails(1, []string{"notes.txt", "not a Kluis backup"}, "restore", notBackup)
	e.fails(1, []string{"missing.backup", "does not exist"}, "restore", filepath.Join(e.dir, "missing.backup"))
	// Next to the vault: the one kept aside, and the document files of
	// both (vault.DocsFolder).
	matches, _ := filepath.Glob(e.vault + ".*")
	matches = slices.DeleteFunc(matches, func(m string) bool { return strings.HasSuffix(m, ".docs") })
	if len(matches) != 1 {
		t.Errorf("failed restores left files next to the vault: %v", matches)
	}
	if after := e.ok("list", "--json", "--reveal"); after != before {
		t.Errorf("a failed restore changed the vault")
	}
}

// TestRestoreTwiceKeepsBoth restores a backup twice in quick succession:
// each restore keeps the vault it replaces, under its own name.
func TestRestoreTwiceKeepsBoth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	e.add("goals", "title=In the backup")
	backup := filepath.Join(e.dir, "b.backup")
	e.ok("backup", "-o", backup)
	first := e.add("goals", "title=First change")
	e.ok("restore", backup)
	second := e.add("goals", "title=Second change")
	e.ok("restore", backup)
	aside, _ := filepath.Glob(e.vault + ".before-restore-*")
	if len(aside) != 2 {
		t.Fatalf("vaults kept aside: %v, want 2", aside)
	}
	var titles []string
	for _, p := range aside {
		a := &env{t: t, dir: e.dir, vault: p, pass: e.pass, lang: e.lang}
		for _, r := range a.list() {
			titles = append(titles, fmt.Sprint(r.Fields["title"]))
		}
	}
	for _, want := range []string{"First change", "Second change"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no kept vault holds %q (ids %s, %s): %v", want, first, second, titles)
		}
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	e.add("income", "source=UWV", "amount=12,50")
	id := e.add("goals", "title=Write a letter")
	e.ok("set", id, "status=in_progress")
	src, content := e.randomFile("brief.pdf", 300*1024)
	doc := strings.TrimSpace(e.ok("doc", "add", src))
	dir := filepath.Join(e.dir, "export")
	r := e.run("export", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "NOT encrypted") {
		t.Fatalf("export: %d %s %s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "vault.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Records []struct {
			ID      string         `json:"id"`
			Fields  map[string]any `json:"fields"`
			History []any          `json:"history"`
		} `json:"records"`
		Documents []struct {
			ID   string `json:"id"`
			File string `json:"file"`
		} `json:"documents"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Records) != 2 || len(exp.Documents) != 1 || exp.Documents[0].ID != doc {
		t.Fatalf("vault.json: %d records, %+v", len(exp.Records), exp.Documents)
	}
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(exp.Documents[0].File)))
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("exported document: %v, %d bytes", err, len(got))
	}
	if _, err := os.Stat(filepath.Join(dir, "activity-log.json")); err != nil {
		t.Error(err)
	}
	e.fails(1, []string{dir, "not empty"}, "export", dir)
}

// TestVaultInUse holds the vault open in this process, as the desktop app
// would, and checks that kluisctl says so quickly instead of waiting.
func TestVaultInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	v, err := vault.Open(e.vault, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, args := range [][]string{{"list"}, {"add", "goals", "title=x"}} {
		r := e.fails(1, []string{e.vault, "open in another program"}, args...)
		if r.took > 5*time.Second {
			t.Errorf("kluisctl %v took %v to say the vault is in use", args, r.took)
		}
	}
	backup := filepath.Join(e.dir, "b.backup")
	v.Unlock([]byte(testPass))
	if err := v.Backup(backup); err != nil {
		t.Fatal(err)
	}
	e.fails(1, []string{"open in another program"}, "restore", backup)
}

// TestOutputIsStable checks a few properties scripts rely on: JSON output
// is one value, and add prints nothing but the id.
func TestOutputIsStable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	out := e.ok("add", "network", "name=Aisha", "phone=06 12345678")
	if !regexp.MustCompile(`^[0-9a-f-]{36}\n$`).MatchString(out) {
		t.Errorf("add printed %q", out)
	}
	for _, args := range [][]string{{"list", "--json"}, {"bin", "--json"}, {"doc", "list", "--json"}, {"log", "--json"}} {
		out := e.ok(args...)
		dec := json.NewDecoder(strings.NewReader(out))
		var v any
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Errorf("kluisctl %v: not one JSON value: %v\n%s", args, err, out)
		}
		if v == nil {
			t.Errorf("kluisctl %v printed null", args)
		}
	}
	if out := e.ok("doc", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("doc list --json on an empty vault = %q, want []", out)
	}
}

// flagNames lists every flag of a verb as typed: "--json", "-o".
func flagNames(cmd *command) []string {
	var out []string
	for _, d := range (&cli{}).flagsFor(cmd).Docs(i18n.Load(i18n.English).T) {
		for _, n := range d.Names {
			out = append(out, cmdline.FlagName(n))
		}
	}
	return out
}

func TestCompact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	big := e.write("groot.bin", strings.Repeat("kluis ", 2<<20))
	var doc struct {
		ID string `json:"id"`
	}
	lenient(t, e.ok("doc", "add", big, "--json"), &doc)
	e.ok("rm", doc.ID)
	var out struct {
		Before int64 `json:"before"`
		After  int64 `json:"after"`
	}
	lenient(t, e.ok("compact", "--json"), &out)
	if out.Before == 0 || out.After > out.Before {
		t.Fatalf("compact --json = %+v", out)
	}
	if !strings.Contains(e.ok("log"), "smaller") {
		t.Fatal("compacting is not in the activity log")
	}
}

// goneProcess returns the pid of a process of this computer that has
// ended: what a killed run leaves its temporary files to.
func goneProcess(t *testing.T) int {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// TestBinPurgeAndEmpty: bin purge deletes one item in the recycle bin for
// good, bin empty all of them; documents lose their content.
func TestBinPurgeAndEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	a := e.add("goals", "title=Eerste")
	b := e.add("goals", "title=Tweede")
	keep := e.add("goals", "title=Blijft")
	src, _ := e.randomFile("brief.pdf", 300*1024)
	doc := strings.TrimSpace(e.ok("doc", "add", src))

	// Only what is in the recycle bin can go for good.
	e.fails(1, []string{"not in the recycle bin"}, "bin", "purge", a)
	e.ok("rm", a)
	var purged map[string]any
	e.decode(e.ok("bin", "purge", a[:8], "--json"), &purged)
	if purged["id"] != a || purged["kind"] != "record" || purged["purged"] != true {
		t.Errorf("bin purge --json = %v", purged)
	}
	e.fails(1, []string{"does not exist"}, "get", a)
	e.fails(1, []string{"does not exist"}, "restore", a)
	e.fails(1, []string{"does not exist"}, "history", a)

	e.ok("rm", b)
	e.ok("rm", doc)
	if out := e.ok("bin", "empty"); !strings.Contains(out, "records: 1, documents: 1") {
		t.Errorf("bin empty: %s", out)
	}
	if out := e.ok("bin"); !strings.Contains(out, "empty") {
		t.Errorf("bin after bin empty:\n%s", out)
	}
	if recs := e.list(); len(recs) != 1 || recs[0].ID != keep {
		t.Errorf("list = %+v", recs)
	}
	e.fails(1, []string{"does not exist"}, "doc", "get", doc, "-o", filepath.Join(e.dir, "x.pdf"))
	var emptied map[string]int
	e.decode(e.ok("bin", "empty", "--json"), &emptied)
	if emptied["records"] != 0 || emptied["documents"] != 0 {
		t.Errorf("bin empty of an empty bin = %v", emptied)
	}
	var events []vault.Event
	e.decode(e.ok("log", "--json"), &events)
	var got []string
	for _, ev := range events {
		if strings.HasSuffix(string(ev.Action), ".purged") {
			got = append(got, string(ev.Action)+" "+ev.Subject)
		}
	}
	if want := []string{"record.purged " + a, "record.purged " + b, "document.purged " + doc}; !slices.Equal(got, want) {
		t.Errorf("log: %v, want %v", got, want)
	}
	if out := e.ok("log"); !strings.Contains(out, "deleted for good") {
		t.Errorf("log:\n%s", out)
	}
	if out := e.ok("help", "bin", "empty"); !strings.Contains(out, "cannot be undone") {
		t.Errorf("help bin empty:\n%s", out)
	}
	e.lang = "nl_NL.UTF-8"
	if out := e.ok("bin", "purge", "--help"); !strings.Contains(out, "niet ongedaan") {
		t.Errorf("bin purge --help:\n%s", out)
	}
}

// TestChoiceByLabel: a choice may be typed as people see it — its Dutch or
// English label, in any case — or as its key; a value that is none of them
// is refused with the choices in the person's language.
func TestChoiceByLabel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	nl := &env{t: t, dir: e.dir, vault: e.vault, pass: e.pass, lang: "nl_NL.UTF-8"}
	nl.fails(1, []string{"Huishouden", "Wat is deze persoon van u?", "De mogelijkheden zijn: Partner, Kind, Ouder, Ander familielid, Huisgenoot, Iemand anders."},
		"add", "household", "given_names=Said", "relation=broer")
	e.fails(1, []string{"Household", "The options are: Partner, Child, Parent, Other relative, Housemate, Someone else."},
		"add", "household", "given_names=Said", "relation=brother")
	for value, want := range map[string]string{
		"kind": "child", "Ander familielid": "other_relative", "  ANDER   familielid ": "other_relative",
		"Other relative": "other_relative", "PARENT": "parent", "other_relative": "other_relative", "Iemand anders": "other",
	} {
		id := nl.add("household", "given_names=Said", "relation="+value, "lives_here=ja")
		if r := e.get(id); r.Fields["relation"] != want || r.Fields["lives_here"] != "yes" {
			t.Errorf("relation=%q stored %v", value, r.Fields)
		}
	}
	id := e.add("household", "given_names=Amina", "relation=Child")
	nl.ok("set", id, "relation=Huisgenoot")
	if r := e.get(id); r.Fields["relation"] != "housemate" {
		t.Errorf("set relation=Huisgenoot stored %v", r.Fields)
	}
	nl.fails(1, []string{"De mogelijkheden zijn: Ja, Nee."}, "set", id, "lives_here=misschien")
	// Other fields keep what was typed, even when it looks like a label.
	id = nl.add("goals", "title=Kind")
	if r := e.get(id); r.Fields["title"] != "Kind" {
		t.Errorf("a text field was changed: %v", r.Fields)
	}
}

// Every label of every choice, in Dutch and in English, names exactly its
// own choice: none could be taken for another.
func TestChoiceLabelsNameTheirChoice(t *testing.T) {
	for _, cat := range schema.Categories() {
		for _, f := range cat.Fields {
			if f.Type != schema.Choice {
				continue
			}
			for _, key := range f.Choices {
				for _, c := range choiceCatalogs() {
					label := c.Choice(cat.ID, f.ID, key)
					if label == key && c.Lang() == i18n.Dutch {
						t.Errorf("%s.%s.%s has no Dutch label", cat.ID, f.ID, key)
					}
					if got, ok := choiceKey(cat.ID, &f, label); !ok || got != key {
						t.Errorf("%s.%s: %s label %q gives %q, %v; want %q", cat.ID, f.ID, c.Lang(), label, got, ok, key)
					}
				}
				if got, ok := choiceKey(cat.ID, &f, strings.ToUpper(key)); !ok || got != key {
					t.Errorf("%s.%s: key %q gives %q", cat.ID, f.ID, key, got)
				}
			}
		}
	}
}

// TestUnnamedVault: a vault made without a name (by an older kluisctl)
// never shows the placeholder "owner"; what would carry the name to others
// waits until it has one, which kluisctl name gives.
func TestUnnamedVault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v, _, err := vault.Create(e.vault, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	id := e.add("goals", "title=Werk")
	for _, args := range [][]string{{"get", id}, {"history", id}, {"log"}, {"name"}} {
		out := e.ok(args...)
		if strings.Contains(out, vault.DefaultPerson) {
			t.Errorf("kluisctl %s shows %q:\n%s", strings.Join(args, " "), vault.DefaultPerson, out)
		}
		if args[0] == "get" && !strings.Contains(out, "by you") {
			t.Errorf("get:\n%s", out)
		}
	}
	if out := e.ok("name"); !strings.Contains(out, "no name yet") {
		t.Errorf("name: %s", out)
	}
	e.fails(1, []string{"no name yet", "kluisctl name NAME"}, "contact")
	e.fails(1, []string{"no name yet"}, "share", "create", "--share-code", "--scope", "goals", "--purpose", "Intake", "-o", filepath.Join(e.dir, "s.kluis"))
	e.fails(1, []string{"without hidden characters"}, "name", "owner")
	if out := e.ok("name", "Fatima Yılmaz"); !strings.Contains(out, "Fatima Yılmaz") {
		t.Errorf("name NAME: %s", out)
	}
	if out := e.ok("name"); !strings.Contains(out, "Your name: Fatima Yılmaz") {
		t.Errorf("name after setting it: %s", out)
	}
	var contact map[string]any
	e.decode(e.ok("contact", "--json"), &contact)
	if contact["name"] != "Fatima Yılmaz" {
		t.Errorf("contact --json = %v", contact)
	}
}

func TestReadLine(t *testing.T) {
	empty := errors.New("empty")
	for in, want := range map[string]string{"  Fatima Yılmaz \n": "Fatima Yılmaz", "Said": "Said", "Jan\nrest\n": "Jan"} {
		if got, err := readLine(strings.NewReader(in), empty); err != nil || got != want {
			t.Errorf("readLine(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "\n", "   \n"} {
		if _, err := readLine(strings.NewReader(in), empty); err != empty {
			t.Errorf("readLine(%q): %v, want the error for nothing typed", in, err)
		}
	}
}
