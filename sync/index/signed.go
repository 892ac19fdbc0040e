package index

import (
	"errors"

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
	if err != nil {
		return nil, nil, readRefusal(err)
	}
	return body, sig, nil
}

// readRefusal turns an error of signed.Split or signed.Read into this
// package's refusal; a refusal of its own passes unchanged.
func readRefusal(err error) error {
	var own *Error
	var body *signed.BodyError
	switch {
	case errors.As(err, &own):
		return err
	case errors.Is(err, signed.ErrTooLarge):
		return refuse(CodeTooLarge, "over %d bytes", MaxDefinition)
	case errors.Is(err, signed.ErrNotJSON):
		return refuse(CodeNotDefinition, "the first line is not a JSON object")
	case errors.As(err, &body) && body.OtherFormat:
		return refuseErr(CodeNotDefinition, body.Err, "body")
	case errors.As(err, &body):
		return refuseErr(CodeBadDefinition, body.Err, "body")
	case errors.Is(err, signed.ErrNotCanonical):
		return refuse(CodeBadDefinition, "not in canonical form")
	case errors.Is(err, signed.ErrSignatureMismatch):
		return refuse(CodeBadSignature, "the signature does not verify with the key of the card it carries")
	default:
		return refuse(CodeUnsigned, "%v", err)
	}
}

var checkLine = signed.CheckLine

var isUUIDv4 = signed.IsUUIDv4

var isCanonicalTime = signed.IsCanonicalTime

var printable = signed.Printable
