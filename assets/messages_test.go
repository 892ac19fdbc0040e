package assets_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"kluis/citizen/cases"
	"kluis/citizen/delegation"
	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/citizen/youth"
	"kluis/intake"
	"kluis/intake/tally"
	"kluis/internal/errcode"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
	"kluis/sync/delegate"
	"kluis/sync/index"
	"kluis/sync/post"
	"kluis/sync/schema"
	"kluis/vault"
)

// The packages below give their errors codes (package errcode); these tests
// check that every code has a sentence of its own in both languages. They
// live here, beside the messages, so that package i18n and its own tests
// import none of those packages.

// sentinels lists, by package directory and name, every exported error
// variable of the packages whose sentinels all have a code.
// TestSentinelErrorsMapped fails when one of them gains a variable that is
// not here.
var sentinels = map[string]map[string]error{
	"../vault": {
		"ErrLocked":           vault.ErrLocked,
		"ErrWrongPassphrase":  vault.ErrWrongPassphrase,
		"ErrWrongRecoveryKey": vault.ErrWrongRecoveryKey,
		"ErrWeakPassphrase":   vault.ErrWeakPassphrase,
		"ErrInUse":            vault.ErrInUse,
		"ErrDamaged":          vault.ErrDamaged,
		"ErrNotFound":         vault.ErrNotFound,
		"ErrExists":           vault.ErrExists,
		"ErrNewerFormat":      vault.ErrNewerFormat,
		"ErrDiskFull":         vault.ErrDiskFull,
		"ErrKDFParameters":    vault.ErrKDFParameters,
		"ErrDeleted":          vault.ErrDeleted,
		"ErrNotDeleted":       vault.ErrNotDeleted,
		"ErrCanceled":         vault.ErrCanceled,
		"ErrNotBackup":        vault.ErrNotBackup,
		"ErrBadObjectKey":     vault.ErrBadObjectKey,
		"ErrBadDocumentName":  vault.ErrBadDocumentName,
		"ErrBadName":          vault.ErrBadName,
		"ErrBadRecord":        vault.ErrBadRecord,
		"ErrDocumentConflict": vault.ErrDocumentConflict,
		"ErrTooLarge":         vault.ErrTooLarge,
	},
	"../citizen/youth": {
		"ErrTooYoung":    youth.ErrTooYoung,
		"ErrNeedsParent": youth.ErrNeedsParent,
	},
	"../citizen/share": {
		"ErrNothing":         share.ErrNothing,
		"ErrNoPurpose":       share.ErrNoPurpose,
		"ErrOneRecipient":    share.ErrOneRecipient,
		"ErrNoExpiry":        share.ErrNoExpiry,
		"ErrDocumentChanged": share.ErrDocumentChanged,
		"ErrSigned":          share.ErrSigned,
		"ErrOutsideDraft":    share.ErrOutsideDraft,
		"ErrOtherBundle":     share.ErrOtherBundle,
		"ErrOtherOrg":        share.ErrOtherOrg,
	},
	"../citizen/cases": {
		"ErrOutsideRequest": cases.ErrOutsideRequest,
		"ErrAnswered":       cases.ErrAnswered,
		"ErrRefused":        cases.ErrRefused,
	},
	"../citizen/delegation": {
		"ErrNoEmergency":       delegation.ErrNoEmergency,
		"ErrUnknownDelegation": delegation.ErrUnknownDelegation,
		"ErrUnknownManaged":    delegation.ErrUnknownManaged,
	},
	"../sync/delegate": {
		"ErrBadStatement":    delegate.ErrBadStatement,
		"ErrBadContact":      delegate.ErrBadContact,
		"ErrNotYetValid":     delegate.ErrNotYetValid,
		"ErrExpired":         delegate.ErrExpired,
		"ErrRevoked":         delegate.ErrRevoked,
		"ErrEmergencyClosed": delegate.ErrEmergencyClosed,
	},
	"../intake": {
		"ErrInUse":             intake.ErrInUse,
		"ErrOtherOrganisation": intake.ErrOtherOrganisation,
		"ErrDamaged":           intake.ErrDamaged,
		"ErrNotFound":          intake.ErrNotFound,
		"ErrAmbiguousID":       intake.ErrAmbiguousID,
		"ErrRevoked":           intake.ErrRevoked,
		"ErrPurged":            intake.ErrPurged,
		"ErrReplayConflict":    intake.ErrReplayConflict,
		"ErrTooLarge":          intake.ErrTooLarge,
		"ErrNotIssuer":         intake.ErrNotIssuer,
		"ErrUnknownCase":       intake.ErrUnknownCase,
		"ErrReplayed":          intake.ErrReplayed,
		"ErrWrongSender":       intake.ErrWrongSender,
		"ErrUnknownRequest":    intake.ErrUnknownRequest,
		"ErrAlreadyAnswered":   intake.ErrAlreadyAnswered,
		"ErrNotOurRequest":     intake.ErrNotOurRequest,
		"ErrNotOurIndex":       intake.ErrNotOurIndex,
		"ErrIndexConflict":     intake.ErrIndexConflict,
		"ErrNoIndex":           intake.ErrNoIndex,
		"ErrWhichIndex":        intake.ErrWhichIndex,
		"ErrNoPredecessor":     intake.ErrNoPredecessor,
		"ErrNoDomains":         intake.ErrNoDomains,
		"ErrScored":            intake.ErrScored,
		"ErrUserExists":        intake.ErrUserExists,
		"ErrWeakPassword":      intake.ErrWeakPassword,
		"ErrLongPassword":      intake.ErrLongPassword,
		"ErrBadUserName":       intake.ErrBadUserName,
		"ErrBadRole":           intake.ErrBadRole,
		"ErrNoUser":            intake.ErrNoUser,
		"ErrLastAdmin":         intake.ErrLastAdmin,
		"ErrBadLogin":          intake.ErrBadLogin,
		"ErrLogBroken":         intake.ErrLogBroken,
	},
}

