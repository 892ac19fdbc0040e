package schema

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseMoney reads an amount in euros and returns it in cents.
//
// Accepted: an optional minus sign, an optional "€" or "EUR" before or after
// the number, digits with an optional decimal part of one or two digits, and
// thousands separators. Examples: "1234,56", "1234.56", "1.234,56",
// "€ 1.234,56", "-12,5", "12", "1 234,56", "12,-" (whole euros).
//
// Which separator is the decimal one: the last "," or "." is the decimal
// separator when one or two digits follow it. When exactly three digits
// follow it, every separator is a thousands separator, so "1.234" and
// "1,234" both mean 1234 euro. Thousands separators (".", "," or a space)
// must all be the same, differ from the decimal separator, and split the
// whole euros into groups of three after a first group of one to three
// digits that does not start with 0. So "1,234.56" is 1234,56 euro, while
// "1.234.56", "0.123" and "12,3456" are refused.
//
// Amounts beyond ±MaxCents are refused with CodeMoneyRange; anything else
// that does not fit these rules with CodeMoneyFormat.
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	currency := false
	// Sign and currency may come in either order before the number.
	for i := 0; i < 2; i++ {
		switch {
		case !neg && (strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−")):
			neg = true
			_, size := firstRune(s)
			s = strings.TrimSpace(s[size:])
		case !currency && strings.HasPrefix(s, "€"):
			currency = true
			s = strings.TrimSpace(s[len("€"):])
		case !currency && len(s) >= 3 && strings.EqualFold(s[:3], "EUR"):
			currency = true
			s = strings.TrimSpace(s[3:])
		}
	}
	if !currency {
		switch {
		case strings.HasSuffix(s, "€"):
			s = strings.TrimSpace(s[:len(s)-len("€")])
		case len(s) >= 3 && strings.EqualFold(s[len(s)-3:], "EUR"):
			s = strings.TrimSpace(s[:len(s)-3])
		}
	}
	// "12,-" and "12,--" mean whole euros.
	wholeSep := byte(0)
	for _, suffix := range []string{",--", ".--", ",-", ".-"} {
		if strings.HasSuffix(s, suffix) {
			wholeSep = suffix[0]
			s = s[:len(s)-len(suffix)]
			break
		}
	}

	// Split into digit groups and the separators between them.
	var groups []string
	var seps []byte
	start := 0
	for i := 0; i <= len(s); {
		if i < len(s) && isDigit(s[i]) {
			i++
			continue
		}
		if i == len(s) {
			groups = append(groups, s[start:i])
			break
		}
		var sep byte
		size := 1
		switch r, n := firstRune(s[i:]); {
		case r == '.' || r == ',':
			sep = byte(r)
		case unicode.IsSpace(r):
			sep, size = ' ', n
		default:
			return 0, valueErr(CodeMoneyFormat)
		}
		groups = append(groups, s[start:i])
		seps = append(seps, sep)
		i += size
		start = i
	}
	for i, g := range groups {
		// Only the whole-euro part may be empty, and only before a
		// decimal separator (".5").
		if g == "" && (i > 0 || len(groups) == 1) {
			return 0, valueErr(CodeMoneyFormat)
		}
	}

	intGroups, thousands := groups, seps
	decimals := ""
	if n := len(groups) - 1; n > 0 {
		last := groups[n]
		switch {
		case (seps[n-1] == '.' || seps[n-1] == ',') && (len(last) == 1 || len(last) == 2):
			if wholeSep != 0 {
				return 0, valueErr(CodeMoneyFormat)
			}
			decimals = last
			intGroups, thousands = groups[:n], seps[:n-1]
			for _, t := range thousands {
				if t == seps[n-1] {
					return 0, valueErr(CodeMoneyFormat)
				}
			}
		case len(last) == 3:
			// all separators are thousands separators
		default:
			return 0, valueErr(CodeMoneyFormat)
		}
	}
	if len(thousands) > 0 {
		for _, t := range thousands {
			if t != thousands[0] || t == wholeSep {
				return 0, valueErr(CodeMoneyFormat)
			}
		}
		first := intGroups[0]
		if len(first) == 0 || len(first) > 3 || first[0] == '0' {
			return 0, valueErr(CodeMoneyFormat)
		}
		for _, g := range intGroups[1:] {
			if len(g) != 3 {
				return 0, valueErr(CodeMoneyFormat)
			}
		}
	}

	euros := strings.TrimLeft(strings.Join(intGroups, ""), "0")
	if len(euros) > 13 {
		return 0, valueErr(CodeMoneyRange)
	}
	var cents int64
	for i := 0; i < len(euros); i++ {
		cents = cents*10 + int64(euros[i]-'0')
	}
	cents *= 100
	switch len(decimals) {
	case 1:
		cents += int64(decimals[0]-'0') * 10
	case 2:
		cents += int64(decimals[0]-'0')*10 + int64(decimals[1]-'0')
	}
	if cents > MaxCents {
		return 0, valueErr(CodeMoneyRange)
	}
	if neg {
		cents = -cents
	}
	return cents, nil
}

// FormatMoney writes cents as a Dutch amount without a currency sign:
// "1.234,56", "-0,05", "0,00". It accepts every int64.
func FormatMoney(cents int64) string {
	u := uint64(cents)
	if cents < 0 {
		u = uint64(-(cents + 1)) + 1
	}
	euros := strconv.FormatUint(u/100, 10)
	var sb strings.Builder
	if cents < 0 {
		sb.WriteByte('-')
	}
	for i := 0; i < len(euros); i++ {
		if i > 0 && (len(euros)-i)%3 == 0 {
			sb.WriteByte('.')
		}
		sb.WriteByte(euros[i])
	}
	sb.WriteByte(',')
	c := u % 100
	sb.WriteByte(byte('0' + c/10))
	sb.WriteByte(byte('0' + c%10))
	return sb.String()
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
