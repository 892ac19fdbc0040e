package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// settingsPage is being built.
type settingsPage struct{ u *UI }

func newSettingsPage(u *UI) page { return &settingsPage{u: u} }

func (p *settingsPage) content() fyne.CanvasObject { return widget.NewLabel("settings") }