// otherSentinels have a code in packages where not every sentinel has one
// (the others are said by the app and the CLIs in their own words).
var otherSentinels = map[string]error{
	"bundle.ErrWrongPassphrase":                  bundle.ErrWrongPassphrase,
	"bundle.ErrKDFParameters":                    bundle.ErrKDFParameters,
	"bundle.ErrNotIdentity":                      bundle.ErrNotIdentity,
	"delegation.EditRefusedError (view only)":    &delegation.EditRefusedError{Owner: "Fatima", Category: "debts", Code: delegate.CodeViewOnly},
	"delegation.EditRefusedError (out of scope)": &delegation.EditRefusedError{Owner: "Fatima", Category: "debts", Code: delegate.CodeOutOfScope},
	"delegation.EditRefusedError (unlinked)":     &delegation.EditRefusedError{Owner: "Fatima", Code: delegate.CodeOutOfScope},
	"post.ErrOtherCard":                          citizenpost.ErrOtherCard,
	"post.ErrNoCard":                             citizenpost.ErrNoCard,
}

// exportedErrVars parses the package in dir for exported variables named
// Err….
func exportedErrVars(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if strings.HasPrefix(n.Name, "Err") {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("found no Err variables in %s", dir)
	}
	return names
}

// TestSentinelErrorsMapped checks that every sentinel error of vault, youth
// and intake (and the coded ones of other packages), also wrapped, gets its
// own message in both languages, not the general fallback.
func TestSentinelErrorsMapped(t *testing.T) {
	all := map[string]error{}
	for dir, errs := range sentinels {
		for _, name := range exportedErrVars(t, dir) {
			if _, ok := errs[name]; !ok {
				t.Errorf("%s.%s has no entry in this test (and maybe no code)", filepath.Base(dir), name)
			}
		}
		for name, err := range errs {
			all[filepath.Base(dir)+"."+name] = err
		}
	}
	for name, err := range otherSentinels {
		all[name] = err
	}
	for _, lang := range []string{i18n.English, i18n.Dutch} {
		cat := i18n.Load(lang)
		seen := map[string]string{}
		for name, err := range all {
			if errcode.Code(err) == "" {
				t.Errorf("%s has no code", name)
			}
			for _, e := range []error{err, fmt.Errorf("failed to do something: %w", err)} {
				msg := cat.Error(e)
				checkMessage(t, cat, name, msg, e)
			}
			msg := cat.Error(err)
			if other, dup := seen[msg]; dup {
				t.Errorf("%s: %s and %s have the same message %q", lang, name, other, msg)
			}
			seen[msg] = name
		}
	}
}

