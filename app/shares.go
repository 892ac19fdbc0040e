package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// sharesPage is being built.
type sharesPage struct{ u *UI }

func newSharesPage(u *UI) page { return &sharesPage{u: u} }

func (p *sharesPage) content() fyne.CanvasObject { return widget.NewLabel("shares") }
