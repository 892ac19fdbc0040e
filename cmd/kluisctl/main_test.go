package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests run kluisctl as a separate process, the way people and
// scripts do: the test binary starts itself with KLUISCTL_BE_MAIN=1, and
// then TestMain runs the real main instead of the tests. Each scenario so
// sees real exit statuses, a standard input that is not a terminal, and a
// pinned locale. (Test binaries use a low scrypt work factor, so this is
// fast; see vault's kdfParameters.)
func TestMain(m *testing.M) {
	if os.Getenv("KLUISCTL_BE_MAIN") == "1" {
		main()
		os.Exit(0) // main exits itself; this is only a safety net
	}
	os.Exit(m.Run())
}

// testPass is the passphrase the scenarios create vaults with.
const testPass = "correct horse battery"

// env is a scenario's world: a temporary folder with a passphrase file and
// the path of its vault.
type env struct {
	t     *testing.T
	dir   string
	vault string
	pass  string // file holding testPass
	lang  string // LANG for the processes
	extra []string
	stdin func(cmd *exec.Cmd)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, vault: filepath.Join(dir, "vault.kluis"), lang: "en_US.UTF-8"}
	e.pass = e.write("pass.txt", testPass+"\n")
	return e
}

// write makes a file in the scenario's folder and returns its path.
func (e *env) write(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

type result struct {
	args   []string
	stdout string
	stderr string
	code   int
	took   time.Duration
}

// run runs kluisctl with args, with --vault and the passphrase file given
// through the environment ($KLUIS_PASSPHRASE_FILE), and returns what it did.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runEnv([]string{"KLUIS_PASSPHRASE_FILE=" + e.pass}, append([]string{"--vault", e.vault}, args...)...)
}

// runEnv runs kluisctl with exactly args and the extra environment.
func (e *env) runEnv(extraEnv []string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Dir = e.dir
	cmd.Env = append([]string{
		"KLUISCTL_BE_MAIN=1",
		"LANG=" + e.lang,
		"HOME=" + e.dir,
		"XDG_DATA_HOME=" + filepath.Join(e.dir, "xdg"),
		"PATH=" + os.Getenv("PATH"),
		// A race-enabled binary sleeps a second before it exits, by
		// default, so other goroutines can still report; the scenarios run
		// hundreds of processes. A race still makes the process exit 66
		// with a report on stderr, which fails the scenario.
		"GORACE=" + cmp.Or(os.Getenv("GORACE"), "atexit_sleep_ms=10"),
	}, extraEnv...)
	cmd.Env = append(cmd.Env, e.extra...)
	if e.stdin != nil {
		e.stdin(cmd)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		e.t.Fatalf("kluisctl %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		e.t.Fatalf("kluisctl %s: did not finish within the timeout (it hangs)", strings.Join(args, " "))
	}
	return r
}

// ok runs kluisctl and fails the test unless it exits 0 with nothing on
// standard error.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("kluisctl %s: exit %d, stderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fails runs kluisctl, expects exit status code and exactly one line on
// standard error starting with "kluisctl: " and containing every want.
func (e *env) fails(code int, wants []string, args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	e.checkFailure(r, code, wants...)
	return r
}

func (e *env) checkFailure(r result, code int, wants ...string) {
	e.t.Helper()
	cmdline := "kluisctl " + strings.Join(r.args, " ")
	if r.code != code {
		e.t.Fatalf("%s: exit %d, want %d; stdout: %s; stderr: %s", cmdline, r.code, code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "kluisctl: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		e.t.Errorf("%s: want one line on stderr starting with \"kluisctl: \", got %q", cmdline, r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			e.t.Errorf("%s: stderr %q does not contain %q", cmdline, r.stderr, w)
		}
	}
}

// init creates the scenario's vault and returns the recovery key.
func (e *env) init() string {
	e.t.Helper()
	var out struct {
		Vault       string `json:"vault"`
		RecoveryKey string `json:"recovery_key"`
	}
	e.decode(e.ok("init", "--name", "Fatima", "--json"), &out)
	if out.Vault != e.vault || !strings.HasPrefix(out.RecoveryKey, "AGE-SECRET-KEY-1") {
		e.t.Fatalf("init --json = %+v", out)
	}
	return out.RecoveryKey
}

func (e *env) decode(s string, v any) {
	e.t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e.t.Fatalf("decode JSON: %v\n%s", err, s)
	}
}

// record and document mirror kluisctl's JSON output.
type record struct {
	ID       string    `json:"id"`
	Category string    `json:"category"`
	Version  uint64    `json:"version"`
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
	Author   struct{ Person, Device string }
	Deleted  bool           `json:"deleted"`
	Title    string         `json:"title"`
	Fields   map[string]any `json:"fields"`
}

type document struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	Record    string    `json:"record"`
	Added     time.Time `json:"added"`
	Modified  time.Time `json:"modified"`
	Author    struct{ Person, Device string }
	Deleted   bool `json:"deleted"`
}

// add adds a record and returns its id (printed alone on a line).
func (e *env) add(category string, fields ...string) string {
	e.t.Helper()
	id := strings.TrimSpace(e.ok(append([]string{"add", category}, fields...)...))
	if len(id) != 36 {
		e.t.Fatalf("add printed %q, want an id", id)
	}
	return id
}

func (e *env) list(args ...string) []record {
	e.t.Helper()
	var recs []record
	e.decode(e.ok(append([]string{"list", "--json"}, args...)...), &recs)
	return recs
}

func (e *env) get(id string, args ...string) record {
	e.t.Helper()
	var r record
	e.decode(e.ok(append([]string{"get", id, "--json"}, args...)...), &r)
	return r
}
