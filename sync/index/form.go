package index

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kluis/internal/safetext"
)

// A Form is an index definition as a person types it, before it is
// signed: the flags of kluis-intake index define and the fields of the
// caseworker's desk both fill one in, so both read it the same way
// (Fields) and refuse the same mistakes in the same words (FormError).
type Form struct {
	Title     string
	Purpose   string   // the title when empty
	Period    string   // as ParsePeriod reads it: "2026-Q4", "2026-10", "2026" or "NAME:START:END"
	Wijken    []string // "Assendorp=8011-8012,8014": a name and its postcode ranges
	Questions []string // "schulden:Heeft u schulden?:ja/nee": an id, the text (which may hold colons), the answers
	Prefill   []string // "schulden=debts.open": a question's id and a prefill hint
	// Domains are "school:School en werk:spijbelen,huiswerk": an id, a
	// name (which may hold colons) and the ids of its questions.
	Domains []string
	// Protective are "spijbelen=nee" or "veilig=4,5": a question in a
	// domain and its protective answers; its other answers are risk.
	Protective []string
}

// Fields reads the form. Surrounding space is dropped everywhere and empty
// lines are skipped. An age band question gets the age band prefill
// unless Prefill names another. What Fields does not check — lengths,
// names given twice, a postcode in two wijken — New checks, and says with
// a FormError too (see FormErrorOf).
func (f Form) Fields() (Fields, error) {
	out := Fields{Title: strings.TrimSpace(f.Title), Purpose: strings.TrimSpace(f.Purpose)}
	if out.Title == "" {
		return out, &FormError{Code: FormTitle}
	}
	if out.Purpose == "" {
		out.Purpose = out.Title
	}
	period := strings.TrimSpace(f.Period)
	p, err := ParsePeriod(period)
	if err != nil {
		return out, &FormError{Code: FormPeriod, Input: cut(period), Err: err}
	}
	out.Period = p
	for _, s := range f.Wijken {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		w, err := ParseWijk(s)
		if err != nil {
			return out, err
		}
		out.Wijken = append(out.Wijken, w)
	}
	if len(out.Wijken) == 0 {
		return out, &FormError{Code: FormNoWijk}
	}
	for _, s := range f.Questions {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		q, err := ParseQuestion(s)
		if err != nil {
			return out, err
		}
		out.Questions = append(out.Questions, q)
	}
	if len(out.Questions) == 0 {
		return out, &FormError{Code: FormNoQuestion}
	}
	for _, s := range f.Prefill {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, hint, ok := strings.Cut(s, "=")
		id, hint = strings.TrimSpace(id), strings.TrimSpace(hint)
		found := false
		for i := range out.Questions {
			if out.Questions[i].ID == id {
				out.Questions[i].Prefill, found = hint, true
			}
		}
		if !ok || !found {
			return out, &FormError{Code: FormPrefill, Input: cut(s)}
		}
	}
	for _, s := range f.Domains {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		d, err := ParseDomain(s)
		if err != nil {
			return out, err
		}
		out.Domains = append(out.Domains, d)
	}
	for _, s := range f.Protective {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if err := setProtective(out.Questions, s); err != nil {
			return out, err
		}
	}
	// Every other answer of a question in a domain is a risk; a question
	// in a domain without any protective answer stays without directions,
	// which New refuses in words (FormDirection).
	for i := range out.Questions {
		q := &out.Questions[i]
		if len(q.Directions) == 0 {
			continue
		}
		for j := range q.Directions {
			if q.Directions[j] == "" {
				q.Directions[j] = DirRisk
			}
		}
	}
	return out, nil
}

// ParseDomain reads a domain as people type it: "ID:NAME:Q1,Q2" — an
// id, a name for people (which may hold colons) and its question ids.
func ParseDomain(s string) (Theme, error) {
	id, rest, ok1 := strings.Cut(s, ":")
	i := strings.LastIndex(rest, ":")
	if !ok1 || i < 0 || strings.TrimSpace(rest[:i]) == "" {
		return Theme{}, &FormError{Code: FormDomain, Input: cut(s)}
	}
	d := Theme{ID: strings.TrimSpace(id), Name: strings.TrimSpace(rest[:i])}
	for _, q := range strings.Split(rest[i+1:], ",") {
		if q = strings.TrimSpace(q); q != "" {
			d.Questions = append(d.Questions, q)
		}
	}
	return d, nil
}

