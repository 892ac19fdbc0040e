package tally

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"kluis/sync/index"
)

// chartReport is a report as MakeReport makes it, written out so the test
// knows every cell: in Assendorp the "ja" of schulden is suppressed.
func chartReport() *Report {
	shown := func(n int) Value { return Value{N: n} }
	hidden := Value{Suppressed: true}
	return &Report{
		Index: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", Title: "Jongerenindex Zwolle",
		Period:   index.Period{Name: "2026-Q4", Start: "2026-10-01", End: "2026-12-31"},
		MinGroup: 10,
		Tables: []Table{{
			Question: "schulden", Text: "Heeft u schulden die nog open staan?",
			Answers: []string{"ja", "nee"},
			Wijken:  []string{"Assendorp", "Holtenbroek", "Stadshagen-Noord en de Hanzewijk aan het water"},
			Cells: [][]Value{
				{hidden, hidden},
				{shown(12), shown(31)},
				{shown(0), shown(104)},
			},
			RowTotals: []Value{hidden, shown(43), shown(104)},
			ColTotals: []Value{hidden, hidden},
			Total:     shown(160),
		}, {
			Question: "veilig", Text: "Hoe veilig voelt u zich in uw wijk? 1 is heel onveilig, 5 is heel veilig.",
			Answers: index.AnswersOf(index.KindScale),
			Wijken:  []string{"Assendorp", "Holtenbroek", "Stadshagen-Noord en de Hanzewijk aan het water"},
			Cells: [][]Value{
				{shown(10), shown(11), shown(12), shown(13), shown(14)},
				{shown(20), shown(0), shown(25), shown(30), shown(10)},
				{shown(40), shown(45), shown(50), shown(155), shown(160)},
			},
			RowTotals: []Value{shown(60), shown(85), shown(450)},
			ColTotals: []Value{shown(70), shown(56), shown(87), shown(198), shown(184)},
			Total:     shown(595),
		}},
	}
}

func decodeChart(t *testing.T, b []byte) *image.Paletted {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := img.(*image.Paletted)
	if !ok {
		t.Fatalf("chart is a %T, want a paletted image", img)
	}
	return p
}

// countIn counts the pixels of colour in r.
func countIn(img *image.Paletted, r image.Rectangle, colour uint8) int {
	n := 0
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.ColorIndexAt(x, y) == colour {
				n++
			}
		}
	}
	return n
}

// baselines finds the base lines of the rows of bars: ink lines of the
// row's exact width starting at the left margin.
func baselines(img *image.Paletted, width int) []int {
	var ys []int
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		if countIn(img, image.Rect(chartMargin, y, chartMargin+width+1, y+1), chartInk) == width {
			ys = append(ys, y)
		}
	}
	return ys
}

