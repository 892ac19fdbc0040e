package bundle

import (
	"errors"
	"fmt"
)

// Code says in a stable English id why a bundle, card, receipt or notice was
// refused. The CLIs and the app translate it with the message key
// "error.bundle.<code>".
type Code string

// Refusal codes. They are part of the published format (docs/FORMAT.md):
// the test vectors in testdata/ name them in their "expect:" lines.
const (
	CodeTooLarge       Code = "too_large"        // input or an entry is over the limits
	CodeNotAddressed   Code = "not_addressed"    // no stanza opens with our key (or the header is damaged)
	CodeWrongShareCode Code = "wrong_share_code" // the share code does not open it
	CodeNotAge         Code = "not_age"          // not an age file at all
	CodeDamaged        Code = "damaged"          // the age header or payload does not authenticate: flipped, cut off or appended bytes
	CodeNotBundle      Code = "not_bundle"       // decrypts, but is not a Kluis bundle (no manifest first)
	CodeBadManifest    Code = "bad_manifest"     // the manifest does not follow the format
	CodeUnsigned       Code = "unsigned"         // no manifest signature
	CodeBadSignature   Code = "bad_signature"    // the signature does not verify with the issuer's key
	CodeWrongRecipient Code = "wrong_recipient"  // signed for another recipient
	CodeExpired        Code = "expired"          // past not_after (plus the clock skew)
	CodeNotYetValid    Code = "not_yet_valid"    // before not_before (minus the clock skew)
	CodeEntryMismatch  Code = "entry_mismatch"   // an entry's size or SHA-256 differs from the manifest
	CodeEntryMissing   Code = "entry_missing"    // the manifest names an entry the archive lacks
	CodeEntryExtra     Code = "entry_extra"      // the archive holds an entry the manifest does not name
	CodeEntryDuplicate Code = "entry_duplicate"  // an entry name occurs twice
	CodeEntryOrder     Code = "entry_order"      // entries are not in the manifest's order
	CodeUnsafeName     Code = "unsafe_name"      // absolute, "..", control characters, not in the allowed layout
	CodeEntryType      Code = "entry_type"       // not a regular file (link, device, folder, …) or unusual header
	CodeBadRecords     Code = "bad_records"      // records.json does not follow the records schema
	CodeTrailingData   Code = "trailing_data"    // bytes after the end of the archive
	CodeBadCard        Code = "bad_card"         // an organisation card that does not parse or verify
	CodeBadNotice      Code = "bad_notice"       // a revocation notice that does not parse or verify
	CodeBadReceipt     Code = "bad_receipt"      // a receipt that does not parse or verify
	CodeBadShareCode   Code = "bad_share_code"   // a share code that is not well formed
	CodeBadURI         Code = "bad_uri"          // a kluis: URI that does not parse

	// Refusals of a share made on behalf of someone (FORMAT.md §3.5).
	CodeBehalfCertificate Code = "behalf.certificate"   // the certificate does not parse or is not signed by the owner it names
	CodeBehalfDelegate    Code = "behalf.delegate"      // the certificate names another delegate than the issuer who signed
	CodeBehalfRole        Code = "behalf.role"          // the certificate's role is not manage
	CodeBehalfScope       Code = "behalf.scope"         // something shared is outside the certificate's categories
	CodeBehalfNotYetValid Code = "behalf.not_yet_valid" // the certificate was not valid yet when the bundle was made
	CodeBehalfExpired     Code = "behalf.expired"       // the certificate had ended when the bundle was made, or has ended now
	CodeBehalfEmergency   Code = "behalf.emergency"     // an emergency grant, whose opening the bundle cannot show
)

// Error is a refusal: what was wrong, as a Code, with an English detail
// for logs and tests. Detail never contains a record value or a document's
// content; it may name an entry path from the archive (quoted).
type Error struct {
	Code   Code
	Detail string
	Err    error // the cause, if any
}

func (e *Error) Error() string {
	msg := "bundle refused: " + string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is "bundle.<code>" (package errcode): i18n says it with the
// message "error.bundle.<code>".
func (e *Error) ErrorCode() string { return "bundle." + string(e.Code) }

// ErrorDetail is the English detail, for logs and the caseworker.
func (e *Error) ErrorDetail() string { return e.Detail }

// Is makes errors.Is(err, &Error{Code: c}) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Detail == "" && t.Err == nil && t.Code == e.Code
}

func refuse(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Detail: fmt.Sprintf(format, args...)}
}

func refuseErr(c Code, err error, format string, args ...any) *Error {
	return &Error{Code: c, Detail: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the refusal code of err, or "" when err is not a refusal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
