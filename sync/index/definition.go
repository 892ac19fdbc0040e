package index

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"kluis/sync/bundle"
	"kluis/sync/request"
	"kluis/sync/signed"
)

// Format is the format id of an index definition; Domain separates its
// signature from every other Kluis signature.
const (
	Format = "kluis-index/v1"
	Domain = "kluis-index-definition/v1"
)

// Limits of a definition.
const (
	MaxDefinition = 64 << 10 // the signed file
	MaxWijken     = 50
	MaxRanges     = 20 // postcode ranges per wijk
	MaxQuestions  = 12
	MaxAnswers    = 8
	MaxDomains    = 8
)

// Directions of an answer to a question in a domain: does the answer
// point to something that helps a young person grow up (protective), or to
// something that threatens it (risk)? A domain's score is the share of
// protective answers.
const (
	DirProtective = "protective"
	DirRisk       = "risk"
)

// Question kinds: the only answer lists an index may offer. Coarse answers
// keep a donation from identifying anyone.
const (
	KindYesNo   = "yes_no"   // answers exactly "ja", "nee"
	KindScale   = "scale"    // answers exactly "1" … "5"
	KindAgeBand = "age_band" // 2–8 ascending bands "12-15", "16-17", "18+"
)

// Prefill hints: which vault fact a donor's app may use to suggest an
// answer. The donor always sees and can change or skip it.
const (
	PrefillOpenDebt = "debts.open"        // yes_no: "ja" when a debt has status open
	PrefillAgeBand  = "personal.age_band" // age_band: the band of the birth date
)

// A Definition is the signed body of an index definition. Its members are
// in the canonical order (docs/FORMAT.md §10.1).
type Definition struct {
	Format    string     `json:"format"` // Format
	ID        string     `json:"id"`     // random UUID v4, lower case
	Created   time.Time  `json:"created"`
	Title     string     `json:"title"`
	Purpose   string     `json:"purpose"`
	Period    Period     `json:"period"`
	Wijken    []Wijk     `json:"wijken"`
	Questions []Question `json:"questions"`
	// Domains group questions into themes (school and work, health,
	// safety, …), each scored on its own; none in an index from before
	// domains existed, which reports counts only.
	Domains []Theme `json:"domains,omitempty"`
	// Predecessor names the definition of the period before, so a report
	// can show the change since then (see CheckPredecessor).
	Predecessor *Predecessor `json:"predecessor,omitempty"`
	Card        string       `json:"card"` // the organisation's signed card file, verbatim
}

// A Theme is a domain of an index (JSON "domains"): an id, a name for people, and the
// questions scored in it. A question is in at most one domain; an age
// band question is in none (it says who takes part).
type Theme struct {
	ID        string   `json:"id"`   // 1–32 of a–z 0–9 "_"
	Name      string   `json:"name"` // 1–60 characters, B1 Dutch
	Questions []string `json:"questions"`
}

// A Predecessor names the signed definition of the period just before:
// its id, its period's name and the SHA-256 of its signed file (hex). It
// must be made with the same organisation card and ask the same.
type Predecessor struct {
	ID     string `json:"id"`
	Period string `json:"period"`
	SHA256 string `json:"sha256"`
}

// A Period is a named stretch of days, such as 2026-Q4 from 2026-10-01 to
// 2026-12-31 (both included).
type Period struct {
	Name  string `json:"name"`  // 1–20 of A–Z a–z 0–9 and "-"
	Start string `json:"start"` // YYYY-MM-DD
	End   string `json:"end"`   // YYYY-MM-DD, not before Start
}

// A Wijk is a neighbourhood: a name and the four-digit postcode (PC4)
// ranges it covers. No postcode is in two wijken.
type Wijk struct {
	Name      string  `json:"name"`
	Postcodes []Range `json:"postcodes"`
}

// A Range is an inclusive range of four-digit postcodes (1000–9999).
type Range struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// A Question is one question with its fixed answers.
type Question struct {
	ID      string   `json:"id"`   // 1–32 of a–z 0–9 "_"
	Text    string   `json:"text"` // B1 Dutch, 1–300 characters
	Kind    string   `json:"kind"` // KindYesNo, KindScale or KindAgeBand
	Answers []string `json:"answers"`
	// Directions says per answer (in the same order) DirProtective or
	// DirRisk; exactly for the questions in a domain.
	Directions []string `json:"directions,omitempty"`
	Prefill    string   `json:"prefill,omitempty"` // PrefillOpenDebt or PrefillAgeBand
}

