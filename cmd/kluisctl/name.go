package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"kluis/vault"
)

// The citizen's name is what an organisation sees on a share and a helper
// on the contact code, and what the activity log says beside each change.
// kluisctl never stores or shows the placeholder a vault made without a
// name carries (vault.DefaultPerson): init asks the name, the verbs whose
// result carries it refuse until the vault has one, and the log, get and
// history say "you" for it.

// initName returns the name for a new vault: --name, else asked on the
// terminal. Without a terminal it fails, saying to give --name.
func (c *cli) initName() (string, error) {
	name := c.name
	if name == "" {
		if !c.interactive() {
			return "", c.problem("cli.error.no_name", nil)
		}
		var err error
		if name, err = c.askLine(c.cat.T("cli.prompt.name", nil)); err != nil {
			return "", err
		}
	}
	if err := vault.CheckName(name); err != nil {
		return "", err
	}
	return name, nil
}

// askLine asks for one line of visible text on the terminal and returns it
// without the spaces around it.
func (c *cli) askLine(label string) (string, error) {
	fmt.Fprint(c.stderr, label+" ")
	return readLine(c.stdin, c.problem("cli.error.nothing_typed", nil))
}

// readLine reads one line from r; nothing typed (an empty line, or the end
// of the input) gives empty.
func readLine(r io.Reader, empty error) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", empty
	}
	return line, nil
}

// needName refuses, until the vault has its owner's name, what would carry
// the name to someone else (a share, the contact code, a grant).
func (c *cli) needName(v *vault.Vault) error {
	if v.Named() {
		return nil
	}
	return c.problem("cli.error.unnamed", nil)
}

// person is the name of who made a change as kluisctl shows it: the
// placeholder of a vault without a name becomes "you".
func (c *cli) person(name string) string {
	if name == vault.DefaultPerson {
		return c.cat.T("cli.person.unnamed", nil)
	}
	return name
}

// cmdName shows the owner's name, or sets it when one is given.
func (c *cli) cmdName(args []string) error {
	if len(args) == 1 {
		if err := vault.CheckName(args[0]); err != nil {
			return err
		}
	}
	return c.withVault(func(v *vault.Vault) error {
		if len(args) == 1 {
			if err := v.SetPerson(args[0]); err != nil {
				return c.aboutVault(err)
			}
			return c.done("cli.name.done", map[string]any{"Name": args[0]}, map[string]any{"name": args[0]})
		}
		if !v.Named() {
			return c.done("cli.name.none", nil, map[string]any{"name": nil})
		}
		name := v.Author().Person
		return c.done("cli.name.show", map[string]any{"Name": name}, map[string]any{"name": name})
	})
}
