package donate

import (
	"fmt"
	"slices"
	"time"

	"kluis/citizen/youth"
	"kluis/sync/bundle"
	"kluis/sync/index"
	"kluis/vault"
)

// The donor's side. A Draft is what a donation would hold, worked out from
// the donor's vault so they only have to check it: the wijk from their
// address's postcode, and answers to questions with a prefill hint (an open
// debt, their age band). They see exactly this before anything leaves —
// answers and a wijk, never a name, BSN, address or document — and may
// change or skip any answer.

// A Draft is a donation being prepared. Donation reads nothing from the
// vault: the screen donates the draft it showed, with the citizen's changes.
type Draft struct {
	Index     *index.Parsed
	Wijk      string
	Answers   map[string]string // question id → answer; a skipped question is absent
	Prefilled map[string]bool   // answers taken from the vault
	Age       int               // from personal.birth_date; -1 when unknown
}

// Donor is what a draft reads and a donation signs with: *vault.Vault.
type Donor interface {
	bundle.Signer
	List(category string) ([]vault.Record, error)
}

// Prepare works out a draft for index p from the vault's records.
func Prepare(v Donor, p *index.Parsed, now time.Time) (*Draft, error) {
	d := &Draft{Index: p, Answers: map[string]string{}, Prefilled: map[string]bool{}, Age: -1}
	personal, err := v.List("personal")
	if err != nil {
		return nil, err
	}
	for _, r := range personal {
		if age, ok := youth.AgeOn(r.Fields["birth_date"], now); ok {
			d.Age = age
			break
		}
	}
	housing, err := v.List("housing")
	if err != nil {
		return nil, err
	}
	for _, r := range housing {
		if pc := r.Fields["postcode"]; pc != "" {
			if w := p.Definition.WijkOf(pc); w != "" {
				d.Wijk = w
				break
			}
		}
	}
	debts, err := v.List("debts")
	if err != nil {
		return nil, err
	}
	for _, q := range p.Definition.Questions {
		switch q.Prefill {
		case index.PrefillOpenDebt:
			if a := openDebtAnswer(debts); a != "" {
				d.Answers[q.ID], d.Prefilled[q.ID] = a, true
			}
		case index.PrefillAgeBand:
			if d.Age >= 0 {
				if b := q.BandOf(d.Age); b != "" {
					d.Answers[q.ID], d.Prefilled[q.ID] = b, true
				}
			}
		}
	}
	return d, nil
}

// openDebtAnswer is the prefill of a debts.open question: "ja" when a
// debts record is not paid (open, an arrangement, collection, or no
// status), "nee" when the vault has debts records and all are paid, and
// nothing when it has none: an empty category does not say the citizen
// has no debts, only that none were entered.
func openDebtAnswer(debts []vault.Record) string {
	if len(debts) == 0 {
		return ""
	}
	if slices.ContainsFunc(debts, func(r vault.Record) bool { return r.Fields["status"] != "paid" }) {
		return "ja"
	}
	return "nee"
}

// CheckAges refuses a donor whose age (when the vault knows it) is in none
// of the bands of an age band question: the bands are the ages an index is
// for, so an adult does not take part in an index whose bands end at 23.
// Donation applies it whatever the donor answered or skipped.
func (d *Draft) CheckAges() error {
	if d.Age < 0 {
		return nil
	}
	for _, q := range d.Index.Definition.Questions {
		if q.Kind == index.KindAgeBand && q.BandOf(d.Age) == "" {
			return refuse(index.CodeOutsideAges, "question %s: the donor's age is in none of its bands", q.ID)
		}
	}
	return nil
}

// Set answers question q with a, which must be one of its answers.
func (d *Draft) Set(q, a string) error {
	question, _, ok := d.Index.Definition.Question(q)
	if !ok {
		return refuse(index.CodeUnknownQuestion, "no question %q", q)
	}
	if !slices.Contains(question.Answers, a) {
		return refuse(index.CodeUndefinedAnswer, "%q is not an answer to %s", a, q)
	}
	d.Answers[q] = a
	delete(d.Prefilled, q)
	return nil
}

// Skip leaves question q out.
func (d *Draft) Skip(q string) error {
	if _, _, ok := d.Index.Definition.Question(q); !ok {
		return refuse(index.CodeUnknownQuestion, "no question %q", q)
	}
	delete(d.Answers, q)
	delete(d.Prefilled, q)
	return nil
}

// CheckYouth applies the youth rule (package citizen/youth) to a draft;
// hasHelper tells whether the vault has a delegate whose access is open.
func (d *Draft) CheckYouth(hasHelper bool) error {
	if err := youth.Check(d.Age, hasHelper); err != nil {
		return &index.Error{Code: index.CodeTooYoung, Detail: err.Error(), Err: err}
	}
	return nil
}

// Donation makes the donation: the pseudonym for this index and period,
// for an index with domains the record key (index.RecordKey: chosen by
// the vault, the same for the same index and period), the wijk and the answers in the definition's order, encrypted to the
// organisation. It refuses outside the index's period, a donor outside the
// index's ages (CheckAges), without a wijk, or without any answer.
func (d *Draft) Donation(s bundle.Signer, now time.Time) ([]byte, error) {
	def := d.Index.Definition
	if !def.Period.Open(now) {
		return nil, refuse(index.CodeOutsidePeriod, "period %s is not open", def.Period.Name)
	}
	if err := d.CheckAges(); err != nil {
		return nil, err
	}
	if d.Wijk == "" {
		return nil, refuse(index.CodeNoWijk, "no wijk chosen")
	}
	if !def.HasWijk(d.Wijk) {
		return nil, refuse(index.CodeUnknownWijk, "the chosen wijk is not one of the index")
	}
	var answers []index.Answer
	for _, q := range def.Questions {
		if a, ok := d.Answers[q.ID]; ok {
			answers = append(answers, index.Answer{Question: q.ID, Answer: a})
		}
	}
	if len(answers) == 0 {
		return nil, refuse(index.CodeBadDonation, "nothing answered")
	}
	pseudo, recordKey, err := index.DonorKeys(s, def.ID, def.Period.Name)
	if err != nil {
		return nil, fmt.Errorf("failed to derive the pseudonym: %w", err)
	}
	if !def.HasDomains() {
		// An index without domains publishes counts without noise; its
		// donations stay as they were, so older readers take them.
		recordKey = ""
	}
	return index.NewDonation(d.Index, &index.Donation{Format: index.DonationFormat, Index: def.ID, Period: def.Period.Name,
		Org: d.Index.Fingerprint(), Pseudonym: pseudo, RecordKey: recordKey, Wijk: d.Wijk, Answers: answers})
}

// ActionDonated is logged in the donor's vault when a donation is made: the
// index id only, never the answers or the wijk.
const ActionDonated vault.Action = "index.donated"

func refuse(c index.Code, format string, args ...any) *index.Error {
	return &index.Error{Code: c, Detail: fmt.Sprintf(format, args...)}
}
