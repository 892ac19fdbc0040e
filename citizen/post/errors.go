package post

import (
	"context"
	"errors"

	wire "kluis/sync/post"
)

// A KeptError means the desk could not be reached now (or asked to try
// again later), so nothing was sent; nothing is lost either. File is where
// what was to be sent waits, "" when the caller holds it: the share's
// bundle, or a message file the caller should save (Sent.File). Err is the
// cause, a *sync/post.Error with CodeUnreachable or CodeBusy.
type KeptError struct {
	File string
	Err  error
}

func (e *KeptError) Error() string {
	msg := "not sent; kept"
	if e.File != "" {
		msg += " as " + e.File
	}
	return msg + ": " + e.Err.Error()
}

func (e *KeptError) Unwrap() error { return e.Err }

// ErrorCode is "post.kept_as_file" when there is a file, else
// "post.kept".
func (e *KeptError) ErrorCode() string {
	if e.File != "" {
		return "post.kept_as_file"
	}
	return "post.kept"
}

// ErrorArgs names the file.
func (e *KeptError) ErrorArgs() map[string]any { return map[string]any{"File": e.File} }

// Unreachable reports whether err means the desk could not be reached or
// was busy: try again later, or send another way.
func Unreachable(err error) bool {
	return errors.Is(err, &wire.Error{Code: wire.CodeUnreachable}) || errors.Is(err, &wire.Error{Code: wire.CodeBusy}) ||
		errors.Is(err, context.DeadlineExceeded)
}

// kept wraps err in a *KeptError when it means the desk was unreachable.
func kept(err error, file string) error {
	if err != nil && Unreachable(err) {
		return &KeptError{File: file, Err: err}
	}
	return err
}

// badAnswer is the desk answering something that does not check out.
func badAnswer(detail string, err error) error {
	return &wire.Error{Code: wire.CodeBadAnswer, Detail: detail, Err: err}
}
