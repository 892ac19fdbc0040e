package index

import (
	"errors"

	"kluis/sync/signed"
)

// LinkPrefix starts a kluis: link that carries a whole index definition.
//
//	kluis:index/v1/<base64url without padding of the definition file>
const LinkPrefix = "kluis:index/v1/"

// MaxLink is the longest link a QR code (version 40, level L, byte mode)
// holds.
const MaxLink = signed.MaxLink

// carrier is how a definition file travels as text (package sync/signed).
var carrier = signed.Carrier{LinkPrefix: LinkPrefix, ArmorBegin: "-----BEGIN KLUIS INDEX DEFINITION-----",
	ArmorEnd: "-----END KLUIS INDEX DEFINITION-----", MaxFile: MaxDefinition}

// Link returns the kluis: link of a definition file.
func Link(file []byte) string { return carrier.Link(file) }

// Armor returns a definition file as text that survives e-mail and chat: a
// begin line, base64 of the file in lines of 64 characters, an end line.
func Armor(file []byte) []byte { return carrier.Armor(file) }

// QR returns a PNG QR code (size pixels square) of the definition's link, or a
// CodeTooLarge refusal when the link does not fit in one.
func QR(file []byte, size int) ([]byte, error) {
	png, err := carrier.QR(file, size)
	if err != nil {
		return nil, refuseErr(CodeTooLarge, err, "the link does not fit in a QR code")
	}
	return png, nil
}

// Decode returns the definition file in input: the file itself, armored text,
// or a kluis: link (surrounding space is ignored for the last two).
func Decode(input []byte) ([]byte, error) {
	b, err := carrier.Decode(input)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, signed.ErrTooLarge):
		return nil, refuse(CodeTooLarge, "over %d bytes", 4*MaxDefinition)
	default:
		return nil, refuseErr(CodeBadLink, err, "not a index link or armored text")
	}
}
