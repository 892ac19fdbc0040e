package app

import (
	"io"
	"os"
	"strings"

	"fyne.io/fyne/v2/lang"
)

// maxOpenArg bounds what is read from a file the app was started with.
const maxOpenArg = 1 << 20

// openPending shows what is waiting in Deps.Open, once: what the app was
// started with, or what a later start handed over (instance.go). It waits
// until the person's own vault is unlocked and its main window shown (not
// the recovery key of a new vault, not someone else's vault being helped
// in); showMain calls it again then.
func (u *UI) openPending() {
	arg := strings.TrimSpace(u.deps.Open)
	if arg == "" || u.vault() == nil || u.shell == nil || u.session.home != nil {
		return
	}
	u.deps.Open = ""
	u.openArg(arg)
}

// openArg shows arg: a data request or a wijkonderzoek invitation opens on
// its own screen, a receipt (a file or a kluis:receipt link) is kept with
// its share. Anything else gets a plain message.
func (u *UI) openArg(arg string) {
	if strings.HasSuffix(arg, ".kluis-receipt") || strings.HasPrefix(arg, "kluis:receipt/") {
		u.shell.select_("shares")
		if p, ok := u.shell.current.(*sharesPage); ok {
			p.importReceipt(arg)
		}
		return
	}
	var input []byte
	if strings.HasPrefix(arg, "kluis:") {
		input = []byte(arg)
	} else {
		f, err := os.Open(arg)
		if err != nil {
			u.showError(err)
			return
		}
		input, err = io.ReadAll(io.LimitReader(f, maxOpenArg))
		f.Close()
		if err != nil {
			u.showError(err)
			return
		}
	}
	if strings.HasPrefix(arg, "kluis:bundle/") || strings.HasSuffix(arg, ".kluis") {
		u.showErrorText(lang.L("app.open.bundle"))
		return
	}
	u.shell.select_("requests")
	u.openRequest(input)
}
