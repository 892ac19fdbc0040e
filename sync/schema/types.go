package schema

// Type is the kind of value a field holds. It decides how input is checked,
// stored, shown and written to JSON.
type Type string

// Field types.
const (
	Text     Type = "text"     // one line, trimmed, at most MaxTextRunes runes, no control characters
	LongText Type = "longtext" // several lines, at most MaxLongTextRunes runes
	Date     Type = "date"     // full or partial date; canonical "2024-05-01", "2024-05" or "2024"
	Money    Type = "money"    // euro amount; canonical integer cents, such as "123456"
	BSN      Type = "bsn"      // burgerservicenummer: 9 digits passing the elfproef
	IBAN     Type = "iban"     // international bank account number, canonical without spaces
	Postcode Type = "postcode" // Dutch postcode, canonical "1234 AB"
	Phone    Type = "phone"    // phone number, canonical "+31612345678" or "0612345678"
	Email    Type = "email"    // e-mail address with a lower-cased domain
	Choice   Type = "choice"   // one of Field.Choices
	DocRef   Type = "document" // document id: a lower-case UUID with hyphens
	Number   Type = "number"   // non-negative whole number without leading zeros
)

// Limits on values. They are part of the published format.
const (
	MaxTextRunes     = 200
	MaxLongTextRunes = 5000
	MinYear          = 1850
	MaxYear          = 2200
	// MaxCents is the largest amount of money in cents (9.999.999.999.999,99
	// euro); -MaxCents is the smallest. It stays well within the integers a
	// JSON reader using floating point can hold exactly.
	MaxCents int64 = 999_999_999_999_999
	// MaxNumber is the largest value of a Number field.
	MaxNumber int64 = 999_999_999_999_999
)

// Types returns every field type, in a fixed order.
func Types() []Type {
	return []Type{Text, LongText, Date, Money, BSN, IBAN, Postcode, Phone, Email, Choice, DocRef, Number}
}

// Field describes one field of a category.
type Field struct {
	ID        string   `json:"id"`                  // stable English machine id, such as "bsn"
	Type      Type     `json:"type"`                // how values are checked and stored
	Required  bool     `json:"required,omitempty"`  // an empty value is refused
	Choices   []string `json:"choices,omitempty"`   // the allowed values of a Choice field, stable English ids
	Sensitive bool     `json:"sensitive,omitempty"` // shown masked, such as the BSN
}

// Category is a kind of record with its fields, in the order a form shows
// them.
type Category struct {
	ID     string  `json:"id"`
	Fields []Field `json:"fields"`
	// Title lists the ids of the fields that together make a record's
	// one-line title in lists.
	Title []string `json:"title"`
	// Spans lists the pairs of date fields that say from when until when
	// (care: since until until). Validate refuses an end before its start.
	Spans []Span `json:"spans,omitempty"`
}

// A Span is a pair of date fields of one category: Start and End, by id.
// With partial dates, an end is before its start only when it is before
// it at the precision both have: 2024 ends fine after 2024-05-10, and
// 2024-04 does not.
type Span struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// before reports whether the canonical date end lies before start, compared
// at the precision both have (year, month or day).
func before(end, start string) bool {
	n := min(len(end), len(start))
	return end[:n] < start[:n]
}
