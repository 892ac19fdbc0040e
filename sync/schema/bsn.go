package schema

import "unicode"

// NormalizeBSN checks a burgerservicenummer and returns it as 9 digits.
// Spaces and dots are removed first; an 8-digit number (an old BSN or
// sofinummer written without its leading zero) gets a 0 in front. The number
// must pass the elfproef: with weights 9, 8, 7, 6, 5, 4, 3, 2 and -1 the
// weighted sum of the digits is a multiple of 11 and greater than 0. The
// check proves the form of the number only, not that a person has it.
func NormalizeBSN(s string) (string, error) {
	digits := make([]byte, 0, 9)
	for _, r := range s {
		switch {
		case r == '.' || unicode.IsSpace(r):
			continue
		case r >= '0' && r <= '9' && len(digits) < 10:
			digits = append(digits, byte(r))
		default:
			return "", valueErr(CodeBSNLength)
		}
	}
	if len(digits) == 8 {
		digits = append([]byte{'0'}, digits...)
	}
	if len(digits) != 9 {
		return "", valueErr(CodeBSNLength)
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += (9 - i) * int(digits[i]-'0')
	}
	sum -= int(digits[8] - '0')
	if sum <= 0 || sum%11 != 0 {
		return "", valueErr(CodeBSNChecksum)
	}
	return string(digits), nil
}
