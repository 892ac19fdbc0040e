package cmdline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"kluis/internal/i18n"
)

// A Tool is one command line program: its name, its language and where its
// errors go.
type Tool struct {
	Name   string // "kluisctl": the start of every error line
	Cat    *i18n.Catalog
	Stderr io.Writer
	// SeeHelpKey is the message that follows a usage error, saying where
	// help is; it may fill in {{.Help}}: "kluisctl --help", or "kluisctl
	// VERB --help" for an error about one verb.
	SeeHelpKey string
	// Explain, if set, may add to the sentence Describe makes of an error
	// that is not a Failure or a Problem (a hint, a detail for the log).
	Explain func(err error, msg string) string
}

// ErrHelpShown ends a run that printed help on request: exit status 0.
var ErrHelpShown = errors.New("help shown")

// A UsageError is a command line the tool cannot make sense of (exit
// status 2). Msg is already translated; Verb, if set, is the verb it
// concerns.
type UsageError struct {
	Verb string
	Msg  string
}

func (e *UsageError) Error() string { return e.Msg }

// Usage returns a usage error about verb ("" for the whole line) with the
// message key and data.
func (t *Tool) Usage(verb, key string, data map[string]any) error {
	return &UsageError{Verb: verb, Msg: t.Cat.T(key, data)}
}

// A Failure is an error with what it concerns, already translated: "vault
// /home/…/vault.kluis", "document 3f0c…". The reason is said from the
// error it wraps.
type Failure struct {
	What string
	Err  error
}

func (f *Failure) Error() string { return f.What + ": " + f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// About wraps err, when there is one, with what it concerns: the message
// key and data.
func (t *Tool) About(err error, key string, data map[string]any) error {
	if err == nil {
		return nil
	}
	return &Failure{What: t.Cat.T(key, data), Err: err}
}

// A Problem is a failure already said in the person's language.
type Problem struct{ Msg string }

func (p *Problem) Error() string { return p.Msg }

// Problem returns the failure said by the message key with data.
func (t *Tool) Problem(key string, data map[string]any) error {
	return &Problem{Msg: t.Cat.T(key, data)}
}

// Describe says what failed and why, in one line without the tool's name:
// the Failures around it, then a Problem's message or the catalog's
// sentence for the error (i18n.Catalog.Error) with what Explain adds.
func (t *Tool) Describe(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.What + ": " + t.Describe(f.Err)
	}
	var p *Problem
	if errors.As(err, &p) {
		return p.Msg
	}
	msg := t.Cat.Error(err)
	if t.Explain != nil {
		msg = t.Explain(err, msg)
	}
	return msg
}

// DescribeUsage says what is wrong with the command line and where help
// is.
func (t *Tool) DescribeUsage(e *UsageError) string {
	help := t.Name + " --help"
	msg := e.Msg
	if e.Verb != "" {
		help = t.Name + " " + e.Verb + " --help"
		msg = e.Verb + ": " + msg
	}
	return msg + " " + t.Cat.T(t.SeeHelpKey, map[string]any{"Help": help})
}

// Exit reports err, the outcome of a run, on standard error and returns
// the exit status: 0 for nil or ErrHelpShown, 2 for a *UsageError, 1 for
// anything else.
func (t *Tool) Exit(err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, ErrHelpShown):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(t.Stderr, t.Name+": "+OneLine(t.DescribeUsage(ue)))
		return 2
	}
	fmt.Fprintln(t.Stderr, t.Name+": "+OneLine(t.Describe(err)))
	return 1
}

// OneLine joins the lines of a message, so every error is one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Table returns a writer that lines up tab-separated columns, two spaces
// apart, as help and lists do. Flush it when done.
func Table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// WriteFlags writes one line per flag: "  SPEC  DESCRIPTION", with what
// extra returns (such as the default) after the description.
func WriteFlags(w io.Writer, docs []FlagDoc, extra func(FlagDoc) string) {
	tw := Table(w)
	for _, d := range docs {
		help := d.Help
		if extra != nil {
			if more := extra(d); more != "" {
				help += " " + more
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\n", d.Spec(), help)
	}
	tw.Flush()
}

// WriteJSON writes v as indented JSON, as --json output is: two spaces,
// no escaping of <, > and &.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
