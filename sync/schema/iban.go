package schema

import (
	"strings"
	"unicode"
)

// ibanLengths holds the length of an IBAN per country: every SEPA country,
// the other countries in the IBAN registry, and Morocco, where many Dutch
// families have relatives.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
	"DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18,
	"FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MA": 28, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

// IBAN length limits for countries not in the table.
const (
	minIBANLength = 15
	maxIBANLength = 34
)

// NormalizeIBAN checks an international bank account number and returns it
// in upper case without spaces. The country code decides the length for
// countries in the table; an IBAN of another country must have 15 to 34
// characters. The check digits must be 02..98 and the ISO 7064 mod-97
// remainder of the rearranged number must be 1, computed digit by digit.
func NormalizeIBAN(s string) (string, error) {
	b := make([]byte, 0, maxIBANLength)
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
		default:
			return "", valueErr(CodeIBANFormat)
		}
		if len(b) > maxIBANLength {
			return "", valueErr(CodeIBANLength)
		}
		b = append(b, byte(r))
	}
	if len(b) < 2 || !isUpper(b[0]) || !isUpper(b[1]) {
		return "", valueErr(CodeIBANCountry)
	}
	if want, ok := ibanLengths[string(b[:2])]; ok {
		if len(b) != want {
			return "", valueErr(CodeIBANLength)
		}
	} else if len(b) < minIBANLength || len(b) > maxIBANLength {
		return "", valueErr(CodeIBANLength)
	}
	if !isDigit(b[2]) || !isDigit(b[3]) {
		return "", valueErr(CodeIBANChecksum)
	}
	if check := int(b[2]-'0')*10 + int(b[3]-'0'); check < 2 || check > 98 {
		return "", valueErr(CodeIBANChecksum)
	}
	if ibanMod97(b) != 1 {
		return "", valueErr(CodeIBANChecksum)
	}
	return string(b), nil
}

// ibanMod97 returns the remainder modulo 97 of the number formed by moving
// the first four characters to the end and writing each letter as two digits
// (A=10 … Z=35). b holds only upper-case letters and digits.
func ibanMod97(b []byte) int {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range b[4:] {
		add(c)
	}
	for _, c := range b[:4] {
		add(c)
	}
	return r
}

// formatIBAN writes a canonical IBAN in groups of four.
func formatIBAN(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(s[i:min(i+4, len(s))])
	}
	return sb.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
