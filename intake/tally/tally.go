package tally

import (
	"slices"
	"time"

	"kluis/sync/index"
)

// A Tally is what an organisation keeps of an index: the counts per wijk,
// question and answer, and — while donations may still come in — per
// pseudonym only what is needed to take its earlier answers out of the
// counts when the same donor donates again (the wijk and the answer ids).
// It keeps no donation file, no time of donation and nothing about who
// donated.
//
// Once the period is over (see Period.ClosesAt) the tally is closed
// (Close): the per-pseudonym entries are dropped for good, the counts and
// the number of donors stay, and no donation is taken any more.
type Tally struct {
	Counts map[string]int   `json:"counts"` // CellKey → number of donors
	Donors map[string]Entry `json:"donors"` // pseudonym → its counted answers; empty once closed
	// Closed says the per-pseudonym entries were dropped for good. A
	// tally stored before closing existed lacks the member: it is open.
	Closed bool `json:"closed,omitempty"`
	// Counted is the number of distinct donors counted, kept when the
	// tally is closed (Donors is then empty); 0 while it is open.
	Counted int `json:"counted,omitempty"`
	// PerWijk is the number of distinct donors per wijk, counted when the
	// tally is closed (an open tally counts them from Donors; see
	// WijkDonors). A tally closed before PerWijk existed has none.
	PerWijk map[string]int `json:"per_wijk,omitempty"`
}

// An Entry is what one pseudonym added to the counts.
type Entry struct {
	Wijk    string         `json:"wijk"`
	Answers []index.Answer `json:"answers"`
}

// CloseGrace is how long after the last day of its period a tally stays
// open for donations that arrive late. A donor's app only donates during
// the period (Period.Open, with Skew), but the donation is a file: it is
// sent by e-mail, post or upload and a caseworker imports it in a batch,
// perhaps after a weekend or a week of leave. Two weeks covers that, and
// keeps the per-pseudonym answer sets, which are needed only so a second
// donation can replace the first, no longer than that.
const CloseGrace = 14 * 24 * time.Hour

// ClosesAt is the moment a tally of an index with period p is closed: the
// end of the period's last day (00:00 UTC the day after) plus CloseGrace.
func ClosesAt(p index.Period) (time.Time, error) {
	_, end, err := p.PeriodDates()
	if err != nil {
		return time.Time{}, err
	}
	return end.AddDate(0, 0, 1).Add(CloseGrace), nil
}

// NewTally returns an empty tally.
func NewTally() *Tally { return &Tally{Counts: map[string]int{}, Donors: map[string]Entry{}} }

// CellKey names one count: wijk ‖ 0x00 ‖ question ‖ 0x00 ‖ answer.
func CellKey(wijk, question, answer string) string { return wijk + "\x00" + question + "\x00" + answer }

// Outcome says what adding a donation did.
type Outcome int

const (
	Added    Outcome = iota // a new pseudonym
	Replaced                // the pseudonym's earlier answers were replaced
	Same                    // the same answers again (a replay): nothing changed
)

func (o Outcome) String() string {
	switch o {
	case Replaced:
		return "replaced"
	case Same:
		return "same"
	}
	return "added"
}

// Add folds a checked donation into the tally. A second donation with the
// same pseudonym replaces the first: its answers are taken out of the
// counts before the new ones go in. A closed tally refuses every donation
// with CodeClosed and does not change.
func (t *Tally) Add(d *index.Donation) (Outcome, error) {
	if t.Closed {
		return 0, &index.Error{Code: index.CodeClosed, Detail: "the index's period and its grace for late donations are over"}
	}
	if t.Donors == nil {
		t.Donors = map[string]Entry{}
	}
	if t.Counts == nil {
		t.Counts = map[string]int{}
	}
	e := Entry{Wijk: d.Wijk, Answers: slices.Clone(d.Answers)}
	out := Added
	if old, ok := t.Donors[d.Pseudonym]; ok {
		if old.Wijk == e.Wijk && slices.Equal(old.Answers, e.Answers) {
			return Same, nil
		}
		for _, a := range old.Answers {
			k := CellKey(old.Wijk, a.Question, a.Answer)
			if t.Counts[k]--; t.Counts[k] <= 0 {
				delete(t.Counts, k)
			}
		}
		out = Replaced
	}
	for _, a := range e.Answers {
		t.Counts[CellKey(e.Wijk, a.Question, a.Answer)]++
	}
	t.Donors[d.Pseudonym] = e
	return out, nil
}

// Close drops the per-pseudonym entries for good and keeps the counts and
// the number of donors. It reports whether it changed the tally: closing a
// closed tally does nothing. Close only forgets in memory; the store that
// keeps the tally must make sure the old value is gone from its file too.
func (t *Tally) Close() bool {
	if t.Closed {
		return false
	}
	t.Counted = len(t.Donors)
	if len(t.Donors) > 0 {
		t.PerWijk = t.countPerWijk()
	}
	t.Donors = map[string]Entry{}
	if t.Counts == nil {
		t.Counts = map[string]int{}
	}
	t.Closed = true
	return true
}

// Donations is the number of distinct donors counted.
func (t *Tally) Donations() int {
	if t.Closed {
		return t.Counted
	}
	return len(t.Donors)
}

// Consistent reports whether the tally is in a state Add and Close can
// leave it in: an open tally has no Counted, a closed one no Donors.
func (t *Tally) Consistent() bool {
	if t.Closed {
		return len(t.Donors) == 0 && t.Counted >= 0
	}
	return t.Counted == 0
}

// WijkDonors returns the number of distinct donors per wijk, and false
// for a tally closed before it kept them.
func (t *Tally) WijkDonors() (map[string]int, bool) {
	switch {
	case !t.Closed:
		return t.countPerWijk(), true
	case t.PerWijk == nil && t.Counted > 0:
		return nil, false
	}
	return t.PerWijk, true
}

func (t *Tally) countPerWijk() map[string]int {
	m := map[string]int{}
	for _, e := range t.Donors {
		m[e.Wijk]++
	}
	return m
}
