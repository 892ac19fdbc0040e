package request

import (
	"slices"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/schema"
)

// Trust says how far the citizen can trust who a request says it is from.
type Trust int

const (
	// Unknown: the signature is good, but the card it carries is not one
	// the citizen loaded before. Anyone can make such a card: compare its
	// fingerprint with the organisation (by phone, its website) first.
	Unknown Trust = iota
	// Known: the request is signed with the key of a card the citizen
	// loaded before.
	Known
	// Impostor: a card the citizen loaded before has the same organisation
	// name or OIN, but other keys. Someone may be pretending.
	Impostor
)

func (t Trust) String() string {
	switch t {
	case Known:
		return "known"
	case Impostor:
		return "impostor"
	}
	return "unknown"
}

// An Opened request is a parsed request with what the citizen's side
// knows about it.
type Opened struct {
	*Parsed
	Trust Trust
}

// Open parses input (see Parse) and compares its card with the cards the
// citizen knows.
func Open(input []byte, known []*bundle.Card) (*Opened, error) {
	p, err := Parse(input)
	if err != nil {
		return nil, err
	}
	return &Opened{Parsed: p, Trust: TrustOf(p.Card, known)}, nil
}

// TrustOf compares card with the known cards by fingerprint, name and OIN:
// a name that only looks like a known card's (another script's letters,
// case, accents, spaces) counts as the same name (bundle.Card.PassesFor).
func TrustOf(card *bundle.Card, known []*bundle.Card) Trust {
	fp := card.Fingerprint()
	t := Unknown
	for _, k := range known {
		if k.Fingerprint() == fp {
			return Known
		}
		if card.PassesFor(k) {
			t = Impostor
		}
	}
	return t
}

// Fingerprint is the organisation card's short fingerprint, to read aloud.
func (p *Parsed) Fingerprint() string { return bundle.ShortFingerprint(p.Card.Fingerprint()) }

// OverAsking compares the request with the purpose registered on the
// organisation's card (bundle.Card.PurposeScopes).
type OverAsking struct {
	// Checked is false when the card registers no purposes with what they
	// may ask: then Kluis cannot tell whether the request asks too much.
	Checked bool
	// Unregistered is true when the card registers purposes, but not the
	// one this request names.
	Unregistered bool
	// Extra lists what the request asks beyond the registered purpose:
	// whole categories ("income") and single fields ("personal.bsn").
	Extra []string
}

// Any reports whether there is something to warn about.
func (o OverAsking) Any() bool { return o.Unregistered || len(o.Extra) > 0 }

// OverAsking compares what the request asks with what its card registers
// for the request's purpose.
func (p *Parsed) OverAsking() OverAsking {
	if len(p.Card.PurposeScopes) == 0 {
		return OverAsking{}
	}
	ps := p.Card.PurposeScopeFor(p.Request.Purpose)
	if ps == nil {
		return OverAsking{Checked: true, Unregistered: true}
	}
	out := OverAsking{Checked: true}
	for _, it := range p.Request.Scope {
		if ps.Allows(it.Category, "") {
			continue
		}
		if it.Fields == nil {
			// The whole category: say which of its fields are too much,
			// or the category when none of them is allowed.
			def, _ := schema.Lookup(it.Category)
			var extra []string
			for _, f := range def.Fields {
				if !ps.Allows(it.Category, f.ID) {
					extra = append(extra, it.Category+"."+f.ID)
				}
			}
			if len(extra) == len(def.Fields) {
				extra = []string{it.Category}
			}
			out.Extra = append(out.Extra, extra...)
			continue
		}
		for _, f := range it.Fields {
			if !ps.Allows(it.Category, f) {
				out.Extra = append(out.Extra, it.Category+"."+f)
			}
		}
	}
	slices.Sort(out.Extra)
	return out
}

// CanAnswer says why the request cannot be answered at now, or nil.
func (p *Parsed) CanAnswer(now time.Time) error {
	if p.Request.Expired(now) {
		return refuse(CodeExpired, "the answer-by date %s has passed", p.Request.AnswerBy.Format(time.RFC3339))
	}
	return nil
}

// NotRegistered lists what the request asks that its card does not
// register for the request's purpose, as whole categories ("income") and
// single fields ("personal.bsn"): Extra, or everything asked when the
// purpose is not registered at all. It is empty when the card registers
// no purposes (Checked is false). Nothing in it is sent unless the
// citizen names it: the app leaves it unticked, kluisctl leaves it out
// unless --include-over-asked names it.
func (p *Parsed) NotRegistered() []string {
	oa := p.OverAsking()
	if !oa.Unregistered {
		return oa.Extra
	}
	var out []string
	for _, it := range p.Request.Scope {
		if len(it.Fields) == 0 {
			out = append(out, it.Category)
			continue
		}
		for _, f := range it.Fields {
			out = append(out, it.Category+"."+f)
		}
	}
	slices.Sort(out)
	return out
}
