package index

import "slices"

// A Tally is what an organisation keeps of an index: the counts per wijk,
// question and answer, and per pseudonym only what is needed to take its
// earlier answers out of the counts when the same donor donates again (the
// wijk and the answer ids). It keeps no donation file, no time of
// donation and nothing about who donated.
type Tally struct {
	Counts map[string]int   `json:"counts"` // CellKey → number of donors
	Donors map[string]Entry `json:"donors"` // pseudonym → its counted answers
}

// An Entry is what one pseudonym added to the counts.
type Entry struct {
	Wijk    string   `json:"wijk"`
	Answers []Answer `json:"answers"`
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
// counts before the new ones go in.
func (t *Tally) Add(d *Donation) Outcome {
	e := Entry{Wijk: d.Wijk, Answers: slices.Clone(d.Answers)}
	out := Added
	if old, ok := t.Donors[d.Pseudonym]; ok {
		if old.Wijk == e.Wijk && slices.Equal(old.Answers, e.Answers) {
			return Same
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
	return out
}

// Donations is the number of distinct donors counted.
func (t *Tally) Donations() int { return len(t.Donors) }
