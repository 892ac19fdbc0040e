package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// documentsPage is being built.
type documentsPage struct{ u *UI }

func newDocumentsPage(u *UI) page { return &documentsPage{u: u} }

func (p *documentsPage) content() fyne.CanvasObject { return widget.NewLabel("documents") }

// onDropped receives files dropped on the window.
func (u *UI) onDropped(_ fyne.Position, _ []fyne.URI) {}
