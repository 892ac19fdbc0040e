package index

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// joinSigned writes the signed statement layout Kluis uses for cards,
// receipts and requests: the body (compact JSON, one line) and base64 of
// the Ed25519 signature, each ending in "\n".
func joinSigned(body, sig []byte) []byte {
	out := make([]byte, 0, len(body)+90)
	out = append(out, body...)
	out = append(out, '\n')
	out = base64.StdEncoding.AppendEncode(out, sig)
	return append(out, '\n')
}

func splitSigned(file []byte) (body, sig []byte, err error) {
	if len(file) > MaxDefinition {
		return nil, nil, refuse(CodeTooLarge, "over %d bytes", MaxDefinition)
	}
	i := bytes.IndexByte(file, '\n')
	if i <= 0 || file[0] != '{' {
		return nil, nil, refuse(CodeNotDefinition, "the first line is not a JSON object")
	}
	body, rest := file[:i], file[i+1:]
	if len(rest) == 0 {
		return nil, nil, refuse(CodeUnsigned, "no signature line")
	}
	if rest[len(rest)-1] != '\n' || bytes.IndexByte(rest, '\n') != len(rest)-1 {
		return nil, nil, refuse(CodeUnsigned, "the signature line must be the last line and end with a line break")
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(string(rest[:len(rest)-1]))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, refuse(CodeUnsigned, "the signature line is not a base64 Ed25519 signature")
	}
	return body, sig, nil
}

func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func unmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err == nil {
		return errors.New("data after the JSON value")
	}
	return nil
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
