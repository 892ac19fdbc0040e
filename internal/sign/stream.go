package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"hash"

	"filippo.io/edwards25519"
)

// A Verifier checks a signature of this scheme over a message that is
// written to it in parts, so a message too large to hold (a sync pack's
// statement) is verified as it streams past. Ed25519 hashes the
// signature's first half and the key before the message, so both must be
// known before the first byte: a reader that finds the signature after
// the message reads it first (docs/FORMAT.md §9.5).
//
// Verify gives exactly what Verify of the whole message gives: the same
// checks as crypto/ed25519 (a canonical S, the key a valid point, the
// cofactorless equation compared on R's encoding), on filippo.io/edwards25519,
// the package the standard library's own implementation was taken from.
type Verifier struct {
	h   hash.Hash
	a   *edwards25519.Point
	sig []byte
}

// NewVerifier starts checking sig as pub's signature under domain. It
// returns nil when pub or sig cannot be a key or a signature: Verify of
// any message would be false.
func NewVerifier(pub ed25519.PublicKey, domain string, sig []byte) *Verifier {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize || sig[63]&224 != 0 {
		return nil
	}
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(pub)
	h.Write([]byte(domain))
	h.Write([]byte{0})
	return &Verifier{h: h, a: a, sig: bytes.Clone(sig)}
}

// Write adds the next part of the message. It never fails.
func (v *Verifier) Write(p []byte) (int, error) { return v.h.Write(p) }

// Verify reports whether the signature is valid for the message written.
// A nil Verifier is never valid.
func (v *Verifier) Verify() bool {
	if v == nil {
		return false
	}
	k, err := edwards25519.NewScalar().SetUniformBytes(v.h.Sum(nil))
	if err != nil {
		return false
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(v.sig[32:])
	if err != nil {
		return false
	}
	minusA := new(edwards25519.Point).Negate(v.a)
	r := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(k, minusA, s)
	return bytes.Equal(v.sig[:32], r.Bytes())
}
