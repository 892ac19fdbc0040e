// Package demo fills a vault with a realistic example household, so a
// newcomer can try Kluis with data that looks real without typing any.
// Everything in it is made up: names, numbers and documents.
package demo

import (
	"context"

	"kluis/vault"
)

// Passphrase opens the example vault; the app shows it on the unlock
// screen. The example vault holds no real data, so this is not a secret.
const Passphrase = "voorbeeld kluis 2026"

// Person is the owner's name in the example vault's activity log.
const Person = "Fatima (voorbeeld)"

// Fill adds the example household to v.
func Fill(ctx context.Context, v *vault.Vault) error {
	_, err := v.AddMany([]vault.NewRecord{
		{Category: "personal", Fields: map[string]string{"given_names": "Fatima", "surname": "El Amrani", "birth_date": "1984-03-12"}},
	})
	return err
}
