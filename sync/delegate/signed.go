package delegate

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"

	"kluis/vault"
)

// A Signer signs with an Ed25519 key, domain-separated as vault.Sign does.
type Signer interface {
	Sign(domain string, message []byte) ([]byte, error)
}

var _ Signer = (*vault.Vault)(nil)

// Signature domains, one per kind of signed thing.
const (
	DomainContact     = "kluis-contact/v1"
	DomainCertificate = "kluis-delegation/v1"
	DomainRevocation  = "kluis-delegation-revocation/v1"
	DomainEmergency   = "kluis-emergency/v1"
	DomainPack        = "kluis-pack/v1"
)

// A signed statement is two lines: the body as compact JSON, then the
// standard base64 of the Ed25519 signature over domain ‖ 0x00 ‖ body.
func signStatement(s Signer, domain string, v any) ([]byte, error) {
	body, err := marshalCompact(v)
	if err != nil {
		return nil, err
	}
	sig, err := s.Sign(domain, body)
	if err != nil {
		return nil, err
	}
	out := append(body, '\n')
	out = base64.StdEncoding.AppendEncode(out, sig)
	return append(out, '\n'), nil
}

// splitSigned parses the two-line layout without checking the signature.
func splitSigned(file []byte, limit int) (body, sig []byte, err error) {
	if len(file) > limit {
		return nil, nil, errors.New("too large")
	}
	i := bytes.IndexByte(file, '\n')
	if i <= 0 || file[0] != '{' {
		return nil, nil, errors.New("no JSON body line")
	}
	body, rest := file[:i], file[i+1:]
	if len(rest) == 0 || bytes.IndexByte(rest, '\n') != len(rest)-1 {
		return nil, nil, errors.New("the signature line must be the last line and end with a line break")
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(string(rest[:len(rest)-1]))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, errors.New("the signature line is not a base64 Ed25519 signature")
	}
	return body, sig, nil
}

// openSigned parses a signed statement into v (strict JSON) and checks the
// signature with the key that key returns for the parsed value.
func openSigned(file []byte, limit int, domain string, v any, key func() ed25519.PublicKey) error {
	body, sig, err := splitSigned(file, limit)
	if err != nil {
		return err
	}
	if err := unmarshalStrict(body, v); err != nil {
		return err
	}
	k := key()
	if k == nil || !vault.VerifySignature(k, domain, body, sig) {
		return errBadSignature
	}
	return nil
}

var errBadSignature = errors.New("the signature does not verify")

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

func parseEd25519(s string) ed25519.PublicKey {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil
	}
	return ed25519.PublicKey(b)
}

func encodeKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }
