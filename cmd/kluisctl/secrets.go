package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"unicode/utf8"

	"golang.org/x/term"

	"kluis/vault"
)

// maxSecretFile bounds what is read from a passphrase or recovery key file,
// so a wrong path to a big file fails at once.
const maxSecretFile = 64 << 10

// passphrase returns the passphrase of the vault: from --passphrase-file,
// else from the file $KLUIS_PASSPHRASE_FILE names, else asked on the
// terminal. Without a terminal and without a file it fails: it never waits
// for input that cannot come.
func (c *cli) passphrase() ([]byte, error) {
	if file := c.passphraseFileName(); file != "" {
		return c.readSecretFile(file, "cli.what.passphrase_file")
	}
	if c.interactive() {
		return c.prompt(c.cat.T("cli.prompt.passphrase", nil))
	}
	return nil, c.problem("cli.error.no_passphrase", nil)
}

func (c *cli) passphraseFileName() string {
	if c.passphraseFile != "" {
		return c.passphraseFile
	}
	return c.getenv("KLUIS_PASSPHRASE_FILE")
}

// newPassphrase returns a new passphrase: from file when one is given, else
// asked twice on the terminal. It refuses a passphrase that is too short
// before anything is changed.
func (c *cli) newPassphrase(file string) ([]byte, error) {
	var p []byte
	switch {
	case file != "":
		var err error
		if p, err = c.readSecretFile(file, "cli.what.new_passphrase_file"); err != nil {
			return nil, err
		}
	case c.interactive():
		var err error
		if p, err = c.prompt(c.cat.T("cli.prompt.new_passphrase", map[string]any{"Min": vault.MinPassphraseLen})); err != nil {
			return nil, err
		}
		if weak(p) {
			clear(p)
			return nil, vault.ErrWeakPassphrase
		}
		again, err := c.prompt(c.cat.T("cli.prompt.repeat_passphrase", nil))
		if err != nil {
			clear(p)
			return nil, err
		}
		same := bytes.Equal(p, again)
		clear(again)
		if !same {
			clear(p)
			return nil, c.problem("cli.error.passphrases_differ", nil)
		}
	default:
		return nil, c.problem("cli.error.no_new_passphrase", nil)
	}
	if weak(p) {
		clear(p)
		return nil, vault.ErrWeakPassphrase
	}
	return p, nil
}

// weak mirrors the vault's rule for new passphrases (at least
// MinPassphraseLen characters, not counting white space around them), so a
// passphrase is refused before anything is changed. The vault checks again.
func weak(p []byte) bool {
	return utf8.RuneCount(bytes.TrimSpace(p)) < vault.MinPassphraseLen
}

// recoveryKey returns the recovery key from --recovery-key-file, else asks
// for it on the terminal.
func (c *cli) recoveryKey() (string, error) {
	if c.recoveryKeyFile != "" {
		b, err := c.readSecretFile(c.recoveryKeyFile, "cli.what.recovery_key_file")
		if err != nil {
			return "", err
		}
		defer clear(b)
		return string(b), nil
	}
	if c.interactive() {
		b, err := c.prompt(c.cat.T("cli.prompt.recovery_key", nil))
		if err != nil {
			return "", err
		}
		defer clear(b)
		return string(b), nil
	}
	return "", c.problem("cli.error.no_recovery_key", nil)
}

// readSecretFile reads a passphrase or key file and strips one trailing
// newline ("\n" or "\r\n"), nothing else: spaces are part of a passphrase.
func (c *cli) readSecretFile(path, whatKey string) ([]byte, error) {
	what := map[string]any{"Path": path}
	f, err := os.Open(path)
	if err != nil {
		return nil, c.about(err, whatKey, what)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, c.about(err, whatKey, what)
	}
	if len(b) > maxSecretFile {
		clear(b)
		return nil, c.about(c.problem("cli.error.secret_file_too_big", nil), whatKey, what)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, c.about(c.problem("cli.error.secret_file_empty", nil), whatKey, what)
	}
	return b, nil
}

// interactive reports whether a person can be asked: standard input is a
// terminal.
func (c *cli) interactive() bool {
	return c.stdin != nil && term.IsTerminal(int(c.stdin.Fd()))
}

// prompt asks for a secret on the terminal without echo. Ctrl-C puts the
// terminal back as it was before kluisctl ends.
func (c *cli) prompt(label string) ([]byte, error) {
	fd := int(c.stdin.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	done := make(chan struct{})
	defer func() {
		signal.Stop(interrupt)
		close(done)
	}()
	go func() {
		select {
		case <-interrupt:
			term.Restore(fd, state)
			fmt.Fprintln(c.stderr)
			os.Exit(130)
		case <-done:
		}
	}()
	fmt.Fprint(c.stderr, label+" ")
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, c.problem("cli.error.nothing_typed", nil)
	}
	return p, nil
}
