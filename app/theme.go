package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// kluisTheme is Fyne's default theme with larger text and calm, high
// contrast colours: many people using Kluis read with difficulty, and
// nothing should be small or faint.
type kluisTheme struct{ fyne.Theme }

func newTheme() fyne.Theme { return kluisTheme{theme.DefaultTheme()} }

var (
	colourPrimary = color.NRGBA{R: 0x1f, G: 0x4e, B: 0x8c, A: 0xff} // deep blue, 8:1 on white
	// Fyne draws the focus colour over a focused button's or select's own
	// background, under its text: an opaque amber left white text on a
	// focused primary button at 2:1. A translucent amber tints instead, and
	// keeps every text on it at 4.5:1 or more (TestThemeTextContrast).
	colourFocus       = color.NRGBA{R: 0xf2, G: 0xa9, B: 0x00, A: 0x4c}
	colourPlaceHolder = color.NRGBA{R: 0x5e, G: 0x5e, B: 0x5e, A: 0xff} // Fyne's #888 is 3.2:1 on an entry
	colourError       = color.NRGBA{R: 0xb3, G: 0x1b, B: 0x1b, A: 0xff}
	colourSuccess     = color.NRGBA{R: 0x1e, G: 0x6b, B: 0x32, A: 0xff}
	colourBorder      = color.NRGBA{R: 0x6b, G: 0x6b, B: 0x6b, A: 0xff}
)

// Color always uses the light variant: dark text on a light background is
// what most people read best, whatever the desktop's preference.
func (t kluisTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	v := theme.VariantLight
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return colourPrimary
	case theme.ColorNameFocus:
		return colourFocus
	case theme.ColorNamePlaceHolder:
		return colourPlaceHolder
	case theme.ColorNameError:
		return colourError
	case theme.ColorNameSuccess:
		return colourSuccess
	case theme.ColorNameInputBorder:
		// Fyne's light grey borders (and unticked check boxes, drawn in
		// this colour) are too faint to see well; a mid grey reaches 4.5:1.
		return colourBorder
	}
	return t.Theme.Color(n, v)
}

func (t kluisTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 16
	case theme.SizeNameHeadingText:
		return 26
	case theme.SizeNameSubHeadingText:
		return 20
	case theme.SizeNameCaptionText:
		return 13
	case theme.SizeNameInputBorder:
		return 2
	}
	return t.Theme.Size(n)
}
