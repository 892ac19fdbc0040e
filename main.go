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
	"kluis/internal/instance"
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

	// Started with a link or a file (a click on a kluis: link, or opening a
	// request, invitation or receipt): shown once the vault is unlocked.
	var open string
	if len(os.Args) > 1 {
		open = kluisapp.OpenArg(os.Args[1])
	}
	// One Kluis per vault: when it is already running, hand it what we
	// were started with (or only "show yourself") and end. When that
	// fails, carry on alone: the vault itself says whether it is in use.
	var inst *instance.Listener
	if sock, err := instance.SocketPath(path); err != nil {
		log.Printf("kluis: %v", err)
	} else {
		l, handed, err := instance.Claim(sock, open)
		switch {
		case handed:
			return
		case err != nil:
			log.Printf("kluis: no hand-over to a running Kluis: %v", err)
		default:
			inst = l
		}
	}

	a := app.NewWithID("nl.kluis.app")
	w := a.NewWindow("Kluis")
	ui := kluisapp.New(a, w, kluisapp.Deps{VaultPath: path, Open: open, WorkArea: workArea()})
	if inst != nil {
		ui.Serve(inst)
		defer inst.Close()
	}
	// Logging out or shutting down sends SIGTERM: lock and close the vault
	// like any other way out.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	ui.QuitOn(sig)
	w.ShowAndRun()
}
