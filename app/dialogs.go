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
	// The text is wrapped at the dialog's width before the dialog is
	// measured: a wrapped label not yet laid out asks for the height of
	// one word per line.
	width := min(480, u.window.Canvas().Size().Width-2*dialogMargin)
	l := paragraph(text)
	l.Resize(fyne.NewSize(width, 0))
	l.Resize(fyne.NewSize(width, l.MinSize().Height))
	u.showDialog(title, lang.L("OK"), container.New(&columnLayout{width: width}, l))
}

// dialogMargin is room kept on either side of a dialog in a narrow window,
// for the dialog's own padding.
const dialogMargin = 80

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
