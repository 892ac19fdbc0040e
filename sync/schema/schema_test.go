package schema

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func TestCategoryDefinitions(t *testing.T) {
	want := []string{"personal", "household", "housing", "income", "costs", "debts", "care", "network", "goals"}
	var got []string
	for _, c := range Categories() {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("categories %v, want %v", got, want)
	}
	known := map[Type]bool{}
	for _, typ := range Types() {
		known[typ] = true
	}
	for _, c := range Categories() {
		if len(c.Title) == 0 {
			t.Errorf("%s has no title fields", c.ID)
		}
		seen := map[string]bool{}
		for _, f := range c.Fields {
			if !idRE.MatchString(f.ID) || seen[f.ID] {
				t.Errorf("%s: bad or duplicate field id %q", c.ID, f.ID)
			}
			seen[f.ID] = true
			if !known[f.Type] {
				t.Errorf("%s.%s: unknown type %q", c.ID, f.ID, f.Type)
			}
			if (f.Type == Choice) != (len(f.Choices) > 0) {
				t.Errorf("%s.%s: choices %v for type %s", c.ID, f.ID, f.Choices, f.Type)
			}
			choices := map[string]bool{}
			for _, ch := range f.Choices {
				if !idRE.MatchString(ch) || choices[ch] {
					t.Errorf("%s.%s: bad or duplicate choice %q", c.ID, f.ID, ch)
				}
				choices[ch] = true
			}
			if f.Sensitive != (f.Type == BSN) {
				t.Errorf("%s.%s: sensitive=%v", c.ID, f.ID, f.Sensitive)
			}
		}
		for _, id := range c.Title {
			f, ok := c.Field(id)
			if !ok {
				t.Errorf("%s: title field %q does not exist", c.ID, id)
			} else if f.Type == Choice || f.Sensitive {
				t.Errorf("%s: title field %q is a choice or sensitive", c.ID, id)
			}
		}
	}
	// Fields the design fixes.
	for cat, fields := range map[string][]string{
		"personal": {"given_names", "surname_prefix", "surname", "birth_date", "bsn", "phone", "email", "iban"},
		"income":   {"source", "kind", "amount", "period", "iban"},
		"debts":    {"creditor", "amount", "status", "arrangement", "reference"},
	} {
		c, ok := Lookup(cat)
		if !ok {
			t.Fatalf("Lookup(%q) failed", cat)
		}
		for _, id := range fields {
			if _, ok := c.Field(id); !ok {
				t.Errorf("%s has no field %s", cat, id)
			}
		}
	}
	req := map[string][]string{
		"personal": {"surname"}, "income": {"source", "amount"}, "costs": {"amount"},
		"debts": {"creditor"}, "network": {"name"}, "goals": {"title"},
	}
	for _, c := range Categories() {
		var got []string
		for _, f := range c.Fields {
			if f.Required {
				got = append(got, f.ID)
			}
		}
		if !slices.Equal(got, req[c.ID]) {
			t.Errorf("%s: required fields %v, want %v", c.ID, got, req[c.ID])
		}
	}
}

// Callers get copies: changing one must not change the schema.
func TestCategoriesAreCopies(t *testing.T) {
	c, _ := Lookup("household")
	f, _ := c.Field("relation")
	f.Choices[0] = "boss"
	f.Required = true
	c.Title[0] = "bsn"
	Categories()[0].Fields[0].ID = "changed"
	again, _ := Lookup("household")
	g, _ := again.Field("relation")
	if g.Choices[0] != "partner" || g.Required || again.Title[0] != "given_names" {
		t.Fatal("a caller changed the shared schema")
	}
	if Categories()[0].Fields[0].ID != "given_names" {
		t.Fatal("a caller changed the shared schema")
	}
	if _, ok := Lookup("documents"); ok {
		t.Fatal("Lookup of an unknown category succeeded")
	}
}

