package signed

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"kluis/internal/safetext"
)

// Checks shared by the signed files' members.

// CheckLine checks one line of text from outside: valid UTF-8, between min
// and max characters, no leading or trailing space, and no hidden
// characters (package safetext: control, bidirectional and other format
// characters, which can make text read other than it is).
func CheckLine(s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return errors.New("not UTF-8")
	case n < min:
		return errors.New("too short")
	case n > max:
		return errors.New("too long")
	case strings.TrimSpace(s) != s:
		return errors.New("leading or trailing space")
	}
	if _, _, hidden := safetext.Find(s); hidden {
		return errors.New("control or formatting character")
	}
	return nil
}

// IsUUIDv4 reports whether s is a random UUID in its canonical lower-case
// form.
func IsUUIDv4(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && len(s) == 36 && u.String() == s && u.Version() == 4 && u.Variant() == uuid.RFC4122
}

// IsCanonicalTime reports whether t is a UTC time in whole seconds
// between the years 2000 and 9999, as signed files write times.
func IsCanonicalTime(t time.Time) bool {
	return !t.IsZero() && t.Location() == time.UTC && t.Nanosecond() == 0 && t.Year() >= 2000 && t.Year() <= 9999
}

// Printable shortens text from outside and replaces control characters,
// for an error detail.
func Printable(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s), "?")
}