// Fields are what an organisation fills in for New.
type Fields struct {
	ID        string // a new UUID v4 when empty
	Title     string
	Purpose   string
	Period    Period
	Wijken    []Wijk
	Questions []Question
	Domains   []Theme
	// Previous is the definition of the period before, when this one
	// continues it: New names it as the Predecessor and checks it with
	// CheckPredecessor.
	Previous *Parsed
}

// New makes and signs an index definition with the organisation id.
func New(id *bundle.OrgIdentity, f Fields, now time.Time) ([]byte, error) {
	did := f.ID
	if did == "" {
		did = uuid.New().String()
	}
	d := &Definition{Format: Format, ID: did, Created: now.UTC().Truncate(time.Second), Title: f.Title, Purpose: f.Purpose,
		Period: f.Period, Wijken: f.Wijken, Questions: f.Questions, Domains: f.Domains, Card: string(id.CardFile())}
	if f.Previous != nil {
		d.Predecessor = PredecessorOf(f.Previous)
	}
	if _, err := d.check(); err != nil {
		return nil, err
	}
	if f.Previous != nil {
		if err := CheckPredecessor(d, id.Card().Fingerprint(), f.Previous); err != nil {
			return nil, err
		}
	}
	body, err := marshalCompact(d)
	if err != nil {
		return nil, err
	}
	sig, err := id.Sign(Domain, body)
	if err != nil {
		return nil, err
	}
	return joinSigned(body, sig), nil
}

var (
	reQuestionID = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	rePeriod     = regexp.MustCompile(`^[A-Za-z0-9-]{1,20}$`)
	reBand       = regexp.MustCompile(`^([0-9]{1,3})(?:-([0-9]{1,3})|(\+))$`)
)

// AnswersOf returns the fixed answers of a kind, or nil for age bands,
// whose bands the organisation chooses.
func AnswersOf(kind string) []string {
	switch kind {
	case KindYesNo:
		return []string{"ja", "nee"}
	case KindScale:
		return []string{"1", "2", "3", "4", "5"}
	}
	return nil
}

// KindOf says which kind an answer list is, or "" when it is none.
func KindOf(answers []string) string {
	for _, k := range []string{KindYesNo, KindScale} {
		if slices.Equal(answers, AnswersOf(k)) {
			return k
		}
	}
	if checkBands(answers) == nil {
		return KindAgeBand
	}
	return ""
}

// checkBands checks ascending, non-overlapping age bands "A-B" (A ≤ B) and
// at most one open band "A+" at the end.
func checkBands(answers []string) error {
	if len(answers) < 2 || len(answers) > MaxAnswers {
		return fmt.Errorf("2 to %d age bands", MaxAnswers)
	}
	next := 0
	for i, a := range answers {
		lo, hi, ok := ParseBand(a)
		if !ok {
			return fmt.Errorf("%q is not an age band like 12-15 or 18+", printable(a))
		}
		if lo < next {
			return fmt.Errorf("age bands must ascend without overlap")
		}
		if hi < 0 && i != len(answers)-1 {
			return fmt.Errorf("only the last age band may be open (18+)")
		}
		next = hi + 1
	}
	return nil
}

// ParseBand reads an age band: "12-15" gives 12, 15; "18+" gives 18, -1.
func ParseBand(s string) (lo, hi int, ok bool) {
	m := reBand.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	lo, _ = strconv.Atoi(m[1])
	if m[3] == "+" {
		return lo, -1, strconv.Itoa(lo) == m[1]
	}
	hi, _ = strconv.Atoi(m[2])
	return lo, hi, lo <= hi && strconv.Itoa(lo) == m[1] && strconv.Itoa(hi) == m[2]
}

// BandOf returns the answer of an age band question for age, or "".
func (q *Question) BandOf(age int) string {
	for _, a := range q.Answers {
		lo, hi, ok := ParseBand(a)
		if ok && age >= lo && (hi < 0 || age <= hi) {
			return a
		}
	}
	return ""
}

