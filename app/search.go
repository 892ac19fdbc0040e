package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// searchPage is being built.
type searchPage struct{ u *UI }

func newSearchPage(u *UI) page { return &searchPage{u: u} }

func (p *searchPage) content() fyne.CanvasObject { return widget.NewLabel("search") }
