package tally

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"kluis/internal/i18n"
	"kluis/sync/index"
	"kluis/sync/index/indextest"
)

// domainDef is the youth index of indextest.DomainFields for period.
func domainDef(t testing.TB, period string) *index.Parsed {
	t.Helper()
	org := indextest.NewOrg(t, "Gemeente Zwolle")
	return indextest.NewDefinition(t, org, indextest.DomainFields(period))
}

// A donor of a simulated population: a wijk, a record key and an answer
// per question (−1: skipped).
type simDonor struct {
	wijk    int
	key     uint64
	answers []int
}

func (d simDonor) donation(def *index.Definition, pseudonym int) *index.Donation {
	don := &index.Donation{Format: index.DonationFormat, Index: def.ID, Period: def.Period.Name,
		Pseudonym: fmt.Sprintf("%064x", pseudonym), RecordKey: fmt.Sprintf("%016x", d.key), Wijk: def.Wijken[d.wijk].Name}
	for qi, a := range d.answers {
		if a >= 0 {
			don.Answers = append(don.Answers, index.Answer{Question: def.Questions[qi].ID, Answer: def.Questions[qi].Answers[a]})
		}
	}
	return don
}

// population draws a population: per wijk between lo and hi donors; per
// wijk and question answer chances of its own, so wijken differ; one
// question in ten skipped.
func population(rng *rand.Rand, def *index.Definition, lo, hi int) []simDonor {
	var out []simDonor
	for w := range def.Wijken {
		chances := make([][]float64, len(def.Questions))
		for qi, q := range def.Questions {
			chances[qi] = make([]float64, len(q.Answers))
			for a := range chances[qi] {
				chances[qi][a] = rng.Float64() + 0.05
			}
		}
		for range lo + rng.IntN(hi-lo+1) {
			d := simDonor{wijk: w, key: rng.Uint64(), answers: make([]int, len(def.Questions))}
			for qi := range def.Questions {
				d.answers[qi] = pick(rng, chances[qi])
				if rng.IntN(10) == 0 {
					d.answers[qi] = -1
				}
			}
			out = append(out, d)
		}
	}
	return out
}

