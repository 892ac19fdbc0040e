package request

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/schema"
)

func TestRoundTrip(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	file := newRequest(t, org, testFields())
	for name, input := range map[string][]byte{
		"file":            file,
		"armor":           Armor(file),
		"link":            []byte(Link(file)),
		"link with space": []byte("  " + Link(file) + "\n"),
	} {
		p, err := Parse(input)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := p.Request
		if !bytes.Equal(p.File, file) || r.ID != testFields().ID || r.Purpose != "Schuldhulp" || r.Message != testFields().Message {
			t.Fatalf("%s: parsed %+v", name, r)
		}
		if p.Card.Fingerprint() != org.Card().Fingerprint() {
			t.Fatalf("%s: card differs", name)
		}
	}
	p, _ := Parse(file)
	if got := strings.Join(p.Request.Categories(), ","); got != "costs,income" {
		t.Fatalf("categories %s", got)
	}
	if !p.Request.Asks("income", "iban") || !p.Request.Asks("costs", "amount") || p.Request.Asks("costs", "iban") || p.Request.Asks("debts", "amount") {
		t.Fatal("Asks is wrong")
	}
	s := p.Request.BundleScope()
	if strings.Join(s.ExcludedFields, ",") != "costs.iban,costs.note,costs.payee" || strings.Join(s.Categories, ",") != "costs,income" {
		t.Fatalf("bundle scope %+v", s)
	}
	if !p.Request.Covers(s) {
		t.Fatal("the request does not cover its own scope")
	}
	wider := s
	wider.ExcludedFields = []string{"costs.note", "costs.payee"}
	if p.Request.Covers(wider) {
		t.Fatal("a scope with costs.iban is covered")
	}
}

func TestParseScope(t *testing.T) {
	items, err := ParseScope("income, costs.amount,costs.kind,costs.amount,debts,debts.amount")
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{{Category: "costs", Fields: []string{"amount", "kind"}}, {Category: "debts"}, {Category: "income"}}
	if len(items) != 3 || !slices.EqualFunc(items, want, func(a, b Item) bool {
		return a.Category == b.Category && slices.Equal(a.Fields, b.Fields)
	}) {
		t.Fatalf("items %+v", items)
	}
	var fe *schema.FieldError
	if _, err := ParseScope("salaris"); !errors.As(err, &fe) || fe.Code != schema.CodeUnknownCategory {
		t.Fatalf("unknown category: %v", err)
	}
	if _, err := ParseScope("income.salaris"); !errors.As(err, &fe) || fe.Code != schema.CodeUnknownField {
		t.Fatalf("unknown field: %v", err)
	}
}

