package schema

import (
	"strconv"
	"unicode/utf8"
)

// Code is a stable machine code for why a value or record was refused. The
// translated message for a code is the label "error.<code>".
type Code string

// Error codes.
const (
	CodeRequired        Code = "required"         // a required field is empty
	CodeUnknownField    Code = "unknown_field"    // the field does not exist in the category
	CodeUnknownCategory Code = "unknown_category" // the category does not exist
	CodeUnknownType     Code = "unknown_type"     // the field has a type this package does not know
	CodeRecordEmpty     Code = "record.empty"     // every field of the record is empty
	CodeNotCanonical    Code = "not_canonical"    // a stored or imported value is not in canonical form
	CodeBSNLength       Code = "bsn.length"
	CodeBSNChecksum     Code = "bsn.checksum"
	CodeIBANFormat      Code = "iban.format" // characters other than letters and digits
	CodeIBANCountry     Code = "iban.country"
	CodeIBANLength      Code = "iban.length"
	CodeIBANChecksum    Code = "iban.checksum"
	CodePostcodeFormat  Code = "postcode.format"
	CodeDateFormat      Code = "date.format"
	CodeDateInvalid     Code = "date.invalid" // a day or month that does not exist, such as 2023-02-29
	CodeDateRange       Code = "date.range"
	CodeDateBeforeStart Code = "date.before_start" // an end date before the start date of its Span
	CodeMoneyFormat     Code = "money.format"
	CodeMoneyRange      Code = "money.range"
	CodePhoneFormat     Code = "phone.format"
	CodeEmailFormat     Code = "email.format"
	CodeChoiceUnknown   Code = "choice.unknown"
	CodeTextTooLong     Code = "text.too_long"
	CodeTextControl     Code = "text.control"
	CodeDocumentFormat  Code = "document.format"
	CodeNumberFormat    Code = "number.format"
)

var messages = map[Code]string{
	CodeRequired:        "this must be filled in",
	CodeUnknownField:    "this field does not exist in this category",
	CodeUnknownCategory: "this category does not exist",
	CodeUnknownType:     "this field has an unknown type",
	CodeRecordEmpty:     "fill in at least one field",
	CodeNotCanonical:    "this value is not stored in the expected form",
	CodeBSNLength:       "not a valid BSN: a BSN has 9 digits",
	CodeBSNChecksum:     "not a valid BSN: the check digit does not match",
	CodeIBANFormat:      "not a valid IBAN: it may only contain letters and digits",
	CodeIBANCountry:     "not a valid IBAN: it must start with a country code, such as NL",
	CodeIBANLength:      "not a valid IBAN: the number of characters is wrong for this country",
	CodeIBANChecksum:    "not a valid IBAN: the check digits do not match",
	CodePostcodeFormat:  "not a Dutch postcode, such as 1234 AB",
	CodeDateFormat:      "not a date, such as 1-5-2024, 5-2024 or 2024",
	CodeDateInvalid:     "this date does not exist",
	CodeDateRange:       "the year must be between 1850 and 2200",
	CodeDateBeforeStart: "the end date is before the start date",
	CodeMoneyFormat:     "not an amount in euros, such as 1234,56",
	CodeMoneyRange:      "this amount is too large",
	CodePhoneFormat:     "not a phone number, such as 06 12345678 or +31 6 12345678",
	CodeEmailFormat:     "not an e-mail address, such as name@example.nl",
	CodeChoiceUnknown:   "not one of the options",
	CodeTextTooLong:     "this text is too long",
	CodeTextControl:     "this text contains characters that are not allowed, such as tabs or invisible control characters",
	CodeDocumentFormat:  "not a valid document reference",
	CodeNumberFormat:    "not a whole number, such as 12",
}