func pick(rng *rand.Rand, weights []float64) int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	x := rng.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// closedTally folds the donors into a tally and closes it.
func closedTally(t testing.TB, def *index.Definition, donors []simDonor) *Tally {
	t.Helper()
	tl := NewTally()
	for i, d := range donors {
		if _, err := tl.Add(d.donation(def, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	tl.Close()
	return tl
}

func mustScores(t testing.TB, def *index.Definition, tl *Tally, before *Period) *Scores {
	t.Helper()
	s, err := MakeScores(Period{Def: def, Tally: tl}, before, DefaultMinGroup)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWilson checks the interval against the textbook form in successes
// x of n, and its edges.
func TestWilson(t *testing.T) {
	for _, tc := range []struct{ x, n float64 }{{0, 10}, {3, 10}, {5, 10}, {10, 10}, {37, 52}, {120, 400}} {
		lo, hi := Wilson(tc.x/tc.n, tc.n)
		z2 := Z * Z
		mid := (tc.x + z2/2) / (tc.n + z2)
		half := Z * math.Sqrt(tc.n) / (tc.n + z2) * math.Sqrt(tc.x*(tc.n-tc.x)/(tc.n*tc.n)+z2/(4*tc.n))
		if math.Abs(lo-math.Max(0, mid-half)) > 1e-12 || math.Abs(hi-math.Min(1, mid+half)) > 1e-12 {
			t.Errorf("Wilson(%v/%v) = %v, %v; textbook %v, %v", tc.x, tc.n, lo, hi, mid-half, mid+half)
		}
		if lo > tc.x/tc.n || hi < tc.x/tc.n || lo < 0 || hi > 1 {
			t.Errorf("Wilson(%v/%v) = %v, %v does not hold the share", tc.x, tc.n, lo, hi)
		}
	}
	// 5 of 10 at 90 %: 0.2693 … 0.7307.
	if lo, hi := Wilson(0.5, 10); math.Abs(lo-0.2693) > 1e-4 || math.Abs(hi-0.7307) > 1e-4 {
		t.Errorf("Wilson(0.5, 10) = %.4f, %.4f", lo, hi)
	}
	c := Newcombe(Score{Shown: true, Share: 0.5, Low: 0.3, High: 0.7}, Score{Shown: true, Share: 0.8, Low: 0.7, High: 0.88})
	if c.Delta != 0.3 || c.Trend != Up || c.Low <= 0 || c.High <= c.Delta {
		t.Errorf("Newcombe: %+v", c)
	}
}

// TestScoresNeedClosedTally: the report of an open tally is refused with
// the moment it closes; an index without domains has no scores.
func TestScoresNeedClosedTally(t *testing.T) {
	p := domainDef(t, "2026-Q4")
	rng := rand.New(rand.NewPCG(1, 2))
	tl := NewTally()
	for i, d := range population(rng, p.Definition, 12, 12) {
		if _, err := tl.Add(d.donation(p.Definition, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := MakeScores(Period{Def: p.Definition, Tally: tl}, nil, DefaultMinGroup)
	var nc *NotClosedError
	if !asNotClosed(err, &nc) || nc.ClosesAt.Format("2006-01-02") != "2027-01-15" {
		t.Fatalf("open tally: %v", err)
	}
	old := domainDef(t, "2026-Q3")
	old.Definition.Domains = nil
	tl.Close()
	if _, err := MakeScores(Period{Def: old.Definition, Tally: tl}, nil, DefaultMinGroup); err == nil {
		t.Error("scores of an index without domains")
	}
}

func asNotClosed(err error, nc **NotClosedError) bool {
	e, ok := err.(*NotClosedError)
	*nc = e
	return ok
}

// TestDuplicateRecordKey: a second pseudonym with a record key already
// counted is refused and changes nothing; the same donor again is a
// replacement, and taking its key out brings the cell keys back.
func TestDuplicateRecordKey(t *testing.T) {
	p := domainDef(t, "2026-Q4")
	def := p.Definition
	a := simDonor{wijk: 0, key: 0x0123456789abcdef, answers: []int{0, 1, 0, 0, 3, 1, 4, 0}}
	tl := NewTally()
	if out, err := tl.Add(a.donation(def, 1)); err != nil || out != Added {
		t.Fatal(out, err)
	}
	before, _ := json.Marshal(tl)
	copied := a
	copied.answers = []int{1, 0, 1, 1, 0, 0, 0, 1}
	if _, err := tl.Add(copied.donation(def, 2)); index.CodeOf(err) != index.CodeDuplicateRecordKey {
		t.Fatalf("same record key, other pseudonym: %v", err)
	}
	if after, _ := json.Marshal(tl); !bytes.Equal(before, after) {
		t.Error("a refused donation changed the tally")
	}
	if out, err := tl.Add(copied.donation(def, 1)); err != nil || out != Replaced {
		t.Fatalf("the same donor again: %v %v", out, err)
	}
	if k := tl.Keys[CellKey(def.Wijken[0].Name, "spijbelen", "nee")]; k != 0 {
		t.Errorf("a replaced answer's cell key stays %x", k)
	}
	if k := tl.Keys[CellKey(def.Wijken[0].Name, "spijbelen", "ja")]; k != a.key {
		t.Errorf("cell key %x, want the record key %x", k, a.key)
	}
	if tl.WijkKeys[def.Wijken[0].Name] != a.key {
		t.Error("the wijk's key is not the one donor's")
	}
}

// TestScoresDeterministic: the same donations, imported in another order
// and with a donor replacing an earlier donation on the way, give the same
// report byte for byte: JSON, HTML, CSV and chart.
func TestScoresDeterministic(t *testing.T) {
	p := domainDef(t, "2026-Q4")
	def := p.Definition
	rng := rand.New(rand.NewPCG(7, 7))
	pop := population(rng, def, 15, 40)
	one := closedTally(t, def, pop)
	two := NewTally()
	order := rng.Perm(len(pop))
	for _, i := range order {
		d := pop[i]
		if i == order[0] {
			// First a different donation of the same donor, then the real one.
			other := d
			other.answers = make([]int, len(d.answers))
			if _, err := two.Add(other.donation(def, i+1)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := two.Add(d.donation(def, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	two.Close()
	cat := i18n.Load(i18n.Dutch)
	render := func(tl *Tally) [][]byte {
		s := mustScores(t, def, tl, nil)
		j, _ := json.Marshal(s)
		var h, c bytes.Buffer
		if err := s.HTML(&h, HTMLOptions{Cat: cat}); err != nil {
			t.Fatal(err)
		}
		if err := s.CSV(&c); err != nil {
			t.Fatal(err)
		}
		png, err := s.ScoreChart(s.Words(cat))
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{j, h.Bytes(), c.Bytes(), png}
	}
	a, b := render(one), render(two)
	for i, name := range []string{"json", "html", "csv", "png"} {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("%s differs for the same donations", name)
		}
	}
	if !bytes.Contains(a[1], []byte("met opzet een klein beetje veranderd")) {
		t.Error("the report does not say the numbers were changed on purpose")
	}
}

// checkPerturbedTable checks a table of the council's report: every total
// is within index.MaxDeviation of the true total (its own noise), a true 0
// is 0; no shown number is from 1 to minGroup−1; and in every line (a row
// or a column with its total, the row or column totals with the grand
// total) whose total is shown the hidden entries are none, or at least two
// that together count at least minGroup; a hidden total has a hidden
// entry.
func checkPerturbedTable(t *testing.T, tl *Tally, def *index.Definition, q index.Question, cells [][]int, tb Table, minGroup int) {
	t.Helper()
	W, A := len(cells), len(q.Answers)
	rowTrue, colTrue, grandTrue := make([]int, W), make([]int, A), 0
	for wi, w := range def.Wijken {
		for ai, a := range q.Answers {
			n := tl.Counts[CellKey(w.Name, q.ID, a)]
			rowTrue[wi] += n
			colTrue[ai] += n
			grandTrue += n
		}
	}
	type entry struct {
		v     Value
		truth int
	}
	check := func(name string, e entry, isTotal bool) {
		if e.v.Suppressed {
			return
		}
		if e.v.N > 0 && e.v.N < minGroup {
			t.Fatalf("%s %s: shows %d, below %d", q.ID, name, e.v.N, minGroup)
		}
		if isTotal && (e.v.N-e.truth > index.MaxDeviation || e.truth-e.v.N > index.MaxDeviation || (e.truth == 0) != (e.v.N == 0)) {
			t.Fatalf("%s %s: total %d published as %d", q.ID, name, e.truth, e.v.N)
		}
	}
	line := func(name string, total Value, entries []Value, values []int) {
		hidden, sum := 0, 0
		for i, e := range entries {
			if e.Suppressed {
				hidden++
				sum += values[i]
			}
		}
		switch {
		case total.Suppressed && hidden == 0 && slices.ContainsFunc(values, func(v int) bool { return v > 0 }):
			t.Fatalf("%s %s: a hidden total is the sum of its shown entries", q.ID, name)
		case !total.Suppressed && hidden == 1:
			t.Fatalf("%s %s: one hidden entry beside a shown total", q.ID, name)
		case !total.Suppressed && hidden > 1 && sum < minGroup:
			t.Fatalf("%s %s: hidden entries count %d together, below %d", q.ID, name, sum, minGroup)
		}
	}
	rowVals, colVals := make([]int, W), make([]int, A)
	for w := 0; w < W; w++ {
		check("row", entry{tb.RowTotals[w], rowTrue[w]}, true)
		var vals []int
		for a := 0; a < A; a++ {
			check("cell", entry{tb.Cells[w][a], cells[w][a]}, false)
			if !tb.Cells[w][a].Suppressed && tb.Cells[w][a].N != cells[w][a] {
				t.Fatalf("%s: a cell shows %d, perturbed %d", q.ID, tb.Cells[w][a].N, cells[w][a])
			}
			vals = append(vals, cells[w][a])
		}
		line("row", tb.RowTotals[w], tb.Cells[w], vals)
	}
	for a := 0; a < A; a++ {
		check("column", entry{tb.ColTotals[a], colTrue[a]}, true)
		var col []Value
		var vals []int
		for w := 0; w < W; w++ {
			col = append(col, tb.Cells[w][a])
			vals = append(vals, cells[w][a])
		}
		line("column", tb.ColTotals[a], col, vals)
	}
	check("grand", entry{tb.Total, grandTrue}, true)
	// The totals' own values, to weigh the hidden ones: perturbed as the
	// report perturbs them.
	for w, wj := range def.Wijken {
		var n int
		var k uint64
		for _, a := range q.Answers {
			c := CellKey(wj.Name, q.ID, a)
			n, k = n+tl.Counts[c], k+tl.Keys[c]
		}
		rowVals[w] = index.Perturb(n, k)
	}
	for ai, a := range q.Answers {
		var n int
		var k uint64
		for _, wj := range def.Wijken {
			c := CellKey(wj.Name, q.ID, a)
			n, k = n+tl.Counts[c], k+tl.Keys[c]
		}
		colVals[ai] = index.Perturb(n, k)
	}
	line("row totals", tb.Total, tb.RowTotals, rowVals)
	line("column totals", tb.Total, tb.ColTotals, colVals)
}

// TestPerturbationProperty: over random populations, every published
// count is within index.MaxDeviation of the truth, a true 0 is 0 and no
// other count becomes 0; every table keeps its suppression on the
// published numbers (checkPerturbedTable); and every shown score lies in
// its interval, which lies in [0, 1].
func TestPerturbationProperty(t *testing.T) {
	p := domainDef(t, "2026-Q4")
	def := p.Definition
	rng := rand.New(rand.NewPCG(10, 6))
	rounds := 300
	if testing.Short() {
		rounds = 100
	}
	moved := 0
	for round := range rounds {
		pop := population(rng, def, rng.IntN(5), 5+rng.IntN(60))
		tl := closedTally(t, def, pop)
		s := mustScores(t, def, tl, nil)
		for qi, q := range def.Questions {
			tb := s.Tables[qi]
			perturbed := make([][]int, len(def.Wijken))
			for wi, w := range def.Wijken {
				perturbed[wi] = make([]int, len(q.Answers))
				for ai, a := range q.Answers {
					k := CellKey(w.Name, q.ID, a)
					truth, pub := tl.Counts[k], index.Perturb(tl.Counts[k], tl.Keys[k])
					perturbed[wi][ai] = pub
					if d := pub - truth; d < -index.MaxDeviation || d > index.MaxDeviation || (truth == 0) != (pub == 0) {
						t.Fatalf("round %d %s: count %d published as %d", round, k, truth, pub)
					}
					if pub != truth {
						moved++
					}
				}
			}
			checkPerturbedTable(t, tl, def, q, perturbed, tb, s.MinGroup)
		}
		perWijk, _ := tl.WijkDonors()
		for wi, w := range def.Wijken {
			v, truth := s.Donors[wi], perWijk[w.Name]
			if !v.Suppressed && (v.N > 0 && v.N < s.MinGroup || v.N-truth > index.MaxDeviation || truth-v.N > index.MaxDeviation) {
				t.Fatalf("round %d: %d donors in %s published as %d", round, truth, w.Name, v.N)
			}
		}
		for _, d := range append(append([]DomainScores{}, s.Domains...), s.Overall) {
			for _, sc := range append([]Score{d.All}, d.Wijken...) {
				if sc.Shown && !(0 <= sc.Low && sc.Low <= sc.Share && sc.Share <= sc.High && sc.High <= 1 && sc.Base >= float64(s.MinGroup)) {
					t.Fatalf("round %d %s: score %+v", round, d.ID, sc)
				}
			}
		}
	}
	if moved == 0 {
		t.Error("no count was perturbed at all")
	}
}

// TestDifferencingOneDonor is the differencing attack. Two populations
// are the same but for one added donor X; an attacker who sees both
// published reports guesses X's answer to a yes/no question (X answers
// each with probability ½). The measure is the attacker's success rate
// over many random populations, against the 50 % of a coin.
//
// Within one period the product publishes one report, from the closed
// tally: X's late donation is refused (CodeClosed), the second report is
// the first, byte for byte, and the attacker can do no better than a coin:
// asserted as 50 % ± 5 points over 1,000 trials (a coin stays within that
// with probability above 99.8 %).
//
// Across two periods (repeated publication) the worst case is that every
// other donor gives the same answers again: then the two reports differ by
// X alone, under fresh record keys and so fresh noise. The attacker takes
// the answer whose published count in X's wijk rose more (the domain's
// score when a count is hidden), else tosses a coin. The noise does not
// bring that to 50 %, and nothing of a size that leaves small-area
// numbers useful can (see docs/FORMAT.md §10.6, "What the noise does and
// does not do"): asserted as at most the documented 70 %, and reported.
func TestDifferencingOneDonor(t *testing.T) {
	p := domainDef(t, "2026-Q4")
	def := p.Definition
	_, qi, _ := def.Question("spijbelen")
	rng := rand.New(rand.NewPCG(16, 2026))
	coin := rand.New(rand.NewPCG(1, 1))
	trials := 1000
	samePeriod, acrossPeriods := 0, 0
	for trial := range trials {
		pop := population(rng, def, 10, 40)
		x := simDonor{wijk: rng.IntN(len(def.Wijken)), key: rng.Uint64(), answers: make([]int, len(def.Questions))}
		for i, q := range def.Questions {
			x.answers[i] = rng.IntN(len(q.Answers))
		}
		truth := x.answers[qi]

		// One period: report, X comes late, report again.
		tl := closedTally(t, def, pop)
		first := mustScores(t, def, tl, nil)
		if _, err := tl.Add(x.donation(def, len(pop)+1)); index.CodeOf(err) != index.CodeClosed {
			t.Fatalf("a donation to a closed tally: %v", err)
		}
		second := mustScores(t, def, tl, nil)
		if guess(first, second, x.wijk, qi, coin) == truth {
			samePeriod++
		}

		// Two periods, every other donor the same again under fresh keys.
		again := make([]simDonor, len(pop))
		for i, d := range pop {
			d.key = rng.Uint64()
			again[i] = d
		}
		withX := closedTally(t, def, append(again, x))
		if guess(first, mustScores(t, def, withX, nil), x.wijk, qi, coin) == truth {
			acrossPeriods++
		}
		if trial == 0 {
			a, _ := json.Marshal(first)
			b, _ := json.Marshal(second)
			if !bytes.Equal(a, b) {
				t.Fatal("a refused donation changed the report")
			}
		}
	}
	same := float64(samePeriod) / float64(trials)
	across := float64(acrossPeriods) / float64(trials)
	t.Logf("attacker's success over %d trials: one period %.1f %%, two periods (worst case) %.1f %%", trials, 100*same, 100*across)
	if math.Abs(same-0.5) > 0.05 {
		t.Errorf("one period: the attacker guesses %.1f %% right, not 50 %% ± 5", 100*same)
	}
	if across > 0.70 {
		t.Errorf("two periods: the attacker guesses %.1f %% right, above the documented 70 %%", 100*across)
	}
}

// guess is the attacker: it compares X's wijk's published counts of
// question qi (answer a rose more than b → a), else the change of the
// question's domain score, else a coin. X joined the second report.
func guess(before, after *Scores, wijk, qi int, coin *rand.Rand) int {
	cb, ca := before.Tables[qi].Cells[wijk], after.Tables[qi].Cells[wijk]
	if !cb[0].Suppressed && !cb[1].Suppressed && !ca[0].Suppressed && !ca[1].Suppressed {
		d0, d1 := ca[0].N-cb[0].N, ca[1].N-cb[1].N
		switch {
		case d0 > d1:
			return 0
		case d1 > d0:
			return 1
		}
	}
	question := before.Tables[qi].Question
	for di, d := range before.Domains {
		if len(d.Questions) == 0 || !containsQ(d.Questions, question) {
			continue
		}
		sb, sa := d.Wijken[wijk], after.Domains[di].Wijken[wijk]
		if sb.Shown && sa.Shown && sa.Share != sb.Share {
			// A rise says X gave a protective answer.
			protective := 0
			if before.directions[question][1] == index.DirProtective {
				protective = 1
			}
			if sa.Share > sb.Share {
				return protective
			}
			return 1 - protective
		}
	}
	return coin.IntN(2)
}

func containsQ(list []string, q string) bool {
	for _, x := range list {
		if x == q {
			return true
		}
	}
	return false
}

// bigIndex is a definition at the limits (50 wijken, 12 questions in 8
// domains) and a closed tally of donors donors spread over its wijken.
func bigIndex(b testing.TB, donors int) (*index.Definition, *Tally) {
	f := indextest.DomainFields("2026-Q4")
	f.Wijken = nil
	for w := range index.MaxWijken {
		f.Wijken = append(f.Wijken, index.Wijk{Name: fmt.Sprintf("Wijk %02d", w+1), Postcodes: []index.Range{{From: 1000 + 10*w, To: 1009 + 10*w}}})
	}
	yesNo := index.AnswersOf(index.KindYesNo)
	for i := len(f.Questions); i < index.MaxQuestions; i++ {
		f.Questions = append(f.Questions, index.Question{ID: fmt.Sprintf("extra%d", i), Text: "Doe je mee aan een club of vereniging?",
			Kind: index.KindYesNo, Answers: yesNo, Directions: []string{index.DirProtective, index.DirRisk}})
		f.Domains = append(f.Domains, index.Theme{ID: fmt.Sprintf("extra%d", i), Name: fmt.Sprintf("Extra %d", i), Questions: []string{fmt.Sprintf("extra%d", i)}})
	}
	f.Domains = f.Domains[:index.MaxDomains]
	for i := range f.Questions {
		if !slices.ContainsFunc(f.Domains, func(d index.Theme) bool { return slices.Contains(d.Questions, f.Questions[i].ID) }) {
			f.Questions[i].Directions = nil
		}
	}
	p := indextest.NewDefinition(b, indextest.NewOrg(b, "Gemeente Groot"), f)
	rng := rand.New(rand.NewPCG(5, 5))
	tl := NewTally()
	for i := range donors {
		d := simDonor{wijk: i % len(f.Wijken), key: rng.Uint64(), answers: make([]int, len(f.Questions))}
		for qi, q := range f.Questions {
			d.answers[qi] = rng.IntN(len(q.Answers))
		}
		if _, err := tl.Add(d.donation(p.Definition, i+1)); err != nil {
			b.Fatal(err)
		}
	}
	tl.Close()
	return p.Definition, tl
}

// BenchmarkScoresBig makes the council's report of an index at the limits
// with 10,000 donors, with the period before: scores, HTML (charts inside),
// CSV and the PNG.
func BenchmarkScoresBig(b *testing.B) {
	def, tl := bigIndex(b, 10000)
	prevDef := *def
	prevDef.ID = "0e1d2c3b-4a59-4867-9a5b-4c3d2e1f0a9b"
	def2 := *def
	def2.Predecessor = &index.Predecessor{ID: prevDef.ID}
	cat := i18n.Load(i18n.Dutch)
	b.ResetTimer()
	for b.Loop() {
		s, err := MakeScores(Period{Def: &def2, Tally: tl}, &Period{Def: &prevDef, Tally: tl}, DefaultMinGroup)
		if err != nil {
			b.Fatal(err)
		}
		var h, c bytes.Buffer
		if err := s.HTML(&h, HTMLOptions{Cat: cat}); err != nil {
			b.Fatal(err)
		}
		if err := s.CSV(&c); err != nil {
			b.Fatal(err)
		}
		if _, err := s.ScoreChart(s.Words(cat)); err != nil {
			b.Fatal(err)
		}
	}
}
