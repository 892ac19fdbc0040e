package tally

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"
	"strings"

	"kluis/sync/index"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Chart layout, in pixels. Text is basicfont's 7×13 face: every character
// is chartChar wide.
const (
	chartMargin    = 16
	chartChar      = 7
	chartLine      = 15             // a line of text: 13 for the face, 2 between lines
	chartHeight    = 160            // of the tallest bar
	chartStub      = 12             // of a suppressed cell's hatched stub
	chartGap       = 16             // between the groups of two wijken
	chartMinPitch  = 16             // a bar and the space beside it
	chartMinGroup  = 15 * chartChar // room for a wijk's name
	chartNameLines = 3              // of a wijk's name under its group
	chartMaxRow    = 1200           // widest row of groups; further wijken start a new row
	chartMinWidth  = 600            // of the content, for the title, legend and footer
	chartSwatch    = 11             // legend square
	chartMaxPixels = 1 << 28
)

// Palette indexes. The chart is a paletted image: one byte a pixel, so a
// report of 12 questions over 50 wijken with 8 answers stays small.
const (
	chartWhite = iota
	chartInk
	chartHatch
	chartRule
	chartFirstColour
)

// chartPalette holds white, the ink of text and base lines, the grey of the
// hatching, the light grey of the rules between panels, and the answers'
// colours in answer order: colour-blind safe (Okabe–Ito).
var chartPalette = color.Palette{
	color.RGBA{255, 255, 255, 255},
	color.RGBA{40, 40, 40, 255},
	color.RGBA{150, 150, 150, 255},
	color.RGBA{215, 215, 215, 255},
	color.RGBA{0, 114, 178, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{0, 158, 115, 255}, color.RGBA{204, 121, 167, 255},
	color.RGBA{86, 180, 233, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255},
}

const chartColours = index.MaxAnswers

// ChartWords are the chart's own words, in the reader's language. All
// other text in the chart is the report's: its title, the questions, the
// answers, the wijken and the shown counts. A caller fills them from its
// message catalogue with the report's numbers in them (kluis-intake uses
// the keys intake.index.chart.*); an empty field gets an English default.
type ChartWords struct {
	// Hidden explains the hatched stub of a suppressed cell, such as
	// "Not shown: fewer than 10 people, or derivable from other numbers."
	Hidden string
	// MinGroup names the minimum group size: "Minimum group size: 10 people".
	MinGroup string
	// Period names the period: "Period 2026-Q4: 2026-10-01 up to and
	// including 2026-12-31".
	Period string
	// Donors heads the number of donors per wijk: "Donors per wijk".
	Donors string
}

func (w ChartWords) orDefaults(r *Report) ChartWords {
	if w.Hidden == "" {
		w.Hidden = fmt.Sprintf("Not shown: fewer than %d people, or derivable from other numbers.", r.MinGroup)
	}
	if w.MinGroup == "" {
		w.MinGroup = fmt.Sprintf("Minimum group size: %d people", r.MinGroup)
	}
	if w.Donors == "" {
		w.Donors = "Donors per wijk"
	}
	if w.Period == "" {
		w.Period = fmt.Sprintf("index.Period %s: %s up to and including %s", r.Period.Name, r.Period.Start, r.Period.End)
	}
	return w
}

// Chart draws the report as a PNG bar chart with English fixed words; see
// ChartWith.
func (r *Report) Chart() ([]byte, error) { return r.ChartWith(ChartWords{}) }

// ChartWith draws the report as a PNG bar chart. At the top the report's
// title; then a panel per question, top to bottom, headed by the
// question's id and text and a legend: a coloured square per answer with
// its name, and, when the panel has one, the grey hatched square of a
// suppressed cell with words.Hidden. Under the legend a group of bars per
// wijk, in the definition's order, left to right (wrapping to further
// rows when there are many), one bar per answer in the legend's colours,
// the count above each bar and the wijk's name under the group (at most
// three lines, cut off with an ellipsis). A suppressed cell is a short grey
// hatched stub on the base line without a number, so it is visibly hidden,
// never zero; a zero is a "0" without a bar. Bars are scaled to the
// panel's largest shown count. At the bottom the number of donors per
// wijk (Report.Donors, a suppressed one as "-") after words.Donors, then
// words.MinGroup and words.Period.
//
// The chart is made from the shown values only: a suppressed Value's N is
// never read, so the image is the same whatever count it hides.
//
// basicfont draws only ASCII: letters with diacritics are drawn without
// them (é as e, ĳ as ij) and other characters as '?'.
func (r *Report) ChartWith(words ChartWords) ([]byte, error) {
	words = words.orDefaults(r)
	plans := make([]chartPlan, len(r.Tables))
	content := chartMinWidth
	for i := range r.Tables {
		plans[i] = planChart(&r.Tables[i])
		content = max(content, plans[i].rowWidth(plans[i].perRow))
	}
	c := &chartCanvas{}
	height := c.draw(r, words, plans, content)
	width := content + 2*chartMargin
	if width*height > chartMaxPixels {
		return nil, fmt.Errorf("index: the chart would be %d×%d pixels", width, height)
	}
	c.img = image.NewPaletted(image.Rect(0, 0, width, height), chartPalette)
	c.draw(r, words, plans, content)
	var b bytes.Buffer
	if err := png.Encode(&b, c.img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// A chartPlan is the layout of one question's panel.
type chartPlan struct {
	t       *Table
	wijken  int  // groups drawn
	answers int  // bars per group
	pitch   int  // width of a bar and the space beside it
	group   int  // width of a group
	perRow  int  // groups per row
	top     int  // largest shown count, at least 1
	hidden  bool // some cell is suppressed
}

func planChart(t *Table) chartPlan {
	p := chartPlan{t: t, wijken: min(len(t.Wijken), len(t.Cells)), answers: len(t.Answers), top: 1}
	digits := 1
	for _, row := range t.Cells[:p.wijken] {
		for _, v := range row[:min(len(row), p.answers)] {
			if v.Suppressed {
				p.hidden = true
				continue
			}
			p.top = max(p.top, v.N)
			digits = max(digits, len(strconv.Itoa(v.N)))
		}
	}
	p.pitch = max(chartMinPitch, digits*chartChar+5)
	p.group = max(chartMinGroup, p.answers*p.pitch)
	p.perRow = max(1, (chartMaxRow+chartGap)/(p.group+chartGap))
	if p.wijken > 0 {
		// Spread the wijken evenly over the rows they need.
		rows := (p.wijken + p.perRow - 1) / p.perRow
		p.perRow = (p.wijken + rows - 1) / rows
	}
	return p
}

func (p chartPlan) rowWidth(groups int) int {
	return max(0, groups*(p.group+chartGap)-chartGap)
}

// A chartCanvas draws the chart, or with a nil img only measures it.
type chartCanvas struct {
	img *image.Paletted
}

// draw lays out the whole chart with the content content pixels wide and
// returns the image's height.
func (c *chartCanvas) draw(r *Report, words ChartWords, plans []chartPlan, content int) int {
	x0, y := chartMargin, chartMargin
	cols := content / chartChar
	for _, l := range chartWrap(chartText(r.Title), cols, 0) {
		c.text(x0, y, l, true)
		y += chartLine
	}
	y += 4
	for _, p := range plans {
		c.fill(image.Rect(x0, y, x0+content, y+1), chartRule)
		y += 10
		for _, l := range chartWrap(chartText(p.t.Question+" - "+p.t.Text), cols, 0) {
			c.text(x0, y, l, true)
			y += chartLine
		}
		y += 4
		y = c.legend(p, words, x0, y, content)
		y += 6
		for first := 0; first < p.wijken; first += p.perRow {
			y = c.row(p, first, min(first+p.perRow, p.wijken), x0, y)
		}
		y += 6
	}
	c.fill(image.Rect(x0, y, x0+content, y+1), chartRule)
	y += 8
	footer := []string{words.MinGroup, words.Period}
	if line := donorsLine(r, words.Donors); line != "" {
		footer = append([]string{line}, footer...)
	}
	for _, s := range footer {
		for _, l := range chartWrap(chartText(s), cols, 0) {
			c.text(x0, y, l, false)
			y += chartLine
		}
	}
	return y + chartMargin - 2
}

// donorsLine says the number of donors per wijk, a suppressed one as "-"
// (basicfont has no "•"), or "" when the report has none.
func donorsLine(r *Report, head string) string {
	if len(r.Donors) == 0 {
		return ""
	}
	var parts []string
	for i, v := range r.Donors[:min(len(r.Donors), len(r.Wijken))] {
		n := "-"
		if !v.Suppressed {
			n = strconv.Itoa(v.N)
		}
		parts = append(parts, r.Wijken[i]+" "+n)
	}
	return head + ": " + strings.Join(parts, ", ")
}

// legend draws a panel's legend from y down and returns the y below it.
func (c *chartCanvas) legend(p chartPlan, words ChartWords, x0, y, content int) int {
	x := x0
	for a, answer := range p.t.Answers {
		label := ""
		if l := chartWrap(chartText(answer), (content-chartSwatch-5)/chartChar, 1); len(l) > 0 {
			label = l[0]
		}
		w := chartSwatch + 5 + chartWidth(label)*chartChar
		if x > x0 && x+w > x0+content {
			x, y = x0, y+chartLine
		}
		c.fill(image.Rect(x, y+1, x+chartSwatch, y+1+chartSwatch), uint8(chartFirstColour+a%chartColours))
		c.text(x+chartSwatch+5, y, label, false)
		x += w + 16
	}
	y += chartLine
	if p.hidden {
		c.hatch(image.Rect(x0, y+1, x0+chartSwatch, y+1+chartSwatch))
		for _, l := range chartWrap(chartText(words.Hidden), (content-chartSwatch-5)/chartChar, 0) {
			c.text(x0+chartSwatch+5, y, l, false)
			y += chartLine
		}
	}
	return y
}

// row draws the groups of wijken first to end-1 from y down and returns
// the y below them.
func (c *chartCanvas) row(p chartPlan, first, end, x0, y int) int {
	base := y + chartLine + chartHeight // counts above the tallest bar
	for w := first; w < end; w++ {
		gx := x0 + (w-first)*(p.group+chartGap)
		bx := gx + (p.group-p.answers*p.pitch)/2
		cells := p.t.Cells[w]
		for a, v := range cells[:min(len(cells), p.answers)] {
			x := bx + a*p.pitch
			bar := image.Rect(x+1, base, x+p.pitch-1, base)
			if v.Suppressed {
				bar.Min.Y = base - chartStub
				c.hatch(bar)
				continue
			}
			if v.N > 0 {
				bar.Min.Y = base - max(1, int(int64(v.N)*chartHeight/int64(p.top)))
				c.fill(bar, uint8(chartFirstColour+a%chartColours))
			}
			n := strconv.Itoa(v.N)
			c.text(x+(p.pitch-chartWidth(n)*chartChar+1)/2, bar.Min.Y-13, n, false)
		}
		for i, l := range chartWrap(chartText(p.t.Wijken[w]), p.group/chartChar, chartNameLines) {
			c.text(gx+(p.group-chartWidth(l)*chartChar)/2, base+5+i*chartLine, l, false)
		}
	}
	c.fill(image.Rect(x0, base, x0+p.rowWidth(end-first), base+1), chartInk)
	return base + 5 + chartNameLines*chartLine + 8
}

func (c *chartCanvas) fill(r image.Rectangle, colour uint8) {
	if c.img != nil {
		draw.Draw(c.img, r, image.NewUniform(chartPalette[colour]), image.Point{}, draw.Src)
	}
}

// hatch fills r with grey diagonal stripes: a suppressed cell.
func (c *chartCanvas) hatch(r image.Rectangle) {
	if c.img == nil {
		return
	}
	r = r.Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if (x+y)%4 < 2 {
				c.img.SetColorIndex(x, y, chartHatch)
			}
		}
	}
}

// chartEllipsisMask is the ellipsis in one 7×13 character cell.
var chartEllipsisMask = func() *image.Alpha {
	m := image.NewAlpha(image.Rect(0, 0, chartChar, 13))
	for _, x := range []int{1, 3, 5} {
		m.SetAlpha(x, 10, color.Alpha{255})
	}
	return m
}()

// text draws s (made by chartText) with the top of its line at y; bold
// draws it twice, a pixel apart.
func (c *chartCanvas) text(x, y int, s string, bold bool) {
	if c.img == nil {
		return
	}
	ink := image.NewUniform(chartPalette[chartInk])
	d := font.Drawer{Dst: c.img, Src: ink, Face: basicfont.Face7x13}
	for pass := range 1 + boolInt(bold) {
		d.Dot = fixed.P(x+pass, y+basicfont.Face7x13.Ascent)
		for _, r := range s {
			if r == chartEllipsis {
				at := image.Pt(d.Dot.X.Round(), y)
				draw.DrawMask(c.img, image.Rectangle{at, at.Add(chartEllipsisMask.Rect.Max)}, ink, image.Point{}, chartEllipsisMask, image.Point{}, draw.Over)
				d.Dot.X += fixed.I(chartChar)
				continue
			}
			d.DrawString(string(r))
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
