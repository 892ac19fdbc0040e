package request

import (
	"errors"
	"fmt"
)

// Code says in a stable English id why a request, or an answer to one, was
// refused. The CLIs and the app translate it with the message key
// "error.request.<code>". The codes are part of the published format: the
// test vectors name them in their "expect:" lines.
type Code string

// Refusal codes.
const (
	CodeTooLarge        Code = "too_large"        // over MaxFile
	CodeNotRequest      Code = "not_request"      // not a data request at all
	CodeBadLink         Code = "bad_link"         // a kluis:request link or armored text that does not decode
	CodeBadRequest      Code = "bad_request"      // breaks the format
	CodeBadCard         Code = "bad_card"         // the organisation card inside does not parse or verify
	CodeUnsigned        Code = "unsigned"         // no signature line
	CodeBadSignature    Code = "bad_signature"    // the signature does not verify: altered or forged
	CodeUnknownCategory Code = "unknown_category" // asks for a category Kluis does not know
	CodeUnknownField    Code = "unknown_field"    // asks for a field Kluis does not know
	CodeExpired         Code = "expired"          // past its answer-by date: it cannot be answered
	CodeExceeds         Code = "exceeds_request"  // an answer holds more than the request asks
	CodeNotTheRequest   Code = "other_request"    // an answer that is not bound to this request
	CodeAnswerLate      Code = "answer_late"      // an answer made after the answer-by date
)

// Error is a refusal: a Code and an English detail for logs and tests. The
// detail never holds a record value.
type Error struct {
	Code   Code
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "data request refused: " + string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is "request.<code>" (package errcode): i18n says it with the
// message "error.request.<code>".
func (e *Error) ErrorCode() string { return "request." + string(e.Code) }

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
