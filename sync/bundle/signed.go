package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"

	"kluis/vault"
)

// A Signer signs messages with an Ed25519 key, domain-separated as
// vault.Sign does: the signature is over domain ‖ 0x00 ‖ message. Both
// *vault.Vault (the citizen) and *OrgIdentity (the organisation) are
// Signers.
type Signer interface {
	Sign(domain string, message []byte) ([]byte, error)
}

var _ Signer = (*vault.Vault)(nil)

// Signature domains. Each kind of signed thing has its own, so a signature
// made for one can never be passed off as another.
const (
	DomainManifest = "kluis-bundle-manifest/v1"
	DomainCard     = "kluis-org-card/v1"
	DomainNotice   = "kluis-revocation/v1"
	DomainReceipt  = "kluis-receipt/v1"
)

// maxSignedFile bounds a card, receipt or notice file.
const maxSignedFile = 64 << 10

// A signed statement (card, receipt, revocation notice) is a text file of
// exactly two lines:
//
//	body (compact JSON, no line break) "\n"
//	base64 (standard alphabet, padded) of the 64-byte Ed25519 signature "\n"
//
// The signature is over domain ‖ 0x00 ‖ body, the body's exact bytes.
func marshalSigned(body []byte, sig []byte) []byte {
	out := make([]byte, 0, len(body)+90)
	out = append(out, body...)
	out = append(out, '\n')
	out = base64.StdEncoding.AppendEncode(out, sig)
	return append(out, '\n')
}

func signStatement(s Signer, domain string, v any) ([]byte, error) {
	body, err := marshalCompact(v)
	if err != nil {
		return nil, err
	}
	sig, err := s.Sign(domain, body)
	if err != nil {
		return nil, err
	}
	return marshalSigned(body, sig), nil
}

// splitSigned parses the two-line layout without checking the signature.
func splitSigned(file []byte) (body, sig []byte, err error) {
	if len(file) > maxSignedFile {
		return nil, nil, errors.New("file is too large")
	}
	i := bytes.IndexByte(file, '\n')
	if i <= 0 {
		return nil, nil, errors.New("no signature line")
	}
	body, rest := file[:i], file[i+1:]
	if len(rest) == 0 || rest[len(rest)-1] != '\n' || bytes.IndexByte(rest, '\n') != len(rest)-1 {
		return nil, nil, errors.New("the signature line must be the last line and end with a line break")
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(string(rest[:len(rest)-1]))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, errors.New("the signature line is not a base64 Ed25519 signature")
	}
	if body[0] != '{' {
		return nil, nil, errors.New("the first line is not a JSON object")
	}
	return body, sig, nil
}

// marshalCompact writes v as compact JSON without HTML escaping and
// without a trailing line break.
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// unmarshalStrict decodes exactly one JSON value into v, refusing unknown
// fields and anything after the value.
func unmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return errors.New("data after the JSON value")
	}
	return nil
}

// parseEd25519 decodes a base64 Ed25519 public key.
func parseEd25519(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("not a base64 Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

func encodeKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// signedBytes is what an Ed25519 signature in Kluis covers.
func signedBytes(domain string, message []byte) []byte {
	b := make([]byte, 0, len(domain)+1+len(message))
	b = append(b, domain...)
	b = append(b, 0)
	return append(b, message...)
}

// ParseCardKey decodes an Ed25519 public key as cards, manifests and
// receipts write it (standard base64).
func ParseCardKey(s string) (ed25519.PublicKey, error) { return parseEd25519(s) }
