package app

import "kluis/internal/filename"

// The one way the app asks for a file or folder. Every page goes through
// these three, so choosing looks and behaves the same everywhere (see
// chooser.go): large, starting in the person's own folder, titled in plain
// words, in their language, and focused only after the key press that
// asked for it.

// pickFile asks which file to open; chosen gets its path. Nothing happens
// when the person cancels.
func (u *UI) pickFile(title string, chosen func(path string)) {
	u.touch()
	u.newChooser(chooseOpen, title, "", chosen)
}

// pickSaveFile asks where to save, suggesting name (made fit for a file
// name on every system first: a document's name may hold a ":" or be
// "CON"); chosen gets the path (replacing an existing file was confirmed
// first). Write it through a
// temporary file and a rename, so a failure never leaves half a file.
func (u *UI) pickSaveFile(title, name string, chosen func(path string)) {
	u.touch()
	u.newChooser(chooseSave, title, filename.Safe(name), chosen)
}

// pickFolder asks for a folder; chosen gets its path.
func (u *UI) pickFolder(title string, chosen func(path string)) {
	u.touch()
	u.newChooser(chooseFolder, title, "", chosen)
}
