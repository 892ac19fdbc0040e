package tally

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// ScoreWords are the score chart's own words, in the reader's language;
// an empty field gets an English default. All other text is the report's.
type ScoreWords struct {
	All      string // the municipality's row: "Whole municipality"
	Overall  string // the panel of all domains together: "All domains together"
	Share    string // legend of the bar: "share of protective answers"
	Margin   string // legend of the interval: "90% margin"
	Previous string // legend of the previous period's mark: "2026-Q3"
	Hidden   string // a hidden score: "not shown: group too small"
	Better   string // a wijk clearly above the municipality: "clearly better"
	Worse    string // clearly below: "clearly worse"
	Footer   []string
	// Bare leaves out the title and the footer: for a chart in a page
	// that says them itself.
	Bare bool
}

func (w ScoreWords) orDefaults(s *Scores) ScoreWords {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&w.All, "Whole municipality")
	def(&w.Overall, "All domains together")
	def(&w.Share, "share of protective answers")
	def(&w.Margin, fmt.Sprintf("%.0f%% margin", s.Level*100))
	def(&w.Hidden, "not shown: group too small")
	def(&w.Better, "clearly better")
	def(&w.Worse, "clearly worse")
	if s.Previous != nil {
		def(&w.Previous, s.Previous.Name)
	}
	return w
}

// Score chart layout, in pixels.
const (
	scoreLabel   = 24 * chartChar // the wijk names
	scoreAxis    = 480            // 0 % to 100 %
	scoreText    = 36 * chartChar // the numbers right of the axis
	scoreRow     = 26
	scoreBar     = 12
	scoreMaxRows = 1 << 12
)

// Palette of the score chart: white, ink, hatch and rule as in Chart,
// then the bar, the interval, the previous period's mark and the
// municipality's line.
const (
	scoreBarColour = chartFirstColour + iota
	scoreMarginColour
	scorePrevColour
	scoreAllColour
)

var scorePalette = color.Palette{
	chartPalette[chartWhite], chartPalette[chartInk], chartPalette[chartHatch], chartPalette[chartRule],
	color.RGBA{120, 175, 215, 255}, // light blue: the share
	color.RGBA{0, 60, 110, 255},    // dark blue: the margin
	color.RGBA{213, 94, 0, 255},    // vermilion: the period before
	color.RGBA{110, 110, 110, 255}, // grey: the municipality's share
}

// ScoreChart draws the scores as a PNG: after the title a panel per
// domain (those in only, when it is not empty; all of them and the
// panel of all domains together when it is), each with a row for the
// whole municipality and one per wijk. A row shows the share of
// protective answers as a bar on an axis from 0 to 100 %, its interval as
// a dark line with end marks, the share of the period before as a
// vermilion mark when the report compares, and right of the axis the
// numbers and, when the wijk differs clearly from the municipality, in
// which way. A hidden score is a grey hatched stub with words.Hidden. A
// grey vertical line marks the municipality's share. The chart is made
// from the report only, and a hidden score has no number in it.
func (s *Scores) ScoreChart(words ScoreWords, only ...int) ([]byte, error) {
	words = words.orDefaults(s)
	var panels []*DomainScores
	if len(only) == 0 {
		for i := range s.Domains {
			panels = append(panels, &s.Domains[i])
		}
		panels = append(panels, &s.Overall)
	}
	for _, i := range only {
		if i < 0 || i >= len(s.Domains) {
			panels = append(panels, &s.Overall)
			continue
		}
		panels = append(panels, &s.Domains[i])
	}
	if len(panels)*(len(s.Wijken)+1) > scoreMaxRows {
		return nil, fmt.Errorf("index: too many rows for a chart")
	}
	c := &scoreCanvas{}
	height := c.draw(s, words, panels)
	c.img = image.NewPaletted(image.Rect(0, 0, scoreWidth, height), scorePalette)
	c.draw(s, words, panels)
	var b bytes.Buffer
	if err := png.Encode(&b, c.img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

const scoreWidth = 2*chartMargin + scoreLabel + 8 + scoreAxis + 12 + scoreText

type scoreCanvas struct {
	img *image.Paletted
	cc  chartCanvas
}

func (c *scoreCanvas) fill(r image.Rectangle, colour uint8) {
	if c.img == nil {
		return
	}
	r = r.Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c.img.SetColorIndex(x, y, colour)
		}
	}
}

func (c *scoreCanvas) text(x, y int, s string, bold bool) {
	c.cc.img = c.img
	c.cc.text(x, y, s, bold)
}

func (c *scoreCanvas) hatch(r image.Rectangle) {
	c.cc.img = c.img
	c.cc.hatch(r)
}