// PeriodDates returns the first and last day of the period, at 00:00 UTC.
func (p Period) PeriodDates() (start, end time.Time, err error) {
	start, err = time.Parse(time.DateOnly, p.Start)
	if err != nil {
		return
	}
	end, err = time.Parse(time.DateOnly, p.End)
	return
}

// ParsePeriod reads a period as people type it: "2026-Q4" (a quarter),
// "2026-10" (a month), "2026" (a year), or "NAME:START:END" with dates.
func ParsePeriod(s string) (Period, error) {
	if name, rest, ok := strings.Cut(s, ":"); ok {
		start, end, ok := strings.Cut(rest, ":")
		p := Period{Name: name, Start: start, End: end}
		if !ok {
			return Period{}, fmt.Errorf("a period with dates is NAME:START:END")
		}
		return p, p.check()
	}
	var y, n int
	var first, last time.Time
	switch {
	case len(s) == 7 && s[4] == '-' && s[5] == 'Q':
		var err error
		if y, err = strconv.Atoi(s[:4]); err != nil {
			return Period{}, fmt.Errorf("not a period: %q", printable(s))
		}
		if n = int(s[6] - '0'); n < 1 || n > 4 {
			return Period{}, fmt.Errorf("a quarter is Q1 to Q4")
		}
		first = time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, time.UTC)
		last = first.AddDate(0, 3, -1)
	case len(s) == 7 && s[4] == '-':
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return Period{}, fmt.Errorf("not a period: %q", printable(s))
		}
		first, last = t, t.AddDate(0, 1, -1)
	case len(s) == 4:
		t, err := time.Parse("2006", s)
		if err != nil {
			return Period{}, fmt.Errorf("not a period: %q", printable(s))
		}
		first, last = t, t.AddDate(1, 0, -1)
	default:
		return Period{}, fmt.Errorf("not a period: %q (try 2026-Q4, 2026-10 or 2026)", printable(s))
	}
	p := Period{Name: s, Start: first.Format(time.DateOnly), End: last.Format(time.DateOnly)}
	return p, p.check()
}

func (p Period) check() error {
	if !rePeriod.MatchString(p.Name) {
		return fmt.Errorf("a period name is 1 to 20 letters, digits and -")
	}
	start, end, err := p.PeriodDates()
	if err != nil || start.Format(time.DateOnly) != p.Start || end.Format(time.DateOnly) != p.End {
		return fmt.Errorf("period dates must be YYYY-MM-DD")
	}
	if end.Before(start) || end.Sub(start) > 731*24*time.Hour {
		return fmt.Errorf("a period ends on or after its start, within two years")
	}
	return nil
}

// Skew is the clock difference allowed when a donor's machine checks that
// a period is open.
const Skew = 12 * time.Hour

// Open reports whether donations are taken at now: from the period's first
// day up to and including its last (UTC days, with Skew).
func (p Period) Open(now time.Time) bool {
	start, end, err := p.PeriodDates()
	if err != nil {
		return false
	}
	return !now.Add(Skew).Before(start) && now.Add(-Skew).Before(end.AddDate(0, 0, 1))
}

