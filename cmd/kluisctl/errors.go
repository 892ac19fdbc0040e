package main

import (
	"errors"

	"kluis/sync/schema"
)

// failure is an error with what it concerns: "vault /home/…/vault.kluis",
// "document 3f0c…". what is already translated; the reason is said by the
// catalog from err.
type failure struct {
	what string
	err  error
}

func (f *failure) Error() string { return f.what + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// about wraps err, when there is one, with what it concerns.
func (c *cli) about(err error, key string, data map[string]any) error {
	if err == nil {
		return nil
	}
	return &failure{what: c.cat.T(key, data), err: err}
}

// problem is a failure already said in the person's language.
type problem struct{ msg string }

func (p *problem) Error() string { return p.msg }

func (c *cli) problem(key string, data map[string]any) error {
	return &problem{msg: c.cat.T(key, data)}
}

// describe says what failed and why, in one line without the "kluisctl: "
// prefix.
func (c *cli) describe(err error) string {
	var f *failure
	if errors.As(err, &f) {
		return f.what + ": " + c.describe(f.err)
	}
	var p *problem
	if errors.As(err, &p) {
		return p.msg
	}
	msg := c.cat.Error(err)
	var fe *schema.FieldError
	if errors.As(err, &fe) {
		switch fe.Code {
		case schema.CodeUnknownCategory, schema.CodeUnknownField, schema.CodeChoiceUnknown:
			msg += " " + c.cat.T("cli.hint.schema", nil)
		}
	}
	return msg
}
