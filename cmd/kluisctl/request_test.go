package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type threadJSON struct {
	ID            string `json:"id"`
	Org           string `json:"org"`
	CaseReference string `json:"case_reference"`
	Entries       []struct {
		Kind     string    `json:"kind"`
		At       time.Time `json:"at"`
		BundleID string    `json:"bundle_id"`
		Message  string    `json:"message"`
		Verified bool      `json:"verified"`
	} `json:"entries"`
}

// TestRequestScenario is issue 6's "done when", through both CLIs: a
// caseworker asks for income and fixed costs with a purpose and a
// message; the citizen opens the link, sees what is asked, leaves one
// field out and answers; the municipality imports the answer, which
// matches the request, and returns a receipt; the citizen's case thread
// shows request, answer and receipt in order. Bad input on the way is
// refused with one clear line and changes nothing.
func TestRequestScenario(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "--purpose", "Schuldhulp=income,costs,debts", "-o", filepath.Join(e.dir, "org"))
	card := filepath.Join(e.dir, "org", "organisation.card")

	answerBy := time.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	var made struct {
		ID   string `json:"id"`
		File string `json:"file"`
		Link string `json:"link"`
		QR   string `json:"qr"`
	}
	lenient(t, e.intakeOK("request", "--scope", "income,costs", "--purpose", "Schuldhulp", "--legal-basis", "Wgs artikel 4a",
		"--case", "Z-2026-0042", "--message", "Beste mevrouw, wilt u uw inkomsten en vaste lasten delen?",
		"--answer-by", answerBy, "-o", "verzoek.kluis-request", "--qr", "verzoek.png", "--json"), &made)
	if !strings.HasPrefix(made.Link, "kluis:request/v1/") || made.ID == "" {
		t.Fatalf("request = %+v", made)
	}
	if fi, err := os.Stat(filepath.Join(e.dir, "verzoek.png")); err != nil || fi.Size() == 0 {
		t.Fatalf("no QR code: %v", err)
	}
	e.intakeOK("request", "--scope", "income", "--purpose", "Schuldhulp", "--answer-by", answerBy, "-o", "tekst.txt", "--armor")
	if b, _ := os.ReadFile(filepath.Join(e.dir, "tekst.txt")); !bytes.HasPrefix(b, []byte("-----BEGIN KLUIS DATA REQUEST-----")) {
		t.Fatalf("armored request: %q", b)
	}
	for _, bad := range [][]string{
		{"request", "--scope", "salaris", "--purpose", "x", "--answer-by", answerBy, "-o", "x"},
		{"request", "--scope", "income", "--purpose", "x", "--answer-by", "2020-01-01", "-o", "x"},
		{"request", "--scope", "income", "--answer-by", answerBy, "-o", "x"},
	} {
		if r := e.intake(bad...); r.code == 0 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("kluis-intake %v: exit %d, %q", bad, r.code, r.stderr)
		}
	}

	e.init()
	income := e.add("income", "source=Bakkerij De Vries", "kind=salary", "amount=1850,00", "period=month", "iban=NL91ABNA0417164300")
	e.add("costs", "kind=rent", "payee=deltaWonen", "amount=725", "period=month")
	e.add("debts", "creditor=Belastingdienst", "amount=250")
	payslip, payslipData := e.randomFile("loonstrook maart.pdf", 20<<10)
	e.ok("doc", "add", payslip, "--record", income)

	// Unknown organisation first: a clear warning.
	if out := e.ok("request", "show", made.Link); !strings.Contains(out, "WARNING: unknown organisation") {
		t.Errorf("request show before the card is kept:\n%s", out)
	}
	e.ok("card", "add", card)
	out := e.ok("request", "show", made.Link)
	for _, want := range []string{"Data request from Gemeente Zwolle", "Known organisation", "Schuldhulp", "Wgs artikel 4a",
		"Z-2026-0042", "Income (everything)", "wilt u uw inkomsten", "no more than the organisation registered"} {
		if !strings.Contains(out, want) {
			t.Errorf("request show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "WARNING") {
		t.Errorf("a known request shows a warning:\n%s", out)
	}

	// Bad requests: refused with one line, and the threads stay as they were.
	threadsBefore := e.ok("thread", "list", "--json")
	file, _ := os.ReadFile(filepath.Join(e.dir, "verzoek.kluis-request"))
	altered := bytes.Replace(file, []byte("Schuldhulp"), []byte("Schuldhulq"), 1)
	lines := bytes.SplitN(file, []byte("\n"), 2)
	for name, c := range map[string]struct {
		content []byte
		want    string
	}{
		"altered":  {altered, "changed or forged"},
		"unsigned": {append(lines[0], '\n'), "not signed"},
		"card":     {mustRead(t, card), "not a data request"},
	} {
		path := e.write(name+".kluis-request", string(c.content))
		e.fails(1, []string{c.want}, "request", "show", path)
		e.fails(1, []string{c.want}, "share", "create", "--answer", path, "-o", name+".kluis")
		if _, err := os.Stat(filepath.Join(e.dir, name+".kluis")); err == nil {
			t.Errorf("%s: an answer file was written", name)
		}
	}
	if after := e.ok("thread", "list", "--json"); after != threadsBefore {
		t.Errorf("bad requests changed the threads:\n%s\n%s", threadsBefore, after)
	}
	e.fails(2, []string{"--answer"}, "share", "create", "--answer", made.Link, "--to", card, "-o", "x.kluis")
	e.fails(1, []string{"only share what the request asks"}, "share", "create", "--answer", made.Link, "--scope", "debts", "-o", "x.kluis")

	// The answer: what was asked, minus the IBAN, with a message.
	var answer sharedJSON
	e.decode(e.ok("share", "create", "--answer", made.Link, "--exclude-field", "income.iban",
		"--message", "Hierbij mijn gegevens. Het loon komt op de 25e.", "-o", "antwoord.kluis", "--json"), &answer)
	if answer.Records != 2 || answer.Documents != 1 || answer.Purpose != "Schuldhulp" || answer.To != "Gemeente Zwolle" {
		t.Fatalf("answer = %+v", answer)
	}
	var imp struct {
		ID            string `json:"id"`
		RequestID     string `json:"request_id"`
		CaseReference string `json:"case_reference"`
		Message       string `json:"message"`
		Records       int    `json:"records"`
	}
	lenient(t, e.intakeOK("import", "antwoord.kluis", "--json"), &imp)
	if imp.ID != answer.ID || imp.RequestID != made.ID || imp.CaseReference != "Z-2026-0042" || imp.Records != 2 {
		t.Fatalf("import = %+v", imp)
	}
	show := e.intakeOK("show", imp.ID)
	for _, want := range []string{"Message from the citizen", "Het loon komt op de 25e.", made.ID} {
		if !strings.Contains(show, want) {
			t.Errorf("kluis-intake show lacks %q:\n%s", want, show)
		}
	}
	e.intakeOK("export", imp.ID, "-o", "zaak")
	records, _ := os.ReadFile(filepath.Join(e.dir, "zaak", "records.json"))
	if bytes.Contains(records, []byte("NL91ABNA")) || bytes.Contains(records, []byte("Belastingdienst")) {
		t.Error("the answer holds data the citizen left out or nobody asked for")
	}
	if !bytes.Contains(records, []byte("Bakkerij De Vries")) || !bytes.Contains(records, []byte("deltaWonen")) {
		t.Error("the answer lacks the income")
	}
	var exported []byte
	filepath.WalkDir(filepath.Join(e.dir, "zaak", "documents"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			exported, _ = os.ReadFile(p)
		}
		return nil
	})
	if !bytes.Equal(exported, payslipData) {
		t.Error("the payslip did not arrive")
	}

	// A replay changes nothing; a second, different answer is refused.
	if out := e.intakeOK("import", "antwoord.kluis"); !strings.Contains(out, "already imported") {
		t.Errorf("replay: %q", out)
	}
	e.ok("share", "create", "--answer", made.Link, "--scope", "income", "-o", "tweede.kluis")
	e.checkIntakeFailure(e.intake("import", "tweede.kluis"), "already answered")
	e.fails(1, []string{"answered already"}, "request", "refuse", made.Link)

	e.intakeOK("receipt", imp.ID, "-o", "ontvangst.kluis-receipt")
	e.ok("receipt", "import", "ontvangst.kluis-receipt")

	var threads []threadJSON
	lenient(t, e.ok("thread", "list", "--json"), &threads)
	if len(threads) != 1 || threads[0].Org != "Gemeente Zwolle" || threads[0].CaseReference != "Z-2026-0042" {
		t.Fatalf("threads = %+v", threads)
	}
	var th threadJSON
	lenient(t, e.ok("thread", "show", threads[0].ID[:8], "--json"), &th)
	var kinds []string
	for _, en := range th.Entries {
		kinds = append(kinds, en.Kind)
	}
	// The second answer (refused at import) is a share the citizen made
	// too, after the first answer was imported.
	if got := strings.Join(kinds, " "); got != "request answer receipt answer" {
		t.Fatalf("thread = %s", got)
	}
	if th.Entries[1].BundleID != answer.ID || th.Entries[1].Message != "Hierbij mijn gegevens. Het loon komt op de 25e." ||
		th.Entries[2].BundleID != answer.ID || !th.Entries[2].Verified || !th.Entries[0].Verified {
		t.Errorf("thread entries = %+v", th.Entries)
	}
	text := e.ok("thread", "show", threads[0].ID[:8])
	for _, want := range []string{"Conversation with Gemeente Zwolle, case Z-2026-0042", "asks for data", "You answered", "received your answer",
		"wilt u uw inkomsten", "Het loon komt op de 25e."} {
		if !strings.Contains(text, want) {
			t.Errorf("thread show lacks %q:\n%s", want, text)
		}
	}

	// Refusing another request is one command, logged.
	var second struct {
		Link string `json:"link"`
	}
	lenient(t, e.intakeOK("request", "--scope", "debts", "--purpose", "Schuldhulp", "--case", "Z-2026-0042",
		"--answer-by", answerBy, "-o", "verzoek2.kluis-request", "--json"), &second)
	if out := e.ok("request", "refuse", second.Link); !strings.Contains(out, "refused") {
		t.Errorf("refuse: %q", out)
	}
	e.fails(1, []string{"refused this request"}, "share", "create", "--answer", second.Link, "-o", "nee.kluis")
	var events []struct {
		Action string `json:"action"`
		Detail string `json:"detail"`
	}
	json.Unmarshal([]byte(e.ok("log", "--json")), &events)
	count := map[string]int{}
	for _, ev := range events {
		count[ev.Action]++
		if strings.Contains(ev.Detail, "1850") || strings.Contains(ev.Detail, "Bakkerij") {
			t.Errorf("log entry %+v holds a value", ev)
		}
	}
	if count["request.answered"] != 2 || count["request.refused"] != 1 || count["request.received"] != 2 {
		t.Errorf("log actions = %v", count)
	}
	e.ok("log", "verify")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAnswerRules: share create --answer applies the app's rules. A
// request asking beyond the card's registered purpose (the BSN, the
// rent) is answered without those unless --include-over-asked names them;
// an unknown sender's request needs --accept-unknown; an impostor's
// request (another key under the name of a kept card) is refused, and no
// file is written.
func TestAnswerRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "--purpose", "Schuldhulp=income.amount,income.source", "-o", filepath.Join(e.dir, "org"))
	answerBy := time.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	var made struct {
		ID   string `json:"id"`
		Link string `json:"link"`
	}
	lenient(t, e.intakeOK("request", "--scope", "personal.bsn,income.amount,income.source,costs", "--purpose", "Schuldhulp",
		"--answer-by", answerBy, "-o", "verzoek.kluis-request", "--json"), &made)
	e.init()
	e.add("personal", "given_names=Anna", "surname=Berg", "bsn=111222333")
	e.add("income", "source=Bakkerij De Vries", "amount=1850,00")
	e.add("costs", "kind=rent", "payee=deltaWonen", "amount=725", "period=month")

	exists := func(name string) bool { _, err := os.Stat(filepath.Join(e.dir, name)); return err == nil }
	e.fails(1, []string{"You have not kept the card of Gemeente Zwolle", "--accept-unknown"}, "share", "create", "--answer", made.Link, "-o", "a.kluis")
	if exists("a.kluis") {
		t.Fatal("an unknown sender's request was answered without --accept-unknown")
	}
	e.fails(2, []string{"--include-over-asked income.amount"}, "share", "create", "--answer", made.Link, "--accept-unknown",
		"--include-over-asked", "income.amount", "-o", "a.kluis")

	// The dry run shows the same: the income, no BSN, no rent.
	if out := e.ok("share", "create", "--answer", made.Link, "--accept-unknown", "--dry-run"); !strings.Contains(out, "Bakkerij") ||
		strings.Contains(out, "BSN") || strings.Contains(out, "deltaWonen") {
		t.Fatalf("dry run of the answer:\n%s", out)
	}

	// Without naming them, the BSN and the rent stay home.
	r := e.run("share", "create", "--answer", made.Link, "--accept-unknown", "-o", "a.kluis", "--json")
	if r.code != 0 || !strings.Contains(r.stderr, "Not sent") || !strings.Contains(r.stderr, "Fixed costs") {
		t.Fatalf("answer: exit %d, %s", r.code, r.stderr)
	}
	var answer sharedJSON
	e.decode(r.stdout, &answer)
	if answer.Records != 1 {
		t.Fatalf("answered with %d records, want the income alone", answer.Records)
	}
	lenient(t, e.intakeOK("import", "a.kluis", "--json"), &struct{}{})
	e.intakeOK("export", answer.ID, "-o", "zaak")
	records, _ := os.ReadFile(filepath.Join(e.dir, "zaak", "records.json"))
	if bytes.Contains(records, []byte("111222333")) || bytes.Contains(records, []byte("deltaWonen")) || !bytes.Contains(records, []byte("Bakkerij")) {
		t.Fatalf("the answer holds:\n%s", records)
	}

	// Named, the BSN goes; the rent still does not.
	e.decode(e.ok("share", "create", "--answer", made.Link, "--accept-unknown", "--include-over-asked", "personal.bsn",
		"-o", "b.kluis", "--json"), &answer)
	if answer.Records != 2 {
		t.Fatalf("answered with %d records, want the income and the BSN", answer.Records)
	}

	// Another key under the name of a kept card: an impostor.
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "--purpose", "Schuldhulp=income", "-o", filepath.Join(e.dir, "echt"))
	e.ok("card", "add", filepath.Join(e.dir, "echt", "organisation.card"))
	if out := e.ok("request", "show", made.Link); !strings.Contains(out, "Do not answer it") {
		t.Fatalf("request show of an impostor:\n%s", out)
	}
	e.fails(1, []string{"Kluis does not answer it"}, "share", "create", "--answer", made.Link, "--accept-unknown",
		"--include-over-asked", "personal.bsn", "-o", "c.kluis")
	if exists("c.kluis") {
		t.Fatal("an impostor's request was answered")
	}
}

