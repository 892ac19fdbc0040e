package tally

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"kluis/sync/index"
)

// The council's report of an index with domains (docs/FORMAT.md §10.6):
// every published count perturbed with the cell key method, small groups
// suppressed as in Report, and per wijk and domain a score — the share of
// protective answers — with a 90 % Wilson interval, compared with the
// municipality as a whole and with the period before.

// Level is the confidence level of every interval in Scores; Z is the
// matching quantile of the standard normal distribution.
const (
	Level = 0.90
	Z     = 1.6448536269514722
)

// Comparisons of a wijk with the whole municipality, and trends.
const (
	Better  = "better" // the wijk's interval lies wholly above the municipality's
	Similar = "same"   // the intervals overlap (or the change's holds 0): no clear difference
	Worse   = "worse"  // the wijk's interval lies wholly below
	Up      = "up"     // the change's interval lies wholly above 0
	Down    = "down"   // wholly below 0
)

// Scores is what an organisation publishes of an index with domains.
type Scores struct {
	Index    string        `json:"index"`
	Title    string        `json:"title"`
	Purpose  string        `json:"purpose"`
	Period   index.Period  `json:"period"`
	Previous *index.Period `json:"previous,omitempty"` // the predecessor's period, when its scores are compared
	MinGroup int           `json:"min_group"`
	Level    float64       `json:"level"`
	// MaxDeviation and Variance describe the noise on a published count
	// (index.MaxDeviation, index.Variance).
	MaxDeviation int     `json:"max_deviation"`
	Variance     float64 `json:"variance"`
	// Wijken and Donors are the number of donors per wijk, perturbed,
	// with 1 to MinGroup−1 suppressed.
	Wijken []string `json:"wijken"`
	Donors []Value  `json:"donors"`
	// Domains holds a row of scores per domain; Overall all domains
	// together (every protective answer of every domain question).
	Domains []DomainScores `json:"domains"`
	Overall DomainScores   `json:"overall"`
	// Tables are the perturbed counts per question, suppressed as in
	// Report; a total is the sum of its perturbed cells.
	Tables []Table `json:"tables"`
	// Ages are the bands of the index's age band question: who it is for.
	Ages []string `json:"ages,omitempty"`

	directions map[string][]string // question → the directions of its answers
}

// DomainScores are the scores of one domain: per wijk in the
// definition's order, and for the municipality as a whole.
type DomainScores struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Questions []string `json:"questions"`
	Asked     []Asked  `json:"-"` // the questions, for people
	Wijken    []Score  `json:"wijken"`
	All       Score    `json:"all"`
}

// Asked is a question of a domain as the report shows it: its text and
// its protective answers.
type Asked struct {
	ID, Text   string
	Protective string // "nee" or "4, 5"
}

// A Score is a share of protective answers with its interval, or a hidden
// one when the group is too small. Compared is set for a wijk whose score
// and the municipality's are both shown; Change when the period before
// has a shown score for the same wijk and domain.
type Score struct {
	Shown    bool
	Share    float64 // 0 … 1
	Low      float64
	High     float64
	Base     float64 // the group the interval is for: answers ÷ questions
	Compared string
	Change   *Change
}