// setProtective reads "ID=A1,A2": the protective answers of question ID.
func setProtective(qs []Question, s string) error {
	id, list, ok := strings.Cut(s, "=")
	id = strings.TrimSpace(id)
	bad := &FormError{Code: FormProtective, Input: cut(s)}
	var q *Question
	for i := range qs {
		if qs[i].ID == id {
			q = &qs[i]
		}
	}
	if !ok || q == nil {
		return bad
	}
	if len(q.Directions) != len(q.Answers) {
		q.Directions = make([]string, len(q.Answers))
	}
	for _, a := range strings.Split(list, ",") {
		j := slices.Index(q.Answers, strings.TrimSpace(a))
		if j < 0 {
			return bad
		}
		q.Directions[j] = DirProtective
	}
	return nil
}

// ParseWijk reads a wijk as people type it: "Assendorp=8011-8012,8014"
// (a name, "=", and four-digit postcodes or ranges of them).
func ParseWijk(s string) (Wijk, error) {
	name, ranges, ok := strings.Cut(s, "=")
	w := Wijk{Name: strings.TrimSpace(name)}
	bad := &FormError{Code: FormWijk, Input: cut(s)}
	if !ok || w.Name == "" {
		return w, bad
	}
	for _, part := range strings.Split(ranges, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !isRange {
			to = from
		}
		a, ok1 := postcode(from)
		b, ok2 := postcode(to)
		if !ok1 || !ok2 || a > b {
			return w, bad
		}
		w.Postcodes = append(w.Postcodes, Range{From: a, To: b})
	}
	return w, nil
}

// postcode reads the four digits of a PC4 postcode, 1000 to 9999.
func postcode(s string) (int, bool) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	return n, err == nil && len(s) == 4 && n >= 1000
}

// ParseQuestion reads a question as people type it: "ID:TEXT:A1/A2/…".
// The text may hold colons; the answers are ja/nee, 1/2/3/4/5 or
// ascending age bands such as 12-15/16-17/18+ (KindOf).
func ParseQuestion(s string) (Question, error) {
	id, rest, ok1 := strings.Cut(s, ":")
	i := strings.LastIndex(rest, ":")
	if !ok1 || i < 0 || strings.TrimSpace(rest[:i]) == "" {
		return Question{}, &FormError{Code: FormQuestion, Input: cut(s)}
	}
	q := Question{ID: strings.TrimSpace(id), Text: strings.TrimSpace(rest[:i]), Answers: strings.Split(rest[i+1:], "/")}
	for j := range q.Answers {
		q.Answers[j] = strings.TrimSpace(q.Answers[j])
	}
	if q.Kind = KindOf(q.Answers); q.Kind == "" {
		return q, &FormError{Code: FormAnswers, Input: cut(s)}
	}
	if q.Kind == KindAgeBand {
		q.Prefill = PrefillAgeBand
	}
	return q, nil
}

// FormCode says in a stable English id which mistake of a Form was
// refused. The CLI and the desk say it with the message
// "error.index.form.<code>".
type FormCode string

