package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// inform shows a short text in a dialog, wide enough to read, with an OK
// button. Enter, Space and Escape close it as well: its button has the
// keyboard focus, which Fyne's own information dialog leaves where it was.
func (u *UI) inform(title, text string) {
	d := u.showDialog(title, lang.L("OK"), container.New(&formColumn{width: 480}, paragraph(text)))
	d.Resize(fyne.NewSize(min(520, u.window.Canvas().Size().Width-2*dialogMargin), d.MinSize().Height))
}

// dialogMargin is the margin kept around a dialog in a narrow window.
const dialogMargin = 16

// showDialog shows content in a dialog with one button, dismiss, that
// closes it; the button has the keyboard focus, so Enter and Space close
// it, and so does Escape.
func (u *UI) showDialog(title, dismiss string, content fyne.CanvasObject) dialog.Dialog {
	var d dialog.Dialog
	ok := newKeyButton(dismiss, nil, func() { d.Hide() })
	ok.Importance = widget.HighImportance
	ok.onEscape = func() { d.Hide() }
	d = dialog.NewCustomWithoutButtons(title, container.NewVBox(content, container.NewCenter(ok)), u.window)
	d.Show()
	u.focus(ok)
	return d
}
