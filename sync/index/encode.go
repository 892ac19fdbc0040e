package index

import (
	"bytes"
	"encoding/base64"
	"strings"

	"github.com/skip2/go-qrcode"
)

// LinkPrefix starts a kluis: link that carries a whole index definition.
//
//	kluis:index/v1/<base64url without padding of the definition file>
const LinkPrefix = "kluis:index/v1/"

// MaxLink is the longest link a QR code (version 40, level L, byte mode)
// holds.
const MaxLink = 2953

const (
	armorBegin = "-----BEGIN KLUIS INDEX DEFINITION-----"
	armorEnd   = "-----END KLUIS INDEX DEFINITION-----"
)

// Link returns the kluis: link of a definition file.
func Link(file []byte) string { return LinkPrefix + base64.RawURLEncoding.EncodeToString(file) }

// Armor returns a definition file as text that survives e-mail and chat:
// a begin line, base64 of the file in lines of 64 characters, an end line.
func Armor(file []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(file)
	var b bytes.Buffer
	b.WriteString(armorBegin + "\n")
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return b.Bytes()
}

// QR returns a PNG QR code (size pixels square) of the definition's link,
// or a CodeTooLarge refusal when the link does not fit in one.
func QR(file []byte, size int) ([]byte, error) {
	link := Link(file)
	if len(link) > MaxLink {
		return nil, refuse(CodeTooLarge, "the link has %d characters, a QR code holds %d", len(link), MaxLink)
	}
	q, err := qrcode.New(link, qrcode.Low)
	if err != nil {
		return nil, refuseErr(CodeTooLarge, err, "QR code")
	}
	return q.PNG(size)
}

// Decode returns the definition file in input: the file itself, armored
// text, or a kluis:index link (surrounding space is ignored for the last
// two).
func Decode(input []byte) ([]byte, error) {
	if len(input) > 4*MaxDefinition {
		return nil, refuse(CodeTooLarge, "over %d bytes", 4*MaxDefinition)
	}
	trimmed := strings.TrimSpace(string(input))
	switch {
	case strings.HasPrefix(trimmed, "kluis:"):
		rest, ok := strings.CutPrefix(trimmed, LinkPrefix)
		if !ok {
			return nil, refuse(CodeBadLink, "an index link starts with %s", LinkPrefix)
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
		if err != nil {
			return nil, refuseErr(CodeBadLink, err, "not base64url")
		}
		return b, nil
	case strings.HasPrefix(trimmed, armorBegin):
		body := strings.TrimPrefix(trimmed, armorBegin)
		body, ok := strings.CutSuffix(body, armorEnd)
		if !ok {
			return nil, refuse(CodeBadLink, "armored text without its end line")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(strings.Join(strings.Fields(body), ""))
		if err != nil {
			return nil, refuseErr(CodeBadLink, err, "armored text is not base64")
		}
		return b, nil
	}
	return input, nil
}
