package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/intake"
	"kluis/sync/bundle"
)

// TestUserVerbs runs user add, list, passwd and remove through the real
// binary, with every refusal: exit status, one line on standard error,
// and nothing changed.
func TestUserVerbs(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	write := func(name, pw string) {
		os.WriteFile(filepath.Join(w.dir, name), []byte(pw+"\n"), 0o600)
	}
	write("jan.pw", "appelboom-fiets-42")
	write("mira.pw", "wolken boven de IJssel")
	write("kort.pw", "kort-ww-123")

	if out, stderr, code := w.run("user", "list"); code != 0 || !strings.Contains(out, "no users yet") {
		t.Errorf("list of a new store: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code := w.run("user", "add", "jan", "--role", "admin", "--password-file", "jan.pw")
	if code != 0 || !strings.Contains(out, "User jan added as admin") {
		t.Fatalf("add: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = w.run("--json", "user", "add", "Mira Bakker", "--role", "caseworker", "--password-file", "mira.pw")
	var u intake.User
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil || u.Name != "Mira Bakker" || u.Role != intake.RoleCaseworker || u.Generation == 0 {
		t.Fatalf("add --json: exit %d\n%s%s", code, out, stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"user", "add", "piet", "--role", "caseworker", "--password-file", "kort.pw"}, 1, "at least 12 characters"},
		{[]string{"user", "add", "piet", "--role", "caseworker"}, 1, "no password: give --password-file"},
		{[]string{"user", "add", "JAN", "--role", "caseworker", "--password-file", "jan.pw"}, 1, "already a user with this name"},
		{[]string{"user", "add", "kluis-intake", "--role", "caseworker", "--password-file", "jan.pw"}, 1, "does not start with kluis-intake"},
		{[]string{"user", "add", "piet", "--role", "root", "--password-file", "jan.pw"}, 2, "choose caseworker or admin"},
		{[]string{"user", "add", "piet", "--password-file", "jan.pw"}, 2, "Usage: kluis-intake user add"},
		{[]string{"user", "add", "piet", "--role", "admin", "--password-file", "missing.pw"}, 1, "password file missing.pw"},
		{[]string{"user", "remove", "piet"}, 1, "no user with this name"},
		{[]string{"user", "passwd", "piet", "--password-file", "jan.pw"}, 1, "no user with this name"},
		{[]string{"user", "passwd", "jan", "--password-file", "kort.pw"}, 1, "at least 12 characters"},
		{[]string{"user", "remove", "jan"}, 1, "last admin"},
		{[]string{"user", "frobnicate"}, 2, "Choose add, list, remove or passwd"},
		{[]string{"user", "list", "extra"}, 2, "Usage: kluis-intake user list"},
	} {
		before := w.storeState()
		out, stderr, code := w.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out, stderr, tc.code, tc.want)
		}
		if w.storeState() != before {
			t.Errorf("%v: a refusal changed the store", tc.args)
		}
	}
	out, stderr, code = w.run("user", "list")
	if code != 0 || !strings.Contains(out, "Mira Bakker") || !strings.Contains(out, "caseworker") || strings.Index(out, "jan") > strings.Index(out, "Mira") {
		t.Errorf("list: exit %d\n%s%s", code, out, stderr)
	}
	w.env = append(w.env, "LANG=nl_NL.UTF-8")
	if out, _, _ := w.run("user", "list"); !strings.Contains(out, "medewerker") || !strings.Contains(out, "beheerder") || !strings.Contains(out, "Wachtwoord ingesteld") {
		t.Errorf("list in Dutch:\n%s", out)
	}
	w.env = w.env[:len(w.env)-1]
	if out, stderr, code := w.run("user", "passwd", "MIRA BAKKER", "--password-file", "jan.pw"); code != 0 || !strings.Contains(out, "Mira Bakker has a new password") {
		t.Errorf("passwd: exit %d\n%s%s", code, out, stderr)
	}
	out, _, _ = w.run("--json", "user", "list")
	var users []intake.User
	if json.Unmarshal([]byte(out), &users) != nil || len(users) != 2 || users[1].Name != "Mira Bakker" || users[1].Generation <= u.Generation {
		t.Errorf("list --json after passwd: %s", out)
	}
	if out, stderr, code := w.run("user", "remove", "mira bakker"); code != 0 || !strings.Contains(out, "User Mira Bakker removed") {
		t.Errorf("remove: exit %d\n%s%s", code, out, stderr)
	}

	// Every change is in the processing log, by the program.
	out, stderr, code = w.run("log", "export")
	var exp struct {
		Format  string            `json:"format"`
		Entries []intake.LogEntry `json:"entries"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &exp) != nil || exp.Format != "kluis-intake-log/v1" {
		t.Fatalf("log export: exit %d\n%s%s", code, out, stderr)
	}
	var details []string
	for _, e := range exp.Entries {
		if e.Action != intake.ActUser || !strings.HasPrefix(e.User, intake.Program) {
			t.Errorf("entry %+v", e)
		}
		details = append(details, e.Detail)
	}
	if got := strings.Join(details, "; "); got != `account "jan" added as admin; account "Mira Bakker" added as caseworker; `+
		`account "Mira Bakker" got a new password; account "Mira Bakker" removed` {
		t.Errorf("log entries: %s", got)
	}
}

// TestLogVerbs: what the command line does with citizens' data is in the
// processing log; log verify checks it, log export writes it, and both
// refuse a log with a sealed entry whose byte was flipped, naming the
// entry.
func TestLogVerbs(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	const id = "5d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
	w.bundle(id, "b.kluis")
	for _, args := range [][]string{{"import", "b.kluis"}, {"show", id[:8]}, {"export", id, "-o", "zaak"},
		{"receipt", id, "-o", "bewijs.kluis-receipt"}, {"list"}, {"purge", "--force", "--at", time.Now().AddDate(0, 0, 15).Format(time.RFC3339)}} {
		if out, stderr, code := w.run(args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	out, stderr, code := w.run("log", "verify")
	if code != 0 || !strings.Contains(out, "intact: 5 entries checked") {
		t.Fatalf("log verify: exit %d\n%s%s", code, out, stderr)
	}
	if out, _, code := w.run("--json", "log", "verify"); code != 0 || !strings.Contains(out, `"entries": 5`) {
		t.Errorf("log verify --json: %s", out)
	}
	if out, stderr, code := w.run("log", "export", "-o", "log.json"); code != 0 || !strings.Contains(out, "5 entries") {
		t.Fatalf("log export -o: exit %d\n%s%s", code, out, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(w.dir, "log.json"))
	var exp struct{ Entries []intake.LogEntry }
	json.Unmarshal(b, &exp)
	var actions []string
	for _, e := range exp.Entries {
		actions = append(actions, e.Action)
		if e.Import != id || e.Purpose != "Aanvraag schuldhulp" || !strings.HasPrefix(e.User, intake.Program) {
			t.Errorf("entry %+v", e)
		}
	}
	if got := strings.Join(actions, " "); got != "import view export receipt purge" {
		t.Errorf("actions %q", got)
	}
	if _, stderr, code := w.run("log", "export", "-o", "log.json"); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("export over an existing file: exit %d, %q", code, stderr)
	}
	for _, args := range [][]string{{"log"}, {"log", "verify", "extra"}, {"log", "frobnicate"}} {
		if _, stderr, code := w.run(args...); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want a usage error", args, code, stderr)
		}
	}

	// Flip a byte inside the sealed value of entry 2. In the bbolt file a
	// value follows its key: the 8-byte sequence number, then the seal's
	// version byte 1.
	path := filepath.Join(w.dir, "s", "intake.db")
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key := append(binary.BigEndian.AppendUint64(nil, 2), 1)
	at := bytes.Index(db, key)
	if at < 0 || bytes.Count(db, key) != 1 {
		t.Fatal("entry 2 not found in the file")
	}
	db[at+len(key)+40] ^= 0x10
	os.WriteFile(path, db, 0o600)
	for _, lang := range []struct{ env, want string }{
		{"LANG=en_US.UTF-8", "processing log: the processing log is not intact from entry 2 on"},
		{"LANG=nl_NL.UTF-8", "verwerkingslogboek klopt niet meer vanaf regel 2"},
	} {
		out, stderr, code := runIntake(t, w.dir, append(w.env, lang.env), "--store", "s", "log", "verify")
		if code != 1 || !strings.Contains(stderr, lang.want) || !strings.Contains(stderr, "does not authenticate") || out != "" {
			t.Errorf("log verify of a damaged log (%s): exit %d\n%s%s", lang.env, code, out, stderr)
		}
	}
	if out, stderr, code := w.run("log", "export"); code != 1 || !strings.Contains(stderr, "from entry 2") || out != "" {
		t.Errorf("log export of a damaged log: exit %d\n%s%s", code, out, stderr)
	}
}

// TestStoreInUse: while another kluis-intake — such as the desk — holds the
// store, a verb says so and says what to do.
func TestStoreInUse(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	if _, stderr, code := w.run("list"); code != 0 {
		t.Fatal(stderr)
	}
	keyFile, _ := os.ReadFile(filepath.Join(w.dir, "k", "organisation.key"))
	id, err := bundle.ParseOrgIdentity(keyFile, []byte("gemeente wachtwoord 2026"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := intake.Open(filepath.Join(w.dir, "s"), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, lang := range []struct{ env, want string }{
		{"LANG=en_US.UTF-8", "in use by another kluis-intake, for example the caseworkers' desk (kluis-intake serve): stop that first, or do this in the desk"},
		{"LANG=nl_NL.UTF-8", "bijvoorbeeld de webtoepassing voor medewerkers (kluis-intake serve): stop die eerst"},
	} {
		_, stderr, code := runIntake(t, w.dir, append(w.env, lang.env), "--store", "s", "user", "list")
		if code != 1 || !strings.Contains(stderr, lang.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, %q", lang.env, code, stderr)
		}
	}
}