// check checks every member but the signature, and returns the parsed
// card.
func (d *Definition) check() (*bundle.Card, error) {
	bad := func(format string, args ...any) error { return refuse(CodeBadDefinition, format, args...) }
	if d.Format != Format {
		return nil, refuse(CodeNotDefinition, "unknown format %q", printable(d.Format))
	}
	if !isUUIDv4(d.ID) {
		return nil, bad("id is not a lower-case UUID v4")
	}
	if !isCanonicalTime(d.Created) {
		return nil, bad("created must be a UTC time in whole seconds")
	}
	// The refusals of what a person types carry a FormError, so that a
	// form can say the mistake (FormErrorOf).
	text := func(s, what string, err error) error {
		return refuseErr(CodeBadDefinition, &FormError{Code: FormText, Input: cut(s), Err: err}, "%s", what)
	}
	if err := checkLine(d.Title, 1, 200); err != nil {
		return nil, text(d.Title, "title", err)
	}
	if err := checkLine(d.Purpose, 1, 500); err != nil {
		return nil, text(d.Purpose, "purpose", err)
	}
	if err := d.Period.check(); err != nil {
		return nil, refuseErr(CodeBadDefinition, &FormError{Code: FormPeriod, Input: cut(d.Period.Name), Err: err}, "period")
	}
	if len(d.Wijken) == 0 {
		return nil, formRefusal(FormNoWijk, "", MaxWijken, "wijken must list 1 to %d neighbourhoods", MaxWijken)
	}
	if len(d.Wijken) > MaxWijken {
		return nil, formRefusal(FormTooManyWijken, "", MaxWijken, "wijken must list 1 to %d neighbourhoods", MaxWijken)
	}
	names := map[string]bool{}
	var all []Range
	for _, w := range d.Wijken {
		if err := checkLine(w.Name, 1, 60); err != nil {
			return nil, text(w.Name, "wijk name", err)
		}
		if names[strings.ToLower(w.Name)] {
			return nil, formRefusal(FormWijkTwice, w.Name, 0, "wijk %q is named twice", printable(w.Name))
		}
		names[strings.ToLower(w.Name)] = true
		if len(w.Postcodes) == 0 {
			return nil, formRefusal(FormWijk, w.Name, 0, "wijk %q must have 1 to %d postcode ranges", printable(w.Name), MaxRanges)
		}
		if len(w.Postcodes) > MaxRanges {
			return nil, formRefusal(FormTooManyWijken, w.Name, MaxRanges, "wijk %q must have 1 to %d postcode ranges", printable(w.Name), MaxRanges)
		}
		for i, r := range w.Postcodes {
			if r.From < 1000 || r.To > 9999 || r.From > r.To {
				return nil, formRefusal(FormWijk, w.Name, 0, "wijk %q: postcode ranges are four digits, from ≤ to", printable(w.Name))
			}
			if i > 0 && w.Postcodes[i-1].To >= r.From {
				return nil, formRefusal(FormPostcodeOrder, w.Name, 0, "wijk %q: postcode ranges must ascend without overlap", printable(w.Name))
			}
		}
		all = append(all, w.Postcodes...)
	}
	slices.SortFunc(all, func(a, b Range) int { return a.From - b.From })
	for i := 1; i < len(all); i++ {
		if all[i-1].To >= all[i].From {
			return nil, formRefusal(FormPostcodeTwice, strconv.Itoa(all[i].From), 0, "a postcode is in two wijken")
		}
	}
	if len(d.Questions) == 0 {
		return nil, formRefusal(FormNoQuestion, "", MaxQuestions, "questions must list 1 to %d questions", MaxQuestions)
	}
	if len(d.Questions) > MaxQuestions {
		return nil, formRefusal(FormTooManyQuestions, "", MaxQuestions, "questions must list 1 to %d questions", MaxQuestions)
	}
	ids := map[string]bool{}
	for _, q := range d.Questions {
		if !reQuestionID.MatchString(q.ID) {
			return nil, formRefusal(FormQuestionID, q.ID, 0, "question id %q: 1 to 32 of a-z, 0-9 and _", printable(q.ID))
		}
		if ids[q.ID] {
			return nil, formRefusal(FormQuestionTwice, q.ID, 0, "question %q is asked twice", q.ID)
		}
		ids[q.ID] = true
		if err := checkLine(q.Text, 1, 300); err != nil {
			return nil, text(q.Text, "question "+q.ID, err)
		}
		switch q.Kind {
		case KindYesNo, KindScale:
			if !slices.Equal(q.Answers, AnswersOf(q.Kind)) {
				return nil, formRefusal(FormAnswers, q.ID, 0, "question %s: a %s question answers %s", q.ID, q.Kind, strings.Join(AnswersOf(q.Kind), "/"))
			}
		case KindAgeBand:
			if err := checkBands(q.Answers); err != nil {
				return nil, refuseErr(CodeBadDefinition, &FormError{Code: FormAnswers, Input: cut(q.ID), Err: err}, "question %s", q.ID)
			}
		default:
			return nil, bad("question %s: kind must be %s, %s or %s", q.ID, KindYesNo, KindScale, KindAgeBand)
		}
		switch {
		case q.Prefill == "":
		case q.Prefill == PrefillOpenDebt && q.Kind == KindYesNo:
		case q.Prefill == PrefillAgeBand && q.Kind == KindAgeBand:
		default:
			return nil, formRefusal(FormPrefill, q.ID+"="+q.Prefill, 0, "question %s: prefill %q does not fit a %s question", q.ID, printable(q.Prefill), q.Kind)
		}
	}
	if err := d.checkDomains(); err != nil {
		return nil, err
	}
	if p := d.Predecessor; p != nil {
		if len(d.Domains) == 0 || !isUUIDv4(p.ID) || p.ID == d.ID || !rePeriod.MatchString(p.Period) || p.Period == d.Period.Name || !reSHA256.MatchString(p.SHA256) {
			return nil, bad("predecessor: an index with domains names the id, period and SHA-256 of another definition")
		}
	}
	card, err := bundle.ParseCard([]byte(d.Card))
	if err != nil {
		return nil, refuseErr(CodeBadCard, err, "card")
	}
	return card, nil
}

var reSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkDomains checks the domains and the directions of the answers: every
// domain has questions, every question is in at most one domain and is
// not an age band, every answer of a question in a domain has a direction
// (and the question at least one of each), and no question outside a
// domain has directions.
func (d *Definition) checkDomains() error {
	if len(d.Domains) > MaxDomains {
		return formRefusal(FormTooManyDomains, "", MaxDomains, "domains must list at most %d", MaxDomains)
	}
	in := map[string]string{}
	ids := map[string]bool{}
	for _, dom := range d.Domains {
		if !reQuestionID.MatchString(dom.ID) || ids[dom.ID] {
			return formRefusal(FormDomain, dom.ID, 0, "domain id %q: 1 to 32 of a-z, 0-9 and _, each once", printable(dom.ID))
		}
		ids[dom.ID] = true
		if err := checkLine(dom.Name, 1, 60); err != nil {
			return refuseErr(CodeBadDefinition, &FormError{Code: FormText, Input: cut(dom.Name), Err: err}, "domain name")
		}
		if len(dom.Questions) == 0 {
			return formRefusal(FormDomainEmpty, dom.ID, 0, "domain %s has no question", dom.ID)
		}
		for _, qid := range dom.Questions {
			q, _, ok := d.Question(qid)
			if !ok {
				return formRefusal(FormDomainQuestion, dom.ID+":"+qid, 0, "domain %s: no question %q", dom.ID, printable(qid))
			}
			if q.Kind == KindAgeBand {
				return formRefusal(FormDomainAge, qid, 0, "domain %s: age band question %s cannot be scored", dom.ID, qid)
			}
			if other, twice := in[qid]; twice {
				return formRefusal(FormDomainTwice, qid, 0, "question %s is in domains %s and %s", qid, other, dom.ID)
			}
			in[qid] = dom.ID
		}
	}
	for _, q := range d.Questions {
		if _, scored := in[q.ID]; !scored {
			if len(q.Directions) > 0 {
				return formRefusal(FormDirectionOutside, q.ID, 0, "question %s is in no domain and has directions", q.ID)
			}
			continue
		}
		protective, risk := false, false
		for _, dir := range q.Directions {
			protective = protective || dir == DirProtective
			risk = risk || dir == DirRisk
			if dir != DirProtective && dir != DirRisk {
				return formRefusal(FormDirection, q.ID, 0, "question %s: a direction is %s or %s", q.ID, DirProtective, DirRisk)
			}
		}
		if len(q.Directions) != len(q.Answers) || !protective || !risk {
			return formRefusal(FormDirection, q.ID, 0, "question %s: every answer needs a direction, at least one %s and one %s", q.ID, DirProtective, DirRisk)
		}
	}
	return nil
}

// HasDomains reports whether the definition scores its answers in
// domains: an index. One without is a tally of counts only.
func (d *Definition) HasDomains() bool { return len(d.Domains) > 0 }

// Direction returns the direction of an answer to a question in a domain,
// or "".
func (d *Definition) Direction(question, answer string) string {
	q, _, ok := d.Question(question)
	if !ok || len(q.Directions) != len(q.Answers) {
		return ""
	}
	for i, a := range q.Answers {
		if a == answer {
			return q.Directions[i]
		}
	}
	return ""
}

// PredecessorOf names p as the predecessor of a new definition.
func PredecessorOf(p *Parsed) *Predecessor {
	sum := sha256.Sum256(p.File)
	return &Predecessor{ID: p.Definition.ID, Period: p.Definition.Period.Name, SHA256: hex.EncodeToString(sum[:])}
}

