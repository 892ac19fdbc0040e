package index

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
)

// Chart layout, in pixels.
const (
	chartBar     = 14  // width of one bar
	chartGap     = 18  // between wijken
	chartHeight  = 160 // of the tallest bar
	chartMargin  = 16
	chartLegend  = 14 // legend square
	chartPanelGa = 24 // between questions
)

// chartColours are the answers' colours, in answer order: colour-blind
// safe (Okabe–Ito).
var chartColours = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {213, 94, 0, 255}, {240, 228, 66, 255}, {0, 0, 0, 255},
}

var (
	chartInk  = color.RGBA{40, 40, 40, 255}
	chartGrey = color.RGBA{190, 190, 190, 255}
)

// Chart draws the report as a PNG bar chart: one panel per question, top
// to bottom; in each panel a group of bars per wijk, in the definition's
// order, left to right; one bar per answer, coloured as the legend squares
// above the panel (answers in order). A suppressed cell is drawn as a short
// grey hatched block on the base line, so it is visibly "hidden", never
// zero. Bars are scaled to the panel's largest shown count. The chart
// holds no text; the table next to it names everything.
func (r *Report) Chart() ([]byte, error) {
	width, height := 2*chartMargin, chartMargin
	for _, t := range r.Tables {
		w := 2*chartMargin + len(t.Wijken)*(len(t.Answers)*chartBar+chartGap)
		width = max(width, w, 2*chartMargin+len(t.Answers)*2*chartLegend)
		height += chartLegend + 8 + chartHeight + 2 + chartPanelGa
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	y := chartMargin
	for _, t := range r.Tables {
		for a := range t.Answers {
			x := chartMargin + a*2*chartLegend
			fill(img, image.Rect(x, y, x+chartLegend, y+chartLegend), chartColours[a%len(chartColours)])
		}
		y += chartLegend + 8
		top := 1
		for _, row := range t.Cells {
			for _, v := range row {
				if !v.Suppressed {
					top = max(top, v.N)
				}
			}
		}
		base := y + chartHeight
		for w, row := range t.Cells {
			x0 := chartMargin + w*(len(t.Answers)*chartBar+chartGap)
			for a, v := range row {
				x := x0 + a*chartBar
				if v.Suppressed {
					hatch(img, image.Rect(x+1, base-12, x+chartBar-1, base))
					continue
				}
				h := v.N * chartHeight / top
				fill(img, image.Rect(x+1, base-h, x+chartBar-1, base), chartColours[a%len(chartColours)])
			}
		}
		fill(img, image.Rect(chartMargin-4, base, width-chartMargin+4, base+2), chartInk)
		y = base + 2 + chartPanelGa
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func hatch(img *image.RGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if (x+y)%4 < 2 {
				img.SetRGBA(x, y, chartGrey)
			}
		}
	}
}
