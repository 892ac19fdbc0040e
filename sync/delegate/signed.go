package delegate

import (
	"crypto/ed25519"
	"encoding/base64"

	"kluis/sync/signed"
)

// A Signer signs with an Ed25519 key under Kluis's one scheme (package
// internal/sign); the citizen's unlocked vault is one.
type Signer = signed.Signer

// Signature domains, one per kind of signed thing.
const (
	DomainContact     = "kluis-contact/v1"
	DomainCertificate = "kluis-delegation/v1"
	DomainRevocation  = "kluis-delegation-revocation/v1"
	DomainEmergency   = "kluis-emergency/v1"
	DomainPack        = "kluis-pack/v1"
)

// Statements use the signed-file layout of package sync/signed.
var (
	signStatement   = signed.Sign
	openSigned      = signed.Open
	marshalCompact  = signed.MarshalCompact
	unmarshalStrict = signed.UnmarshalStrict
)

// ParseKey decodes a base64 Ed25519 public key as contact codes and
// certificates write it; nil when it is not one.
func ParseKey(s string) ed25519.PublicKey {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil
	}
	return ed25519.PublicKey(b)
}

func encodeKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }
