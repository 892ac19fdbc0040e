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

var checkLine = signed.CheckLine

var isUUIDv4 = signed.IsUUIDv4

var isCanonicalTime = signed.IsCanonicalTime

var printable = signed.Printable