func TestValidate(t *testing.T) {
	income, _ := Lookup("income")
	out, err := income.Validate(map[string]string{
		"source": " Werkgever BV ", "amount": "€ 1.234,56", "period": "month",
		"iban": "nl91 abna 0417 1643 00", "since": "1-5-2024", "note": "  ", "kind": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"source": "Werkgever BV", "amount": "123456", "period": "month", "iban": "NL91ABNA0417164300", "since": "2024-05-01"}
	if len(out) != len(want) {
		t.Fatalf("Validate = %v, want %v", out, want)
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %q, want %q", k, out[k], v)
		}
	}

	for _, tc := range []struct {
		cat   string
		in    map[string]string
		field string
		code  Code
		msg   string
	}{
		{"income", map[string]string{"source": "x", "amount": "12,345,6"}, "amount", CodeMoneyFormat,
			"income.amount: not an amount in euros, such as 1234,56"},
		{"income", map[string]string{"source": "x"}, "amount", CodeRequired, "income.amount: this must be filled in"},
		{"income", map[string]string{"source": "x", "amount": "1", "colour": "red"}, "colour", CodeUnknownField,
			"income.colour: this field does not exist in this category"},
		{"personal", map[string]string{"surname": "Jansen", "bsn": "123456789"}, "bsn", CodeBSNChecksum,
			"personal.bsn: not a valid BSN: the check digit does not match"},
		{"housing", map[string]string{}, "", CodeRecordEmpty, "housing: fill in at least one field"},
		{"housing", nil, "", CodeRecordEmpty, "housing: fill in at least one field"},
		{"housing", map[string]string{"kind": "castle"}, "kind", CodeChoiceUnknown, "housing.kind: not one of the options"},
		{"documents", map[string]string{"x": "y"}, "", CodeUnknownCategory, "documents: this category does not exist"},
		{"a\nb", nil, "", CodeUnknownCategory, `"a\nb": this category does not exist`},
		{"care", map[string]string{"x\x00": "y"}, "x\x00", CodeUnknownField, `care."x\x00": this field does not exist in this category`},
	} {
		out, err := ValidateRecord(tc.cat, tc.in)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("ValidateRecord(%s, %v) = %v, %v; want a *FieldError", tc.cat, tc.in, out, err)
			continue
		}
		if out != nil || fe.Category != tc.cat || fe.Field != tc.field || fe.Code != tc.code || err.Error() != tc.msg {
			t.Errorf("ValidateRecord(%s, %v) = %v, %#v %q; want %s.%s %s %q", tc.cat, tc.in, out, fe, err, tc.cat, tc.field, tc.code, tc.msg)
		}
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Code != tc.code || !errors.Is(err, &ValueError{Code: tc.code}) {
			t.Errorf("%v does not unwrap to ValueError %s", err, tc.code)
		}
		if errors.Is(err, &ValueError{Code: "something.else"}) {
			t.Errorf("%v matches another code", err)
		}
	}
}

func TestValidateAll(t *testing.T) {
	personal, _ := Lookup("personal")
	out, errs := personal.ValidateAll(map[string]string{
		"zzz": "1", "bsn": "1", "email": "nope", "given_names": "Jan", "surname": "",
	})
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+":"+string(e.Code))
	}
	want := []string{"zzz:unknown_field", "surname:required", "bsn:bsn.length", "email:email.format"}
	if !slices.Equal(got, want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	if len(out) != 1 || out["given_names"] != "Jan" {
		t.Errorf("accepted fields %v", out)
	}
}

func TestCheckCanonical(t *testing.T) {
	income, _ := Lookup("income")
	good := map[string]string{"source": "Werkgever BV", "amount": "123456", "iban": "NL91ABNA0417164300"}
	if err := income.CheckCanonical(good); err != nil {
		t.Fatalf("CheckCanonical(%v) = %v", good, err)
	}
	for _, tc := range []struct {
		field, value string
		code         Code
	}{
		{"amount", "1.234,56", CodeMoneyFormat},
		{"amount", "-0", CodeNotCanonical},
		{"amount", "+5", CodeNotCanonical},
		{"amount", "0123", CodeNotCanonical},
		{"amount", "1000000000000000", CodeMoneyRange},
		{"iban", "NL91 ABNA 0417 1643 00", CodeNotCanonical},
		{"iban", "NL91ABNA0417164301", CodeIBANChecksum},
		{"source", " Werkgever BV", CodeNotCanonical},
		{"source", "", CodeRequired},
		{"since", "1-5-2024", CodeNotCanonical},
		{"note", "", CodeNotCanonical},
		{"colour", "red", CodeUnknownField},
	} {
		rec := map[string]string{}
		for k, v := range good {
			rec[k] = v
		}
		rec[tc.field] = tc.value
		err := income.CheckCanonical(rec)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Code != tc.code {
			t.Errorf("CheckCanonical with %s=%q: %v, want %s", tc.field, tc.value, err, tc.code)
		}
	}
	housing, _ := Lookup("housing")
	if err := housing.CheckCanonical(map[string]string{}); !errors.Is(err, &ValueError{Code: CodeRecordEmpty}) {
		t.Errorf("empty record: %v", err)
	}
}