// Codes returns every error code this package can produce, in a fixed order.
func Codes() []Code {
	return []Code{
		CodeRequired, CodeUnknownField, CodeUnknownCategory, CodeUnknownType,
		CodeRecordEmpty, CodeNotCanonical,
		CodeBSNLength, CodeBSNChecksum,
		CodeIBANFormat, CodeIBANCountry, CodeIBANLength, CodeIBANChecksum,
		CodePostcodeFormat,
		CodeDateFormat, CodeDateInvalid, CodeDateRange, CodeDateBeforeStart,
		CodeMoneyFormat, CodeMoneyRange,
		CodePhoneFormat, CodeEmailFormat, CodeChoiceUnknown,
		CodeTextTooLong, CodeTextControl,
		CodeDocumentFormat, CodeNumberFormat,
	}
}

// Message returns the English message for the code: lower-case, plain, and
// without the refused value.
func (c Code) Message() string {
	if m, ok := messages[c]; ok {
		return m
	}
	return "not a valid value (" + string(c) + ")"
}

// LabelKey returns the translation key of the code's message, "error.<code>".
func (c Code) LabelKey() string { return "error." + string(c) }

// ValueError says why a single value was refused.
type ValueError struct {
	Code Code
}

func (e *ValueError) Error() string { return e.Code.Message() }

// Is reports whether target is a *ValueError with the same code, so that
// errors.Is(err, &ValueError{Code: CodeBSNChecksum}) works through wrapping.
func (e *ValueError) Is(target error) bool {
	t, ok := target.(*ValueError)
	return ok && t.Code == e.Code
}

// ErrorCode is the code itself: the sentence is the message "error.<code>"
// (package errcode).
func (e *ValueError) ErrorCode() string { return string(e.Code) }

func valueErr(c Code) error { return &ValueError{Code: c} }

// FieldError says which field of which category was refused and why. Field
// is empty when the error concerns the category or the record as a whole
// (CodeUnknownCategory, CodeRecordEmpty).
type FieldError struct {
	Category string
	Field    string
	Code     Code
}

// Error returns, for example, "income.amount: not an amount in euros, such
// as 1234,56".
func (e *FieldError) Error() string {
	name := printableID(e.Category)
	if e.Field != "" {
		name += "." + printableID(e.Field)
	}
	return name + ": " + e.Code.Message()
}

// ErrorCode is "vault.field", or "vault.category" when Field is empty: a
// sentence that names the category and the field by their labels (package
// errcode), then says the code's own message.
func (e *FieldError) ErrorCode() string {
	if e.Field == "" {
		return "vault.category"
	}
	return "vault.field"
}

// ErrorArgs gives the sentence the labels to fill in: Category, Field and
// Message, looked up by id in the catalog ("category.<id>",
// "field.<category>.<id>", "error.<code>"). An id without a label is shown
// quoted; the refused value is never part of them.
func (e *FieldError) ErrorArgs() map[string]any {
	args := map[string]any{
		"Category": label{"category." + e.Category, e.Category},
		"Message":  label{e.Code.LabelKey(), ""},
	}
	if e.Field != "" {
		args["Field"] = label{"field." + e.Category + "." + e.Field, e.Field}
	}
	return args
}

// label is an argument shown as the message of key, or as id quoted when
// there is none (errcode.Label; this package imports nothing of Kluis).
type label struct{ key, id string }

func (l label) LabelKey() (key, id string) { return l.key, l.id }

// Unwrap returns the *ValueError with the same code, so errors.As and
// errors.Is find the code through a FieldError.
func (e *FieldError) Unwrap() error { return &ValueError{Code: e.Code} }

// printableID returns id as is when it looks like a machine id, and quoted
// and shortened otherwise, so an error message never carries control
// characters or a very long string from untrusted input.
func printableID(id string) string {
	plain := id != "" && len(id) <= 64
	for i := 0; plain && i < len(id); i++ {
		c := id[i]
		plain = c == '_' || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
	}
	if plain {
		return id
	}
	if len(id) > 64 {
		cut := 64
		for cut > 0 && !utf8.RuneStart(id[cut]) {
			cut--
		}
		id = id[:cut] + "…"
	}
	return strconv.Quote(id)
}
