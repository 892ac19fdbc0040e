package vault

import "kluis/internal/boltfile"

// Every value in the store is sealed with XChaCha20-Poly1305 under the data
// key (package internal/boltfile, shared with the municipality's intake
// store). The associated data binds the value to its bucket and key, so a
// value copied or moved to another place in the file fails to open.
//
//	sealed value = 0x01 ‖ nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)
//	associated data = "kluis/v1" ‖ 0x00 ‖ bucket ‖ 0x00 ‖ key
type sealer = boltfile.Sealer

// sealDomain is the vault's domain in the associated data.
const sealDomain = "kluis/v1"

const sealOverhead = boltfile.Overhead

func newSealer(dataKey []byte) (*sealer, error) {
	return boltfile.NewSealer(dataKey, sealDomain, maxValueSize)
}
