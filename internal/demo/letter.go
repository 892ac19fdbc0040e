package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The example letter is drawn as a scanned A4 page (100 dots per inch) with
// the basic bitmap font, enlarged, so it stays readable in the preview.
const (
	letterWidth, letterHeight = 827, 1169
	letterMargin              = 64
)

var (
	ink     = color.RGBA{0x20, 0x20, 0x28, 0xff}
	brand   = color.RGBA{0x1f, 0x4e, 0x79, 0xff}
	paper   = color.RGBA{0xfc, 0xfb, 0xf7, 0xff}
	pale    = color.RGBA{0xe4, 0xea, 0xf2, 0xff}
	warning = color.RGBA{0x9c, 0x1c, 0x1c, 0xff}
)

// letterText is the body of the letter: scale 0 draws a gap.
var letterText = []struct {
	scale int
	col   color.Color
	text  string
}{
	{2, ink, "Mevrouw F. El Amrani"},
	{2, ink, "Hortensiastraat 14b"},
	{2, ink, "8011 AB  ZWOLLE"},
	{0, nil, ""},
	{2, ink, "Leeuwarden, 14 oktober 2026"},
	{0, nil, ""},
	{3, brand, "Aanmaning"},
	{2, warning, "VOORBEELD - verzonnen brief"},
	{0, nil, ""},
	{2, ink, "Geachte mevrouw El Amrani,"},
	{0, nil, ""},
	{2, ink, "Wij hebben uw betaling nog niet"},
	{2, ink, "ontvangen. Betaal het bedrag hieronder"},
	{2, ink, "binnen 8 weken. Kunt u niet in een keer"},
	{2, ink, "betalen? Bel ons voor een regeling."},
	{0, nil, ""},
	{2, ink, "Bedrag:          EUR 389,00"},
	{2, ink, "Betalingskenmerk:"},
	{2, ink, "3000 0012 3456 7890"},
	{0, nil, ""},
	{2, ink, "Met vriendelijke groet,"},
	{2, ink, "Centraal Justitieel Incassobureau"},
}

// Letter returns the example creditor's letter as a PNG image.
func Letter() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, letterWidth, letterHeight))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	// Letterhead: a coloured band with the sender's initials.
	draw.Draw(img, image.Rect(0, 0, letterWidth, 120), image.NewUniform(pale), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(letterMargin, 28, letterMargin+64, 92), image.NewUniform(brand), image.Point{}, draw.Src)
	drawText(img, letterMargin+100, 44, 4, brand, "CJIB")
	drawText(img, letterMargin+100, 92, 1, ink, "Postbus 1794, 8901 CB Leeuwarden")

	y := 170
	for _, l := range letterText {
		if l.scale == 0 {
			y += 18
			continue
		}
		drawText(img, letterMargin, y, l.scale, l.col, l.text)
		y += (basicfont.Face7x13.Height + 3) * l.scale
	}
	// A fold line and a payment slip box at the bottom, as on paper.
	draw.Draw(img, image.Rect(letterMargin, 1000, letterWidth-letterMargin, 1002), image.NewUniform(pale), image.Point{}, draw.Src)
	drawText(img, letterMargin, 1030, 1, ink, "Betaal met het betalingskenmerk, anders komt uw betaling niet goed aan.")

	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// drawText writes s with its top-left corner at (x, y), every font pixel
// drawn as a scale × scale block.
func drawText(img *image.RGBA, x, y, scale int, c color.Color, s string) {
	face := basicfont.Face7x13
	src := image.NewUniform(c)
	dot := fixed.P(0, face.Ascent)
	for _, r := range s {
		dr, mask, mp, advance, ok := face.Glyph(dot, r)
		if !ok {
			dr, mask, mp, advance, _ = face.Glyph(dot, '?')
		}
		for gy := 0; gy < dr.Dy(); gy++ {
			for gx := 0; gx < dr.Dx(); gx++ {
				if _, _, _, a := mask.At(mp.X+gx, mp.Y+gy).RGBA(); a == 0 {
					continue
				}
				px, py := x+(dr.Min.X+gx)*scale, y+(dr.Min.Y+gy)*scale
				draw.Draw(img, image.Rect(px, py, px+scale, py+scale), src, image.Point{}, draw.Src)
			}
		}
		dot.X += advance
	}
}
