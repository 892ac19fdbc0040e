package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The share scenarios drive both CLIs as processes: kluisctl through the
// re-executed test binary, kluis-intake built once with go build.
var (
	intakeOnce sync.Once
	intakeBin  string
	intakeErr  error
)

func intakeBinary(t *testing.T) string {
	t.Helper()
	intakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kluis-intake-bin")
		if err != nil {
			intakeErr = err
			return
		}
		intakeBin = filepath.Join(dir, "kluis-intake")
		out, err := exec.Command("go", "build", "-o", intakeBin, "kluis/cmd/kluis-intake").CombinedOutput()
		if err != nil {
			intakeErr = errors.New(string(out))
		}
	})
	if intakeErr != nil {
		t.Fatalf("go build kluis-intake: %v", intakeErr)
	}
	return intakeBin
}

// intake runs kluis-intake with the organisation's key and store of e.
func (e *env) intake(args ...string) result {
	e.t.Helper()
	cmd := e.intakeCommand(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: append([]string{"(intake)"}, args...), stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// intakeCommand is kluis-intake with args, on the store, key and
// passphrase file of e, not yet started.
func (e *env) intakeCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(intakeBinary(e.t), append([]string{"--store", filepath.Join(e.dir, "store")}, args...)...)
	cmd.Dir = e.dir
	cmd.Env = []string{"LANG=" + e.lang, "HOME=" + e.dir, "PATH=" + os.Getenv("PATH"),
		"KLUIS_INTAKE_KEY=" + filepath.Join(e.dir, "org", "organisation.key"),
		"KLUIS_INTAKE_PASSPHRASE_FILE=" + filepath.Join(e.dir, "orgpass.txt")}
	return cmd
}

func (e *env) intakeOK(args ...string) string {
	e.t.Helper()
	r := e.intake(args...)
	if r.code != 0 {
		e.t.Fatalf("kluis-intake %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

type sharedJSON struct {
	ID        string    `json:"id"`
	File      string    `json:"file"`
	To        string    `json:"to"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Purpose   string    `json:"purpose"`
	Records   int       `json:"records"`
	Documents int       `json:"documents"`
	Status    string    `json:"status"`
	Receipts  int       `json:"receipts"`
	ShareCode string    `json:"share_code"`
	Link      string    `json:"link"`
}

type importJSONOut struct {
	ID              string    `json:"id"`
	Issuer          string    `json:"issuer"`
	Purpose         string    `json:"purpose"`
	KeptUntil       time.Time `json:"kept_until"`
	Records         int       `json:"records"`
	AlreadyImported bool      `json:"already_imported"`
	Documents       []struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
	} `json:"documents"`
}

// TestShareScenario is issue 4's "done when": a citizen makes a 14-day
// bundle of income and debts with two documents for a demo municipality;
// the municipality imports it, exports it for its case file and issues a
// receipt; the citizen imports the receipt; after revocation or expiry,
// purge leaves nothing behind.
func TestShareScenario(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "--oin", "00000001234567890000", "-o", filepath.Join(e.dir, "org"))
	card := filepath.Join(e.dir, "org", "organisation.card")

	e.init()
	income := e.add("income", "source=UWV", "kind=benefit", "amount=1.234,56", "period=month", "iban=NL91ABNA0417164300")
	debt := e.add("debts", "creditor=Belastingdienst", "amount=250", "status=arrangement")
	e.add("care", "provider=Wijkteam", "kind=wmo_support")
	payslip, payslipData := e.randomFile("loonstrook maart.pdf", 300<<10)
	letter, letterData := e.randomFile("brief belastingdienst.pdf", 70<<10)
	e.ok("doc", "add", payslip, "--record", income)
	e.ok("doc", "add", letter, "--record", debt)

	var made sharedJSON
	e.decode(e.ok("share", "create", "--to", card, "--scope", "income,debts", "--exclude-field", "income.iban",
		"--expires", "14d", "--purpose", "Aanvraag schuldhulp", "-o", "bundel.kluis", "--json"), &made)
	if made.Records != 2 || made.Documents != 2 || made.To != "Gemeente Zwolle" || made.ShareCode != "" {
		t.Fatalf("share create = %+v", made)
	}
	if d := time.Until(made.Expires); d < 13*24*time.Hour || d > 14*24*time.Hour {
		t.Errorf("expires in %v, want 14 days", d)
	}

	var imp importJSONOut
	lenient(t, e.intakeOK("import", "bundel.kluis", "--json"), &imp)
	if imp.ID != made.ID || imp.Records != 2 || len(imp.Documents) != 2 || imp.Issuer != "Fatima" || imp.AlreadyImported {
		t.Fatalf("import = %+v", imp)
	}
	var again importJSONOut
	lenient(t, e.intakeOK("import", "bundel.kluis", "--json"), &again)
	if !again.AlreadyImported || again.ID != imp.ID {
		t.Errorf("second import = %+v", again)
	}
	if out := e.intakeOK("import", "bundel.kluis"); !strings.Contains(out, "already imported") {
		t.Errorf("second import says %q", out)
	}

	e.intakeOK("export", imp.ID, "-o", "zaak")
	got, err := os.ReadFile(filepath.Join(e.dir, "zaak", "documents"))
	_ = got
	if err == nil {
		t.Fatal("documents is not a folder")
	}
	var found [][]byte
	filepath.WalkDir(filepath.Join(e.dir, "zaak", "documents"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			found = append(found, b)
		}
		return nil
	})
	if len(found) != 2 || !(bytes.Equal(found[0], payslipData) || bytes.Equal(found[1], payslipData)) ||
		!(bytes.Equal(found[0], letterData) || bytes.Equal(found[1], letterData)) {
		t.Error("exported documents differ from the originals")
	}
	summary, _ := os.ReadFile(filepath.Join(e.dir, "zaak", "samenvatting.html"))
	for _, want := range []string{"Belastingdienst", "€ 1.234,56", "Aanvraag schuldhulp", "loonstrook maart.pdf"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(string(summary), "NL91") {
		t.Error("the excluded IBAN reached the organisation")
	}
	records, _ := os.ReadFile(filepath.Join(e.dir, "zaak", "records.json"))
	if strings.Contains(string(records), "Wijkteam") || strings.Contains(string(records), "NL91ABNA") {
		t.Error("records.json holds data outside the scope")
	}

	e.intakeOK("receipt", imp.ID, "-o", "ontvangst.kluis-receipt")
	if out := e.ok("receipt", "import", "ontvangst.kluis-receipt"); !strings.Contains(out, "Gemeente Zwolle") {
		t.Errorf("receipt import says %q", out)
	}
	var shares []sharedJSON
	e.decode(e.ok("share", "list", "--json"), &shares)
	if len(shares) != 1 || shares[0].Receipts != 1 || shares[0].Status != "active" {
		t.Errorf("share list = %+v", shares)
	}

	e.ok("share", "revoke", made.ID[:8], "-o", "intrekking.kluis-revoke")
	e.intakeOK("revoke", "intrekking.kluis-revoke")
	if out := e.intakeOK("list"); !strings.Contains(out, "Nothing imported") {
		t.Errorf("list after revoke:\n%s", out)
	}
	r := e.intake("import", "bundel.kluis")
	e.checkIntakeFailure(r, "revoked")
	e.decode(e.ok("share", "list", "--json"), &shares)
	if shares[0].Status != "revoked" {
		t.Errorf("after revoke: %+v", shares)
	}

	// A second share expires; purge after the expiry leaves nothing.
	var second sharedJSON
	e.decode(e.ok("share", "create", "--to", card, "--record", debt, "--expires", "1d", "--purpose", "Kwijtschelding",
		"-o", "tweede.kluis", "--armor", "--json"), &second)
	e.intakeOK("import", "tweede.kluis")
	if out := e.intakeOK("purge"); !strings.Contains(out, "0 imports removed") {
		t.Errorf("purge before expiry: %q", out)
	}
	at := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	if out := e.intakeOK("purge", "--force", "--at", at); !strings.Contains(out, "1 imports removed") {
		t.Errorf("purge after expiry: %q", out)
	}
	docs, _ := os.ReadDir(filepath.Join(e.dir, "store", "docs"))
	if len(docs) != 0 {
		t.Errorf("%d document files left after purge", len(docs))
	}
	db, _ := os.ReadFile(filepath.Join(e.dir, "store", "intake.db"))
	if bytes.Contains(db, []byte("Belastingdienst")) || bytes.Contains(db, []byte(second.ID)) {
		t.Error("the store file still holds purged data")
	}

	// The activity log has every share, revocation and receipt, no values.
	var events []struct {
		Action  string `json:"action"`
		Subject string `json:"subject"`
		Detail  string `json:"detail"`
	}
	json.Unmarshal([]byte(e.ok("log", "--json")), &events)
	count := map[string]int{}
	for _, ev := range events {
		count[ev.Action]++
		if strings.Contains(ev.Detail, "Belastingdienst") || strings.Contains(ev.Detail, "123456") {
			t.Errorf("log entry %+v holds a value", ev)
		}
	}
	if count["share.created"] != 2 || count["share.revoked"] != 1 || count["receipt.imported"] != 1 {
		t.Errorf("log actions = %v", count)
	}
	e.ok("log", "verify")
}

func (e *env) checkIntakeFailure(r result, want string) {
	e.t.Helper()
	if r.code != 1 || !strings.HasPrefix(r.stderr, "kluis-intake: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, want) {
		e.t.Errorf("kluis-intake %v: exit %d, stderr %q; want exit 1 and one line with %q", r.args, r.code, r.stderr, want)
	}
}

func TestShareCodeAndRefusalsThroughCLI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Kampen", "-o", filepath.Join(e.dir, "org"))
	e.init()
	e.add("income", "source=UWV", "amount=100", "period=month")

	var made sharedJSON
	e.decode(e.ok("share", "create", "--share-code", "--scope", "income", "--purpose", "Intake", "-o", "code.kluis", "--json"), &made)
	if len(made.ShareCode) != 29 {
		t.Fatalf("share code %q", made.ShareCode)
	}
	e.write("wrong.txt", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA\n")
	e.checkIntakeFailure(e.intake("import", "--share-code-file", "wrong.txt", "code.kluis"), "share code does not open")
	e.write("code.txt", strings.ToLower(made.ShareCode)+"\n")
	e.intakeOK("import", "--share-code-file", "code.txt", "code.kluis")

	// Not addressed to us: a bundle for another organisation's card.
	other := newEnv(t)
	other.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	other.intakeOK("keygen", "--org", "Gemeente Elders", "-o", filepath.Join(other.dir, "org"))
	e.ok("share", "create", "--to", filepath.Join(other.dir, "org", "organisation.card"), "--scope", "income",
		"--purpose", "Intake", "-o", "elders.kluis")
	e.checkIntakeFailure(e.intake("import", "elders.kluis"), "not addressed to this organisation")

	// A flipped byte and a truncated file.
	b, _ := os.ReadFile(filepath.Join(e.dir, "elders.kluis"))
	e.write("flipped.kluis", string(b[:len(b)-1])+string(b[len(b)-1]^1))
	e.ok("share", "create", "--share-code", "--scope", "income", "--purpose", "Intake", "-o", "cut.kluis")
	c, _ := os.ReadFile(filepath.Join(e.dir, "cut.kluis"))
	e.write("cut2.kluis", string(c[:len(c)-10]))
	e.checkIntakeFailure(e.intake("import", "--share-code-file", "code.txt", "cut2.kluis"), "share code does not open")
	if out := e.intakeOK("list", "--json"); strings.Count(out, `"id"`) != 1 {
		t.Errorf("refused bundles changed the store:\n%s", out)
	}
	e.checkIntakeFailure(e.intake("import", "--max-size", "100", "code.kluis"), "larger than allowed")

	// QR code for a small bundle.
	e.ok("share", "create", "--share-code", "--scope", "income", "--purpose", "Intake", "-o", "qr.kluis", "--qr", "qr.png")
	png, err := os.ReadFile(filepath.Join(e.dir, "qr.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("qr.png: %v", err)
	}
	// Usage errors.
	e.fails(2, []string{"--to"}, "share", "create", "--scope", "income", "--purpose", "x", "-o", "y.kluis")
	e.fails(2, []string{"--expires"}, "share", "create", "--share-code", "--scope", "income", "--purpose", "x", "-o", "y.kluis", "--expires", "yesterday")
}

// lenient decodes kluis-intake's JSON, reading only the fields a test needs.
func lenient(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, s)
	}
}

// TestShareDryRunAndLink: share create --dry-run shows exactly what the
// draft would carry (the field left out is not there, the BSN masked) and
// writes and logs nothing; with --qr the kluis: link is printed, and it is
// the link in the QR code's bundle.
func TestShareDryRunAndLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	e.add("personal", "given_names=Anna", "surname=Berg", "bsn=111222333")
	e.add("income", "source=Bakkerij De Vries", "amount=1850,00", "iban=NL91ABNA0417164300")
	logBefore := e.ok("log", "--json")
	out := e.ok("share", "create", "--share-code", "--scope", "income,personal", "--exclude-field", "income.iban",
		"--purpose", "Intake", "-o", "x.kluis", "--dry-run")
	for _, want := range []string{"Dry run", "2 records and 0 documents", "Bakkerij De Vries", "1.850,00", "Anna", "Nothing was made"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	// One record is counted in the singular.
	if one := e.ok("share", "create", "--share-code", "--scope", "personal", "--purpose", "Intake", "-o", "x.kluis", "--dry-run"); !strings.Contains(one, "1 record and 0 documents") {
		t.Errorf("dry run of one record:\n%s", one)
	}
	if strings.Contains(out, "NL91") || strings.Contains(out, "111222333") {
		t.Errorf("dry run shows the left-out IBAN or the BSN in full:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "x.kluis")); err == nil {
		t.Error("a dry run wrote the bundle")
	}
	if e.ok("log", "--json") != logBefore || strings.Count(e.ok("share", "list", "--json"), `"id"`) != 0 {
		t.Error("a dry run was logged or recorded")
	}
	var dry struct {
		DryRun  bool `json:"dry_run"`
		Records []struct {
			Category string `json:"category"`
			Fields   []struct {
				Field string `json:"field"`
			} `json:"fields"`
		} `json:"records"`
	}
	lenient(t, e.ok("share", "create", "--share-code", "--scope", "income", "--exclude-field", "income.iban",
		"--purpose", "Intake", "--dry-run", "--json"), &dry)
	if !dry.DryRun || len(dry.Records) != 1 {
		t.Fatalf("dry run JSON %+v", dry)
	}
	for _, f := range dry.Records[0].Fields {
		if f.Field == "iban" {
			t.Fatal("the dry run lists the left-out IBAN")
		}
	}

	out = e.ok("share", "create", "--share-code", "--scope", "income", "--purpose", "Intake", "-o", "qr.kluis", "--qr", "qr.png")
	if !strings.Contains(out, "kluis:") {
		t.Fatalf("no kluis: link printed:\n%s", out)
	}
	var made sharedJSON
	e.decode(e.ok("share", "create", "--share-code", "--scope", "income", "--purpose", "Intake", "-o", "qr2.kluis", "--qr", "qr2.png", "--json"), &made)
	if !strings.HasPrefix(made.Link, "kluis:") {
		t.Fatalf("no link in JSON: %+v", made)
	}
}

// TestShareExpiryShowsTheChosenDay: an expiry given as a day ends at the
// end of that day, also on a day when the clocks change, and one that ends
// at midnight is shown as the day before it, the last day it covers.
func TestShareExpiryShowsTheChosenDay(t *testing.T) {
	t.Parallel()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	e := newEnv(t)
	e.extra = []string{"TZ=Europe/Amsterdam"}
	e.init()
	e.add("personal", "surname=Berg")
	create := func(expires, out string) string {
		return e.ok("share", "create", "--share-code", "--scope", "personal", "--purpose", "Intake", "-o", out, "--expires", expires)
	}
	// The last Sunday of March next year: 23 hours in Amsterdam.
	year := time.Now().In(ams).Year() + 1
	short := time.Date(year, 3, 31, 12, 0, 0, 0, ams)
	for short.Weekday() != time.Sunday {
		short = short.AddDate(0, 0, -1)
	}
	day := short.Format(time.DateOnly)
	if out := create(day, "a.kluis"); !strings.Contains(out, "valid until "+day+" 23:59") {
		t.Errorf("--expires %s:\n%s", day, out)
	}
	// Ending at midnight: the day before.
	midnight := time.Date(year, 12, 5, 0, 0, 0, 0, ams)
	if out := create(midnight.Format(time.RFC3339), "b.kluis"); !strings.Contains(out, fmt.Sprintf("valid until %d-12-04.", year)) {
		t.Errorf("--expires at midnight:\n%s", out)
	}
	list := e.ok("share", "list")
	for _, want := range []string{day, fmt.Sprintf("%d-12-04", year)} {
		if !strings.Contains(list, want) {
			t.Errorf("share list lacks %s:\n%s", want, list)
		}
	}
	if strings.Contains(list, fmt.Sprintf("%d-12-05", year)) || strings.Contains(list, short.AddDate(0, 0, 1).Format(time.DateOnly)) {
		t.Errorf("share list shows a day after the chosen one:\n%s", list)
	}
}