// codeConst matches a refusal code constant: CodeExpired Code = "expired".
var codeConst = regexp.MustCompile(`(?m)^\s*Code[A-Za-z]+\s+Code\s*=\s*("[^"]+")`)

// TestRefusalCodesHaveMessages parses the refusal codes of bundle, request,
// index and delegate and checks that a refusal with each has its own
// sentence in both languages.
func TestRefusalCodesHaveMessages(t *testing.T) {
	for _, pkg := range []struct {
		file   string
		prefix string
		min    int
	}{
		{"../sync/bundle/errors.go", "bundle.", 30},
		{"../sync/request/errors.go", "request.", 10},
		{"../sync/index/errors.go", "index.", 15},
		{"../sync/delegate/pack.go", "sync.", 10},
		{"../sync/post/errors.go", "post.", 15},
	} {
		data, err := os.ReadFile(pkg.file)
		if err != nil {
			t.Fatal(err)
		}
		matches := codeConst.FindAllSubmatch(data, -1)
		if len(matches) < pkg.min {
			t.Fatalf("found only %d codes in %s", len(matches), pkg.file)
		}
		for _, m := range matches {
			code, _ := strconv.Unquote(string(m[1]))
			for _, lang := range []string{i18n.English, i18n.Dutch} {
				cat := i18n.Load(lang)
				if !cat.Has("error." + pkg.prefix + code) {
					t.Errorf("%s.json has no message for refusal %s%s", lang, pkg.prefix, code)
				}
			}
		}
	}
	// The refusal types say their code with the package's prefix.
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&bundle.Error{Code: bundle.CodeExpired, Detail: "not_after 2026-01-01"}, "bundle.expired"},
		{fmt.Errorf("open: %w", &delegate.RefusedError{Code: delegate.CodeRevoked}), "sync.revoked"},
	} {
		if got := errcode.Code(tc.err); got != tc.want {
			t.Errorf("code of %v = %q, want %q", tc.err, got, tc.want)
		}
		for _, lang := range []string{i18n.English, i18n.Dutch} {
			cat := i18n.Load(lang)
			msg := cat.Error(tc.err)
			checkMessage(t, cat, tc.want, msg, tc.err)
			if strings.Contains(msg, "2026") {
				t.Errorf("%s: %q carries the detail", lang, msg)
			}
		}
	}
}

// checkMessage fails when msg is empty, the general fallback, an untranslated
// key or an unfilled template.
func checkMessage(t *testing.T, cat *i18n.Catalog, name, msg string, err error) {
	t.Helper()
	fallback := cat.T("error.vault.unknown", map[string]any{"Detail": err.Error()})
	switch {
	case msg == "":
		t.Errorf("%s: %s: empty message", cat.Lang(), name)
	case msg == fallback:
		t.Errorf("%s: %s: general fallback %q", cat.Lang(), name, msg)
	case strings.HasPrefix(msg, "error.") || strings.HasPrefix(msg, "cli."):
		t.Errorf("%s: %s: untranslated key %q", cat.Lang(), name, msg)
	case strings.Contains(msg, "{{") || strings.Contains(msg, "<no value>"):
		t.Errorf("%s: %s: template not filled: %q", cat.Lang(), name, msg)
	}
}

func TestTypedErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want map[string][]string // language → substrings
	}{
		{"KeptError", &citizenpost.KeptError{File: "/tmp/deel.kluis", Err: errors.New("connection refused")},
			map[string][]string{i18n.English: {"/tmp/deel.kluis", "another way"}, i18n.Dutch: {"/tmp/deel.kluis", "andere manier"}}},
		{"KeptError without a file", &citizenpost.KeptError{Err: errors.New("connection refused")},
			map[string][]string{i18n.English: {"Nothing is lost"}, i18n.Dutch: {"niets verloren"}}},
		{"RemoteError", &post.RemoteError{Status: 422, Code: "post.unknown_case", Message: "Unknown case."},
			map[string][]string{i18n.English: {"case"}, i18n.Dutch: {"zaak"}}},
		{"RemoteError without a code", &post.RemoteError{Status: 422, Code: "Nope!", Message: "New."},
			map[string][]string{i18n.English: {"refused"}, i18n.Dutch: {"geweigerd"}}},
		{"LogError", &vault.LogError{Seq: 7, Reason: "entry was altered"},
			map[string][]string{i18n.English: {"7"}, i18n.Dutch: {"7", "logboek"}}},
		{"intake LogError", fmt.Errorf("verify: %w", &intake.LogError{Seq: 12, Reason: "the entry is missing"}),
			map[string][]string{i18n.English: {"12", "processing log"}, i18n.Dutch: {"12", "verwerkingslogboek"}}},
		{"DamagedError", fmt.Errorf("open: %w", &vault.DamagedError{What: "file header", Part: vault.PartFile}),
			map[string][]string{i18n.English: {"damaged", "structure"}, i18n.Dutch: {"beschadigd", "opbouw"}}},
		{"DamagedError of a record", &vault.DamagedError{What: "record 3f0c", Part: vault.PartRecord, ID: "3f0c"},
			map[string][]string{i18n.English: {"record 3f0c", "damaged"}, i18n.Dutch: {"gegeven 3f0c", "beschadigd"}}},
		{"NotAFileError", fmt.Errorf("open: %w", &vault.NotAFileError{Path: "/home/anna/kluis", Folder: true}),
			map[string][]string{i18n.English: {"/home/anna/kluis", "folder"}, i18n.Dutch: {"/home/anna/kluis", "map, geen kluisbestand"}}},
		{"FieldError", &schema.FieldError{Category: "personal", Field: "bsn", Code: schema.CodeBSNChecksum},
			map[string][]string{
				i18n.English: {"Personal details", "Citizen service number (BSN)", "not a valid BSN"},
				i18n.Dutch:   {"Persoonlijke gegevens", "Burgerservicenummer (BSN)", "geen geldig BSN"},
			}},
		{"FieldError unknown field", &schema.FieldError{Category: "income", Field: "sorce", Code: schema.CodeUnknownField},
			map[string][]string{i18n.English: {"Income", `"sorce"`}, i18n.Dutch: {"Inkomen", `"sorce"`}}},
		{"FieldError unknown category", &schema.FieldError{Category: "bogus\n", Code: schema.CodeUnknownCategory},
			map[string][]string{i18n.English: {`"bogus\n"`, "does not exist"}, i18n.Dutch: {`"bogus\n"`, "bestaat niet"}}},
		{"ValueError", &schema.ValueError{Code: schema.CodeMoneyFormat},
			map[string][]string{i18n.English: {"1234,56"}, i18n.Dutch: {"1234,56"}}},
		{"missing file", &fs.PathError{Op: "open", Path: "/tmp/x.pdf", Err: fs.ErrNotExist},
			map[string][]string{i18n.English: {"/tmp/x.pdf", "does not exist"}, i18n.Dutch: {"/tmp/x.pdf", "bestaat niet"}}},
		{"weak passphrase", vault.ErrWeakPassphrase,
			map[string][]string{i18n.English: {strconv.Itoa(vault.MinPassphraseLen)}, i18n.Dutch: {strconv.Itoa(vault.MinPassphraseLen)}}},
	}
	for _, tc := range cases {
		for lang, wants := range tc.want {
			cat := i18n.Load(lang)
			msg := cat.Error(tc.err)
			checkMessage(t, cat, tc.name, msg, tc.err)
			for _, w := range wants {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: %s: %q does not contain %q", lang, tc.name, msg, w)
				}
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("%s: %s: message has a line break: %q", lang, tc.name, msg)
			}
		}
	}
	if got := i18n.Load(i18n.English).Error(nil); got != "" {
		t.Errorf("Error(nil) = %q, want empty", got)
	}
	other := errors.New("something odd")
	if got := i18n.Load(i18n.English).Error(other); !strings.Contains(got, "something odd") {
		t.Errorf("Error(unknown) = %q, want it to carry the error's text", got)
	}
}

// TestSchemaCodesHaveMessages checks that every schema error code has the
// message Error relies on, in both languages.
func TestSchemaCodesHaveMessages(t *testing.T) {
	for _, lang := range []string{i18n.English, i18n.Dutch} {
		cat := i18n.Load(lang)
		for _, code := range schema.Codes() {
			if !cat.Has(code.LabelKey()) {
				t.Errorf("%s.json has no %s", lang, code.LabelKey())
			}
		}
	}
}

