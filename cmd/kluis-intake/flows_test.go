package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/internal/sign"
	"kluis/sync/bundle"
)

// intakeWorld is a kluis-intake set up as the municipality runs it: a key,
// its card and a store folder, driven through the real binary.
type intakeWorld struct {
	t   *testing.T
	dir string
	env []string
}

func newIntakeWorld(t *testing.T) *intakeWorld {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente Zwolle", "-o", "k", "--new-passphrase-file", "pass"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	return &intakeWorld{t: t, dir: dir, env: []string{"KLUIS_INTAKE_KEY=k/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"}}
}

func (w *intakeWorld) run(args ...string) (string, string, int) {
	w.t.Helper()
	return runIntake(w.t, w.dir, w.env, append([]string{"--store", "s"}, args...)...)
}

type testCitizen struct{ priv ed25519.PrivateKey }

func (c testCitizen) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(c.priv, domain, msg), nil
}

// bundle writes a share with the given id to the organisation's card,
// into the file name, and returns its bytes.
func (w *intakeWorld) bundle(id, name string) []byte { return w.bundleWith(id, name, 0) }

// bundleWith is bundle with a document of docSize bytes, when not zero.
func (w *intakeWorld) bundleWith(id, name string, docSize int) []byte {
	w.t.Helper()
	cardFile, err := os.ReadFile(filepath.Join(w.dir, "k", "organisation.card"))
	if err != nil {
		w.t.Fatal(err)
	}
	card, err := bundle.ParseCard(cardFile)
	if err != nil {
		w.t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	x, _ := age.GenerateX25519Identity()
	now := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	s := &bundle.Share{ID: id, Created: now, NotAfter: now.Add(14 * 24 * time.Hour), Purpose: "Aanvraag schuldhulp", To: card,
		Issuer: bundle.Issuer{Name: "Fatima Yılmaz", X25519: x.Recipient().String(), Ed25519: base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))},
		Scope:  bundle.Scope{Categories: []string{"income"}},
		Records: []bundle.Record{{ID: "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", Category: "income", Version: 1, Modified: now.Add(-time.Hour),
			Fields: map[string]any{"source": "UWV", "amount": int64(123456), "period": "month"}}},
	}
	if docSize > 0 {
		data := bytes.Repeat([]byte("loonstrook "), docSize/11+1)[:docSize]
		sum := sha256.Sum256(data)
		s.Documents = []bundle.DocumentSource{{
			Document: bundle.Document{ID: "8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", Name: "loonstrook.pdf", MediaType: "application/pdf", Record: s.Records[0].ID},
			Size:     int64(docSize), SHA256: hex.EncodeToString(sum[:]),
			Write: func(w io.Writer) error { _, err := w.Write(data); return err },
		}}
	}
	var b bytes.Buffer
	if _, err := bundle.Write(&b, s, testCitizen{priv}); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, name), b.Bytes(), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return b.Bytes()
}

// TestIDPrefix: show, export and receipt take the start of an id, as
// kluisctl does; a start that fits two imports or none is refused with
// one clear line (exit 1) and nothing is written.
func TestIDPrefix(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	const a, b = "3f2a9c10-1111-4000-8000-000000000001", "3f2a9c10-2222-4000-8000-000000000002"
	w.bundle(a, "a.kluis")
	w.bundle(b, "b.kluis")
	for _, f := range []string{"a.kluis", "b.kluis"} {
		if _, stderr, code := w.run("import", f); code != 0 {
			t.Fatalf("import %s: %s", f, stderr)
		}
	}
	if out, stderr, code := w.run("show", strings.ToUpper(a)); code != 0 || !strings.Contains(out, a) {
		t.Errorf("show by the whole id in capitals: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := w.run("show", a[:10]); code != 0 || !strings.Contains(out, a) {
		t.Errorf("show by a unique start: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := w.run("export", b[:13], "-o", "zaak"); code != 0 || !strings.Contains(out, b) {
		t.Errorf("export by a unique start: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := w.run("receipt", strings.ToUpper(a[:11]), "-o", "bewijs.kluis-receipt"); code != 0 || !strings.Contains(out, a) {
		t.Errorf("receipt by a unique start: exit %d\n%s%s", code, out, stderr)
	}
	for _, verb := range [][]string{{"show"}, {"export", "-o", "zaak2"}, {"receipt", "-o", "bewijs2"}} {
		_, stderr, code := w.run(append(verb, "3f2a9c")...)
		if code != 1 || !strings.Contains(stderr, "more than one import starts with") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s with an ambiguous start: exit %d, %q", verb[0], code, stderr)
		}
		_, stderr, code = w.run(append(verb, "abcdef")...)
		if code != 1 || !strings.Contains(stderr, "no import with that id") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s with an unknown start: exit %d, %q", verb[0], code, stderr)
		}
	}
	for _, p := range []string{"zaak2", "bewijs2"} {
		if _, err := os.Lstat(filepath.Join(w.dir, p)); err == nil {
			t.Errorf("%s was written after a refusal", p)
		}
	}
}

// TestIndexImportSaysOnce: a refused donation file is said in one
// sentence in the person's language, once; an empty file is "empty", not
// "EOF". With several files each refusal has its line and a count follows.
func TestIndexImportSaysOnce(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	os.WriteFile(filepath.Join(w.dir, "leeg.kluis-donation"), nil, 0o600)
	os.WriteFile(filepath.Join(w.dir, "rommel.kluis-donation"), []byte("geen donatie\n"), 0o600)
	for _, c := range []struct{ lang, want string }{{"en_US.UTF-8", "the file is empty"}, {"nl_NL.UTF-8", "het bestand is leeg"}} {
		w.env = append(w.env, "LANG="+c.lang)
		_, stderr, code := w.run("index", "import", "leeg.kluis-donation")
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "EOF") {
			t.Errorf("%s: an empty donation: exit %d, %q", c.lang, code, stderr)
		}
	}
	_, stderr, code := w.run("index", "import", "leeg.kluis-donation", "rommel.kluis-donation")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 1 || len(lines) != 3 || !strings.Contains(lines[0], "leeg.kluis-donation") ||
		!strings.Contains(lines[1], "rommel.kluis-donation") || !strings.Contains(lines[2], "2 van de 2") {
		t.Errorf("two refused files: exit %d, %q", code, stderr)
	}
}