func TestDisplayAndJSON(t *testing.T) {
	f := func(cat, id string) *Field {
		c, _ := Lookup(cat)
		fld, ok := c.Field(id)
		if !ok {
			t.Fatalf("no field %s.%s", cat, id)
		}
		return fld
	}
	for _, tc := range []struct {
		f         *Field
		canonical string
		display   string
		json      any
	}{
		{f("income", "amount"), "123456", "1.234,56", int64(123456)},
		{f("income", "amount"), "-5", "-0,05", int64(-5)},
		{f("personal", "bsn"), "123456782", "•••••6782", "123456782"},
		{f("household", "bsn"), "249566758", "•••••6758", "249566758"},
		{f("personal", "iban"), "NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"},
		{f("personal", "iban"), "FR1420041010050500013M02606", "FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"},
		{f("personal", "birth_date"), "1980-05", "1980-05", "1980-05"},
		{f("housing", "kind"), "rent_social", "rent_social", "rent_social"},
		{f("housing", "house_number"), "12", "12", int64(12)},
		{f("housing", "postcode"), "1234 AB", "1234 AB", "1234 AB"},
		{f("personal", "surname"), "", "", ""},
		{f("income", "amount"), "garbage", "garbage", "garbage"},
	} {
		if got := tc.f.Display(tc.canonical); got != tc.display {
			t.Errorf("%s Display(%q) = %q, want %q", tc.f.ID, tc.canonical, got, tc.display)
		}
		if got := tc.f.JSONValue(tc.canonical); got != tc.json {
			t.Errorf("%s JSONValue(%q) = %#v, want %#v", tc.f.ID, tc.canonical, got, tc.json)
		}
	}
	if got := f("income", "amount").EditValue("123456"); got != "1.234,56" {
		t.Errorf("EditValue = %q", got)
	}
	if got := f("personal", "bsn").EditValue("123456782"); got != "123456782" {
		t.Errorf("EditValue of BSN = %q, want it unmasked", got)
	}
}

func TestFromJSONValue(t *testing.T) {
	c, _ := Lookup("housing")
	rent, _ := c.Field("rent")
	num, _ := c.Field("house_number")
	street, _ := c.Field("street")
	for _, tc := range []struct {
		f    *Field
		in   any
		want string
		code Code
	}{
		{rent, int64(65000), "65000", ""},
		{rent, float64(-250), "-250", ""},
		{rent, 12, "12", ""},
		{rent, "", "", ""},
		{rent, "65000", "", CodeNotCanonical},
		{rent, 1.5, "", CodeNotCanonical},
		{rent, int64(MaxCents + 1), "", CodeMoneyRange},
		{num, float64(12), "12", ""},
		{num, int64(-1), "", CodeNumberFormat},
		{street, "Dorpsstraat", "Dorpsstraat", ""},
		{street, 12, "", CodeNotCanonical},
		{street, nil, "", CodeNotCanonical},
		{street, " Dorpsstraat", "", CodeNotCanonical},
	} {
		got, err := tc.f.FromJSONValue(tc.in)
		if tc.code == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s FromJSONValue(%#v) = %q, %v; want %q", tc.f.ID, tc.in, got, err, tc.want)
			}
		} else if !errors.Is(err, &ValueError{Code: tc.code}) {
			t.Errorf("%s FromJSONValue(%#v) = %q, %v; want %s", tc.f.ID, tc.in, got, err, tc.code)
		}
	}
}

