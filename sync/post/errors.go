package post

import (
	"fmt"

	"kluis/internal/errcode"
)

// Code says in a stable English id why a message, pickup or access
// statement was refused, or why the desk could not be used. The CLIs and
// the app say it with the message "error.post.<code>"; the desk sends it
// with its refusals, so both sides name a refusal the same way.
type Code string

// Refusal codes.
const (
	CodeTooLarge     Code = "too_large"      // over its size limit
	CodeNotMessage   Code = "not_message"    // not a Kluis message at all, or not for this key
	CodeBadMessage   Code = "bad_message"    // breaks the format
	CodeBadSignature Code = "bad_signature"  // the signature does not verify: altered or forged
	CodeNotForYou    Code = "not_for_you"    // addressed to another citizen or organisation
	CodeWrongSender  Code = "wrong_sender"   // signed by someone other than the party of the case
	CodeUnknownCase  Code = "unknown_case"   // the desk knows no case for it from this citizen
	CodeReplayed     Code = "replayed"       // a message or pickup seen before
	CodeBadPickup    Code = "pickup_refused" // a pickup that does not check out
	CodeBadAccess    Code = "bad_access"     // an access statement that does not check out
	CodeBrokenChain  Code = "broken_chain"   // a later access statement drops or changes an earlier entry
	CodeNoInbox      Code = "no_inbox"       // the card names no inbox
	CodeUnreachable  Code = "unreachable"    // the desk cannot be reached now
	CodeWrongServer  Code = "wrong_server"   // the server's key is not the card's pin
	CodeBadAnswer    Code = "bad_answer"     // the desk answered something that does not check out
	CodeBusy         Code = "busy"           // the desk asks to try again later
	CodeRefused      Code = "refused"        // the desk refused with a code this Kluis does not know
)

// Error is a refusal: a Code and an English detail for logs and tests.
type Error struct {
	Code   Code
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "post: " + string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is "post.<code>" (package errcode).
func (e *Error) ErrorCode() string { return "post." + string(e.Code) }

// ErrorDetail is the English detail.
func (e *Error) ErrorDetail() string { return e.Detail }

// Is makes errors.Is(err, &Error{Code: c}) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

var _ errcode.Coded = (*Error)(nil)

func refuse(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

func refuseErr(code Code, err error, detail string) *Error {
	return &Error{Code: code, Detail: detail, Err: err}
}
