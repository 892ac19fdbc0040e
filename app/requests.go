package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// requestsPage is being built.
type requestsPage struct{ u *UI }

func newRequestsPage(u *UI) page { return &requestsPage{u: u} }

func (p *requestsPage) content() fyne.CanvasObject { return widget.NewLabel("requests") }