func TestChartLayout(t *testing.T) {
	r := chartReport()
	b, err := r.Chart()
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("KLUIS_CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "chart.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := decodeChart(t, b)
	width := chartMinWidth + 2*chartMargin
	if img.Rect.Dx() != width || img.Rect.Dy() < 2*(chartHeight+chartLine) || img.Rect.Dy() > 1200 {
		t.Fatalf("chart is %v", img.Rect)
	}
	// The report's title in the top line.
	if n := countIn(img, image.Rect(chartMargin, chartMargin, chartMargin+chartWidth(r.Title)*chartChar+1, chartMargin+13), chartInk); n < 100 {
		t.Errorf("title: %d ink pixels", n)
	}
	for i := range r.Tables {
		p := planChart(&r.Tables[i])
		if p.perRow != 3 {
			t.Fatalf("question %d: %d groups a row", i, p.perRow)
		}
	}
	bases := baselines(img, planChart(&r.Tables[0]).rowWidth(3))
	bases2 := baselines(img, planChart(&r.Tables[1]).rowWidth(3))
	if len(bases) != 1 || len(bases2) != 1 || bases2[0] <= bases[0] {
		t.Fatalf("base lines %v, %v", bases, bases2)
	}
	var rules []int // before each panel and before the footer
	for y := range img.Rect.Dy() {
		if countIn(img, image.Rect(chartMargin, y, chartMargin+chartMinWidth, y+1), chartRule) == chartMinWidth {
			rules = append(rules, y)
		}
	}
	if len(rules) != 3 || rules[1] < bases[0] || rules[1] > bases2[0] || rules[2] < bases2[0] {
		t.Fatalf("rules %v", rules)
	}
	for i, base := range []int{bases[0], bases2[0]} {
		tb := &r.Tables[i]
		p := planChart(tb)
		// The question's text in the panel's title, under the panel's rule.
		title := rules[i] + 10
		if n := countIn(img, image.Rect(chartMargin, title, chartMargin+chartMinWidth, title+13), chartInk); n < 100 {
			t.Errorf("question %d: %d ink pixels in its title", i, n)
		}
		for w := range tb.Wijken {
			gx := chartMargin + w*(p.group+chartGap)
			// The wijk's name under its group.
			lines := len(chartWrap(chartText(tb.Wijken[w]), p.group/chartChar, chartNameLines))
			name := image.Rect(gx, base+1, gx+p.group, base+5+chartNameLines*chartLine)
			if n := countIn(img, name, chartInk); n < 20*lines {
				t.Errorf("question %d, wijk %d: %d ink pixels under the group", i, w, n)
			}
			bx := gx + (p.group-p.answers*p.pitch)/2
			for a, v := range tb.Cells[w] {
				x := bx + a*p.pitch
				column := image.Rect(x, base-chartHeight-chartLine, x+p.pitch, base)
				colour := uint8(chartFirstColour + a)
				if v.Suppressed {
					// The hatched stub, nothing of the answer's colour and no number.
					stub := image.Rect(x+1, base-chartStub, x+p.pitch-1, base)
					if n := countIn(img, stub, chartHatch); n < stub.Dx()*stub.Dy()/3 {
						t.Errorf("question %d, cell %d,%d: %d hatched pixels", i, w, a, n)
					}
					if n := countIn(img, column, chartInk) + countIn(img, column, colour); n != 0 {
						t.Errorf("question %d, cell %d,%d is suppressed but has %d ink or bar pixels", i, w, a, n)
					}
					continue
				}
				if n := countIn(img, column, chartHatch); n != 0 {
					t.Errorf("question %d, cell %d,%d: %d hatched pixels", i, w, a, n)
				}
				h := v.N * chartHeight / p.top
				if n := countIn(img, column, colour); n != h*(p.pitch-2) {
					t.Errorf("question %d, cell %d,%d = %d: %d bar pixels, want %d", i, w, a, v.N, n, h*(p.pitch-2))
				}
				// The count just above the bar (a zero sits on the base line).
				label := image.Rect(x, base-h-13, x+p.pitch, base-h)
				if n := countIn(img, label, chartInk); n < 10 {
					t.Errorf("question %d, cell %d,%d: %d ink pixels above the bar", i, w, a, n)
				}
			}
		}
	}
	// The legend of the hatching only in the panel that has suppressed
	// cells: two hatched legend squares' worth in the first panel, none in
	// the second above its bars.
	above := image.Rect(0, bases[0]+chartNameLines*chartLine, width, bases2[0]-chartHeight-chartLine)
	if n := countIn(img, above, chartHatch); n != 0 {
		t.Errorf("second panel: %d hatched pixels in its legend", n)
	}
	// The footer: ink below the last row's names.
	footer := image.Rect(0, bases2[0]+5+chartNameLines*chartLine+8, width, img.Rect.Dy())
	if n := countIn(img, footer, chartInk); n < 300 {
		t.Errorf("footer: %d ink pixels", n)
	}
}

// TestChartHidesSuppressed checks that the chart does not depend on the
// count a suppressed cell hides: not in a label, a bar, the scale or the
// layout.
func TestChartHidesSuppressed(t *testing.T) {
	want, err := chartReport().Chart()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 7, 9, 10, 1000, 123456789} {
		r := chartReport()
		r.Tables[0].Cells[0][0].N = n
		r.Tables[0].Cells[0][1].N = 3
		r.Tables[0].RowTotals[0].N = n + 3
		got, err := r.Chart()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the chart changes when a suppressed cell hides %d", n)
		}
	}
	// And from a real tally: two reports whose hidden cells differ.
	def := &index.Definition{ID: "x", Title: "t", Period: index.Period{Name: "2026-Q4", Start: "2026-10-01", End: "2026-12-31"},
		Wijken:    []index.Wijk{{Name: "A"}, {Name: "B"}, {Name: "C"}},
		Questions: []index.Question{{ID: "q", Text: "Vraag?", Kind: index.KindYesNo, Answers: []string{"ja", "nee"}}}}
	chart := func(a []int) []byte {
		tl := NewTally()
		for i, w := range []string{"A", "B", "C"} {
			tl.Counts[CellKey(w, "q", "ja")] = a[2*i]
			tl.Counts[CellKey(w, "q", "nee")] = a[2*i+1]
		}
		r := MakeReport(def, tl, 10)
		b, err := r.Chart()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A's cells (4 and 5, or 6 and 3) are suppressed and so are enough
	// others that the shown numbers are the same.
	one, two := chart([]int{4, 5, 20, 30, 40, 50}), chart([]int{6, 3, 20, 30, 40, 50})
	r := MakeReport(def, &Tally{Counts: map[string]int{CellKey("A", "q", "ja"): 4, CellKey("A", "q", "nee"): 5,
		CellKey("B", "q", "ja"): 20, CellKey("B", "q", "nee"): 30, CellKey("C", "q", "ja"): 40, CellKey("C", "q", "nee"): 50}}, 10)
	if !r.Tables[0].Cells[0][0].Suppressed || !r.Tables[0].Cells[0][1].Suppressed {
		t.Fatalf("cells %v", r.Tables[0].Cells)
	}
	if !bytes.Equal(one, two) {
		t.Error("the chart differs for two tallies whose differences are all suppressed")
	}
}

