// Package assets holds the files Kluis ships inside its binaries: the
// application icon and the translations.
//
// It only embeds bytes. It must never import Fyne or any other Kluis package,
// so that the CLIs can use it without pulling in the GUI.
package assets

import "embed"

// Icon is the application icon, a 512×512 PNG. It is drawn by
// assets/internal/mkicon; run that again rather than editing the PNG.
//
//go:embed icon.png
var Icon []byte

// Translations holds one JSON file per language at its root, named after
// the language: en.json (the fallback, which must exist) and nl.json (the
// default for Kluis's users).
//
//go:embed *.json
var Translations embed.FS