// TestCardLookAlike: a card whose name only looks like a kept card's (a
// Cyrillic о) or that has its OIN, with another key, is not kept unless
// --keep-anyway, and no share goes to it; share create --to says the
// card's fingerprint and whether it is kept.
func TestCardLookAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	const oin = "00000001234567890000"
	keygen := func(dir, org, oin string) string {
		e.intakeOK("keygen", "--org", org, "--oin", oin, "-o", filepath.Join(e.dir, dir))
		return filepath.Join(e.dir, dir, "organisation.card")
	}
	real := keygen("org", "Gemeente Zwolle", oin)
	fake := keygen("fake", "Gemeente Zw\u043elle", "00000009999999990000")
	sameOIN := keygen("oin", "Stichting Anders", oin)
	other := keygen("other", "Gemeente Kampen", "")
	e.init()
	e.add("income", "source=UWV", "amount=100")
	e.ok("card", "add", real)
	for _, card := range []string{fake, sameOIN} {
		e.fails(1, []string{"looks like the card of", "another key"}, "card", "add", card)
		e.fails(1, []string{"looks like a card you kept", "Nothing was shared"}, "share", "create", "--to", card,
			"--scope", "income", "--purpose", "Schuldhulp", "-o", "x.kluis")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "x.kluis")); err == nil {
		t.Fatal("a share went to a look-alike card")
	}
	if n := strings.Count(e.ok("card", "list"), "\n"); n != 1 {
		t.Fatalf("%d cards kept, want 1", n)
	}
	r := e.run("share", "create", "--to", real, "--scope", "income", "--purpose", "Schuldhulp", "-o", "a.kluis")
	if r.code != 0 || !strings.Contains(r.stderr, "you kept this card") || !regexpFingerprint.MatchString(r.stderr) {
		t.Fatalf("share to the kept card: exit %d, %q", r.code, r.stderr)
	}
	r = e.run("share", "create", "--to", other, "--scope", "income", "--purpose", "Schuldhulp", "-o", "b.kluis")
	if r.code != 0 || !strings.Contains(r.stderr, "you have not kept this card") || !regexpFingerprint.MatchString(r.stderr) {
		t.Fatalf("share to a card not kept: exit %d, %q", r.code, r.stderr)
	}
	r = e.run("card", "add", fake, "--keep-anyway")
	if r.code != 0 || !strings.Contains(r.stderr, "looks like the card of") {
		t.Fatalf("card add --keep-anyway: exit %d, %q", r.code, r.stderr)
	}
}

// regexpFingerprint finds a short card fingerprint in a message.
var regexpFingerprint = regexp.MustCompile(`fingerprint [A-Z0-9]{4}(-[A-Z0-9]{4}){3}`)
