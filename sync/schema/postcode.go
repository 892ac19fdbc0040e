package schema

import "unicode"

// NormalizePostcode checks a Dutch postcode and returns it as "1234 AB".
// Input may use lower case and any spaces ("1234ab", "1234  AB"). The first
// digit is never 0, and the letter pairs SA, SD and SS are not used.
func NormalizePostcode(s string) (string, error) {
	b := make([]byte, 0, 6)
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
		default:
			return "", valueErr(CodePostcodeFormat)
		}
		if len(b) == 6 {
			return "", valueErr(CodePostcodeFormat)
		}
		b = append(b, byte(r))
	}
	if len(b) != 6 || b[0] < '1' || b[0] > '9' ||
		!isDigit(b[1]) || !isDigit(b[2]) || !isDigit(b[3]) ||
		!isUpper(b[4]) || !isUpper(b[5]) {
		return "", valueErr(CodePostcodeFormat)
	}
	if b[4] == 'S' && (b[5] == 'A' || b[5] == 'D' || b[5] == 'S') {
		return "", valueErr(CodePostcodeFormat)
	}
	return string(b[:4]) + " " + string(b[4:]), nil
}
