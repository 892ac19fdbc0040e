// Package app is Kluis's desktop GUI, built with Fyne.
//
// It is the only GUI package: vault and sync never import it (or Fyne), and
// internal/deptest fails the build if they do. It is also the only package
// that may call fyne.Do or fyne.DoAndWait: work that takes time runs on its
// own goroutine and hands its results back to widgets here, and nowhere else.
// Never call fyne.DoAndWait from the UI goroutine, and never hold a vault
// transaction inside fyne.Do.
//
// New builds everything from what it is given; main only creates the Fyne
// app and window. Screens are structs that hold their widgets and react in
// on… methods. Every text a person sees comes from lang with a key starting
// with "app.", from the translations in package assets (Dutch by default,
// English as the fallback).
package app

import (
	"fmt"
	"io/fs"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/assets"
)

// Deps is what the GUI needs from outside.
type Deps struct {
	// VaultPath is the vault file to open or create.
	VaultPath string
}

// UI is the running desktop interface of one window.
type UI struct {
	app    fyne.App
	window fyne.Window
	deps   Deps

	title  *widget.Label
	status *widget.Label
	quit   *widget.Button
}

// New loads the translations, builds the window's content and returns the
// UI. It does not show the window: the caller does, with ShowAndRun.
func New(a fyne.App, w fyne.Window, d Deps) *UI {
	if err := loadTranslations(); err != nil {
		fyne.LogError("Kluis translations could not be loaded", err)
	}

	u := &UI{app: a, window: w, deps: d}
	u.title = &widget.Label{
		Text:      lang.X("app.title", "Kluis"),
		Alignment: fyne.TextAlignCenter,
		TextStyle: fyne.TextStyle{Bold: true},
		SizeName:  theme.SizeNameHeadingText,
	}
	u.status = &widget.Label{
		Text:      lang.X("app.coming", "De schermen van uw kluis komen hier binnenkort."),
		Alignment: fyne.TextAlignCenter,
		Wrapping:  fyne.TextWrapWord,
	}
	u.quit = &widget.Button{
		Text:     lang.X("app.quit", "Sluiten"),
		Icon:     theme.LogoutIcon(),
		OnTapped: u.onQuit,
	}

	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)
	w.SetIcon(icon)
	w.SetTitle(lang.X("app.title", "Kluis"))
	logo := canvas.NewImageFromResource(icon)
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(96))
	// A full-width column centred vertically, so the status line can wrap
	// at the window's width rather than at its own minimum.
	w.SetContent(container.NewPadded(container.NewVBox(
		layout.NewSpacer(),
		container.NewCenter(logo),
		u.title,
		u.status,
		container.NewCenter(u.quit),
		layout.NewSpacer(),
	)))
	w.Resize(fyne.NewSize(640, 420))
	return u
}

// onQuit stops the app, which closes every window.
func (u *UI) onQuit() {
	u.app.Quit()
}

var (
	translationsOnce sync.Once
	translationsErr  error
)

// loadTranslations adds Kluis's translations to Fyne's, once per process
// (Fyne's translation table is global).
//
// It does not use lang.AddTranslationsFS: that reads dir+"/"+name, and an
// embed.FS refuses "./en.json", so it cannot read files embedded at the
// root of package assets. lang.AddTranslations does the same per file.
func loadTranslations() error {
	translationsOnce.Do(func() {
		files, err := fs.Glob(assets.Translations, "*.json")
		if err != nil {
			translationsErr = err
			return
		}
		if len(files) == 0 {
			translationsErr = fmt.Errorf("no translations embedded in package assets")
			return
		}
		for _, name := range files {
			data, err := fs.ReadFile(assets.Translations, name)
			if err == nil {
				err = lang.AddTranslations(fyne.NewStaticResource(name, data))
			}
			if err != nil && translationsErr == nil {
				translationsErr = fmt.Errorf("failed to load translation %s: %w", name, err)
			}
		}
	})
	return translationsErr
}