func TestChartText(t *testing.T) {
	for in, want := range map[string]string{
		"Assendorp":              "Assendorp",
		"Zuïd-Oost":              "Zuid-Oost",
		"Café Überstraße":        "Cafe Uberstrasse",
		"Ĳsselmonde":             "IJsselmonde",
		"Cafe\u0301":             "Cafe",
		"‘t Veld — Noord":        "'t Veld - Noord",
		"Łódź":                   "Lodz",
		"東京":                     "??",
		"wijk\u00a0\t1":          "wijk  1",
		"😀 Vrolijk":              "? Vrolijk",
		"een…":                   "een…",
		"Curaçao, Ærø, Ørestad":  "Curacao, AEro, Orestad",
		"Noord\u200bpark (oost)": "Noord?park (oost)",
	} {
		got := chartText(in)
		if got != want {
			t.Errorf("chartText(%q) = %q, want %q", in, got, want)
		}
		for _, r := range got {
			if (r < ' ' || r > '~') && r != chartEllipsis {
				t.Errorf("chartText(%q) = %q holds %q, which basicfont cannot draw", in, got, r)
			}
		}
	}
}

// TestChartDiacritics draws letters basicfont lacks as their plain
// letters, and characters without one as '?': the same image as the
// plain text gives, never one with letters left out.
func TestChartDiacritics(t *testing.T) {
	draw := func(title, wijk string) []byte {
		r := chartReport()
		r.Title, r.Tables[1].Wijken[1] = title, wijk
		b, err := r.Chart()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(draw("Wijkonderzoek Café Ĳssel", "Zuïd-Oost"), draw("Wijkonderzoek Cafe IJssel", "Zuid-Oost")) {
		t.Error("é, Ĳ and ï are not drawn as e, IJ and i")
	}
	if !bytes.Equal(draw("東京 index", "Zuid"), draw("?? index", "Zuid")) {
		t.Error("characters without a plain letter are not drawn as '?'")
	}
	if bytes.Equal(draw("Zuid", "Zuid"), draw("Zuid", "Zud")) {
		t.Error("a letter is missing from the chart")
	}
}

func TestChartWrap(t *testing.T) {
	for _, c := range []struct {
		in       string
		cols, n  int
		want     []string
		wantEach int
	}{
		{"Stadshagen-Noord en de Hanzewijk aan het water", 15, 3, []string{"Stadshagen-", "Noord en de", "Hanzewijk aan…"}, 15},
		{"Stadshagen-Noord en de Hanzewijk aan het water", 17, 3, []string{"Stadshagen-Noord", "en de Hanzewijk", "aan het water"}, 17},
		{"Binnenstadsomgevingswijk", 10, 3, []string{"Binnenstad", "somgevings", "wijk"}, 10},
		{"Binnenstadsomgevingswijkdeel", 10, 2, []string{"Binnenstad", "somgeving…"}, 10},
		{"Noord - Zuid 2-3", 10, 0, []string{"Noord -", "Zuid 2-3"}, 10},
		{"Assendorp", 13, 3, []string{"Assendorp"}, 13},
		{"Heeft u schulden die nog open staan?", 20, 0, []string{"Heeft u schulden die", "nog open staan?"}, 20},
		{"een twee drie vier", 9, 1, []string{"een twee…"}, 9},
		{"", 10, 2, nil, 10},
	} {
		got := chartWrap(c.in, c.cols, c.n)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("chartWrap(%q, %d, %d) = %q, want %q", c.in, c.cols, c.n, got, c.want)
		}
		for _, l := range got {
			if utf8.RuneCountInString(l) > c.wantEach {
				t.Errorf("chartWrap(%q): line %q is too long", c.in, l)
			}
		}
	}
}

