// Package sign is Kluis's one Ed25519 signature scheme, used by the vault
// (the citizen's key), the organisation's key and every signed format.
//
// A signature is over domain ‖ 0x00 ‖ message: each kind of signed thing
// has a domain of its own ("kluis-bundle-manifest/v1", "kluis-org-card/v1",
// …), so a signature made for one kind can never be passed off as another.
// docs/FORMAT.md §1 specifies the preimage; the domains are defined by the
// packages that define each format.
//
// The package holds no keys and does no I/O. It must never import another
// Kluis package: the vault and the format packages both stand on it.
package sign

import "crypto/ed25519"

// A Signer signs messages with an Ed25519 key under this scheme. The
// citizen's unlocked vault and the organisation's identity are Signers; the
// private key never leaves them.
type Signer interface {
	Sign(domain string, message []byte) ([]byte, error)
}

// Preimage returns the bytes a signature covers: domain ‖ 0x00 ‖ message.
func Preimage(domain string, message []byte) []byte {
	b := make([]byte, 0, len(domain)+1+len(message))
	b = append(b, domain...)
	b = append(b, 0)
	return append(b, message...)
}

// With signs message under domain with key.
func With(key ed25519.PrivateKey, domain string, message []byte) []byte {
	return ed25519.Sign(key, Preimage(domain, message))
}

// Verify reports whether sig is pub's signature of message under domain.
// A key of the wrong length is false, never a panic.
func Verify(pub ed25519.PublicKey, domain string, message, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, Preimage(domain, message), sig)
}
