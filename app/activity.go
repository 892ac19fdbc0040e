package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// activityPage is being built.
type activityPage struct{ u *UI }

func newActivityPage(u *UI) page { return &activityPage{u: u} }

func (p *activityPage) content() fyne.CanvasObject { return widget.NewLabel("activity") }
