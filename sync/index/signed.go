package index

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"kluis/sync/signed"
)

// Definitions use the signed-file layout of package sync/signed.
var (
	joinSigned      = signed.Join
	marshalCompact  = signed.MarshalCompact
	unmarshalStrict = signed.UnmarshalStrict
)

// splitSigned parses the two-line layout without checking the signature,
// with the refusal codes of this package.
func splitSigned(file []byte) (body, sig []byte, err error) {
	body, sig, err = signed.Split(file, MaxDefinition)
	switch {
	case err == nil:
		return body, sig, nil
	case errors.Is(err, signed.ErrTooLarge):
		return nil, nil, refuse(CodeTooLarge, "over %d bytes", MaxDefinition)
	case errors.Is(err, signed.ErrNotJSON):
		return nil, nil, refuse(CodeNotDefinition, "the first line is not a JSON object")
	default:
		return nil, nil, refuse(CodeUnsigned, "%v", err)
	}
}

// checkLine checks a one-line text from outside: valid UTF-8, no control
// or bidirectional formatting characters, trimmed, within length bounds.
func checkLine(s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return errors.New("not UTF-8")
	case n < min:
		return errors.New("too short")
	case n > max:
		return fmt.Errorf("over %d characters", max)
	case strings.TrimSpace(s) != s:
		return errors.New("leading or trailing space")
	}
	for _, r := range s {
		if unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0xFEFF || r == 0x2028 || r == 0x2029 {
			return errors.New("control or formatting character")
		}
	}
	return nil
}

func isUUIDv4(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && len(s) == 36 && u.String() == s && u.Version() == 4 && u.Variant() == uuid.RFC4122
}

func isCanonicalTime(t time.Time) bool {
	return !t.IsZero() && t.Location() == time.UTC && t.Nanosecond() == 0 && t.Year() >= 2000 && t.Year() <= 9999
}

func printable(s string) string {
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
