package bundle

import (
	"crypto/rand"
	"encoding/base32"
	"strings"

	"filippo.io/age"
)

// A share code is the passphrase of a bundle for an organisation without
// a card: 120 random bits written as 24 base32 characters (RFC 4648
// alphabet A–Z, 2–7) in six groups of four, such as
// "QX4M-7TZA-KD2P-W6NB-R3HF-YJ5C". The citizen passes it on by another
// channel than the bundle (phone, letter). The grouped, upper-case form is
// the exact age scrypt passphrase, so `age -d` opens the bundle when the
// code is typed as shown.
type ShareCode string

const shareCodeChars = 24

// NewShareCode returns a fresh random share code.
func NewShareCode() ShareCode {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("bundle: no randomness: " + err.Error())
	}
	return groupCode(base32.StdEncoding.EncodeToString(b[:]))
}

// ParseShareCode reads a share code as a person may type it: any case,
// with or without hyphens and spaces; the digits 0, 1 and 8 are read as the
// letters O, I and B they are easily mistaken for.
func ParseShareCode(s string) (ShareCode, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r':
			continue
		case r == '0':
			r = 'O'
		case r == '1':
			r = 'I'
		case r == '8':
			r = 'B'
		}
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return "", refuse(CodeBadShareCode, "a share code has only the letters A–Z and the digits 2–7")
		}
		b.WriteRune(r)
	}
	if b.Len() != shareCodeChars {
		return "", refuse(CodeBadShareCode, "a share code has %d characters, not %d", shareCodeChars, b.Len())
	}
	return groupCode(b.String()), nil
}

func groupCode(s string) ShareCode {
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:i+4])
	}
	return ShareCode(strings.Join(parts, "-"))
}

// String returns the code in its grouped form.
func (c ShareCode) String() string { return string(c) }

// recipient is the age scrypt recipient for this code.
func (c ShareCode) recipient() (*age.ScryptRecipient, error) {
	r, err := age.NewScryptRecipient(string(c))
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(scryptLogN)
	return r, nil
}

// identity is the age scrypt identity for this code. A share code carries
// 120 random bits, so a low work factor in the file weakens nothing worth
// a floor; the cap (2^22) stops a file that would take minutes.
func (c ShareCode) identity() (*age.ScryptIdentity, error) {
	id, err := age.NewScryptIdentity(string(c))
	if err != nil {
		return nil, err
	}
	id.SetMaxWorkFactor(maxScryptLogN)
	return id, nil
}
