package signed

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"

	"kluis/internal/sign"
)

// ErrNotCanonical means a body decodes but is not the compact form its
// value marshals to, so two different files could carry one statement.
var ErrNotCanonical = errors.New("not in canonical form")

// A BodyError means a body is not strict JSON of the expected type.
// OtherFormat is set when its "format" member is not the one expected
// either: not a broken document of this kind, but another kind altogether.
type BodyError struct {
	OtherFormat bool
	Err         error // the JSON decoder's error
}

func (e *BodyError) Error() string { return "body: " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }

// Read checks a signed document of one kind, in the order every reader of
// such documents uses: Split (its errors), a strict decode of the body
// into v (*BodyError), check — which validates v and returns the key that
// must have signed it; its own error is returned unchanged — then that the
// body is v's canonical form (ErrNotCanonical) and that the signature
// verifies under domain with that key (ErrSignatureMismatch).
func Read(file []byte, limit int, format, domain string, v any, check func() (ed25519.PublicKey, error)) error {
	body, sig, err := Split(file, limit)
	if err != nil {
		return err
	}
	if err := UnmarshalStrict(body, v); err != nil {
		var probe struct {
			Format string `json:"format"`
		}
		other := json.Unmarshal(body, &probe) != nil || probe.Format != format
		return &BodyError{OtherFormat: other, Err: err}
	}
	key, err := check()
	if err != nil {
		return err
	}
	if again, err := MarshalCompact(v); err != nil || !bytes.Equal(again, body) {
		return ErrNotCanonical
	}
	if key == nil || !sign.Verify(key, domain, body, sig) {
		return ErrSignatureMismatch
	}
	return nil
}