// TestChartWords checks that the fixed words are the caller's, and that
// the English ones are the default.
func TestChartWords(t *testing.T) {
	r := chartReport()
	def, _ := r.Chart()
	same, _ := r.ChartWith(ChartWords{}.orDefaults(r))
	if !bytes.Equal(def, same) {
		t.Error("ChartWith with the English words differs from Chart")
	}
	nl, err := r.ChartWith(ChartWords{
		Hidden:   "Niet getoond: minder dan 10 personen, of uit andere getallen af te leiden.",
		MinGroup: "Minimale groepsgrootte: 10 personen",
		Period:   "Periode 2026-Q4: 2026-10-01 tot en met 2026-12-31",
	})
	if err != nil || bytes.Equal(nl, def) {
		t.Fatalf("Dutch words: %v", err)
	}
	if dir := os.Getenv("KLUIS_CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "chart-nl.png"), nl, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestChartLimits draws the largest report a definition allows, with the
// longest names, and some malformed ones, without failing.
func TestChartLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("large chart")
	}
	r := &Report{Title: strings.Repeat("Wijkonderzoek ", 14), MinGroup: 10, Period: index.Period{Name: "2026-Q4", Start: "2026-10-01", End: "2026-12-31"}}
	var wijken []string
	for w := range index.MaxWijken {
		wijken = append(wijken, fmt.Sprintf("%02d %s", w, strings.Repeat("Wijknaam", 8)[:57]))
	}
	answers := []string{"0-11", "12-15", "16-17", "18-20", "21-26", "27-40", "41-66", "67+"}
	for q := range index.MaxQuestions {
		tb := Table{Question: fmt.Sprintf("vraag_%d", q), Text: strings.Repeat("Hoe gaat het met u? ", 15), Answers: answers, Wijken: wijken}
		for w := range wijken {
			var row []Value
			for a := range answers {
				row = append(row, Value{N: 10000 + w*100 + a, Suppressed: (w+a)%7 == 0})
			}
			tb.Cells = append(tb.Cells, row)
		}
		r.Tables = append(r.Tables, tb)
	}
	b, err := r.Chart()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Width > chartMaxRow+2*chartMargin {
		t.Errorf("chart is %d pixels wide", img.Width)
	}
	t.Logf("largest chart: %d×%d pixels, %d bytes", img.Width, img.Height, len(b))
	if dir := os.Getenv("KLUIS_CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "chart-large.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Malformed reports (as read from JSON) draw what they can.
	bad := chartReport()
	bad.Tables[0].Cells = bad.Tables[0].Cells[:1]
	bad.Tables[1].Cells[2] = bad.Tables[1].Cells[2][:2]
	bad.Tables[1].Cells[1][0].N = -5
	bad.Tables = append(bad.Tables, Table{})
	if _, err := bad.Chart(); err != nil {
		t.Fatal(err)
	}
}
