package share

import (
	"slices"
	"strings"

	"kluis/sync/bundle"
	"kluis/vault"
)

// ObjectCard is the vault object kind of an organisation card the citizen
// loaded: its id is the card's full fingerprint, its value the signed card
// file as it came.
const ObjectCard = "card"

// A KnownCard is an organisation card kept in the vault.
type KnownCard struct {
	Card *bundle.Card
	File []byte // the signed card file
}

// RememberCard checks a card file and keeps it in the vault, so that the
// next share can pick it from a list. Keeping the same card again changes
// nothing. It is not logged: loading a card shares nothing.
//
// A card that could pass for a kept card — another key with a name that
// looks the same or the same OIN (bundle.Card.PassesFor) — is refused
// with a *CardClashError: keeping it would make an impostor's requests
// look known. KeepCardAnyway keeps it all the same, for when the citizen
// checked with the organisation that its key changed.
func RememberCard(v *vault.Vault, file []byte) (*bundle.Card, error) {
	return keepCard(v, file, false)
}

// KeepCardAnyway is RememberCard without the clash check.
func KeepCardAnyway(v *vault.Vault, file []byte) (*bundle.Card, error) {
	return keepCard(v, file, true)
}

func keepCard(v *vault.Vault, file []byte, anyway bool) (*bundle.Card, error) {
	c, err := bundle.ParseCard(file)
	if err != nil {
		return nil, err
	}
	if !anyway {
		if k, err := Clash(v, c); err != nil {
			return nil, err
		} else if k != nil {
			return nil, &CardClashError{Card: c, Kept: k}
		}
	}
	return c, v.PutObject(ObjectCard, c.Fingerprint(), file, vault.Event{})
}

// Clash returns the kept card c could pass for (bundle.Card.PassesFor),
// or nil.
func Clash(v *vault.Vault, c *bundle.Card) (*bundle.Card, error) {
	kept, err := Cards(v)
	if err != nil {
		return nil, err
	}
	for _, k := range kept {
		if c.PassesFor(k.Card) {
			return k.Card, nil
		}
	}
	return nil, nil
}

// Kept reports whether card c itself is kept.
func Kept(v *vault.Vault, c *bundle.Card) (bool, error) {
	kept, err := Cards(v)
	if err != nil {
		return false, err
	}
	for _, k := range kept {
		if k.Card.Fingerprint() == c.Fingerprint() {
			return true, nil
		}
	}
	return false, nil
}

// A CardClashError refuses to keep a card that could pass for a kept one.
type CardClashError struct {
	Card, Kept *bundle.Card
}

func (e *CardClashError) Error() string {
	return "the card could pass for a kept card with another key: same-looking name or same OIN"
}

// ErrorCode is "share.card_clash".
func (e *CardClashError) ErrorCode() string { return "share.card_clash" }

// ErrorArgs names both cards with their fingerprints.
func (e *CardClashError) ErrorArgs() map[string]any {
	return map[string]any{"Org": e.Card.Org, "Fingerprint": bundle.ShortFingerprint(e.Card.Fingerprint()),
		"KeptOrg": e.Kept.Org, "KeptFingerprint": bundle.ShortFingerprint(e.Kept.Fingerprint())}
}

// Cards returns the cards kept in the vault, by organisation name. A kept
// card that no longer parses is left out.
func Cards(v *vault.Vault) ([]KnownCard, error) {
	objs, err := v.Objects(ObjectCard)
	if err != nil {
		return nil, err
	}
	var out []KnownCard
	for _, b := range objs {
		if c, err := bundle.ParseCard(b); err == nil {
			out = append(out, KnownCard{Card: c, File: b})
		}
	}
	slices.SortFunc(out, func(a, b KnownCard) int {
		if c := strings.Compare(a.Card.Org, b.Card.Org); c != 0 {
			return c
		}
		return strings.Compare(a.Card.Fingerprint(), b.Card.Fingerprint())
	})
	return out, nil
}
