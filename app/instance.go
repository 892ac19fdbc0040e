package app

import (
	"path/filepath"
	"strings"

	"kluis/internal/instance"
)

// One Kluis per vault: a second start (a click on a kluis: link while Kluis
// is open) hands what it was started with to the running app through
// internal/instance and ends. This file is the running app's side. It
// needs no Fyne of its own: widgets are reached through onUI (bridge.go).

// OpenArg is what the app was started with, made fit to hand to a running
// Kluis: a kluis: link as it is, a file by its absolute path (the running
// app has a working directory of its own). An empty argument stays empty.
func OpenArg(arg string) string {
	arg = strings.TrimSpace(arg)
	if arg == "" || strings.HasPrefix(arg, "kluis:") || filepath.IsAbs(arg) {
		return arg
	}
	if abs, err := filepath.Abs(arg); err == nil {
		return abs
	}
	return arg
}

// Serve takes what later starts hand over through l, until the app stops;
// then l is closed (before the vault, so nothing arrives while it closes).
// Call it once, before the window runs.
func (u *UI) Serve(l *instance.Listener) {
	u.instance = l
	go l.Serve(u.Receive)
}

// Receive is what a later start handed over: arg, or "" for only "show
// yourself". It brings the window to the front and shows arg as the app
// shows Deps.Open: now when the vault is unlocked, else after the next
// unlock. Call it from any goroutine.
func (u *UI) Receive(arg string) { onUI(func() { u.received(arg) }) }

// received is Receive on the UI goroutine. A newer argument replaces one
// that was still waiting: the last click is what the person wants to see.
func (u *UI) received(arg string) {
	u.window.Show()
	u.window.RequestFocus()
	if arg = strings.TrimSpace(arg); arg == "" {
		return
	}
	u.deps.Open = arg
	u.openPending()
	if u.deps.Open != "" && u.unlock != nil {
		u.unlock.showPending()
	}
}

// stopServing closes the hand-over endpoint, if there is one.
func (u *UI) stopServing() {
	if u.instance != nil {
		u.instance.Close()
	}
}