// Mistakes of a Form.
const (
	FormTitle            FormCode = "title"              // no title
	FormText             FormCode = "text"               // a title, purpose, wijk name or question text too long, or with hidden characters
	FormPeriod           FormCode = "period"             // a period ParsePeriod does not read, or longer than two years
	FormNoWijk           FormCode = "no_wijk"            // no wijk
	FormWijk             FormCode = "wijk"               // a wijk not written as NAME=PC4-PC4,PC4
	FormWijkTwice        FormCode = "wijk_twice"         // a wijk named twice
	FormTooManyWijken    FormCode = "too_many_wijken"    // more than MaxWijken (or a wijk with more than MaxRanges ranges)
	FormPostcodeOrder    FormCode = "postcode_order"     // a wijk's ranges that do not ascend or overlap
	FormPostcodeTwice    FormCode = "postcode_twice"     // a postcode in two wijken
	FormNoQuestion       FormCode = "no_question"        // no question
	FormQuestion         FormCode = "question"           // a question not written as ID:TEXT:ANSWERS
	FormAnswers          FormCode = "answers"            // answers that are not ja/nee, 1 to 5 or age bands
	FormQuestionID       FormCode = "question_id"        // a question id with other characters than a-z, 0-9 and _
	FormQuestionTwice    FormCode = "question_twice"     // a question id used twice
	FormTooManyQuestions FormCode = "too_many_questions" // more than MaxQuestions
	FormPrefill          FormCode = "prefill"            // a prefill for no question, or a hint that does not fit the question

	FormDomain            FormCode = "domain"             // a domain not written as ID:NAME:QUESTIONS, or its id used twice
	FormDomainEmpty       FormCode = "domain_empty"       // a domain without a question
	FormDomainQuestion    FormCode = "domain_question"    // a domain naming a question the index does not ask
	FormDomainAge         FormCode = "domain_age"         // an age band question in a domain
	FormDomainTwice       FormCode = "domain_twice"       // a question in two domains
	FormTooManyDomains    FormCode = "too_many_domains"   // more than MaxDomains
	FormDirection         FormCode = "direction"          // a question in a domain with an answer without a direction, or without a protective or a risk answer
	FormDirectionOutside  FormCode = "direction_outside"  // protective answers for a question in no domain
	FormProtective        FormCode = "protective"         // a --protective not written as ID=ANSWER,… or naming an answer the question lacks
	FormPredecessorOther  FormCode = "predecessor_other"  // the predecessor file is not the one the definition names
	FormPredecessorOrg    FormCode = "predecessor_org"    // the predecessor is signed by another organisation
	FormPredecessorPeriod FormCode = "predecessor_period" // the predecessor's period does not end the day before
	FormPredecessorAsks   FormCode = "predecessor_asks"   // the predecessor asks other questions, wijken or domains
)

// FormCodes lists every FormCode, for the test that each has a message.
func FormCodes() []FormCode {
	return []FormCode{FormTitle, FormText, FormPeriod, FormNoWijk, FormWijk, FormWijkTwice, FormTooManyWijken,
		FormPostcodeOrder, FormPostcodeTwice, FormNoQuestion, FormQuestion, FormAnswers, FormQuestionID,
		FormQuestionTwice, FormTooManyQuestions, FormPrefill, FormDomain, FormDomainEmpty, FormDomainQuestion, FormDomainAge,
		FormDomainTwice, FormTooManyDomains, FormDirection, FormDirectionOutside, FormProtective, FormPredecessorOther,
		FormPredecessorOrg, FormPredecessorPeriod, FormPredecessorAsks}
}

// A FormError is a mistake in what a person typed for a definition: a
// Code, the line or name it is about (as typed, cut to 80 characters),
// and the most allowed where that is the point.
type FormError struct {
	Code  FormCode
	Input string
	Max   int
	Err   error // the English reason underneath, if any
}

func (e *FormError) Error() string {
	msg := "index definition: " + string(e.Code)
	if e.Input != "" {
		msg += fmt.Sprintf(" %q", e.Input)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *FormError) Unwrap() error { return e.Err }

// ErrorCode is "index.form.<code>" (package errcode).
func (e *FormError) ErrorCode() string { return "index.form." + string(e.Code) }

// ErrorArgs fill in the message: {{.Input}} and {{.Max}}.
func (e *FormError) ErrorArgs() map[string]any { return map[string]any{"Input": e.Input, "Max": e.Max} }

// FormErrorOf returns the FormError in err's tree — the mistake a person
// made, which New wraps in a CodeBadDefinition refusal — or err itself
// when it holds none. Say the result to the person who typed the form.
func FormErrorOf(err error) error {
	var fe *FormError
	if errors.As(err, &fe) {
		return fe
	}
	return err
}

// cut shortens what a person typed to show it back: at most 80
// characters, hidden characters made visible.
func cut(s string) string {
	s = strings.Map(func(r rune) rune {
		if safetext.IsHidden(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	return string([]rune(s)[:79]) + "…"
}

// formRefusal is a CodeBadDefinition refusal that says the person's
// mistake as a FormError.
func formRefusal(code FormCode, input string, max int, format string, args ...any) *Error {
	return refuseErr(CodeBadDefinition, &FormError{Code: code, Input: cut(input), Max: max}, format, args...)
}
