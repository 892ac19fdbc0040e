package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// binPage is being built.
type binPage struct{ u *UI }

func newBinPage(u *UI) page { return &binPage{u: u} }

func (p *binPage) content() fyne.CanvasObject { return widget.NewLabel("bin") }
