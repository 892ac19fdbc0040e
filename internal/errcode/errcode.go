// Package errcode gives an error a stable code, so that one function,
// (*i18n.Catalog).Error, can say it in the reader's language: the desktop
// app and both command lines then use the same sentence for the same
// refusal. The sentence of code c is the message "error.<c>" in
// assets/en.json and nl.json.
//
// A package gives its sentinel errors a code with New:
//
//	var ErrInUse = errcode.New("vault.in_use", "vault is open elsewhere")
//
// and its own error types implement Coded (and, when the sentence needs
// data, Args). Codes are lower-case ids with dots, named after the package
// that owns them: "vault.locked", "bundle.expired", "intake.revoked".
//
// The text of an error stays English, for logs and tests. Neither the code
// nor the arguments may carry a refused value (a record value, a document's
// content, a passphrase): a sentence is shown to people and copied into
// mail and tickets.
//
// This package imports nothing of Kluis, so every package can use it.
package errcode

import "errors"

// Coded is an error with a stable code. The sentence for it is the message
// "error.<code>".
type Coded interface {
	error
	ErrorCode() string
}

// Args is implemented by a coded error whose sentence fills in data: a
// number, a file name, or a Label. The keys are the placeholders of the
// message ({{.Seq}} takes args["Seq"]).
type Args interface {
	ErrorArgs() map[string]any
}

// Detailed is implemented by a coded error that carries an English detail
// for logs and for the municipality's caseworker, such as the entry of a
// bundle that did not check out. The sentence does not show it.
type Detailed interface {
	ErrorDetail() string
}

// A Label is an argument that the sentence shows as the message of key in
// the reader's language (the label of a category or a field, or another
// error's sentence). When there is no such message, the sentence shows id
// quoted, so an id that came from outside never passes for a label; an
// empty id shows key itself, as a missing message does. It is an interface
// so that a package that imports nothing, such as schema, can give one.
type Label interface {
	LabelKey() (key, id string)
}

// New returns a sentinel error with code and English text. Compare it with
// errors.Is as any sentinel.
func New(code, text string) error { return &sentinel{code: code, text: text} }

// NewWithArgs is New for a sentinel whose sentence fills in args, such as
// a minimum length.
func NewWithArgs(code, text string, args map[string]any) error {
	return &sentinel{code: code, text: text, args: args}
}

type sentinel struct {
	code, text string
	args       map[string]any
}

func (e *sentinel) Error() string             { return e.text }
func (e *sentinel) ErrorCode() string         { return e.code }
func (e *sentinel) ErrorArgs() map[string]any { return e.args }

// Of returns the first error in err's tree that has a code, or nil.
func Of(err error) Coded {
	var c Coded
	if errors.As(err, &c) {
		return c
	}
	return nil
}

// Code returns the code of the first coded error in err's tree, or "".
func Code(err error) string {
	if c := Of(err); c != nil {
		return c.ErrorCode()
	}
	return ""
}

// Detail returns the English detail of the first coded error in err's
// tree, or "" when it has none.
func Detail(err error) string {
	if d, ok := Of(err).(Detailed); ok {
		return d.ErrorDetail()
	}
	return ""
}
