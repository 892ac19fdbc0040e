package delegation

import (
	"time"

	"kluis/sync/bundle"
	"kluis/sync/delegate"
	"kluis/vault"
)

// NewContact makes and signs the contact code of an unlocked vault.
func NewContact(v *vault.Vault, name string, now time.Time) (string, error) {
	keys, err := v.PublicKeys()
	if err != nil {
		return "", err
	}
	return delegate.NewContact(v, keys.X25519, keys.Ed25519, name, now)
}

// VaultID is the fingerprint of an unlocked vault's own keys: its id in
// contact codes, certificates and packs.
func VaultID(v *vault.Vault) (string, error) {
	k, err := v.PublicKeys()
	if err != nil {
		return "", err
	}
	return bundle.Fingerprint(k.X25519, k.Ed25519), nil
}
