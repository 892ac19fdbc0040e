package tally

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSVHeader are the columns of Scores.CSV, as open data.
var CSVHeader = []string{"kind", "period", "wijk", "domain", "question", "answer", "direction", "value", "low", "high", "compared", "change", "change_low", "change_high", "trend"}

// CSV writes the report as one table (RFC 4180, a header line first) for
// open data, a row per published number:
//
//   - kind "donors": the number of donors of a wijk (value);
//   - kind "score": the score of a wijk (empty wijk: the whole
//     municipality) in a domain (empty domain: all domains together) —
//     value, low and high as shares from 0 to 1 with four decimals,
//     compared (better, same, worse) and, when the report compares with
//     the period before, change, change_low, change_high (shares) and
//     trend (up, down, same);
//   - kind "count": the perturbed count of an answer to a question in a
//     wijk, with the answer's direction when the question is in a domain.
//
// A number that is not shown is an empty field; 0 is "0". Like the rest of
// the report the table holds only the published numbers, and the same
// report always gives the same bytes.
func (s *Scores) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(kind, wijk, domain, question, answer, direction, value string, extra ...string) {
		r := []string{kind, SafeCSV(s.Period.Name), SafeCSV(wijk), domain, question, SafeCSV(answer), direction, value}
		r = append(r, extra...)
		for len(r) < len(CSVHeader) {
			r = append(r, "")
		}
		cw.Write(r)
	}
	cw.Write(CSVHeader)
	value := func(v Value) string {
		if v.Suppressed {
			return ""
		}
		return strconv.Itoa(v.N)
	}
	share := func(x float64) string { return strconv.FormatFloat(round4(x), 'f', 4, 64) }
	for i, name := range s.Wijken {
		row("donors", name, "", "", "", "", value(s.Donors[i]))
	}
	scores := func(d *DomainScores) {
		one := func(wijk string, sc Score) {
			if !sc.Shown {
				row("score", wijk, d.ID, "", "", "", "")
				return
			}
			extra := []string{share(sc.Low), share(sc.High), sc.Compared}
			if c := sc.Change; c != nil {
				extra = append(extra, share(c.Delta), share(c.Low), share(c.High), c.Trend)
			}
			row("score", wijk, d.ID, "", "", "", share(sc.Share), extra...)
		}
		one("", d.All)
		for i, sc := range d.Wijken {
			one(s.Wijken[i], sc)
		}
	}
	for i := range s.Domains {
		scores(&s.Domains[i])
	}
	scores(&s.Overall)
	for _, t := range s.Tables {
		dirs := s.directions[t.Question]
		for w, name := range t.Wijken {
			for a, answer := range t.Answers {
				dir := ""
				if a < len(dirs) {
					dir = dirs[a]
				}
				row("count", name, "", t.Question, answer, dir, value(t.Cells[w][a]))
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCSV keeps a text from being read as a formula by a spreadsheet: a
// text that starts with = + - @ or a tab or carriage return gets a ' in
// front.
func SafeCSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
