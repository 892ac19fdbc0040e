package bundle

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"

	"kluis/internal/sign"
	"kluis/sync/signed"
)

// A Signer signs messages with an Ed25519 key under Kluis's one scheme
// (package internal/sign): the signature is over domain ‖ 0x00 ‖ message.
// The citizen's unlocked vault and *OrgIdentity (the organisation) are
// Signers.
type Signer = sign.Signer

var _ Signer = (*OrgIdentity)(nil)

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

// MaxSignedFile is the largest card, receipt, revocation notice or
// organisation identity file the parsers accept: a reader of such a file
// caps its input here, before parsing.
const MaxSignedFile = maxSignedFile

// Cards, receipts and revocation notices use the signed-file layout of
// package sync/signed.
var (
	signStatement   = signed.Sign
	marshalCompact  = signed.MarshalCompact
	unmarshalStrict = signed.UnmarshalStrict
)

// splitSigned parses the two-line layout without checking the signature.
func splitSigned(file []byte) (body, sig []byte, err error) {
	return signed.Split(file, maxSignedFile)
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

// EncodeKey writes an Ed25519 public key as cards and manifests do:
// standard base64.
func EncodeKey(k ed25519.PublicKey) string { return encodeKey(k) }

// ParseCardKey decodes an Ed25519 public key as cards, manifests and
// receipts write it (standard base64).
func ParseCardKey(s string) (ed25519.PublicKey, error) { return parseEd25519(s) }
