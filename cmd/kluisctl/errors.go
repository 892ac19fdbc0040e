package main

import (
	"errors"
	"regexp"
	"strings"

	"kluis/internal/cmdline"
	"kluis/sync/schema"
)

// tool is kluisctl as a command line: its name, language and error output
// (package cmdline).
func (c *cli) tool() *cmdline.Tool {
	return &cmdline.Tool{Name: "kluisctl", Cat: c.cat, Stderr: c.stderr, SeeHelpKey: "cli.usage.see_help", Explain: c.hint}
}

// about wraps err, when there is one, with what it concerns: "vault
// /home/…/vault.kluis", "document 3f0c…".
func (c *cli) about(err error, key string, data map[string]any) error {
	return c.tool().About(err, key, data)
}

// problem is a failure said in the person's language.
func (c *cli) problem(key string, data map[string]any) error {
	return c.tool().Problem(key, data)
}

// ambiguous says that n items start with the id prefix arg.
func (c *cli) ambiguous(arg string, n int) error {
	return &cmdline.Problem{Msg: c.cat.N("cli.error.ambiguous_id", n, map[string]any{"ID": arg})}
}

// hint follows a value that is not one of a field's choices with the
// choices, in the person's language, and an unknown category or field
// with where to look them up.
func (c *cli) hint(err error, msg string) string {
	var fe *schema.FieldError
	if errors.As(err, &fe) {
		switch fe.Code {
		case schema.CodeChoiceUnknown:
			if choices := c.choiceLabels(fe.Category, fe.Field); choices != "" {
				return msg + " " + c.cat.T("cli.hint.choices", map[string]any{"Choices": choices})
			}
			msg += " " + c.cat.T("cli.hint.schema", nil)
		case schema.CodeUnknownCategory, schema.CodeUnknownField:
			msg += " " + c.cat.T("cli.hint.schema", nil)
		}
	}
	return msg
}

// usage is a command line kluisctl cannot make sense of (exit status 2),
// about verb ("" for the whole line).
func (c *cli) usage(verb, key string, data map[string]any) error {
	return c.tool().Usage(verb, key, data)
}

// badFlagValue matches package flag's error for a value it cannot read,
// catching the flag's name.
var badFlagValue = regexp.MustCompile(`^invalid (?:boolean )?value ".*" for (?:flag )?-{1,2}([A-Za-z0-9-]+)`)

// flagError turns an error of package flag, or of reordering the flags,
// into a usage error in the person's language, where it recognizes it.
func (c *cli) flagError(verb string, err error) error {
	var fe *cmdline.FlagError
	if errors.As(err, &fe) {
		if fe.NeedsValue {
			return c.usage(verb, "cli.usage.flag_needs_value", map[string]any{"Flag": fe.Flag})
		}
		return c.usage(verb, "cli.usage.unknown_flag", map[string]any{"Flag": fe.Flag})
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return c.usage(verb, "cli.usage.unknown_flag", map[string]any{"Flag": f})
	}
	if f, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return c.usage(verb, "cli.usage.flag_needs_value", map[string]any{"Flag": f})
	}
	// Package flag's own words for a value it cannot read: "invalid
	// boolean value "x" for -json: parse error".
	if m := badFlagValue.FindStringSubmatch(msg); m != nil {
		return c.usage(verb, "cli.usage.bad_flag_value", map[string]any{"Flag": "--" + m[1]})
	}
	return c.usage(verb, "cli.usage.bad_flag", nil)
}