// A Change is the difference with the period before (this minus that),
// with a 90 % interval (Newcombe's method from the two Wilson intervals).
type Change struct {
	Delta float64 `json:"delta"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Trend string  `json:"trend"` // Up, Down or Similar
}

// MarshalJSON writes a hidden score as null, so a report holds no number
// it does not show.
func (s Score) MarshalJSON() ([]byte, error) {
	if !s.Shown {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Share    float64 `json:"share"`
		Low      float64 `json:"low"`
		High     float64 `json:"high"`
		Compared string  `json:"compared,omitempty"`
		Change   *Change `json:"change,omitempty"`
	}{round4(s.Share), round4(s.Low), round4(s.High), s.Compared, s.Change})
}

// UnmarshalJSON reads a score as MarshalJSON writes it (without Base).
func (s *Score) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Score{}
		return nil
	}
	var v struct {
		Share, Low, High float64
		Compared         string
		Change           *Change
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Score{Shown: true, Share: v.Share, Low: v.Low, High: v.High, Compared: v.Compared, Change: v.Change}
	return nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// Wilson returns the Wilson score interval at Level of a share p over a
// group of n (n > 0).
func Wilson(p, n float64) (low, high float64) {
	z2 := Z * Z
	d := 1 + z2/n
	centre := (p + z2/(2*n)) / d
	half := Z / d * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	low, high = math.Max(0, centre-half), math.Min(1, centre+half)
	if p <= 0 {
		low = 0 // exactly, not a rounding error above it
	}
	if p >= 1 {
		high = 1
	}
	return low, high
}

// Newcombe returns the change now − before with its interval from the two
// scores' Wilson intervals (Newcombe's hybrid score method).
func Newcombe(before, now Score) *Change {
	d := now.Share - before.Share
	c := &Change{
		Delta: round4(d),
		Low:   round4(d - math.Hypot(now.Share-now.Low, before.High-before.Share)),
		High:  round4(d + math.Hypot(now.High-now.Share, before.Share-before.Low)),
		Trend: Similar,
	}
	switch {
	case c.Low > 0:
		c.Trend = Up
	case c.High < 0:
		c.Trend = Down
	}
	return c
}

// NotClosedError refuses to make the scores of a tally that is still
// open: a report is made once per period, from the closed tally, so that
// no two published reports of one period differ by a few donors.
type NotClosedError struct {
	ClosesAt time.Time
}

func (e *NotClosedError) Error() string {
	return fmt.Sprintf("the index report is made once its tally is closed, at %s", e.ClosesAt.Format(time.RFC3339))
}

// ErrorCode is "intake.index.open".
func (e *NotClosedError) ErrorCode() string { return "intake.index.open" }

// ErrorArgs fill in the date: {{.Date}}, as YYYY-MM-DD HH:MM UTC.
func (e *NotClosedError) ErrorArgs() map[string]any {
	return map[string]any{"Date": e.ClosesAt.UTC().Format("2006-01-02 15:04") + " UTC"}
}

// A Period is one period's definition and tally, for MakeScores.
type Period struct {
	Def   *index.Definition
	Tally *Tally
}

// MakeScores makes the council's report of now, an index with domains
// whose tally is closed; with before (the predecessor's definition and
// closed tally, or nil) each score gets its change. Every number comes
// from perturbed counts (index.Perturb with the tally's cell keys), so
// the same donations always give the same report.
func MakeScores(now Period, before *Period, minGroup int) (*Scores, error) {
	def, t := now.Def, now.Tally
	if !def.HasDomains() {
		return nil, fmt.Errorf("index %s has no domains: it has a Report of counts only", def.ID)
	}
	if !t.Closed {
		at, err := ClosesAt(def.Period)
		if err != nil {
			return nil, err
		}
		return nil, &NotClosedError{ClosesAt: at}
	}
	s := scoresOf(def, t, minGroup)
	if before != nil && before.Tally.Closed {
		if def.Predecessor == nil || def.Predecessor.ID != before.Def.ID {
			return nil, fmt.Errorf("index %s does not continue %s", def.ID, before.Def.ID)
		}
		prev := scoresOf(before.Def, before.Tally, minGroup)
		p := before.Def.Period
		s.Previous = &p
		link := func(a, b *DomainScores) {
			for i := range a.Wijken {
				if a.Wijken[i].Shown && b.Wijken[i].Shown {
					a.Wijken[i].Change = Newcombe(b.Wijken[i], a.Wijken[i])
				}
			}
			if a.All.Shown && b.All.Shown {
				a.All.Change = Newcombe(b.All, a.All)
			}
		}
		for i := range s.Domains {
			link(&s.Domains[i], &prev.Domains[i])
		}
		link(&s.Overall, &prev.Overall)
	}
	return s, nil
}

// scoresOf computes the scores of a tally, closed or not.
func scoresOf(def *index.Definition, t *Tally, minGroup int) *Scores {
	if minGroup < MinMinGroup {
		minGroup = MinMinGroup
	}
	s := &Scores{Index: def.ID, Title: def.Title, Purpose: def.Purpose, Period: def.Period, MinGroup: minGroup, Level: Level,
		MaxDeviation: index.MaxDeviation, Variance: index.Variance}
	perWijk, known := t.WijkDonors()
	for _, w := range def.Wijken {
		s.Wijken = append(s.Wijken, w.Name)
		n := index.Perturb(perWijk[w.Name], t.WijkKeys[w.Name])
		v := Value{N: n}
		if !known || (n > 0 && n < minGroup) {
			v = Value{Suppressed: true}
		}
		s.Donors = append(s.Donors, v)
	}
	s.directions = map[string][]string{}
	for _, q := range def.Questions {
		s.directions[q.ID] = q.Directions
		if q.Kind == index.KindAgeBand && s.Ages == nil {
			s.Ages = q.Answers
		}
	}
	// The perturbed counts, [question][wijk][answer].
	pc := make([][][]int, len(def.Questions))
	for qi, q := range def.Questions {
		pc[qi] = make([][]int, len(def.Wijken))
		for wi, w := range def.Wijken {
			pc[qi][wi] = make([]int, len(q.Answers))
			for ai, a := range q.Answers {
				k := CellKey(w.Name, q.ID, a)
				pc[qi][wi][ai] = index.Perturb(t.Counts[k], t.Keys[k])
			}
		}
		// Each total gets noise of its own, looked up with the sum of its
		// cells' keys: every published number stays within
		// index.MaxDeviation of the truth.
		tot := Totals{Rows: make([]int, len(def.Wijken)), Cols: make([]int, len(q.Answers))}
		var grandN int
		var grandK uint64
		colN, colK := make([]int, len(q.Answers)), make([]uint64, len(q.Answers))
		for wi, w := range def.Wijken {
			var n int
			var k uint64
			for ai, a := range q.Answers {
				c := CellKey(w.Name, q.ID, a)
				n, k = n+t.Counts[c], k+t.Keys[c]
				colN[ai], colK[ai] = colN[ai]+t.Counts[c], colK[ai]+t.Keys[c]
			}
			tot.Rows[wi] = index.Perturb(n, k)
			grandN, grandK = grandN+n, grandK+k
		}
		for ai := range q.Answers {
			tot.Cols[ai] = index.Perturb(colN[ai], colK[ai])
		}
		tot.Grand = index.Perturb(grandN, grandK)
		tb := SuppressWithTotals(pc[qi], tot, minGroup)
		tb.Question, tb.Text, tb.Answers, tb.Wijken = q.ID, q.Text, q.Answers, s.Wijken
		s.Tables = append(s.Tables, tb)
	}
	// sums adds up the protective and all answers of questions in wijk
	// wi (all wijken when wi < 0).
	sums := func(questions []string, wi int) (protective, all float64) {
		for _, id := range questions {
			q, qi, _ := def.Question(id)
			for w := range def.Wijken {
				if wi >= 0 && w != wi {
					continue
				}
				for ai := range q.Answers {
					n := float64(pc[qi][w][ai])
					all += n
					if q.Directions[ai] == index.DirProtective {
						protective += n
					}
				}
			}
		}
		return
	}
	score := func(questions []string, wi int) Score {
		p, n := sums(questions, wi)
		base := n / float64(len(questions))
		if wi >= 0 && s.Donors[wi].Suppressed || base < float64(minGroup) || n == 0 {
			return Score{}
		}
		sc := Score{Shown: true, Share: p / n, Base: base}
		sc.Low, sc.High = Wilson(sc.Share, base)
		return sc
	}
	row := func(id, name string, questions []string) DomainScores {
		d := DomainScores{ID: id, Name: name, Questions: questions, All: score(questions, -1)}
		for _, qid := range questions {
			q, _, _ := def.Question(qid)
			var prot []string
			for i, a := range q.Answers {
				if q.Directions[i] == index.DirProtective {
					prot = append(prot, a)
				}
			}
			d.Asked = append(d.Asked, Asked{ID: q.ID, Text: q.Text, Protective: strings.Join(prot, ", ")})
		}
		for wi := range def.Wijken {
			sc := score(questions, wi)
			if sc.Shown && d.All.Shown {
				switch {
				case sc.Low > d.All.High:
					sc.Compared = Better
				case sc.High < d.All.Low:
					sc.Compared = Worse
				default:
					sc.Compared = Similar
				}
			}
			d.Wijken = append(d.Wijken, sc)
		}
		return d
	}
	var every []string
	for _, dom := range def.Domains {
		s.Domains = append(s.Domains, row(dom.ID, dom.Name, dom.Questions))
		every = append(every, dom.Questions...)
	}
	s.Overall = row("", "", every)
	return s
}
