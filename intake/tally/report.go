package tally

import (
	"encoding/json"
	"strconv"

	"kluis/sync/index"
)

// DefaultMinGroup is the smallest group a report shows: every count below
// it is suppressed. Ten follows the usual practice of statistical offices
// for small-area tables.
const DefaultMinGroup = 10

// MinMinGroup is the least minimum group size a report accepts.
const MinMinGroup = 3

// A Value is a published count, or a suppressed one. A suppressed Value
// holds no number at all (it marshals as null), so a report can be handed
// on without leaking what it hides.
type Value struct {
	N          int
	Suppressed bool
}

// MarshalJSON writes the count, or null when suppressed.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Suppressed {
		return []byte("null"), nil
	}
	return []byte(strconv.Itoa(v.N)), nil
}

// UnmarshalJSON reads a count or null.
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Value{Suppressed: true}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*v = Value{N: n}
	return nil
}

func (v Value) String() string {
	if v.Suppressed {
		return "•"
	}
	return strconv.Itoa(v.N)
}

// A Report is what an organisation may publish of an index.
type Report struct {
	Index    string       `json:"index"`
	Title    string       `json:"title"`
	Period   index.Period `json:"period"`
	MinGroup int          `json:"min_group"`
	// Wijken and Donors are the number of donors per wijk, in the
	// definition's order: a number from 1 to MinGroup−1 is suppressed, as
	// is the number of a tally closed before it kept them. The total over
	// all wijken is not part of the report.
	Wijken []string `json:"wijken"`
	Donors []Value  `json:"donors"`
	Tables []Table  `json:"tables"`
}

// A Table is one question: a row per wijk, a column per answer, with row,
// column and grand totals (the number of donors who answered the
// question, per wijk, per answer, in all).
type Table struct {
	Question  string    `json:"question"`
	Text      string    `json:"text"`
	Answers   []string  `json:"answers"`
	Wijken    []string  `json:"wijken"`
	Cells     [][]Value `json:"cells"` // [wijk][answer]
	RowTotals []Value   `json:"row_totals"`
	ColTotals []Value   `json:"col_totals"`
	Total     Value     `json:"total"`
}

// MakeReport builds the report of a tally with cells below minGroup
// suppressed (see Suppress).
func MakeReport(def *index.Definition, t *Tally, minGroup int) *Report {
	if minGroup < MinMinGroup {
		minGroup = MinMinGroup
	}
	r := &Report{Index: def.ID, Title: def.Title, Period: def.Period, MinGroup: minGroup}
	var wijken []string
	for _, w := range def.Wijken {
		wijken = append(wijken, w.Name)
	}
	perWijk, known := t.WijkDonors()
	r.Wijken = wijken
	for _, w := range wijken {
		n := perWijk[w]
		r.Donors = append(r.Donors, Value{N: n, Suppressed: !known || (n > 0 && n < minGroup)})
		if r.Donors[len(r.Donors)-1].Suppressed {
			r.Donors[len(r.Donors)-1].N = 0
		}
	}
	for _, q := range def.Questions {
		counts := make([][]int, len(wijken))
		for i, w := range wijken {
			counts[i] = make([]int, len(q.Answers))
			for j, a := range q.Answers {
				counts[i][j] = t.Counts[CellKey(w, q.ID, a)]
			}
		}
		tb := Suppress(counts, minGroup)
		tb.Question, tb.Text, tb.Answers, tb.Wijken = q.ID, q.Text, q.Answers, wijken
		r.Tables = append(r.Tables, tb)
	}
	return r
}

// Suppress turns a table of counts into a publishable Table.
//
// Primary suppression: every cell and every total from 1 to minGroup−1 is
// suppressed (zero is shown: it says nobody, which reveals no one's
// answer).
//
// Secondary suppression: the table is a set of lines — each row with its
// row total, each column with its column total, the column totals with the
// grand total and the row totals with the grand total. In every line whose
// total is shown, the suppressed entries must be none, or at least two that
// together count at least minGroup: otherwise subtracting the shown
// entries from the total would reveal one suppressed cell, or a group
// smaller than minGroup. Until that holds everywhere, the smallest shown
// non-zero cell of a failing line is suppressed too (a zero cell when no
// other is left), and when the line has no shown entries left, its total.
// A suppressed total whose entries are all shown would be their sum, so
// one of them is suppressed as well.
func Suppress(counts [][]int, minGroup int) Table { return suppress(counts, nil, minGroup) }

