package signed

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/skip2/go-qrcode"
)

// MaxLink is the longest kluis: link a QR code (version 40, level L, byte
// mode) holds.
const MaxLink = 2953

// ErrBadLink means a kluis: link or armored text does not decode.
var ErrBadLink = errors.New("the link or armored text does not decode")

// A Carrier says how one kind of signed file travels as text: as a
// kluis: link (the prefix, then base64url of the file without padding), as
// armored text (a begin line, base64 of the file in lines of 64
// characters, an end line) or as a QR code of the link.
type Carrier struct {
	LinkPrefix           string // e.g. "kluis:request/v1/"
	ArmorBegin, ArmorEnd string // e.g. "-----BEGIN KLUIS DATA REQUEST-----"
	MaxFile              int    // the largest file of this kind
}

// Link returns the kluis: link of file.
func (c Carrier) Link(file []byte) string {
	return c.LinkPrefix + base64.RawURLEncoding.EncodeToString(file)
}

// Armor returns file as text that survives e-mail and chat.
func (c Carrier) Armor(file []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(file)
	var b bytes.Buffer
	b.WriteString(c.ArmorBegin + "\n")
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n" + c.ArmorEnd + "\n")
	return b.Bytes()
}

// QR returns a PNG QR code (size pixels square) of file's link, or
// ErrTooLarge when the link does not fit in one.
func (c Carrier) QR(file []byte, size int) ([]byte, error) {
	link := c.Link(file)
	if len(link) > MaxLink {
		return nil, ErrTooLarge
	}
	q, err := qrcode.New(link, qrcode.Low)
	if err != nil {
		return nil, errors.Join(ErrTooLarge, err)
	}
	return q.PNG(size)
}

// Decode returns the file in input, which is the file itself, armored
// text, or a kluis: link (surrounding space is ignored for the last two).
// It refuses input over four times MaxFile (ErrTooLarge), and links and
// armor that do not decode (ErrBadLink).
func (c Carrier) Decode(input []byte) ([]byte, error) {
	if len(input) > 4*c.MaxFile {
		return nil, ErrTooLarge
	}
	trimmed := strings.TrimSpace(string(input))
	switch {
	case strings.HasPrefix(trimmed, "kluis:"):
		rest, ok := strings.CutPrefix(trimmed, c.LinkPrefix)
		if !ok {
			return nil, errors.Join(ErrBadLink, errors.New("the link does not start with "+c.LinkPrefix))
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
		if err != nil {
			return nil, errors.Join(ErrBadLink, err)
		}
		return b, nil
	case strings.HasPrefix(trimmed, c.ArmorBegin):
		body, ok := strings.CutSuffix(strings.TrimPrefix(trimmed, c.ArmorBegin), c.ArmorEnd)
		if !ok {
			return nil, errors.Join(ErrBadLink, errors.New("armored text without its end line"))
		}
		b, err := base64.StdEncoding.Strict().DecodeString(strings.Join(strings.Fields(body), ""))
		if err != nil {
			return nil, errors.Join(ErrBadLink, err)
		}
		return b, nil
	}
	return input, nil
}
