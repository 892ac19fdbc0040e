package schema

import (
	"fmt"
	"strings"
)

// NormalizeDate reads a full or partial date and returns its ISO form:
// "2024-05-01", "2024-05" or "2024". Input may be ISO (year first) or Dutch
// (year last): "2024-05-01", "2024-5-1", "2024-05", "2024", "1-5-2024",
// "01-05-2024", "5-2024", "1/5/2024", "1.5.2024". The year has four digits
// and lies between MinYear and MaxYear; a day or month that does not exist,
// such as 2023-02-29, is refused with CodeDateInvalid.
func NormalizeDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 0 || len(s) > 10 {
		return "", valueErr(CodeDateFormat)
	}
	var sep byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
		case (c == '-' || c == '/' || c == '.') && (sep == 0 || sep == c):
			sep = c
		default:
			return "", valueErr(CodeDateFormat)
		}
	}
	parts := []string{s}
	if sep != 0 {
		parts = strings.Split(s, string(sep))
	}
	if len(parts) > 3 {
		return "", valueErr(CodeDateFormat)
	}
	var year, month, day string
	switch {
	case len(parts[0]) == 4:
		year = parts[0]
		if len(parts) > 1 {
			month = parts[1]
		}
		if len(parts) > 2 {
			day = parts[2]
		}
	case len(parts) > 1 && len(parts[len(parts)-1]) == 4:
		year = parts[len(parts)-1]
		month = parts[len(parts)-2]
		if len(parts) == 3 {
			day = parts[0]
		}
	default:
		return "", valueErr(CodeDateFormat)
	}
	if (len(parts) > 1 && (len(month) < 1 || len(month) > 2)) ||
		(len(parts) > 2 && (len(day) < 1 || len(day) > 2)) {
		return "", valueErr(CodeDateFormat)
	}
	y := atoiDigits(year)
	if y < MinYear || y > MaxYear {
		return "", valueErr(CodeDateRange)
	}
	if len(parts) == 1 {
		return fmt.Sprintf("%04d", y), nil
	}
	m := atoiDigits(month)
	if m < 1 || m > 12 {
		return "", valueErr(CodeDateInvalid)
	}
	if len(parts) == 2 {
		return fmt.Sprintf("%04d-%02d", y, m), nil
	}
	d := atoiDigits(day)
	if d < 1 || d > daysIn(y, m) {
		return "", valueErr(CodeDateInvalid)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// atoiDigits converts a short string of ASCII digits.
func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
