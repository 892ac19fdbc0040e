package schema

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// --- oracles: independent, simple implementations used only by tests ---

// bsnOracle checks a BSN the long way: it keeps digits after dropping
// spaces and dots, and evaluates the elfproef with the weights written out.
func bsnOracle(s string) (string, bool) {
	cleaned := strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(cleaned) == 8 {
		cleaned = "0" + cleaned
	}
	if len(cleaned) != 9 {
		return "", false
	}
	weights := [9]int{9, 8, 7, 6, 5, 4, 3, 2, -1}
	total := 0
	for i := range 9 {
		d := strings.IndexByte("0123456789", cleaned[i])
		if d < 0 {
			return "", false
		}
		total += weights[i] * d
	}
	return cleaned, total > 0 && total%11 == 0
}

// ibanOracleMod97 computes the IBAN remainder with math/big.
func ibanOracleMod97(iban string) int64 {
	var digits strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(strconv.Itoa(int(r-'A') + 10))
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		return -1
	}
	return new(big.Int).Mod(n, big.NewInt(97)).Int64()
}

// withCheckDigits builds a valid IBAN from a country and account part.
func withCheckDigits(country, bban string) string {
	r := ibanOracleMod97(country + "00" + bban)
	return country + strconv.FormatInt(98-r+100, 10)[1:] + bban
}

var (
	isoDateRE  = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
	postcodeRE = regexp.MustCompile(`^[1-9]\d{3} [A-Z]{2}$`)
	ibanRE     = regexp.MustCompile(`^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$`)
	phoneRE    = regexp.MustCompile(`^\+?[0-9]{8,15}$`)
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

func codeIn(t *testing.T, err error) Code {
	t.Helper()
	var ve *ValueError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValueError", err, err)
	}
	if _, ok := messages[ve.Code]; !ok {
		t.Fatalf("error code %q is not in Codes()", ve.Code)
	}
	return ve.Code
}