// storeState is every byte of the store folder: its file and documents.
func (w *intakeWorld) storeState() string {
	w.t.Helper()
	h := sha256.New()
	filepath.WalkDir(filepath.Join(w.dir, "s"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			w.t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\n", path)
		if d.Type().IsRegular() {
			b, _ := os.ReadFile(path)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

// TestPurgeDryRun: purge --dry-run says what would go and leaves every
// byte of the store as it was; --at in the future without --dry-run or
// --force is a usage error that changes nothing; with --force it purges.
func TestPurgeDryRun(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	const id = "5d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
	w.bundle(id, "b.kluis")
	if _, stderr, code := w.run("import", "b.kluis"); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	later := time.Now().AddDate(0, 0, 15).Format(time.RFC3339)
	before := w.storeState()
	if out, stderr, code := w.run("purge", "--at", later); code != 2 || !strings.Contains(stderr, "--dry-run") || !strings.Contains(stderr, "--force") {
		t.Errorf("--at without --force: exit %d\n%s%s", code, out, stderr)
	}
	if w.storeState() != before {
		t.Fatal("a refused purge --at changed the store")
	}
	out, stderr, code := w.run("purge", "--dry-run", "--at", later)
	if code != 0 || !strings.Contains(out, "1 imports would be removed") || !strings.Contains(out, id) || !strings.Contains(out, "nothing was changed") {
		t.Errorf("purge --dry-run --at: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := w.run("--json", "purge", "--dry-run", "--at", later); code != 0 || !strings.Contains(out, `"reason": "expired"`) {
		t.Errorf("purge --dry-run --json: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := w.run("purge", "--dry-run"); code != 0 || !strings.Contains(out, "0 imports would be removed") {
		t.Errorf("purge --dry-run now: exit %d\n%s%s", code, out, stderr)
	}
	if w.storeState() != before {
		t.Fatal("purge --dry-run changed the store")
	}
	if out, stderr, code := w.run("show", id); code != 0 {
		t.Fatalf("show after a dry run: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := w.run("purge", "--force", "--at", later); code != 0 || !strings.Contains(out, "1 imports removed") {
		t.Errorf("purge --force --at: exit %d\n%s%s", code, out, stderr)
	}
	if _, _, code := w.run("show", id); code != 1 {
		t.Errorf("show after purge --force: exit %d", code)
	}
}

// TestImportDamagedReplay: kluis-intake import of a truncated copy of an
// imported bundle exits 1 as damaged, not 0 as "already imported".
func TestImportDamagedReplay(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	// The document puts the end past the first 64 KiB chunk of the age
	// payload, so the manifest still opens from a truncated copy.
	b := w.bundleWith("4e5f6a7b-8c9d-4e0f-8a1b-2c3d4e5f6a7b", "b.kluis", 300<<10)
	if _, stderr, code := w.run("import", "b.kluis"); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	if out, stderr, code := w.run("import", "b.kluis"); code != 0 || !strings.Contains(out, "already") {
		t.Errorf("the same bundle again: exit %d\n%s%s", code, out, stderr)
	}
	os.WriteFile(filepath.Join(w.dir, "kort.kluis"), b[:len(b)-10], 0o600)
	out, stderr, code := w.run("import", "kort.kluis")
	if code != 1 || strings.Contains(out, "already") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("a truncated copy: exit %d\n%s%s", code, out, stderr)
	}
}
