package schema

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kluis/internal/safetext"
)

// normalizeText trims s and checks its characters and length. Single-line
// text refuses every control character, including tabs and line breaks;
// multi-line text turns "\r\n" and "\r" into "\n" and allows "\n" and "\t".
// Both refuse invalid UTF-8 and the hidden characters that reorder or hide
// text (package safetext: bidirectional controls, zero-width and other
// format characters, line and paragraph separators).
func normalizeText(s string, maxRunes int, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", valueErr(CodeTextControl)
	}
	if multiline && strings.ContainsRune(s, '\r') {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	s = strings.TrimSpace(s)
	find := safetext.Find
	if multiline {
		find = safetext.FindMultiline
	}
	if _, _, hidden := find(s); hidden {
		return "", valueErr(CodeTextControl)
	}
	if utf8.RuneCountInString(s) > maxRunes {
		return "", valueErr(CodeTextTooLong)
	}
	return s, nil
}

// normalizePhone accepts digits with an optional leading "+", written with
// spaces, dashes, dots, slashes or parentheses. A number starting with "+"
// or "00" is international and becomes "+<digits>"; the trunk notation
// "+31 (0)6…" and a stray 0 after +31 are dropped. Other numbers are kept as
// their digits ("0612345678"). The digits, without "+", number 8 to 15.
func normalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return "", valueErr(CodePhoneFormat)
	}
	international := false
	digits := make([]byte, 0, 16)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && !international && len(digits) == 0:
			international = true
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')' || unicode.IsSpace(r):
		default:
			return "", valueErr(CodePhoneFormat)
		}
	}
	if international {
		if i := strings.Index(s, "(0)"); i >= 0 {
			// "+31 (0)6 1234 5678": the 0 in brackets is dialled only
			// inside the country; remove it from the digits. It is the
			// first 0 after the country code's digits written before it.
			before := 0
			for j := 0; j < i; j++ {
				if isDigit(s[j]) {
					before++
				}
			}
			digits = append(digits[:before], digits[before+1:]...)
		}
	} else if len(digits) > 2 && digits[0] == '0' && digits[1] == '0' {
		international = true
		digits = digits[2:]
	}
	if international {
		if len(digits) > 2 && digits[0] == '3' && digits[1] == '1' && digits[2] == '0' {
			digits = append(digits[:2], digits[3:]...)
			// A Dutch number never starts with 0 after the country code:
			// a second 0 is a mistake, not one more stray trunk 0 (else
			// every edit would drop one more digit).
			if len(digits) > 2 && digits[2] == '0' {
				return "", valueErr(CodePhoneFormat)
			}
		}
		if len(digits) == 0 || digits[0] == '0' {
			return "", valueErr(CodePhoneFormat)
		}
	}
	if len(digits) < 8 || len(digits) > 15 {
		return "", valueErr(CodePhoneFormat)
	}
	if international {
		return "+" + string(digits), nil
	}
	return string(digits), nil
}

// normalizeEmail checks for one "@", a local part without spaces or special
// characters, and a domain of at least two dot-separated labels made of
// letters, digits, marks and hyphens. The domain is lower-cased; the local
// part is kept as typed.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 254 || !utf8.ValidString(s) || strings.Count(s, "@") != 1 {
		return "", valueErr(CodeEmailFormat)
	}
	at := strings.IndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local == "" || len(local) > 64 {
		return "", valueErr(CodeEmailFormat)
	}
	for _, r := range local {
		if unicode.IsSpace(r) || safetext.IsHidden(r) || strings.ContainsRune(`"(),:;<>[\]`, r) {
			return "", valueErr(CodeEmailFormat)
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", valueErr(CodeEmailFormat)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", valueErr(CodeEmailFormat)
		}
		for _, r := range l {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
				return "", valueErr(CodeEmailFormat)
			}
		}
	}
	if !strings.ContainsFunc(labels[len(labels)-1], unicode.IsLetter) {
		return "", valueErr(CodeEmailFormat)
	}
	return local + "@" + domain, nil
}

// normalizeDocRef accepts a UUID with or without hyphens, in any case, and
// returns it lower-case with hyphens. The nil UUID is refused.
func normalizeDocRef(s string) (string, error) {
	s = strings.TrimSpace(s)
	hex := make([]byte, 0, 32)
	switch len(s) {
	case 36:
		for i := 0; i < 36; i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return "", valueErr(CodeDocumentFormat)
				}
				continue
			}
			hex = append(hex, s[i])
		}
	case 32:
		hex = append(hex, s...)
	default:
		return "", valueErr(CodeDocumentFormat)
	}
	nonZero := false
	for i, c := range hex {
		switch {
		case isDigit(c), c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			hex[i] = c + ('a' - 'A')
		default:
			return "", valueErr(CodeDocumentFormat)
		}
		nonZero = nonZero || c != '0'
	}
	if !nonZero {
		return "", valueErr(CodeDocumentFormat)
	}
	h := string(hex)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// normalizeNumber accepts a non-negative whole number of ASCII digits up to
// MaxNumber and returns it without leading zeros.
func normalizeNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", valueErr(CodeNumberFormat)
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return "", valueErr(CodeNumberFormat)
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0", nil
	}
	if len(s) > len(strconv.FormatInt(MaxNumber, 10)) {
		return "", valueErr(CodeNumberFormat)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxNumber {
		return "", valueErr(CodeNumberFormat)
	}
	return s, nil
}

// normalizeChoice accepts exactly one of the choices, after trimming.
func normalizeChoice(s string, choices []string) (string, error) {
	s = strings.TrimSpace(s)
	for _, c := range choices {
		if s == c {
			return s, nil
		}
	}
	return "", valueErr(CodeChoiceUnknown)
}
