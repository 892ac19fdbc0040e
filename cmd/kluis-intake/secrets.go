package main

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/term"

	"kluis/sync/bundle"
)

const maxSecretFile = 64 << 10

// readSecret reads a passphrase or share code file, stripping one trailing
// line break.
func (c *cli) readSecret(path string) ([]byte, error) {
	b, err := c.readUpTo(path, maxSecretFile, func(int64) error {
		return c.problem("intake.error.secret_file_too_big", map[string]any{"Path": path})
	})
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	if len(b) == 0 {
		return nil, c.problem("intake.error.secret_file_empty", map[string]any{"Path": path})
	}
	return b, nil
}

func (c *cli) interactive() bool { return c.stdin != nil && term.IsTerminal(int(c.stdin.Fd())) }

func (c *cli) prompt(label string) ([]byte, error) {
	fmt.Fprint(c.stderr, label+" ")
	p, err := term.ReadPassword(int(c.stdin.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, c.problem("intake.error.nothing_typed", nil)
	}
	return p, nil
}

// passphrase returns the identity's passphrase: --passphrase-file, else
// $KLUIS_INTAKE_PASSPHRASE_FILE, else a prompt on a terminal.
func (c *cli) passphrase() ([]byte, error) {
	file := c.passphraseFile
	if file == "" {
		file = c.getenv("KLUIS_INTAKE_PASSPHRASE_FILE")
	}
	if file != "" {
		return c.readSecret(file)
	}
	if c.interactive() {
		return c.prompt(c.cat.T("intake.prompt.passphrase", nil))
	}
	return nil, c.problem("intake.error.no_passphrase", nil)
}

// newPassphrase returns the passphrase for a new identity: from
// --new-passphrase-file (or --passphrase-file), else asked twice.
func (c *cli) newPassphrase() ([]byte, error) {
	var p []byte
	var err error
	switch file := c.newPassphraseFile; {
	case file != "":
		p, err = c.readSecret(file)
	case c.passphraseFile != "" || c.getenv("KLUIS_INTAKE_PASSPHRASE_FILE") != "":
		p, err = c.passphrase()
	case c.interactive():
		if p, err = c.prompt(c.cat.T("intake.prompt.new_passphrase", nil)); err == nil {
			again, err2 := c.prompt(c.cat.T("intake.prompt.repeat_passphrase", nil))
			if err2 != nil {
				return nil, err2
			}
			if !bytes.Equal(p, again) {
				return nil, c.problem("intake.error.passphrases_differ", nil)
			}
		}
	default:
		return nil, c.problem("intake.error.no_new_passphrase", nil)
	}
	if err != nil {
		return nil, err
	}
	if len([]rune(string(bytes.TrimSpace(p)))) < 12 {
		return nil, c.problem("intake.error.weak_passphrase", map[string]any{"Min": 12})
	}
	return p, nil
}

// identity opens the organisation identity from --key or $KLUIS_INTAKE_KEY.
func (c *cli) identity() (*bundle.OrgIdentity, error) {
	if c.keyFile == "" {
		return nil, c.usage("intake.usage.needs_key", nil)
	}
	file, err := c.readFile(c.keyFile, bundle.MaxSignedFile, bundleTooLarge)
	if err != nil {
		return nil, c.about(err, "intake.what.key", map[string]any{"Path": c.keyFile})
	}
	pass, err := c.passphrase()
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	id, err := bundle.ParseOrgIdentity(file, pass)
	if err != nil {
		if errors.Is(err, bundle.ErrWrongPassphrase) || errors.Is(err, bundle.ErrKDFParameters) || errors.Is(err, bundle.ErrNotIdentity) {
			return nil, c.about(err, "intake.what.key", map[string]any{"Path": c.keyFile})
		}
		return nil, err
	}
	return id, nil
}
