package main

import (
	"errors"

	"kluis/internal/errcode"
)

// failure is an error with what it concerns, already translated.
type failure struct {
	what string
	err  error
}

func (f *failure) Error() string { return f.what + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func (c *cli) about(err error, key string, data map[string]any) error {
	if err == nil {
		return nil
	}
	return &failure{what: c.cat.T(key, data), err: err}
}

// describe says what failed and why, in one line. A refusal of a bundle,
// request or index is followed by its English detail in brackets, for the
// caseworker and the service desk.
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
	if d := errcode.Detail(err); d != "" {
		msg += " (" + d + ")"
	}
	return msg
}
