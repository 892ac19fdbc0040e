package request

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
)

// The test vectors in testdata/vectors are for any implementation of
// docs/FORMAT.md §5a. Each NAME.request is a few header lines, an empty
// line, and the request as it travels (a file, armored text or a link):
//
//	expect: ok            (or a refusal code, such as bad_signature)
//	now: 2026-03-02T09:30:00Z
//
// A reader parses the request, checks its signature with the card it
// carries and, when that passes, whether it can still be answered at now
// (expired otherwise). org.card is the organisation's card; org.key its
// identity, protected with the passphrase "test vectors only" (a test
// key: never use it for real), needed only to make the vectors again with
// -update.
var update = flag.Bool("update", false, "write the test vectors again")

const vectorsDir = "testdata/vectors"

const vectorPassphrase = "test vectors only"

func vectorOrg(t *testing.T) *bundle.OrgIdentity {
	t.Helper()
	keyPath := filepath.Join(vectorsDir, "org.key")
	if *update {
		id, err := bundle.GenerateOrgIdentityScoped("Gemeente Voorbeeld", "00000001234567890000", []string{"Schuldhulp"},
			[]bundle.PurposeScope{{Purpose: "Schuldhulp", Allowed: []string{"costs", "debts", "income"}}}, testNow.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		key, err := id.Marshal([]byte(vectorPassphrase))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(vectorsDir, 0o755)
		if err := os.WriteFile(keyPath, key, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vectorsDir, "org.card"), id.CardFile(), 0o644); err != nil {
			t.Fatal(err)
		}
		return id
	}
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	id, err := bundle.ParseOrgIdentity(key, []byte(vectorPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type vectorCase struct {
	expect string
	now    time.Time
	data   []byte
}

func makeVectors(t *testing.T, org *bundle.OrgIdentity) map[string]vectorCase {
	f := testFields()
	ok := newRequest(t, org, f)
	body, _, _ := splitSigned(ok)
	flip := bytes.Replace(ok, []byte("inkomsten"), []byte("inkomsteN"), 1)
	later := testNow.Add(15 * 24 * time.Hour)
	return map[string]vectorCase{
		"ok":               {"ok", testNow, ok},
		"ok-armored":       {"ok", testNow, Armor(ok)},
		"ok-link":          {"ok", testNow, []byte(Link(ok) + "\n")},
		"expired":          {"expired", later, ok},
		"unsigned":         {"unsigned", testNow, append(bytes.Clone(body), '\n')},
		"altered":          {"bad_signature", testNow, flip},
		"forged":           {"bad_signature", testNow, resign(t, ok, newKeySigner(t), func(b []byte) []byte { return b })},
		"unknown-category": {"unknown_category", testNow, resign(t, ok, org, replace(`"category":"costs"`, `"category":"salaris"`))},
		"unknown-field":    {"unknown_field", testNow, resign(t, ok, org, replace(`"amount"`, `"salaris"`))},
		"not-canonical":    {"bad_request", testNow, resign(t, ok, org, replace(`"format":"kluis-request/v1",`, `"format": "kluis-request/v1",`))},
	}
}

func TestVectors(t *testing.T) {
	org := vectorOrg(t)
	if *update {
		for name, c := range makeVectors(t, org) {
			var b bytes.Buffer
			b.WriteString("expect: " + c.expect + "\nnow: " + c.now.Format(time.RFC3339) + "\n\n")
			b.Write(c.data)
			if err := os.WriteFile(filepath.Join(vectorsDir, name+".request"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	names, _ := filepath.Glob(filepath.Join(vectorsDir, "*.request"))
	if len(names) < 10 {
		t.Fatalf("only %d vectors", len(names))
	}
	for _, path := range names {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		head, data, ok := bytes.Cut(raw, []byte("\n\n"))
		if !ok {
			t.Fatalf("%s: no empty line after the header", path)
		}
		var expect string
		var now time.Time
		for _, line := range strings.Split(string(head), "\n") {
			if v, ok := strings.CutPrefix(line, "expect: "); ok {
				expect = v
			}
			if v, ok := strings.CutPrefix(line, "now: "); ok {
				now, _ = time.Parse(time.RFC3339, v)
			}
		}
		got := "ok"
		p, err := Parse(data)
		if err == nil {
			err = p.CanAnswer(now)
		}
		if err != nil {
			got = string(CodeOf(err))
		}
		if got != expect {
			t.Errorf("%s: got %s (%v), want %s", filepath.Base(path), got, err, expect)
		}
		if err == nil && p.Card.Fingerprint() != org.Card().Fingerprint() {
			t.Errorf("%s: signed by another card", path)
		}
	}
}