// CheckPredecessor checks that prev is the predecessor d names, made with
// the card whose fingerprint is org (the organisation's own), for the
// period just before d's (its last day is the day before d's first), with
// the same wijken, questions, answers, directions and domains, so that
// the scores of the two periods can be compared. Titles, purposes and
// the creation time may differ. A mistake is a CodeBadPredecessor refusal
// that carries a FormError.
func CheckPredecessor(d *Definition, org string, prev *Parsed) error {
	fail := func(code FormCode, format string, args ...any) error {
		return refuseErr(CodeBadPredecessor, &FormError{Code: code, Input: cut(prev.Definition.Period.Name)}, format, args...)
	}
	if d.Predecessor == nil || *d.Predecessor != *PredecessorOf(prev) {
		return fail(FormPredecessorOther, "the definition names another predecessor")
	}
	if prev.Card.Fingerprint() != org || d.Card != prev.Definition.Card {
		return fail(FormPredecessorOrg, "the predecessor is not signed with this organisation's card")
	}
	_, end, err1 := prev.Definition.Period.PeriodDates()
	start, _, err2 := d.Period.PeriodDates()
	if err1 != nil || err2 != nil || !end.AddDate(0, 0, 1).Equal(start) {
		return fail(FormPredecessorPeriod, "the predecessor's period %s does not end the day before %s starts", prev.Definition.Period.Name, d.Period.Name)
	}
	same := func(a, b any) bool {
		x, _ := marshalCompact(a)
		y, _ := marshalCompact(b)
		return bytes.Equal(x, y)
	}
	if !same(d.Wijken, prev.Definition.Wijken) || !same(d.Questions, prev.Definition.Questions) || !same(d.Domains, prev.Definition.Domains) {
		return fail(FormPredecessorAsks, "the predecessor asks other questions, in other wijken or domains")
	}
	return nil
}

// Question returns the question with id.
func (d *Definition) Question(id string) (*Question, int, bool) {
	for i := range d.Questions {
		if d.Questions[i].ID == id {
			return &d.Questions[i], i, true
		}
	}
	return nil, -1, false
}

// WijkOf returns the name of the wijk a postcode ("8011 AB", "8011AB" or
// "8011") lies in, or "".
func (d *Definition) WijkOf(postcode string) string {
	s := strings.ReplaceAll(strings.TrimSpace(postcode), " ", "")
	if len(s) < 4 {
		return ""
	}
	pc, err := strconv.Atoi(s[:4])
	if err != nil {
		return ""
	}
	for _, w := range d.Wijken {
		for _, r := range w.Postcodes {
			if pc >= r.From && pc <= r.To {
				return w.Name
			}
		}
	}
	return ""
}

// HasWijk reports whether the definition names the wijk.
func (d *Definition) HasWijk(name string) bool {
	return slices.ContainsFunc(d.Wijken, func(w Wijk) bool { return w.Name == name })
}

// Parsed is a definition whose signature verified with the card it
// carries.
type Parsed struct {
	Definition *Definition
	Card       *bundle.Card
	File       []byte // the signed file, exactly as it came (after armor or link decoding)
}

// Parse reads a definition from a file's bytes, armored text or a kluis:
// link, and checks its form and signature. It does not say whether the
// organisation is known: see Open.
func Parse(input []byte) (*Parsed, error) {
	file, err := Decode(input)
	if err != nil {
		return nil, err
	}
	var d Definition
	var card *bundle.Card
	err = signed.Read(file, MaxDefinition, Format, Domain, &d, func() (ed25519.PublicKey, error) {
		var err error
		if card, err = d.check(); err != nil {
			return nil, err
		}
		return card.PublicKey(), nil
	})
	if err != nil {
		return nil, readRefusal(err)
	}
	return &Parsed{Definition: &d, Card: card, File: file}, nil
}

// An Opened definition is a parsed one with how far the donor can trust
// who it says it is from (see request.Trust).
type Opened struct {
	*Parsed
	Trust request.Trust
}

// Open parses input (see Parse) and compares its card with the cards the
// donor knows.
func Open(input []byte, known []*bundle.Card) (*Opened, error) {
	p, err := Parse(input)
	if err != nil {
		return nil, err
	}
	return &Opened{Parsed: p, Trust: request.TrustOf(p.Card, known)}, nil
}

// Fingerprint is the organisation card's short fingerprint, to read aloud.
func (p *Parsed) Fingerprint() string { return bundle.ShortFingerprint(p.Card.Fingerprint()) }
