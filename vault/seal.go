package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// Every value in the store is sealed with XChaCha20-Poly1305 under the data
// key. The associated data binds the value to its bucket and key, so a value
// copied or moved to another place in the file fails to open.
//
//	sealed value = sealVersion (1 byte) ‖ nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)
//	associated data = "kluis/v1" ‖ 0x00 ‖ bucket ‖ 0x00 ‖ key
const sealVersion = 1

const sealOverhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

var errUnseal = errors.New("value does not authenticate")

type sealer struct {
	aead cipher.AEAD
}

func newSealer(dataKey []byte) (*sealer, error) {
	aead, err := chacha20poly1305.NewX(dataKey)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func associatedData(bucket, key []byte) []byte {
	ad := make([]byte, 0, 10+len(bucket)+len(key))
	ad = append(ad, "kluis/v1\x00"...)
	ad = append(ad, bucket...)
	ad = append(ad, 0)
	return append(ad, key...)
}

// seal returns a new slice holding the sealed plaintext. bbolt keeps a
// reference to values until commit, so every sealed value is a fresh slice.
func (s *sealer) seal(bucket, key, plaintext []byte) []byte {
	return s.sealTo(nil, bucket, key, plaintext)
}

// sealTo is seal writing into dst's memory when it is large enough. Only
// reuse dst once bbolt no longer references it (after the commit).
func (s *sealer) sealTo(dst, bucket, key, plaintext []byte) []byte {
	out := dst[:0]
	if cap(out) < sealOverhead+len(plaintext) {
		out = make([]byte, 0, sealOverhead+len(plaintext))
	}
	out = out[:1+chacha20poly1305.NonceSizeX]
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic("vault: no randomness: " + err.Error())
	}
	return s.aead.Seal(out, out[1:], plaintext, associatedData(bucket, key))
}

// open authenticates and decrypts a sealed value, appending the plaintext to
// dst (which may be nil). The result never aliases the sealed input, so it
// stays valid after the transaction that read it.
func (s *sealer) open(dst, bucket, key, sealed []byte) ([]byte, error) {
	if len(sealed) < sealOverhead || len(sealed) > maxValueSize || sealed[0] != sealVersion {
		return nil, errUnseal
	}
	nonce := sealed[1 : 1+chacha20poly1305.NonceSizeX]
	out, err := s.aead.Open(dst, nonce, sealed[1+chacha20poly1305.NonceSizeX:], associatedData(bucket, key))
	if err != nil {
		return nil, errUnseal
	}
	return out, nil
}
