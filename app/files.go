package app

import (
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// The one way the app asks for a file or folder. Every page goes through
// these three, so the dialogs look and behave the same everywhere: large,
// starting in the home folder, titled in plain words, and opened only after
// the key press that asked for them (the dialog focuses its file name at
// once, and a Space that pressed the button would land in it).

// pickFile asks which file to open; chosen gets its path. Nothing happens
// when the person closes the dialog.
func (u *UI) pickFile(title string, chosen func(path string)) {
	u.touch()
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		chosen(path)
	}, u.window)
	d.SetTitleText(title)
	u.showFileDialog(d)
}

// pickSaveFile asks where to save, suggesting name; chosen gets the path.
// Fyne has created the file there, empty: write it through a temporary file
// and a rename, so a failure never leaves half a file.
func (u *UI) pickSaveFile(title, name string, chosen func(path string)) {
	u.touch()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		chosen(path)
	}, u.window)
	d.SetFileName(name)
	d.SetTitleText(title)
	u.showFileDialog(d)
}

// pickFolder asks for a folder; chosen gets its path.
func (u *UI) pickFolder(title string, chosen func(path string)) {
	u.touch()
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if l == nil {
			return
		}
		chosen(l.Path())
	}, u.window)
	d.SetTitleText(title)
	u.showFileDialog(d)
}

// showFileDialog shows a file dialog, large and in the home folder, once
// the key press that asked for it is over.
func (u *UI) showFileDialog(d *dialog.FileDialog) {
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(home)); err == nil {
			d.SetLocation(l)
		}
	}
	size := u.window.Canvas().Size()
	d.Resize(fyne.NewSize(max(size.Width*0.9, 600), max(size.Height*0.9, 450)))
	if u.sync {
		d.Show()
		return
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		onUI(d.Show)
	}()
}