func FuzzNormalizeBSN(f *testing.F) {
	for _, s := range []string{"123456782", "249566758", "111222333", "1234.56.782", "11222333", "000000000", "123456789", "", "12 34 56 78 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeBSN(s)
		want, ok := bsnOracle(s)
		if ok != (err == nil) {
			t.Fatalf("NormalizeBSN(%q) = %q, %v; oracle says valid=%v", s, got, err, ok)
		}
		if err != nil {
			codeIn(t, err)
			return
		}
		if got != want {
			t.Fatalf("NormalizeBSN(%q) = %q; oracle %q", s, got, want)
		}
		if again, err := NormalizeBSN(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

func FuzzNormalizeIBAN(f *testing.F) {
	for _, s := range []string{"NL91ABNA0417164300", "nl91 abna 0417 1643 00", "DE89370400440532013000", "GB82WEST12345698765432", "NL91ABNA0417164301", "XQ00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeIBAN(s)
		if err != nil {
			codeIn(t, err)
			return
		}
		if !ibanRE.MatchString(got) {
			t.Fatalf("NormalizeIBAN(%q) = %q: bad shape", s, got)
		}
		if r := ibanOracleMod97(got); r != 1 {
			t.Fatalf("NormalizeIBAN(%q) = %q accepted, oracle remainder %d", s, got, r)
		}
		stripped := strings.ToUpper(strings.Join(strings.Fields(s), ""))
		if got != stripped {
			t.Fatalf("NormalizeIBAN(%q) = %q, want the input without spaces %q", s, got, stripped)
		}
		if want, ok := ibanLengths[got[:2]]; ok && len(got) != want {
			t.Fatalf("NormalizeIBAN(%q) = %q: length %d, want %d", s, got, len(got), want)
		}
		if again, err := NormalizeIBAN(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
		if again, err := NormalizeIBAN(formatIBAN(got)); err != nil || again != got {
			t.Fatalf("display form %q does not read back: %q, %v", formatIBAN(got), again, err)
		}
	})
}

func FuzzNormalizePostcode(f *testing.F) {
	for _, s := range []string{"1234 AB", "1234ab", "8011VK", "1234 SA", "0123 AB", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePostcode(s)
		if err != nil {
			codeIn(t, err)
			return
		}
		if !postcodeRE.MatchString(got) {
			t.Fatalf("NormalizePostcode(%q) = %q: bad shape", s, got)
		}
		if l := got[5:]; l == "SA" || l == "SD" || l == "SS" {
			t.Fatalf("NormalizePostcode(%q) = %q: forbidden letters", s, got)
		}
		if again, err := NormalizePostcode(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

func FuzzNormalizeDate(f *testing.F) {
	for _, s := range []string{"2024-05-01", "2024-05", "2024", "1-5-2024", "01-05-2024", "5-2024", "2023-02-29", "29-2-2000", "1849", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeDate(s)
		if err != nil {
			codeIn(t, err)
			return
		}
		if !isoDateRE.MatchString(got) {
			t.Fatalf("NormalizeDate(%q) = %q: bad shape", s, got)
		}
		// Oracle: the time package must agree that the date exists.
		layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(got)]
		tm, perr := time.Parse(layout, got)
		if perr != nil {
			t.Fatalf("NormalizeDate(%q) = %q, which time.Parse refuses: %v", s, got, perr)
		}
		if y := tm.Year(); y < MinYear || y > MaxYear {
			t.Fatalf("NormalizeDate(%q) = %q: year out of range", s, got)
		}
		if again, err := NormalizeDate(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1234,56", "1234.56", "1.234,56", "€ 1.234,56", "-12,5", "12", "0,1", "1.234", "1,234.56", "12,-", "9.999.999.999.999,99", "10000000000000", "1 234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseMoney(s)
		if err != nil {
			codeIn(t, err)
			return
		}
		if c > MaxCents || c < -MaxCents {
			t.Fatalf("ParseMoney(%q) = %d: out of range", s, c)
		}
		// No digit may be dropped or invented: the digits of the input,
		// without leading zeros, followed by at most two zeros, are the
		// digits of the result.
		var digits strings.Builder
		for i := 0; i < len(s); i++ {
			if isDigit(s[i]) {
				digits.WriteByte(s[i])
			}
		}
		in := strings.TrimLeft(digits.String(), "0")
		abs := strings.TrimPrefix(strconv.FormatInt(c, 10), "-")
		if abs == "0" {
			abs = ""
		}
		if rest, ok := strings.CutPrefix(abs, in); !ok || len(rest) > 2 || strings.Trim(rest, "0") != "" {
			t.Fatalf("ParseMoney(%q) = %d: digits %q do not match input digits %q", s, c, abs, in)
		}
		// The Dutch display form reads back to the same amount.
		if back, err := ParseMoney(FormatMoney(c)); err != nil || back != c {
			t.Fatalf("ParseMoney(FormatMoney(%d)) = %d, %v", c, back, err)
		}
	})
}

func FuzzFormatMoney(f *testing.F) {
	for _, c := range []int64{0, 5, -5, 123456, MaxCents, -MaxCents, MaxCents + 1, math.MinInt64, math.MaxInt64} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c int64) {
		s := FormatMoney(c)
		back, err := ParseMoney(s)
		if c >= -MaxCents && c <= MaxCents {
			if err != nil || back != c {
				t.Fatalf("ParseMoney(FormatMoney(%d) = %q) = %d, %v", c, s, back, err)
			}
			return
		}
		if codeIn(t, err) != CodeMoneyRange {
			t.Fatalf("ParseMoney(%q) error %v, want money.range", s, err)
		}
	})
}

// allTypeFields gives one field per type, with the choice list of a real
// field, for fuzzing Field.Normalize.
func allTypeFields() []*Field {
	var out []*Field
	for _, typ := range Types() {
		f := &Field{ID: "x", Type: typ}
		if typ == Choice {
			f.Choices = []string{"partner", "child", "other"}
		}
		out = append(out, f)
	}
	return out
}

func FuzzFieldNormalize(f *testing.F) {
	seeds := map[Type][]string{
		Text:     {"Jansen", " van der Berg ", "a\tb"},
		LongText: {"regel 1\r\nregel 2", "x"},
		Date:     {"1-5-2024"},
		Money:    {"€ 1.234,56"},
		BSN:      {"123456782"},
		IBAN:     {"NL91ABNA0417164300"},
		Postcode: {"1234ab"},
		Phone:    {"+31 (0)6 12345678", "0031612345678", "06-12345678"},
		Email:    {"Jan@Example.NL", "a@İ.nl"},
		Choice:   {"partner", "x"},
		DocRef:   {"3F2504E0-4F89-41D3-9A0C-0305E82C3301"},
		Number:   {"007"},
	}
	for i, typ := range Types() {
		for _, s := range seeds[typ] {
			f.Add(uint8(i), s)
		}
	}
	fields := allTypeFields()
	f.Fuzz(func(t *testing.T, which uint8, s string) {
		fld := fields[int(which)%len(fields)]
		got, err := fld.Normalize(s)
		if err != nil {
			codeIn(t, err)
			return
		}
		if got == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%s: Normalize(%q) gave empty", fld.Type, s)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("%s: Normalize(%q) = %q: invalid UTF-8", fld.Type, s, got)
		}
		// The canonical form is stable: what EditValue shows normalizes
		// back to it, and for every type but money the canonical form is
		// its own input.
		if again, err := fld.Normalize(fld.EditValue(got)); err != nil || again != got {
			t.Fatalf("%s: Normalize(EditValue(%q)) = %q, %v", fld.Type, got, again, err)
		}
		if fld.Type != Money {
			if again, err := fld.Normalize(got); err != nil || again != got {
				t.Fatalf("%s: Normalize(Normalize(%q)) = %q, %v; want %q", fld.Type, s, again, err, got)
			}
		}
		if err := fld.CheckCanonical(got); err != nil {
			t.Fatalf("%s: CheckCanonical(%q) = %v", fld.Type, got, err)
		}
		switch fld.Type {
		case Text:
			if strings.ContainsAny(got, "\n\r\t") || utf8.RuneCountInString(got) > MaxTextRunes {
				t.Fatalf("text %q accepted", got)
			}
		case LongText:
			if strings.ContainsRune(got, '\r') || utf8.RuneCountInString(got) > MaxLongTextRunes {
				t.Fatalf("long text %q accepted", got)
			}
		case Phone:
			if !phoneRE.MatchString(got) {
				t.Fatalf("phone %q accepted from %q", got, s)
			}
		case DocRef:
			if !uuidRE.MatchString(got) {
				t.Fatalf("document %q accepted from %q", got, s)
			}
		case Number:
			n, err := strconv.ParseInt(got, 10, 64)
			if err != nil || n < 0 || n > MaxNumber || strconv.FormatInt(n, 10) != got {
				t.Fatalf("number %q accepted from %q", got, s)
			}
		case Email:
			if strings.Count(got, "@") != 1 || strings.ContainsFunc(got, unicode.IsSpace) {
				t.Fatalf("e-mail %q accepted from %q", got, s)
			}
		case Money:
			if _, ok := fld.JSONValue(got).(int64); !ok {
				t.Fatalf("money %q has no int64 JSON value", got)
			}
		}
		_ = fld.Display(got)
		if back, err := fld.FromJSONValue(fld.JSONValue(got)); err != nil || back != got {
			t.Fatalf("%s: FromJSONValue(JSONValue(%q)) = %q, %v", fld.Type, got, back, err)
		}
	})
}

// FuzzValidate feeds Category.Validate a record written as lines of
// "field=value" (a value may hold "\n" written as "\\n").
func FuzzValidate(f *testing.F) {
	f.Add("personal", "surname=Jansen\ngiven_names=Jan\nbsn=123456782\nbirth_date=1-5-1980")
	f.Add("income", "source=Werkgever BV\namount=€ 1.234,56\nperiod=month\nkind=salary\niban=NL91 ABNA 0417 1643 00")
	f.Add("housing", "street=Dorpsstraat\nhouse_number=12\npostcode=1234ab\ntown=Zwolle\nrent=650,-")
	f.Add("debts", "creditor=Belastingdienst\namount=1.234\nnote=eerste\\ntweede")
	f.Add("network", "name=Oom Ahmed\nphone=+212 612-345678\nemail=ahmed@example.ma")
	f.Add("goals", "title=Schulden op orde\ntarget_date=2026")
	f.Add("care", "")
	f.Add("household", "colour=blue")
	f.Add("nope", "x=y")
	f.Fuzz(func(t *testing.T, category, record string) {
		in := map[string]string{}
		for _, line := range strings.Split(record, "\n") {
			k, v, _ := strings.Cut(line, "=")
			in[k] = strings.ReplaceAll(v, `\n`, "\n")
		}
		out, err := ValidateRecord(category, in)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Category != category {
				t.Fatalf("error names category %q, want %q", fe.Category, category)
			}
			if _, ok := messages[fe.Code]; !ok {
				t.Fatalf("unknown code %q", fe.Code)
			}
			_ = fe.Error()
			return
		}
		c, ok := Lookup(category)
		if !ok {
			t.Fatalf("unknown category %q accepted", category)
		}
		if len(out) == 0 {
			t.Fatal("empty record accepted")
		}
		edit := map[string]string{}
		for k, v := range out {
			fld, ok := c.Field(k)
			if !ok || v == "" {
				t.Fatalf("output has field %q = %q", k, v)
			}
			edit[k] = fld.EditValue(v)
		}
		if err := c.CheckCanonical(out); err != nil {
			t.Fatalf("CheckCanonical(Validate(x)) = %v", err)
		}
		again, err := c.Validate(edit)
		if err != nil {
			t.Fatalf("Validate(EditValue(Validate(x))) = %v", err)
		}
		if len(again) != len(out) {
			t.Fatalf("not idempotent: %v -> %v", out, again)
		}
		for k, v := range out {
			if again[k] != v {
				t.Fatalf("not idempotent for %s: %q -> %q", k, v, again[k])
			}
		}
		title := c.TitleOf(out)
		if strings.ContainsAny(title, "\n\r") || utf8.RuneCountInString(title) > maxTitleRunes {
			t.Fatalf("bad title %q", title)
		}
	})
}
