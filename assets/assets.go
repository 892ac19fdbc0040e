// Package assets holds the files Kluis ships inside its binaries: the
// application icon, the translations and the demo municipality's public
// organisation card.
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

// DemoCard is the public organisation card of the demo municipality
// ("Gemeente Voorbeeld"), so a person can try sharing and requests without
// a real organisation. Its secret key is not kept anywhere.
//
//go:embed demo-gemeente.card
var DemoCard []byte
