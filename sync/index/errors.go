package index

import (
	"errors"
	"fmt"
)

// Code says in a stable English id why a definition or donation was
// refused. The CLIs translate it with the message key "error.index.<code>";
// the test vectors name it in their "expect:" lines.
type Code string

// Refusal codes.
const (
	CodeTooLarge        Code = "too_large"        // over the size limit
	CodeNotDefinition   Code = "not_definition"   // not an index definition at all
	CodeBadLink         Code = "bad_link"         // a kluis:index link or armored text that does not decode
	CodeBadDefinition   Code = "bad_definition"   // breaks the format
	CodeBadCard         Code = "bad_card"         // the organisation card inside does not parse or verify
	CodeUnsigned        Code = "unsigned"         // no signature line
	CodeBadSignature    Code = "bad_signature"    // the signature does not verify: altered or forged
	CodeNotForUs        Code = "not_for_us"       // a donation encrypted to another key
	CodeTampered        Code = "tampered"         // a donation that does not decrypt and authenticate
	CodeBadDonation     Code = "bad_donation"     // a donation that breaks the format
	CodeOtherIndex      Code = "other_index"      // a donation for another index or organisation
	CodeOtherPeriod     Code = "other_period"     // a donation for another period of the index
	CodeUnknownQuestion Code = "unknown_question" // an answer to a question the index does not ask
	CodeUndefinedAnswer Code = "undefined_answer" // an answer the question does not offer
	CodeUnknownWijk     Code = "unknown_wijk"     // a wijk the index does not name
	CodeNoWijk          Code = "no_wijk"          // donating without a wijk: none chosen, and none found from the postcode
	CodeOutsidePeriod   Code = "outside_period"   // donating before or after the period
	CodeTooYoung        Code = "too_young"        // the youth rule refuses the donation
	CodeOutsideAges     Code = "outside_ages"     // the donor's age is in none of an age band question's bands
	// CodeBadPredecessor refuses a definition whose predecessor is not
	// the organisation's own definition of the period just before, asking
	// the same.
	CodeBadPredecessor Code = "bad_predecessor"
	// CodeDuplicateRecordKey refuses a donation whose record key another
	// donor's donation to the same index already carries: it is counted
	// once.
	CodeDuplicateRecordKey Code = "duplicate_record_key"
	// CodeClosed refuses a donation for an index whose tally is closed:
	// its period and the grace for late arrivals are over.
	CodeClosed Code = "closed"
)

// Error is a refusal: a Code and an English detail for logs and tests. The
// detail never holds an answer or a pseudonym.
type Error struct {
	Code   Code
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "index refused: " + string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is "index.<code>" (package errcode): i18n says it with the
// message "error.index.<code>".
func (e *Error) ErrorCode() string { return "index." + string(e.Code) }

// ErrorDetail is the English detail, for logs and the caseworker.
func (e *Error) ErrorDetail() string { return e.Detail }

// Is makes errors.Is(err, &Error{Code: c}) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Detail == "" && t.Err == nil && t.Code == e.Code
}

// CodeOf returns the refusal code of err, or "" when err is not a refusal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func refuse(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Detail: fmt.Sprintf(format, args...)}
}

func refuseErr(c Code, err error, format string, args ...any) *Error {
	return &Error{Code: c, Detail: fmt.Sprintf(format, args...), Err: err}
}
