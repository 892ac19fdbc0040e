// Package signed is the one layout of Kluis's small signed files:
// organisation cards, receipts, revocation notices, data requests, contact
// codes, delegation certificates and the statements inside sync packs.
//
// A signed file is exactly two lines:
//
//	body (compact JSON, one line, no HTML escaping) "\n"
//	base64 (standard alphabet, padded) of the 64-byte Ed25519 signature "\n"
//
// The signature is over domain ‖ 0x00 ‖ body, the body's exact bytes, with
// a domain of its own per kind of file (the scheme of package internal/sign),
// so a signature made for one kind can never be passed off as another.
// docs/FORMAT.md specifies the layout; the packages that define each kind
// of file (sync/bundle, sync/request, sync/delegate, …) use this one.
package signed

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"

	"kluis/internal/sign"
)

// A Signer signs messages with an Ed25519 key under Kluis's one scheme
// (package internal/sign); the citizen's unlocked vault is one.
type Signer = sign.Signer

// Errors of Split; the packages above map them to their own refusal codes.
var (
	ErrTooLarge          = errors.New("file is too large")
	ErrNotJSON           = errors.New("the first line is not a JSON object")
	ErrNoSignature       = errors.New("no signature line")
	ErrSignatureLine     = errors.New("the signature line must be the last line and end with a line break")
	ErrNotSignature      = errors.New("the signature line is not a base64 Ed25519 signature")
	ErrSignatureMismatch = errors.New("the signature does not verify")
)

// Join puts a body and its signature in the two-line layout.
func Join(body, sig []byte) []byte {
	out := make([]byte, 0, len(body)+90)
	out = append(out, body...)
	out = append(out, '\n')
	out = base64.StdEncoding.AppendEncode(out, sig)
	return append(out, '\n')
}

// Sign marshals v as compact JSON, signs it under domain and returns the
// signed file.
func Sign(s Signer, domain string, v any) ([]byte, error) {
	body, err := MarshalCompact(v)
	if err != nil {
		return nil, err
	}
	sig, err := s.Sign(domain, body)
	if err != nil {
		return nil, err
	}
	return Join(body, sig), nil
}

// Split parses the two-line layout without checking the signature. A file
// longer than limit is refused before anything else.
func Split(file []byte, limit int) (body, sig []byte, err error) {
	if len(file) > limit {
		return nil, nil, ErrTooLarge
	}
	i := bytes.IndexByte(file, '\n')
	if i <= 0 || file[0] != '{' {
		return nil, nil, ErrNotJSON
	}
	body, rest := file[:i], file[i+1:]
	if len(rest) == 0 {
		return nil, nil, ErrNoSignature
	}
	if rest[len(rest)-1] != '\n' || bytes.IndexByte(rest, '\n') != len(rest)-1 {
		return nil, nil, ErrSignatureLine
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(string(rest[:len(rest)-1]))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, ErrNotSignature
	}
	return body, sig, nil
}

// Open splits a signed file, decodes its body strictly into v, and checks
// the signature under domain with the key that key returns for the decoded
// value (nil: no acceptable key, ErrSignatureMismatch).
func Open(file []byte, limit int, domain string, v any, key func() ed25519.PublicKey) error {
	body, sig, err := Split(file, limit)
	if err != nil {
		return err
	}
	if err := UnmarshalStrict(body, v); err != nil {
		return err
	}
	k := key()
	if k == nil || !sign.Verify(k, domain, body, sig) {
		return ErrSignatureMismatch
	}
	return nil
}

// MarshalCompact writes v as compact JSON without HTML escaping and without
// a trailing line break: the body's exact bytes.
func MarshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalStrict decodes exactly one JSON value into v, refusing unknown
// fields and anything after the value.
func UnmarshalStrict(b []byte, v any) error {
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
