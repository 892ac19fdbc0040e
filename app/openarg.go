package app

import (
	"io"
	"os"
	"strings"

	"fyne.io/fyne/v2/lang"
)

// maxOpenArg bounds what is read from a file the app was started with.
const maxOpenArg = 1 << 20

// openPending shows what the app was started with (Deps.Open), once, after
// the vault is unlocked: a data request or a wijkonderzoek invitation opens
// on its own screen, a receipt is kept with its share. Anything else gets a
// plain message.
func (u *UI) openPending() {
	arg := strings.TrimSpace(u.deps.Open)
	if arg == "" || u.session == nil || u.session.home != nil {
		return
	}
	u.deps.Open = ""
	if strings.HasSuffix(arg, ".kluis-receipt") {
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
