package main

import (
	"errors"
	"strings"

	"kluis/internal/cmdline"
	"kluis/vault"
)

// openVault opens the vault at --vault, still locked.
func (c *cli) openVault() (*vault.Vault, error) {
	v, err := vault.Open(c.vaultPath, nil)
	if errors.Is(err, vault.ErrNotFound) {
		return nil, c.problem("cli.error.no_vault", map[string]any{"Path": c.vaultPath})
	}
	return v, c.aboutVault(err)
}

func (c *cli) aboutVault(err error) error {
	return c.about(err, "cli.what.vault", map[string]any{"Path": c.vaultPath})
}

// unlocked opens the vault and unlocks it with the passphrase. The caller
// closes it.
func (c *cli) unlocked() (*vault.Vault, error) {
	v, err := c.openVault()
	if err != nil {
		return nil, err
	}
	pass, err := c.passphrase()
	if err != nil {
		v.Close()
		return nil, err
	}
	err = v.Unlock(pass)
	clear(pass)
	if err != nil {
		v.Close()
		return nil, c.aboutVault(err)
	}
	if c.managed != "" {
		return c.openManaged(v)
	}
	return v, nil
}

// withVault runs fn on the unlocked vault and closes it afterwards.
func (c *cli) withVault(fn func(v *vault.Vault) error) error {
	v, err := c.unlocked()
	if err != nil {
		return err
	}
	err = fn(v)
	if cerr := v.Close(); err == nil {
		err = c.aboutVault(cerr)
	}
	return err
}

// item is what an id on the command line names: a record or a document.
type item struct {
	id  string
	doc bool
}

// minPrefix is the shortest start of an id that kluisctl looks up.
const minPrefix = 4

// resolve finds the record or document that arg names: a whole id, or the
// start of one (at least minPrefix characters) that fits exactly one item,
// in the recycle bin too.
func (c *cli) resolve(v *vault.Vault, arg string) (item, error) {
	notFound := c.about(vault.ErrNotFound, "cli.what.id", map[string]any{"ID": arg})
	if vault.IsID(arg) {
		id := strings.ToLower(arg)
		if _, err := v.Get(id); err == nil {
			return item{id: id}, nil
		} else if !errors.Is(err, vault.ErrNotFound) {
			return item{}, c.about(err, "cli.what.item", map[string]any{"ID": id})
		}
		if _, err := v.Document(id); err == nil {
			return item{id: id, doc: true}, nil
		} else if !errors.Is(err, vault.ErrNotFound) {
			return item{}, c.about(err, "cli.what.document", map[string]any{"ID": id})
		}
		return item{}, notFound
	}
	if !isIDPrefix(arg) {
		return item{}, notFound
	}
	prefix := strings.ToLower(arg)
	var found []item
	consider := func(id string, doc bool) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, item{id: id, doc: doc})
		}
	}
	for _, list := range []func() ([]vault.Record, error){
		func() ([]vault.Record, error) { return v.List("") },
		v.RecycleBin,
	} {
		recs, err := list()
		if err != nil {
			return item{}, c.aboutVault(err)
		}
		for _, r := range recs {
			consider(r.ID, false)
		}
	}
	for _, deleted := range []bool{false, true} {
		docs, err := v.Documents(deleted)
		if err != nil {
			return item{}, c.aboutVault(err)
		}
		for _, d := range docs {
			consider(d.ID, true)
		}
	}
	switch len(found) {
	case 0:
		return item{}, notFound
	case 1:
		return found[0], nil
	}
	return item{}, c.ambiguous(arg, len(found))
}

// record resolves arg and insists that it is a record.
func (c *cli) record(v *vault.Vault, arg string) (vault.Record, error) {
	it, err := c.resolve(v, arg)
	if err != nil {
		return vault.Record{}, err
	}
	if it.doc {
		return vault.Record{}, c.problem("cli.error.is_document", map[string]any{"ID": it.id})
	}
	r, err := v.Get(it.id)
	return r, c.about(err, "cli.what.item", map[string]any{"ID": it.id})
}

// document resolves arg and insists that it is a document.
func (c *cli) document(v *vault.Vault, arg string) (vault.Document, error) {
	it, err := c.resolve(v, arg)
	if err != nil {
		return vault.Document{}, err
	}
	if !it.doc {
		return vault.Document{}, c.problem("cli.error.is_record", map[string]any{"ID": it.id})
	}
	d, err := v.Document(it.id)
	return d, c.about(err, "cli.what.document", map[string]any{"ID": it.id})
}

// isIDPrefix reports whether s could be the start of an id: hexadecimal
// digits and hyphens, at least minPrefix long.
func isIDPrefix(s string) bool {
	if len(s) < minPrefix || len(s) > 36 {
		return false
	}
	for _, r := range strings.ToLower(s) {
		if !(r == '-' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'f')) {
			return false
		}
	}
	return true
}

// printJSON writes v as indented JSON on standard output.
func (c *cli) printJSON(v any) error {
	return cmdline.WriteJSON(c.stdout, v)
}

func defaultVaultPath() string {
	p, err := vault.DefaultVaultPath()
	if err != nil {
		return "?"
	}
	return p
}
