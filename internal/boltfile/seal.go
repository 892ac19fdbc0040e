package boltfile

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// A sealed value is
//
//	version (1 byte, 1) ‖ nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)
//
// sealed with XChaCha20-Poly1305 under the store's data key, with the
// associated data
//
//	domain ‖ 0x00 ‖ bucket ‖ 0x00 ‖ key
//
// so a value copied or moved to another place, or into another kind of
// store, fails to open.
const sealVersion = 1

// Overhead is what sealing adds to a value.
const Overhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// KeySize is the length of a data key.
const KeySize = chacha20poly1305.KeySize

// MaxValue is the vault's bound on every value it keeps: it refuses to
// write a larger one, a Sealer made with this limit treats a larger one as
// damage, and Check (with the vault's layout) refuses a file that holds
// one, so no length read from the file can make Kluis allocate more. A
// store with larger values (the intake store keeps a whole bundle's
// records in one) sets its own limit the same way.
const MaxValue = 16 << 20

// ErrUnseal means a sealed value does not authenticate (or is not one).
var ErrUnseal = errors.New("value does not authenticate")

// A Sealer seals and opens the values of one store.
type Sealer struct {
	aead   cipher.AEAD
	domain string
	limit  int
}

// NewSealer returns a Sealer for the data key (KeySize bytes), the store's
// domain, such as "kluis/v1", and the store's limit on a sealed value:
// Open treats a longer one as damage.
func NewSealer(key []byte, domain string, limit int) (*Sealer, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, domain: domain, limit: limit}, nil
}

func (s *Sealer) associatedData(bucket, key []byte) []byte {
	ad := make([]byte, 0, len(s.domain)+2+len(bucket)+len(key))
	ad = append(ad, s.domain...)
	ad = append(ad, 0)
	ad = append(ad, bucket...)
	ad = append(ad, 0)
	return append(ad, key...)
}

// Seal returns a new slice holding the sealed plaintext. bbolt keeps a
// reference to values until commit, so every sealed value is a fresh slice.
func (s *Sealer) Seal(bucket, key, plaintext []byte) []byte {
	return s.SealTo(nil, bucket, key, plaintext)
}

// SealTo is Seal writing into dst's memory when it is large enough. Only
// reuse dst once bbolt no longer references it (after the commit).
func (s *Sealer) SealTo(dst, bucket, key, plaintext []byte) []byte {
	out := dst[:0]
	if cap(out) < Overhead+len(plaintext) {
		out = make([]byte, 0, Overhead+len(plaintext))
	}
	out = out[:1+chacha20poly1305.NonceSizeX]
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic("boltfile: no randomness: " + err.Error())
	}
	return s.aead.Seal(out, out[1:], plaintext, s.associatedData(bucket, key))
}

// Prefix is how far into a sealed value its ciphertext starts: the
// version byte and the nonce.
const Prefix = 1 + chacha20poly1305.NonceSizeX

// SealInPlace seals the n bytes of plaintext at buf[Prefix:Prefix+n] where
// they are and returns the sealed value, buf[:n+Overhead]; buf must have
// room for it. It allocates no buffer, so a stream of values (the chunks
// of a document file) can be sealed with one.
func (s *Sealer) SealInPlace(buf []byte, n int, bucket, key []byte) []byte {
	if len(buf) < n+Overhead {
		panic("boltfile: SealInPlace buffer too small")
	}
	buf[0] = sealVersion
	if _, err := rand.Read(buf[1:Prefix]); err != nil {
		panic("boltfile: no randomness: " + err.Error())
	}
	// The ciphertext takes the plaintext's place exactly, as cipher.AEAD
	// allows.
	return s.aead.Seal(buf[:Prefix], buf[1:Prefix], buf[Prefix:Prefix+n], s.associatedData(bucket, key))
}

// Open authenticates and decrypts a sealed value, appending the plaintext
// to dst (which may be nil). The result never aliases the sealed input, so
// it stays valid after the transaction that read it.
func (s *Sealer) Open(dst, bucket, key, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead || len(sealed) > s.limit || sealed[0] != sealVersion {
		return nil, ErrUnseal
	}
	nonce := sealed[1 : 1+chacha20poly1305.NonceSizeX]
	out, err := s.aead.Open(dst, nonce, sealed[1+chacha20poly1305.NonceSizeX:], s.associatedData(bucket, key))
	if err != nil {
		return nil, ErrUnseal
	}
	return out, nil
}
