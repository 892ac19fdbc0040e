package tally

import (
	"math/rand/v2"
	"testing"

	"kluis/sync/index"
	"kluis/sync/index/indextest"
)

// published is one shown number of a table with the cells it adds up.
type published struct {
	name  string
	n     int
	cells map[[2]int]bool
}

// checkTable checks that a published table reveals no group smaller than
// minGroup: no shown number from 1 to minGroup−1; no suppressed value that
// comes out of a single line (a total minus its shown entries); and no
// difference of two shown numbers, one a part of the other, from 1 to
// minGroup−1.
func checkTable(t *testing.T, counts [][]int, tb Table, minGroup int) {
	t.Helper()
	W, A := len(counts), len(counts[0])
	rowSum, colSum, all := make([]int, W), make([]int, A), 0
	for w := range counts {
		for a, v := range counts[w] {
			rowSum[w] += v
			colSum[a] += v
			all += v
		}
	}
	var shown []published
	add := func(name string, v Value, truth int, cells map[[2]int]bool) {
		if v.Suppressed {
			if v.N != 0 {
				t.Fatalf("%s: a suppressed value carries a number", name)
			}
			return
		}
		if v.N != truth {
			t.Fatalf("%s: shows %d, true %d", name, v.N, truth)
		}
		if v.N > 0 && v.N < minGroup {
			t.Fatalf("%s: shows %d, below %d\n%v", name, v.N, minGroup, counts)
		}
		shown = append(shown, published{name, v.N, cells})
	}
	rowCells := func(w int) map[[2]int]bool {
		m := map[[2]int]bool{}
		for a := 0; a < A; a++ {
			m[[2]int{w, a}] = true
		}
		return m
	}
	colCells := func(a int) map[[2]int]bool {
		m := map[[2]int]bool{}
		for w := 0; w < W; w++ {
			m[[2]int{w, a}] = true
		}
		return m
	}
	allCells := map[[2]int]bool{}
	for w := range counts {
		for a := range counts[w] {
			add("cell", tb.Cells[w][a], counts[w][a], map[[2]int]bool{{w, a}: true})
			allCells[[2]int{w, a}] = true
		}
		add("row total", tb.RowTotals[w], rowSum[w], rowCells(w))
	}
	for a := range colSum {
		add("column total", tb.ColTotals[a], colSum[a], colCells(a))
	}
	add("total", tb.Total, all, allCells)

	// Every difference of two shown numbers, one part of the other.
	for _, x := range shown {
		for _, y := range shown {
			if len(y.cells) >= len(x.cells) {
				continue
			}
			sub := true
			for c := range y.cells {
				sub = sub && x.cells[c]
			}
			if d := x.n - y.n; sub && d > 0 && d < minGroup {
				t.Fatalf("%s − %s = %d reveals a group below %d\n%v", x.name, y.name, d, minGroup, counts)
			}
		}
	}
	// Every line: a shown total minus its shown entries.
	type entry struct {
		v     Value
		truth int
	}
	check := func(name string, total Value, entries []entry) {
		hidden, sum := 0, 0
		for _, e := range entries {
			if e.v.Suppressed {
				hidden++
				sum += e.truth
			}
		}
		if !total.Suppressed && hidden > 0 && (hidden < 2 || sum < minGroup) {
			t.Fatalf("%s: %d suppressed entries adding up to %d can be derived\n%v", name, hidden, sum, counts)
		}
		if total.Suppressed && hidden == 0 && total.N == 0 {
			sumAll := 0
			for _, e := range entries {
				sumAll += e.truth
			}
			if sumAll > 0 {
				t.Fatalf("%s: a suppressed total is the sum of its shown entries\n%v", name, counts)
			}
		}
	}
	for w := 0; w < W; w++ {
		var es []entry
		for a := 0; a < A; a++ {
			es = append(es, entry{tb.Cells[w][a], counts[w][a]})
		}
		check("row", tb.RowTotals[w], es)
	}
	for a := 0; a < A; a++ {
		var es []entry
		for w := 0; w < W; w++ {
			es = append(es, entry{tb.Cells[w][a], counts[w][a]})
		}
		check("column", tb.ColTotals[a], es)
	}
	var rs, cs []entry
	for w := 0; w < W; w++ {
		rs = append(rs, entry{tb.RowTotals[w], rowSum[w]})
	}
	for a := 0; a < A; a++ {
		cs = append(cs, entry{tb.ColTotals[a], colSum[a]})
	}
	check("row totals", tb.Total, rs)
	check("column totals", tb.Total, cs)
}

// TestSuppressProperty: random tables, small and large counts mixed, for
// several minimum group sizes.
func TestSuppressProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	for i := 0; i < 20000; i++ {
		W, A := 1+rng.IntN(5), 2+rng.IntN(4)
		minGroup := MinMinGroup + rng.IntN(10)
		counts := make([][]int, W)
		for w := range counts {
			counts[w] = make([]int, A)
			for a := range counts[w] {
				switch rng.IntN(4) {
				case 0:
				case 1:
					counts[w][a] = rng.IntN(minGroup)
				default:
					counts[w][a] = rng.IntN(4 * minGroup)
				}
			}
		}
		checkTable(t, counts, Suppress(counts, minGroup), minGroup)
	}
}

// TestReportProperty: random donations through the real path (donation
// files, OpenDonation, Tally, MakeReport); every table of every report
// passes checkTable, and no report shows a number below the minimum.
func TestReportProperty(t *testing.T) {
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	p := indextest.NewDefinition(t, org, indextest.Fields())
	def := p.Definition
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 8; round++ {
		tl := NewTally()
		donors := 5 + rng.IntN(60)
		for i := 0; i < donors; i++ {
			var answers []index.Answer
			for _, q := range def.Questions {
				if rng.IntN(4) > 0 {
					answers = append(answers, index.Answer{Question: q.ID, Answer: q.Answers[rng.IntN(len(q.Answers))]})
				}
			}
			if len(answers) == 0 {
				continue
			}
			d, err := index.OpenDonation(indextest.Donate(t, p, indextest.NewKeySigner(t), def.Wijken[rng.IntN(3)].Name, answers...), org, def)
			if err != nil {
				t.Fatal(err)
			}
			tl.Add(d)
		}
		minGroup := []int{3, 5, 10}[round%3]
		r := MakeReport(def, tl, minGroup)
		for qi, q := range def.Questions {
			counts := make([][]int, len(def.Wijken))
			for w, wk := range def.Wijken {
				counts[w] = make([]int, len(q.Answers))
				for a, ans := range q.Answers {
					counts[w][a] = tl.Counts[CellKey(wk.Name, q.ID, ans)]
				}
			}
			checkTable(t, counts, r.Tables[qi], minGroup)
		}
	}
}
