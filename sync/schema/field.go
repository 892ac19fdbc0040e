package schema

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Normalize checks input for this field and returns its canonical form.
// Input that is empty or only white space means "no value": it returns
// ("", nil), or a *ValueError with CodeRequired when the field is required.
// Every other error is a *ValueError as well.
func (f *Field) Normalize(input string) (string, error) {
	if strings.TrimSpace(input) == "" {
		if f.Required {
			return "", valueErr(CodeRequired)
		}
		return "", nil
	}
	switch f.Type {
	case Text:
		return normalizeText(input, MaxTextRunes, false)
	case LongText:
		return normalizeText(input, MaxLongTextRunes, true)
	case Date:
		return NormalizeDate(input)
	case Money:
		c, err := ParseMoney(input)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(c, 10), nil
	case BSN:
		return NormalizeBSN(input)
	case IBAN:
		return NormalizeIBAN(input)
	case Postcode:
		return NormalizePostcode(input)
	case Phone:
		return normalizePhone(input)
	case Email:
		return normalizeEmail(input)
	case Choice:
		return normalizeChoice(input, f.Choices)
	case DocRef:
		return normalizeDocRef(input)
	case Number:
		return normalizeNumber(input)
	}
	return "", valueErr(CodeUnknownType)
}

// EditValue turns a canonical value into text for an input box: what
// Normalize turns back into the same canonical value. Money becomes
// "1.234,56"; every other type is returned as is (so the BSN is not masked).
func (f *Field) EditValue(canonical string) string {
	if f.Type == Money && canonical != "" {
		if c, err := strconv.ParseInt(canonical, 10, 64); err == nil {
			return FormatMoney(c)
		}
	}
	return canonical
}

// CheckCanonical reports whether v is a canonical value of this field, as
// Normalize returns it: for values that are stored, synced or imported and
// must not be reinterpreted. An empty v is "no value", refused only when the
// field is required. A value that would normalize to something else gives
// CodeNotCanonical; a value that is not valid at all gives its own code.
func (f *Field) CheckCanonical(v string) error {
	if v == "" {
		if f.Required {
			return valueErr(CodeRequired)
		}
		return nil
	}
	in := v
	if f.Type == Money {
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return valueErr(CodeMoneyFormat)
		}
		if c > MaxCents || c < -MaxCents {
			return valueErr(CodeMoneyRange)
		}
		in = FormatMoney(c)
	}
	n, err := f.Normalize(in)
	if err != nil {
		return err
	}
	if n != v {
		return valueErr(CodeNotCanonical)
	}
	return nil
}

// Display returns a canonical value as a person should see it: money as
// "1.234,56", an IBAN in groups of four, a BSN (and any sensitive field)
// masked as "•••••6782"; dates, choice ids and the rest as stored. A value
// that is not canonical is shown as is (sensitive ones still masked).
func (f *Field) Display(canonical string) string {
	if canonical == "" {
		return ""
	}
	if f.Sensitive || f.Type == BSN {
		return mask(canonical)
	}
	switch f.Type {
	case Money:
		if c, err := strconv.ParseInt(canonical, 10, 64); err == nil {
			return FormatMoney(c)
		}
	case IBAN:
		if n, err := NormalizeIBAN(canonical); err == nil && n == canonical {
			return formatIBAN(canonical)
		}
	}
	return canonical
}

// mask replaces every rune but the last four with a bullet.
func mask(s string) string {
	n := utf8.RuneCountInString(s)
	keep := 4
	if n <= keep {
		return strings.Repeat("•", n)
	}
	rest := s
	for i := 0; i < n-keep; i++ {
		_, size := utf8.DecodeRuneInString(rest)
		rest = rest[size:]
	}
	return strings.Repeat("•", n-keep) + rest
}

// JSONValue returns a canonical value as it appears in record JSON: money as
// int64 cents, a number as int64, everything else as a string. A value that
// does not parse is returned as a string.
func (f *Field) JSONValue(canonical string) any {
	if f.Type == Money || f.Type == Number {
		if n, err := strconv.ParseInt(canonical, 10, 64); err == nil {
			return n
		}
	}
	return canonical
}

// FromJSONValue is the inverse of JSONValue for imported record JSON. Money
// and number fields take an integer (int, int64, json.Number, or a float64
// holding a whole number of at most 2^53); the other types take a string.
// An empty string means "no value" for every type. The result is checked
// with CheckCanonical; a value of the wrong JSON type gives CodeNotCanonical.
func (f *Field) FromJSONValue(v any) (string, error) {
	numeric := f.Type == Money || f.Type == Number
	var s string
	switch x := v.(type) {
	case string:
		if numeric && x != "" {
			return "", valueErr(CodeNotCanonical)
		}
		s = x
	case int:
		s = strconv.FormatInt(int64(x), 10)
	case int64:
		s = strconv.FormatInt(x, 10)
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return "", valueErr(CodeNotCanonical)
		}
		s = strconv.FormatInt(n, 10)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return "", valueErr(CodeNotCanonical)
		}
		s = strconv.FormatInt(int64(x), 10)
	default:
		return "", valueErr(CodeNotCanonical)
	}
	if _, isString := v.(string); !isString && !numeric {
		return "", valueErr(CodeNotCanonical)
	}
	if err := f.CheckCanonical(s); err != nil {
		return "", err
	}
	return s, nil
}
