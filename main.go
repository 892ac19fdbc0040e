// Command kluis is the Kluis desktop app: a citizen's personal data vault.
//
// It only wires things together; the GUI is package kluis/app. It sits at
// the repository root so that `fyne package` finds FyneApp.toml next to it.
package main

import (
	"log"

	"fyne.io/fyne/v2/app"

	kluisapp "kluis/app"
	"kluis/vault"
)

func main() {
	path, err := vault.DefaultVaultPath()
	if err != nil {
		log.Fatalf("kluis: %v", err)
	}

	a := app.NewWithID("nl.kluis.app")
	w := a.NewWindow("Kluis")
	kluisapp.New(a, w, kluisapp.Deps{VaultPath: path})
	w.ShowAndRun()
}