// draw lays out the chart and returns its height.
func (c *scoreCanvas) draw(s *Scores, words ScoreWords, panels []*DomainScores) int {
	x0, y := chartMargin, chartMargin
	content := scoreWidth - 2*chartMargin
	cols := content / chartChar
	if !words.Bare {
		for _, l := range chartWrap(chartText(s.Title+" - "+s.Period.Name), cols, 0) {
			c.text(x0, y, l, true)
			y += chartLine
		}
		y += 4
	}
	y = c.legend(s, words, x0, y, content)
	axis0 := x0 + scoreLabel + 8
	at := func(p float64) int { return axis0 + int(math.Round(p*scoreAxis)) }
	for _, d := range panels {
		y += 6
		c.fill(image.Rect(x0, y, x0+content, y+1), chartRule)
		y += 8
		name := d.Name
		if d.ID == "" {
			name = words.Overall
		}
		for _, l := range chartWrap(chartText(name), cols, 0) {
			c.text(x0, y, l, true)
			y += chartLine
		}
		y += 4
		top := y
		rows := append([]Score{d.All}, d.Wijken...)
		// Grid lines at 0, 25, 50, 75 and 100 %, under everything else.
		bottom := top + len(rows)*scoreRow
		for i := 0; i <= 4; i++ {
			x := at(float64(i) / 4)
			c.fill(image.Rect(x, top, x+1, bottom), chartRule)
		}
		if d.All.Shown {
			x := at(d.All.Share)
			for yy := top; yy < bottom; yy += 4 {
				c.fill(image.Rect(x, yy, x+1, yy+2), scoreAllColour)
			}
		}
		for i, sc := range rows {
			label := words.All
			if i > 0 {
				label = s.Wijken[i-1]
			}
			ly := top + i*scoreRow
			mid := ly + scoreRow/2
			lines := chartWrap(chartText(label), scoreLabel/chartChar, 1)
			if len(lines) > 0 {
				c.text(x0, mid-7, lines[0], i == 0)
			}
			if !sc.Shown {
				c.hatch(image.Rect(axis0, mid-scoreBar/2, axis0+24, mid+scoreBar/2))
				c.text(axis0+32, mid-7, chartText(words.Hidden), false)
				continue
			}
			c.fill(image.Rect(axis0, mid-scoreBar/2, max(axis0+1, at(sc.Share)), mid+scoreBar/2), scoreBarColour)
			lo, hi := at(sc.Low), at(sc.High)
			c.fill(image.Rect(lo, mid-1, hi+1, mid+1), scoreMarginColour)
			c.fill(image.Rect(lo, mid-5, lo+2, mid+6), scoreMarginColour)
			c.fill(image.Rect(hi-1, mid-5, hi+1, mid+6), scoreMarginColour)
			if sc.Change != nil {
				px := at(sc.Share - sc.Change.Delta)
				c.fill(image.Rect(px-1, mid-8, px+2, mid+9), scorePrevColour)
			}
			txt := fmt.Sprintf("%s (%s-%s)", percent(sc.Share), percentBare(sc.Low), percent(sc.High))
			switch sc.Compared {
			case Better:
				txt += " " + words.Better
			case Worse:
				txt += " " + words.Worse
			}
			c.text(axis0+scoreAxis+12, mid-7, chartText(txt), sc.Compared == Better || sc.Compared == Worse)
		}
		y = bottom + 2
		c.fill(image.Rect(axis0, y, axis0+scoreAxis+1, y+1), chartInk)
		for i := 0; i <= 4; i++ {
			lab := fmt.Sprintf("%d%%", 25*i)
			x := at(float64(i)/4) - chartWidth(lab)*chartChar/2
			c.text(x, y+3, lab, false)
		}
		y += 3 + chartLine
	}
	if words.Bare {
		return y + chartMargin - 2
	}
	y += 6
	c.fill(image.Rect(x0, y, x0+content, y+1), chartRule)
	y += 8
	for _, f := range words.Footer {
		for _, l := range chartWrap(chartText(f), cols, 0) {
			c.text(x0, y, l, false)
			y += chartLine
		}
	}
	return y + chartMargin - 2
}

// legend draws the legend from y down and returns the y below it.
func (c *scoreCanvas) legend(s *Scores, words ScoreWords, x0, y, content int) int {
	x := x0
	item := func(draw func(x, mid int), label string) {
		w := 28 + chartWidth(chartText(label))*chartChar
		if x > x0 && x+w > x0+content {
			x, y = x0, y+chartLine+4
		}
		draw(x, y+7)
		c.text(x+28, y, chartText(label), false)
		x += w + 18
	}
	item(func(x, mid int) { c.fill(image.Rect(x, mid-5, x+22, mid+5), scoreBarColour) }, words.Share)
	item(func(x, mid int) {
		c.fill(image.Rect(x, mid-1, x+22, mid+1), scoreMarginColour)
		c.fill(image.Rect(x, mid-5, x+2, mid+6), scoreMarginColour)
		c.fill(image.Rect(x+20, mid-5, x+22, mid+6), scoreMarginColour)
	}, words.Margin)
	if s.Previous != nil {
		item(func(x, mid int) { c.fill(image.Rect(x+10, mid-8, x+13, mid+9), scorePrevColour) }, words.Previous)
	}
	item(func(x, mid int) {
		for yy := mid - 8; yy < mid+9; yy += 4 {
			c.fill(image.Rect(x+10, yy, x+11, yy+2), scoreAllColour)
		}
	}, words.All)
	return y + chartLine + 4
}

// percent writes a share as a whole percentage: "62%".
func percent(p float64) string { return percentBare(p) + "%" }

func percentBare(p float64) string { return fmt.Sprintf("%.0f", math.Round(p*100)) }