// TestIndexFormCodesHaveMessages checks that every mistake of an index
// definition's form has a sentence in both languages, filled in with what
// was typed, and that the sentence of a mistake New finds is that one.
func TestIndexFormCodesHaveMessages(t *testing.T) {
	for _, lang := range []string{i18n.English, i18n.Dutch} {
		cat := i18n.Load(lang)
		for _, code := range index.FormCodes() {
			err := &index.FormError{Code: code, Input: "Assendorp=80", Max: 12}
			msg := cat.Error(err)
			checkMessage(t, cat, string(code), msg, err)
			if lang == i18n.Dutch {
				if words := englishIn(msg); len(words) > 0 {
					t.Errorf("nl: %s has English words %q: %q", code, words, msg)
				}
			}
		}
	}
}

// TestCodedKeysUsed checks that every message of the vault, youth, intake
// and organisation identity errors is said for some error, so none is left
// unused.
func TestCodedKeysUsed(t *testing.T) {
	used := map[string]bool{}
	for _, errs := range sentinels {
		for _, err := range errs {
			used["error."+errcode.Code(err)] = true
		}
	}
	for _, err := range otherSentinels {
		used["error."+errcode.Code(err)] = true
	}
	for _, err := range []error{
		&vault.LogError{Seq: 1},
		&vault.DamagedError{What: "file header"},
		&intake.LogError{Seq: 1},
		&tally.NotClosedError{},
		&vault.NotAFileError{Path: "x", Folder: true},
		&vault.NotAFileError{Path: "x"},
		&schema.FieldError{Category: "income", Code: schema.CodeRecordEmpty},
		&schema.FieldError{Category: "income", Field: "amount", Code: schema.CodeRequired},
	} {
		used["error."+errcode.Code(err)] = true
	}
	for _, part := range vault.Parts() {
		used["error."+errcode.Code(&vault.DamagedError{What: "x", Part: part})] = true
	}
	// Said by Catalog.Error itself, for file errors and unknown ones.
	for _, key := range append(i18n.FileKeys(), "error.vault.unknown") {
		used[key] = true
	}
	cat := i18n.Load(i18n.English)
	for key := range used {
		if !cat.Has(key) {
			t.Errorf("en.json has no %s", key)
		}
	}
	data, err := os.ReadFile("en.json")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Fatal(err)
	}
	for key := range keys {
		for _, prefix := range []string{"error.vault.", "error.youth.", "error.intake.", "error.bundle.identity."} {
			if strings.HasPrefix(key, prefix) && !used[key] {
				t.Errorf("en.json has %q, which no error says", key)
			}
		}
	}
}

// pluralNouns are nouns that follow a count in a message in their plural
// form. A message that writes one of them right after a placeholder
// ("{{.N}} documenten") says "1 documenten" when the count is 1: it must
// be a pair of forms, "<key>.one" and "<key>.other" (i18n.PluralKey).
var pluralNouns = map[string][]string{
	"nl": {"gegevens", "documenten", "bestanden", "regels", "dagen", "minuten", "uren", "veranderingen", "delingen",
		"items", "keren", "vragen", "antwoorden", "helpers", "personen", "mensen", "bytes"},
	"en": {"records", "documents", "files", "entries", "days", "minutes", "hours", "changes", "shares", "items",
		"fields", "questions", "answers", "helpers", "persons", "people", "bytes"},
}

