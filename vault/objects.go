package vault

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"strings"

	"kluis/internal/errcode"
	"kluis/internal/sign"

	"filippo.io/age"
)

// Objects are the things other packages keep in the vault besides records
// and documents: shares made, receipts, organisation cards, delegations.
// The vault stores them sealed like everything else, as opaque bytes
// (usually JSON) under a kind and an id, and never interprets them.
//
//	objects/  kind ‖ 0x00 ‖ id → sealed value
var bucketObjects = []byte("objects")

// ErrBadObjectKey means a kind or id is empty or contains a NUL byte.
var ErrBadObjectKey = errcode.New("vault.bad_object_key", "object kind and id must be non-empty and free of NUL bytes")

func objectKey(kind, id string) ([]byte, error) {
	if kind == "" || id == "" || strings.ContainsRune(kind, 0) || strings.ContainsRune(id, 0) {
		return nil, ErrBadObjectKey
	}
	return []byte(kind + "\x00" + id), nil
}

// PutObject stores value under kind and id, replacing what was there, and
// appends e to the activity log in the same transaction (when e.Action is
// set): the change and its log entry happen together or not at all.
func (v *Vault) PutObject(kind, id string, value []byte, e Event) error {
	key, err := objectKey(kind, id)
	if err != nil {
		return err
	}
	return v.update(func(t *txn) error {
		if err := t.putSealed(bucketObjects, key, value); err != nil {
			return err
		}
		if e.Action == "" {
			return nil
		}
		return t.log(e)
	})
}

// Object returns the value stored under kind and id, or ErrNotFound.
func (v *Vault) Object(kind, id string) ([]byte, error) {
	key, err := objectKey(kind, id)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = v.view(func(t *txn) error {
		out, err = t.getSealed(bucketObjects, key)
		return err
	})
	return out, err
}

// Objects returns every object of a kind, by id.
func (v *Vault) Objects(kind string) (map[string][]byte, error) {
	prefix, err := objectKey(kind, "x")
	if err != nil {
		return nil, err
	}
	prefix = prefix[:len(prefix)-1]
	out := map[string][]byte{}
	err = v.view(func(t *txn) error {
		c := t.tx.Bucket(bucketObjects).Cursor()
		for k, val := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
			plain, err := t.openSealed(bucketObjects, k, val)
			if err != nil {
				return err
			}
			out[string(k[len(prefix):])] = plain
		}
		return nil
	})
	return out, err
}

// LogEvent appends an event to the activity log on its own, for actions
// that store nothing in the vault (a share file written, a receipt shown).
func (v *Vault) LogEvent(e Event) error {
	if e.Action == "" {
		return errors.New("an event needs an action")
	}
	return v.update(func(t *txn) error { return t.log(e) })
}

// PublicKeys are the owner's public keys, safe to give to anyone.
type PublicKeys struct {
	// X25519 is the age recipient ("age1…") that bundles and sync packs
	// for this vault are encrypted to.
	X25519 string
	// Ed25519 verifies what this vault signs.
	Ed25519 ed25519.PublicKey
}

// PublicKeys returns the owner's public keys.
func (v *Vault) PublicKeys() (PublicKeys, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.id == nil {
		return PublicKeys{}, ErrLocked
	}
	return PublicKeys{
		X25519:  v.id.x25519.Recipient().String(),
		Ed25519: v.id.signing.Public().(ed25519.PublicKey),
	}, nil
}

// Sign signs message with the owner's Ed25519 key, domain-separated: the
// signature is over domain ‖ 0x00 ‖ message, so a signature made for one
// purpose (say "kluis-bundle-manifest/v1") can never be passed off as one
// for another (package internal/sign holds the scheme; verify with
// sign.Verify). The private key never leaves this package.
func (v *Vault) Sign(domain string, message []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.id == nil {
		return nil, ErrLocked
	}
	return sign.With(v.id.signing, domain, message), nil
}

// Decrypt opens an age file addressed to this vault's X25519 key (a sync
// pack or a bundle sent to the owner). The returned reader authenticates
// chunk by chunk: consume it to the end before trusting any of it.
func (v *Vault) Decrypt(src io.Reader) (io.Reader, error) {
	v.mu.RLock()
	id := v.id
	v.mu.RUnlock()
	if id == nil {
		return nil, ErrLocked
	}
	return age.Decrypt(src, id.x25519)
}