// Every bad request is refused with its own code.
func TestRefusals(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	file := newRequest(t, org, testFields())
	other := newKeySigner(t)
	body, sig, _ := splitSigned(file)
	flip := bytes.Clone(file)
	flip[bytes.Index(flip, []byte("Schuldhulp"))] = 's'
	cases := map[string]struct {
		input []byte
		code  Code
	}{
		"unsigned":         {append(bytes.Clone(body), '\n'), CodeUnsigned},
		"no line break":    {body, CodeNotRequest},
		"empty":            {nil, CodeNotRequest},
		"altered":          {flip, CodeBadSignature},
		"forged":           {resign(t, file, other, func(b []byte) []byte { return b }), CodeBadSignature},
		"other domain":     {joinSigned(body, mustSign(t, org, bundle.DomainCard, body)), CodeBadSignature},
		"signature cut":    {joinSigned(body, sig[:63]), CodeUnsigned},
		"appended":         {append(bytes.Clone(file), "x\n"...), CodeUnsigned},
		"unknown category": {resign(t, file, org, replace(`"category":"costs"`, `"category":"salaris"`)), CodeUnknownCategory},
		"unknown field":    {resign(t, file, org, replace(`"amount"`, `"salaris"`)), CodeUnknownField},
		"unknown member":   {resign(t, file, org, replace(`"purpose":`, `"extra":1,"purpose":`)), CodeBadRequest},
		"not canonical":    {resign(t, file, org, replace(`"format":"kluis-request/v1",`, `"format": "kluis-request/v1",`)), CodeBadRequest},
		"other format":     {resign(t, file, org, replace(`kluis-request/v1`, `kluis-request/v2`)), CodeNotRequest},
		"a card":           {org.CardFile(), CodeNotRequest},
		"bad link":         {[]byte("kluis:request/v1/***"), CodeBadLink},
		"bundle link":      {[]byte("kluis:bundle/v1/AAAA"), CodeBadLink},
		"armor cut":        {Armor(file)[:80], CodeBadLink},
		"too large":        {bytes.Repeat([]byte("{"), MaxFile+1), CodeTooLarge},
		"bad card":         {resign(t, file, org, replace(`Gemeente Zwolle`, `Gemeente Kampen`)), CodeBadCard},
		"no scope":         {resign(t, file, org, func(b []byte) []byte { return regexpScope(t, b) }), CodeBadRequest},
	}
	for name, c := range cases {
		_, err := Parse(c.input)
		if CodeOf(err) != c.code {
			t.Errorf("%s: err = %v, want %s", name, err, c.code)
		}
	}
	// New refuses the same mistakes before signing.
	for name, edit := range map[string]func(*Fields){
		"unknown category": func(f *Fields) { f.Scope = []Item{{Category: "salaris"}} },
		"unknown field":    func(f *Fields) { f.Scope = []Item{{Category: "income", Fields: []string{"salaris"}}} },
		"answer by past":   func(f *Fields) { f.AnswerBy = testNow.Add(-time.Hour) },
		"keep before":      func(f *Fields) { f.KeepUntil = f.AnswerBy.Add(-time.Hour) },
		"keep too long":    func(f *Fields) { f.KeepUntil = testNow.Add(800 * 24 * time.Hour) },
		"no purpose":       func(f *Fields) { f.Purpose = "" },
		"control":          func(f *Fields) { f.CaseReference = "Z\x00" },
		"long message":     func(f *Fields) { f.Message = strings.Repeat("x", 1001) },
		"empty scope":      func(f *Fields) { f.Scope = nil },
	} {
		f := testFields()
		edit(&f)
		if _, err := New(org, f, testNow); err == nil {
			t.Errorf("New accepted: %s", name)
		}
	}
}

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

func regexpScope(t *testing.T, b []byte) []byte {
	i := bytes.Index(b, []byte(`"scope":[`))
	j := bytes.Index(b, []byte(`],"card"`))
	if i < 0 || j < 0 {
		t.Fatal("no scope")
	}
	return append(append(bytes.Clone(b[:i]), `"scope":[`...), b[j:]...)
}

