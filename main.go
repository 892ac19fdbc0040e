// Command kluis is the Kluis desktop app: a citizen's personal data vault.
//
// It only wires things together; the GUI is package kluis/app. It sits at
// the repository root so that `fyne package` finds FyneApp.toml next to it.
package main

import (
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"fyne.io/fyne/v2/app"

	kluisapp "kluis/app"
	"kluis/vault"
)

func main() {
	// A desktop app sits idle most of the time with its vault open: keep
	// the heap's slack at half the live data rather than all of it.
	debug.SetGCPercent(50)

	path, err := vault.DefaultVaultPath()
	if err != nil {
		log.Fatalf("kluis: %v", err)
	}

	a := app.NewWithID("nl.kluis.app")
	w := a.NewWindow("Kluis")
	deps := kluisapp.Deps{VaultPath: path}
	// Started with a link or a file (a click on a kluis: link, or opening a
	// request, invitation or receipt): shown once the vault is unlocked.
	if len(os.Args) > 1 {
		deps.Open = os.Args[1]
	}
	ui := kluisapp.New(a, w, deps)
	// Logging out or shutting down sends SIGTERM: lock and close the vault
	// like any other way out.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	ui.QuitOn(sig)
	w.ShowAndRun()
}