// Totals are a table's totals when they are not the sums of its cells:
// the perturbed totals of the council's report (see Scores), each with
// noise of its own.
type Totals struct {
	Rows  []int
	Cols  []int
	Grand int
}

// SuppressWithTotals is Suppress for a table whose totals are given
// rather than summed: the same primary and secondary suppression, on the
// given numbers.
func SuppressWithTotals(counts [][]int, totals Totals, minGroup int) Table {
	return suppress(counts, &totals, minGroup)
}

func suppress(counts [][]int, totals *Totals, minGroup int) Table {
	W := len(counts)
	A := 0
	if W > 0 {
		A = len(counts[0])
	}
	// Entries: cells w*A+a, row totals W*A+w, column totals W*A+W+a,
	// the grand total W*A+W+A.
	n := W*A + W + A + 1
	val := make([]int, n)
	cell := func(w, a int) int { return w*A + a }
	row := func(w int) int { return W*A + w }
	col := func(a int) int { return W*A + W + a }
	grand := n - 1
	for w := 0; w < W; w++ {
		for a := 0; a < A; a++ {
			v := counts[w][a]
			val[cell(w, a)] = v
			val[row(w)] += v
			val[col(a)] += v
			val[grand] += v
		}
	}
	if totals != nil {
		for w := 0; w < W; w++ {
			val[row(w)] = totals.Rows[w]
		}
		for a := 0; a < A; a++ {
			val[col(a)] = totals.Cols[a]
		}
		val[grand] = totals.Grand
	}
	type line struct {
		entries []int
		total   int
	}
	var lines []line
	for w := 0; w < W; w++ {
		l := line{total: row(w)}
		for a := 0; a < A; a++ {
			l.entries = append(l.entries, cell(w, a))
		}
		lines = append(lines, l)
	}
	for a := 0; a < A; a++ {
		l := line{total: col(a)}
		for w := 0; w < W; w++ {
			l.entries = append(l.entries, cell(w, a))
		}
		lines = append(lines, l)
	}
	rt, ct := line{total: grand}, line{total: grand}
	for w := 0; w < W; w++ {
		rt.entries = append(rt.entries, row(w))
	}
	for a := 0; a < A; a++ {
		ct.entries = append(ct.entries, col(a))
	}
	lines = append(lines, rt, ct)

	sup := make([]bool, n)
	for i, v := range val {
		sup[i] = v > 0 && v < minGroup
	}
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			count, sum := 0, 0
			for _, e := range l.entries {
				if sup[e] {
					count++
					sum += val[e]
				}
			}
			if sup[l.total] {
				// A hidden total must not be the sum of shown entries.
				if count > 0 || val[l.total] == 0 {
					continue
				}
			} else if count == 0 || (count >= 2 && sum >= minGroup) {
				continue
			}
			pick := -1
			for _, e := range l.entries {
				if sup[e] {
					continue
				}
				if pick < 0 || (val[pick] == 0 && val[e] > 0) || (val[e] > 0 && val[e] < val[pick]) {
					pick = e
				}
			}
			if pick < 0 {
				if sup[l.total] {
					continue
				}
				pick = l.total
			}
			sup[pick] = true
			changed = true
		}
	}
	pub := func(i int) Value {
		if sup[i] {
			return Value{Suppressed: true}
		}
		return Value{N: val[i]}
	}
	t := Table{Cells: make([][]Value, W), RowTotals: make([]Value, W), ColTotals: make([]Value, A), Total: pub(grand)}
	for w := 0; w < W; w++ {
		t.Cells[w] = make([]Value, A)
		for a := 0; a < A; a++ {
			t.Cells[w][a] = pub(cell(w, a))
		}
		t.RowTotals[w] = pub(row(w))
	}
	for a := 0; a < A; a++ {
		t.ColTotals[a] = pub(col(a))
	}
	return t
}