func mustSign(t *testing.T, s bundle.Signer, domain string, msg []byte) []byte {
	sig, err := s.Sign(domain, msg)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestExpired(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	p, err := Parse(newRequest(t, org, testFields()))
	if err != nil {
		t.Fatal(err)
	}
	by := p.Request.AnswerBy
	if p.CanAnswer(by.Add(-time.Hour)) != nil || p.CanAnswer(by.Add(Skew-time.Second)) != nil {
		t.Fatal("refused before the answer-by date")
	}
	if CodeOf(p.CanAnswer(by.Add(Skew))) != CodeExpired {
		t.Fatal("answerable after the answer-by date")
	}
}

func TestTrust(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	fakeOrg := newOrg(t, "Gemeente Zwolle")
	other := newOrg(t, "Gemeente Kampen")
	lookAlike := newOrg(t, "Gemeente Zw\u043elle") // a Cyrillic о
	file := newRequest(t, org, testFields())
	for _, c := range []struct {
		known []*bundle.Card
		want  Trust
	}{
		{nil, Unknown},
		{[]*bundle.Card{other.Card()}, Unknown},
		{[]*bundle.Card{other.Card(), org.Card()}, Known},
		{[]*bundle.Card{fakeOrg.Card()}, Impostor},
		// A kept card whose name only looks the same: still an impostor.
		{[]*bundle.Card{lookAlike.Card()}, Impostor},
	} {
		o, err := Open(file, c.known)
		if err != nil {
			t.Fatal(err)
		}
		if o.Trust != c.want {
			t.Errorf("known %d cards: trust %s, want %s", len(c.known), o.Trust, c.want)
		}
	}
}

func TestOverAsking(t *testing.T) {
	scoped := newOrg(t, "Gemeente Zwolle", bundle.PurposeScope{Purpose: "Schuldhulp", Allowed: []string{"costs.amount", "costs.kind", "costs.period", "debts", "income"}})
	f := testFields()
	p, _ := Parse(newRequest(t, scoped, f))
	if oa := p.OverAsking(); !oa.Checked || oa.Any() {
		t.Fatalf("within the purpose: %+v", oa)
	}
	f.Scope = []Item{{Category: "income"}, {Category: "costs"}, {Category: "personal", Fields: []string{"bsn", "iban"}}, {Category: "care"}}
	p, _ = Parse(newRequest(t, scoped, f))
	oa := p.OverAsking()
	want := "care,costs.iban,costs.note,costs.payee,personal.bsn,personal.iban"
	if strings.Join(oa.Extra, ",") != want || oa.Unregistered {
		t.Fatalf("over-asking %+v, want %s", oa, want)
	}
	f.Purpose = "Bijzondere bijstand"
	p, _ = Parse(newRequest(t, scoped, f))
	if oa := p.OverAsking(); !oa.Unregistered || !oa.Any() {
		t.Fatalf("unregistered purpose: %+v", oa)
	}
	p, _ = Parse(newRequest(t, newOrg(t, "Gemeente Kampen"), testFields()))
	if oa := p.OverAsking(); oa.Checked || oa.Any() {
		t.Fatalf("a card without purpose scopes: %+v", oa)
	}
}

func TestCheckAnswer(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	p, _ := Parse(newRequest(t, org, testFields()))
	r := p.Request
	const inc, cost, doc = "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d", "8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e"
	good := func() (*bundle.Manifest, *bundle.Records) {
		m := &bundle.Manifest{RequestID: r.ID, CaseReference: r.CaseReference, Created: testNow.Add(time.Hour),
			Scope: bundle.Scope{Categories: []string{"costs", "income"}, Records: []string{}, ExcludedFields: r.BundleScope().ExcludedFields}}
		rs := &bundle.Records{Records: []bundle.Record{
			{ID: inc, Category: "income", Fields: map[string]any{"source": "UWV", "amount": 1, "iban": "NL91ABNA0417164300"}},
			{ID: cost, Category: "costs", Fields: map[string]any{"kind": "rent", "amount": 1}},
		}, Documents: []bundle.Document{{ID: doc, Name: "a.pdf", Record: inc}}}
		return m, rs
	}
	m, rs := good()
	if err := r.CheckAnswer(m, rs); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(*bundle.Manifest, *bundle.Records)
		code Code
	}{
		"other request":    {func(m *bundle.Manifest, _ *bundle.Records) { m.RequestID = "" }, CodeNotTheRequest},
		"other case":       {func(m *bundle.Manifest, _ *bundle.Records) { m.CaseReference = "Z-1" }, CodeNotTheRequest},
		"late":             {func(m *bundle.Manifest, _ *bundle.Records) { m.Created = r.AnswerBy.Add(time.Hour) }, CodeAnswerLate},
		"extra category":   {func(m *bundle.Manifest, _ *bundle.Records) { m.Scope.Categories = []string{"costs", "debts", "income"} }, CodeExceeds},
		"extra record cat": {func(_ *bundle.Manifest, rs *bundle.Records) { rs.Records[0].Category = "debts" }, CodeExceeds},
		"extra field":      {func(_ *bundle.Manifest, rs *bundle.Records) { rs.Records[1].Fields["iban"] = "x" }, CodeExceeds},
		"loose document":   {func(_ *bundle.Manifest, rs *bundle.Records) { rs.Documents[0].Record = "" }, CodeExceeds},
		"scope record":     {func(m *bundle.Manifest, _ *bundle.Records) { m.Scope.Records = []string{doc} }, CodeExceeds},
	} {
		m, rs := good()
		c.edit(m, rs)
		if err := r.CheckAnswer(m, rs); CodeOf(err) != c.code {
			t.Errorf("%s: err = %v, want %s", name, err, c.code)
		}
	}
	// Less than asked is fine.
	m, rs = good()
	rs.Records = rs.Records[1:]
	rs.Documents = nil
	if err := r.CheckAnswer(m, rs); err != nil {
		t.Fatalf("a smaller answer: %v", err)
	}
}

// The QR code scans back to the link (zbarimg comes with make deps).
func TestQR(t *testing.T) {
	file := newRequest(t, newOrg(t, "Gemeente Zwolle"), testFields())
	png, err := QR(file, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := QR(bytes.Repeat([]byte("x"), 3000), 512); CodeOf(err) != CodeTooLarge {
		t.Fatalf("a too large link: %v", err)
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed")
	}
	path := filepath.Join(t.TempDir(), "q.png")
	os.WriteFile(path, png, 0o600)
	// Only QR codes: in a dense code zbar can also "see" a linear
	// barcode and print it as a second line.
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != Link(file) {
		t.Fatal("the QR code does not scan to the link")
	}
}