func TestTitleOf(t *testing.T) {
	for _, tc := range []struct {
		cat    string
		fields map[string]string
		want   string
	}{
		{"personal", map[string]string{"given_names": "Jan", "surname_prefix": "van der", "surname": "Berg", "bsn": "123456782"}, "Jan van der Berg"},
		{"personal", map[string]string{"surname": "Berg"}, "Berg"},
		{"household", map[string]string{"relation": "child", "bsn": "123456782", "birth_date": "2015"}, "2015"},
		{"household", map[string]string{"relation": "child", "bsn": "123456782"}, ""},
		{"housing", map[string]string{"street": "Dorpsstraat", "house_number": "12", "house_letter": "A", "town": "Zwolle"}, "Dorpsstraat 12 A Zwolle"},
		{"housing", map[string]string{"kind": "living_in", "abroad_line1": "12 Rue Mohammed V", "country": "Marokko"}, "12 Rue Mohammed V"},
		{"costs", map[string]string{"kind": "energy", "amount": "12345"}, "123,45"},
		{"care", map[string]string{"description": "\n  hulp bij   post\nen meer"}, "hulp bij post"},
		{"goals", map[string]string{"title": strings.Repeat("lang ", 40)}, strings.TrimSpace(strings.Repeat("lang ", 16)) + "…"},
	} {
		c, _ := Lookup(tc.cat)
		if got := c.TitleOf(tc.fields); got != tc.want {
			t.Errorf("%s TitleOf(%v) = %q, want %q", tc.cat, tc.fields, got, tc.want)
		}
	}
}

func TestCodes(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Codes() {
		if seen[c] {
			t.Errorf("duplicate code %s", c)
		}
		seen[c] = true
		m := c.Message()
		if m == "" || strings.ToLower(m[:1]) != m[:1] || strings.HasSuffix(m, ".") {
			t.Errorf("message for %s is not plain lower-case: %q", c, m)
		}
		if c.LabelKey() != "error."+string(c) {
			t.Errorf("LabelKey(%s) = %s", c, c.LabelKey())
		}
	}
	if len(seen) != len(messages) {
		t.Errorf("Codes() has %d codes, messages has %d", len(seen), len(messages))
	}
}

// TestSpans: an end date before its start date is refused on the end
// field, compared at the precision both dates have; only care has a span.
func TestSpans(t *testing.T) {
	for _, tc := range []struct {
		since, until string
		ok           bool
	}{
		{"1-5-2024", "1-4-2024", false},
		{"10-5-2024", "9-5-2024", false},
		{"5-2024", "4-2024", false},
		{"2024", "2023", false},
		{"10-5-2024", "2024-04", false},
		{"1-5-2024", "1-5-2024", true},
		{"1-5-2024", "2-5-2024", true},
		{"10-5-2024", "5-2024", true}, // same month: may end after the 10th
		{"10-5-2024", "2024", true},
		{"2024", "1-1-2024", true},
		{"", "1-1-2024", true},
		{"1-1-2024", "", true},
	} {
		in := map[string]string{"provider": "Wijkteam", "since": tc.since, "until": tc.until}
		out, err := ValidateRecord("care", in)
		var fe *FieldError
		switch {
		case tc.ok && err != nil:
			t.Errorf("since %q until %q: refused: %v", tc.since, tc.until, err)
		case !tc.ok && (!errors.As(err, &fe) || fe.Field != "until" || fe.Code != CodeDateBeforeStart):
			t.Errorf("since %q until %q: %v, %v; want until refused with %s", tc.since, tc.until, out, err, CodeDateBeforeStart)
		}
	}
	care, _ := Lookup("care")
	_, errs := care.ValidateAll(map[string]string{"since": "1-5-2024", "until": "1-4-2024", "kind": "castle"})
	if len(errs) != 2 || errs[0].Field != "kind" || errs[1].Field != "until" {
		t.Errorf("ValidateAll: %v", errs)
	}
	// A start or an end that is itself wrong is said as such, not compared.
	if _, errs := care.ValidateAll(map[string]string{"since": "31-2-2024", "until": "1-1-2000"}); len(errs) != 1 || errs[0].Code != CodeDateInvalid {
		t.Errorf("a bad start: %v", errs)
	}
	// Stored values are not refused for it: a merge may bring a start and
	// an end together from two computers.
	if err := care.CheckCanonical(map[string]string{"since": "2024-05-01", "until": "2024-04-01"}); err != nil {
		t.Errorf("CheckCanonical refuses a span: %v", err)
	}
	for _, c := range Categories() {
		for _, s := range c.Spans {
			for _, id := range []string{s.Start, s.End} {
				if f, ok := c.Field(id); !ok || f.Type != Date {
					t.Errorf("%s: span field %q is not a date field", c.ID, id)
				}
			}
		}
	}
}
