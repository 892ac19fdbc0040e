package post

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"time"

	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/signed"
)

// PickupWindow is how far a pickup's time may be from the desk's clock.
// A desk remembers the nonces of this window twice over, so a pickup is
// used once.
const PickupWindow = 5 * time.Minute

// MaxPickup bounds a pickup file.
const MaxPickup = 2 << 10

// A Pickup is a citizen's signed request for what waits for them at one
// organisation's desk: the messages to them and the access statements of
// their bundles. It is signed with Ed25519, the citizen's key.
type Pickup struct {
	Format  string    `json:"format"`
	Ed25519 string    `json:"ed25519"` // the citizen's key
	Org     string    `json:"org"`     // the full fingerprint of the desk's card
	Created time.Time `json:"created"` // UTC, whole seconds
	Nonce   string    `json:"nonce"`   // 32 hex digits, random
}

// NewPickup returns a pickup for the organisation with card fingerprint
// org, signed by s, whose public key is pub.
func NewPickup(s sign.Signer, pub ed25519.PublicKey, org string, now time.Time) ([]byte, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	p := &Pickup{Format: PickupFormat, Ed25519: bundle.EncodeKey(pub), Org: org,
		Created: now.UTC().Truncate(time.Second), Nonce: hex.EncodeToString(nonce)}
	if err := p.check(); err != nil {
		return nil, err
	}
	return signed.Sign(s, DomainPickup, p)
}

func (p *Pickup) check() error {
	if p.Format != PickupFormat {
		return refuse(CodeBadPickup, "format")
	}
	if _, err := bundle.ParseCardKey(p.Ed25519); err != nil {
		return refuseErr(CodeBadPickup, err, "ed25519")
	}
	if len(p.Org) != 64 || !isHex(p.Org) || len(p.Nonce) != 32 || !isHex(p.Nonce) {
		return refuse(CodeBadPickup, "org and nonce must be hex")
	}
	if !signed.IsCanonicalTime(p.Created) {
		return refuse(CodeBadPickup, "created")
	}
	return nil
}

// VerifyPickup checks a pickup for the organisation with card
// fingerprint org at time now: layout, signature, that it names this
// organisation and that its time is within PickupWindow. Whether its nonce
// was seen before is the desk's to check. Every refusal is CodeBadPickup,
// so a desk can answer them all alike.
func VerifyPickup(file []byte, org string, now time.Time) (*Pickup, error) {
	var p Pickup
	err := signed.Read(file, MaxPickup, PickupFormat, DomainPickup, &p, func() (ed25519.PublicKey, error) {
		if err := p.check(); err != nil {
			return nil, err
		}
		pub, _ := bundle.ParseCardKey(p.Ed25519)
		return pub, nil
	})
	if err != nil {
		return nil, refuseErr(CodeBadPickup, err, "")
	}
	if p.Org != org {
		return nil, refuse(CodeBadPickup, "for another organisation")
	}
	if d := now.Sub(p.Created); d > PickupWindow || d < -PickupWindow {
		return nil, refuse(CodeBadPickup, "created %s from now", d.Round(time.Second))
	}
	return &p, nil
}

// A PickupReply is the desk's answer to a pickup: every message waiting
// for the citizen (encrypted message files, oldest first) and one access
// statement per bundle of theirs it holds or held.
type PickupReply struct {
	Messages [][]byte `json:"messages"`
	Access   []string `json:"access"` // signed access statements
}

// MaxPickupReply bounds a pickup's answer.
const MaxPickupReply = 64 << 20

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
