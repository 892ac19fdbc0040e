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
	// Keys are the cell keys of the counts (index.CellKey): per CellKey
	// the sum modulo 2⁶⁴ of the record keys of the donations it counts.
	// WijkKeys are the same per wijk, for the number of donors per wijk.
	// Both stay when the tally is closed: they are sums, not keys of
	// donors, and the report's noise is looked up with them.
	Keys     map[string]uint64 `json:"keys,omitempty"`
	WijkKeys map[string]uint64 `json:"wijk_keys,omitempty"`
}

// An Entry is what one pseudonym added to the counts.
type Entry struct {
	Wijk      string         `json:"wijk"`
	RecordKey string         `json:"record_key,omitempty"` // until the tally is closed
	Answers   []index.Answer `json:"answers"`
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
// same pseudonym replaces the first: its answers and record key are taken
// out of the counts and cell keys before the new ones go in. A donation
// whose record key another pseudonym's donation already brought is
// refused with CodeDuplicateRecordKey and not counted: a record key is
// chosen by a donor's vault and is unique to it, so the same key twice is
// a copied donation, and counting it would also make two donors' noise
// cancel out. A closed tally refuses every donation with CodeClosed and
// does not change.
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
	var key uint64
	if d.RecordKey != "" {
		var err error
		if key, err = index.ParseRecordKey(d.RecordKey); err != nil {
			return 0, &index.Error{Code: index.CodeBadDonation, Detail: err.Error()}
		}
		for p, e := range t.Donors {
			if p != d.Pseudonym && e.RecordKey == d.RecordKey {
				return 0, &index.Error{Code: index.CodeDuplicateRecordKey, Detail: "another donor's donation carries the same record key"}
			}
		}
	}
	e := Entry{Wijk: d.Wijk, RecordKey: d.RecordKey, Answers: slices.Clone(d.Answers)}
	out := Added
	if old, ok := t.Donors[d.Pseudonym]; ok {
		if old.Wijk == e.Wijk && old.RecordKey == e.RecordKey && slices.Equal(old.Answers, e.Answers) {
			return Same, nil
		}
		oldKey, _ := index.ParseRecordKey(old.RecordKey) // 0 when it had none
		for _, a := range old.Answers {
			k := CellKey(old.Wijk, a.Question, a.Answer)
			if t.Counts[k]--; t.Counts[k] <= 0 {
				delete(t.Counts, k)
			}
			addKey(&t.Keys, k, -oldKey)
		}
		addKey(&t.WijkKeys, old.Wijk, -oldKey)
		out = Replaced
	}
	for _, a := range e.Answers {
		k := CellKey(e.Wijk, a.Question, a.Answer)
		t.Counts[k]++
		addKey(&t.Keys, k, key)
	}
	addKey(&t.WijkKeys, e.Wijk, key)
	t.Donors[d.Pseudonym] = e
	return out, nil
}

// addKey adds a record key to a cell key modulo 2⁶⁴ (-k takes it out
// again); a cell key that comes back to zero is dropped, and a tally
// whose donations carry no record keys keeps no keys at all.
func addKey(m *map[string]uint64, cell string, k uint64) {
	if k == 0 {
		return
	}
	if *m == nil {
		*m = map[string]uint64{}
	}
	if (*m)[cell] += k; (*m)[cell] == 0 {
		delete(*m, cell)
	}
}

// CellKeyOf is the cell key of a count (CellKey), 0 when no donation
// in it carried a record key.
func (t *Tally) CellKeyOf(cell string) uint64 { return t.Keys[cell] }

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
