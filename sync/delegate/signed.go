package delegate

import (
	"crypto/ed25519"
	"encoding/base64"

	"kluis/sync/signed"
	"kluis/vault"
)

// A Signer signs with an Ed25519 key, domain-separated as vault.Sign does.
type Signer = signed.Signer

var _ Signer = (*vault.Vault)(nil)

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
	splitSigned     = signed.Split
	openSigned      = signed.Open
	marshalCompact  = signed.MarshalCompact
	unmarshalStrict = signed.UnmarshalStrict
)

func parseEd25519(s string) ed25519.PublicKey {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil
	}
	return ed25519.PublicKey(b)
}

func encodeKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }
