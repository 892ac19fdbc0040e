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
func RememberCard(v *vault.Vault, file []byte) (*bundle.Card, error) {
	c, err := bundle.ParseCard(file)
	if err != nil {
		return nil, err
	}
	return c, v.PutObject(ObjectCard, c.Fingerprint(), file, vault.Event{})
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
