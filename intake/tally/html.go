package tally

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"kluis/internal/i18n"
)

// The council's report as a web page (kluis-intake index report --html,
// and the same part on the caseworker's desk). Its words are the messages
// "report.index.*" in the reader's language: B1 Dutch by default.

//go:embed report.html.tmpl
var reportTemplate string

var reportPage = template.Must(template.New("page").Funcs(template.FuncMap{
	"T":    func(string, ...any) string { return "" },
	"N":    func(string, int, ...any) string { return "" },
	"join": func(s []string) string { return strings.Join(s, ", ") },
	"pct":  func(p float64) string { return percent(p) },
}).Parse(reportTemplate))

// HTMLOptions say how to write the report as HTML.
type HTMLOptions struct {
	Cat *i18n.Catalog
	// ChartSrc is where the chart of panel i (a domain; len(Domains) is
	// all domains together) is found. Nil puts each chart in the page
	// itself as a data: URL, so the file stands alone.
	ChartSrc func(panel int) string
}

// Words are the chart's words from the catalogue.
func (s *Scores) Words(cat *i18n.Catalog) ScoreWords {
	w := ScoreWords{
		All:     cat.T("report.index.all", nil),
		Overall: cat.T("report.index.overall", nil),
		Share:   cat.T("report.index.chart.share", nil),
		Margin:  cat.T("report.index.chart.margin", nil),
		Hidden:  cat.T("report.index.chart.hidden", nil),
		Better:  cat.T("report.index.compared.better", nil),
		Worse:   cat.T("report.index.compared.worse", nil),
	}
	if s.Previous != nil {
		w.Previous = cat.T("report.index.chart.previous", map[string]any{"Period": s.Previous.Name})
	}
	var donors []string
	for i, name := range s.Wijken {
		donors = append(donors, name+" "+strings.ReplaceAll(s.Donors[i].String(), "•", "-"))
	}
	w.Footer = []string{
		cat.T("report.index.chart.donors", map[string]any{"List": strings.Join(donors, ", ")}),
		cat.T("report.index.chart.footer", map[string]any{"Min": s.MinGroup, "Period": s.Period.Name, "Start": s.Period.Start, "End": s.Period.End}),
		cat.T("report.index.chart.noise", map[string]any{"Max": s.MaxDeviation}),
	}
	return w
}

// HTML writes the report as one HTML page that stands alone: its style
// and, unless o.ChartSrc says otherwise, its charts are inside it. The
// page holds no time of making, so the same donations always give the
// same bytes.
func (s *Scores) HTML(w io.Writer, o HTMLOptions) error {
	body, err := s.BodyHTML(o)
	if err != nil {
		return err
	}
	return s.execute(w, "page", o, body)
}

// BodyHTML is the report's part of a page: what HTML puts in its body,
// for a page of the caseworker's desk, which styles the same classes.
func (s *Scores) BodyHTML(o HTMLOptions) (template.HTML, error) {
	var b bytes.Buffer
	if err := s.execute(&b, "body", o, ""); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

func (s *Scores) execute(w io.Writer, name string, o HTMLOptions, body template.HTML) error {
	cat := o.Cat
	args := func(kv []any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	}
	t, err := reportPage.Clone()
	if err != nil {
		return err
	}
	t.Funcs(template.FuncMap{
		"T": func(key string, kv ...any) string { return cat.T(key, args(kv)) },
		"N": func(key string, n int, kv ...any) string { return cat.N(key, n, args(kv)) },
	})
	v, err := s.view(o)
	if err != nil {
		return err
	}
	v.Body = body
	return t.ExecuteTemplate(w, name, v)
}

// reportView is what the template shows.
type reportView struct {
	*Scores
	Lang    string
	Body    template.HTML
	Panels  []panelView
	Who     string // the ages the index is for, or ""
	Hidden  bool   // a count table hides a number
	Compare bool   // some wijk is compared
}

type panelView struct {
	Name      string
	Questions []Asked
	Rows      []scoreLine
	Chart     template.URL
}

type scoreLine struct {
	Name     string
	All      bool
	Score    Score
	Share    string // "62%"
	Margin   string // "48–74%"
	Change   string // "+5 (−3 tot +12)"
	Donors   string
	Compared string
	Trend    string
}

func (s *Scores) view(o HTMLOptions) (*reportView, error) {
	v := &reportView{Scores: s, Lang: o.Cat.Lang()}
	for _, t := range s.Tables {
		for _, row := range t.Cells {
			for _, c := range row {
				v.Hidden = v.Hidden || c.Suppressed
			}
		}
	}
	panels := append(append([]DomainScores{}, s.Domains...), s.Overall)
	for i, d := range panels {
		p := panelView{Name: d.Name, Questions: d.Asked}
		if d.ID == "" {
			p.Name, p.Questions = o.Cat.T("report.index.overall", nil), nil
		}
		src := ""
		if o.ChartSrc != nil {
			src = o.ChartSrc(i)
		} else {
			words := s.Words(o.Cat)
			words.Bare = true // the page says the title and the notes
			png, err := s.ScoreChart(words, i)
			if err != nil {
				return nil, err
			}
			src = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
		}
		p.Chart = template.URL(src)
		line := func(name string, all bool, sc Score, donors string) scoreLine {
			l := scoreLine{Name: name, All: all, Score: sc, Donors: donors, Compared: sc.Compared}
			if sc.Shown {
				l.Share = percent(sc.Share)
				l.Margin = percentBare(sc.Low) + "–" + percent(sc.High)
				v.Compare = v.Compare || sc.Compared != ""
			}
			if c := sc.Change; c != nil {
				l.Change = o.Cat.T("report.index.change_value", map[string]any{"Delta": points(c.Delta), "Low": points(c.Low), "High": points(c.High)})
				l.Trend = c.Trend
			}
			return l
		}
		p.Rows = append(p.Rows, line(o.Cat.T("report.index.all", nil), true, d.All, ""))
		for wi, sc := range d.Wijken {
			p.Rows = append(p.Rows, line(s.Wijken[wi], false, sc, s.Donors[wi].String()))
		}
		v.Panels = append(v.Panels, p)
	}
	return v, nil
}

// points writes a change of a share in percentage points, signed: "+5",
// "−3", "0".
func points(d float64) string {
	n := int(math.Round(d * 100))
	switch {
	case n > 0:
		return fmt.Sprintf("+%d", n)
	case n < 0:
		return fmt.Sprintf("−%d", -n)
	}
	return "0"
}