// TestCountsHavePluralForms checks the messages that count: each plural
// key has both forms, in both languages, the other form fills in the count,
// and no message of the citizen's app or kluisctl writes a plural noun
// right after a placeholder outside such a pair.
func TestCountsHavePluralForms(t *testing.T) {
	for lang, nouns := range pluralNouns {
		data, err := os.ReadFile(lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		msgs := map[string]string{}
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Fatal(err)
		}
		counted := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\} (` + strings.Join(nouns, "|") + `)\b`)
		pairs := 0
		for key, msg := range msgs {
			if strings.HasPrefix(key, "choice.") {
				continue // labels of options, never a count: "other" is an option's id
			}
			base, form := key, ""
			for _, f := range []string{".one", ".other"} {
				if b, ok := strings.CutSuffix(key, f); ok {
					base, form = b, f
				}
			}
			switch form {
			case ".one":
				pairs++
				if _, ok := msgs[base+".other"]; !ok {
					t.Errorf("%s.json: %s has no %s.other", lang, key, base)
				}
			case ".other":
				if _, ok := msgs[base+".one"]; !ok {
					t.Errorf("%s.json: %s has no %s.one", lang, key, base)
				}
				if !strings.Contains(msg, "{{.N}}") {
					t.Errorf("%s.json: %s does not fill in the count {{.N}}: %q", lang, key, msg)
				}
			default:
				if !strings.HasPrefix(key, "app.") && !strings.HasPrefix(key, "cli.") && !strings.HasPrefix(key, "error.") &&
					!strings.HasPrefix(key, "desk.") && !strings.HasPrefix(key, "intake.") {
					continue
				}
				if m := counted.FindString(msg); m != "" {
					t.Errorf("%s.json: %s counts without a singular form (%q): make it %s.one and %s.other", lang, key, m, key, key)
				}
			}
		}
		if pairs < 20 {
			t.Errorf("%s.json: only %d counted messages; is the scan broken?", lang, pairs)
		}
	}
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{i18n.Dutch, 0, "0 documenten"}, {i18n.Dutch, 1, "1 document"}, {i18n.Dutch, 2, "2 documenten"},
		{i18n.English, 0, "0 documents"}, {i18n.English, 1, "1 document"}, {i18n.English, 2, "2 documents"},
	} {
		if got := i18n.Load(tc.lang).N("cli.count.documents", tc.n, nil); got != tc.want {
			t.Errorf("%s: %d documents = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// englishWords are common English words that have no place in a Dutch
// sentence ("was" and "is" are Dutch too, so they are not here). An error
// text of Go or of the system that slips into a message shows up as one
// of them: "(the encrypted payload)", "failed to …", "is a directory".
var englishWords = regexp.MustCompile(`\b(the|an|not|no|failed|refused|file|folder|error|invalid|cannot|does|such|denied|permission|directory|damaged|missing|payload|layout|bundle|entry|header|key|value|unknown|read|write|too|large|exists|with|for|from|and|this|that|please|must|should|short|encrypted)\b`)

// englishIn returns the English words in a Dutch text, leaving out
// placeholders, command-line flags, `code`, kluis: links and file names
// (organisation.key), and the upper-case names of command-line arguments
// (FILE).
func englishIn(s string) []string {
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`\{\{[^}]*\}\}`), regexp.MustCompile("--[a-z-]+|`[^`]*`|kluis:[^ ]*|[\\w-]+\\.[a-z]+\\b")} {
		s = re.ReplaceAllString(s, " ")
	}
	return englishWords.FindAllString(s, -1)
}

// TestDutchHasNoEnglish checks every Dutch message for English words, so
// an English sentence or tail does not slip into nl.json.
func TestDutchHasNoEnglish(t *testing.T) {
	data, err := os.ReadFile("nl.json")
	if err != nil {
		t.Fatal(err)
	}
	msgs := map[string]string{}
	if err := json.Unmarshal(data, &msgs); err != nil {
		t.Fatal(err)
	}
	for key, msg := range msgs {
		if words := englishIn(msg); len(words) > 0 {
			t.Errorf("nl.json %s has English words %q: %q", key, words, msg)
		}
	}
	// And the sentences of errors that carry an English detail keep it out.
	cat := i18n.Load(i18n.Dutch)
	for _, err := range []error{
		&vault.DamagedError{What: "the encrypted payload", Part: vault.PartFile, Err: errors.New("chunk 3 is missing")},
		&vault.DamagedError{What: "the key file", Part: vault.PartKeys},
		&bundle.Error{Code: bundle.CodeBadCard, Detail: "layout"},
		&fs.PathError{Op: "read", Path: "/tmp/kaart", Err: syscall.EISDIR},
		&fs.PathError{Op: "open", Path: "/tmp/kaart", Err: syscall.EROFS},
		&fs.PathError{Op: "open", Path: "/tmp/kaart", Err: syscall.EMLINK},
		&os.LinkError{Op: "rename", Old: "/tmp/.x", New: "/tmp/kaart", Err: syscall.ENOSPC},
	} {
		msg := cat.Error(err)
		if words := englishIn(msg); len(words) > 0 {
			t.Errorf("the Dutch sentence for %v has English words %q: %q", err, words, msg)
		}
	}
}
