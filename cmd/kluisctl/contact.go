package main

import (
	"os"
	"strings"
	"time"

	"kluis/citizen/delegation"

	"kluis/internal/cmdline"
	"kluis/sync/delegate"
	"kluis/vault"
)

// delegateOptions are the flags of the contact, delegate and sync verbs.
type delegateOptions struct {
	qr, role, scope, until, wait, dir string
	ownDevice                         bool
}

var delegateFlags delegateOptions

func contactFlags(c *cli, f *cmdline.FlagSet) {
	delegateFlags = delegateOptions{}
	f.Str(&c.output, "o", "FILE", "cli.contact.flag.output")
	f.Alias("output", "o")
	f.Str(&delegateFlags.qr, "qr", "FILE.png", "cli.contact.flag.qr")
}

// cmdContact prints this vault's contact code and its read-aloud
// fingerprint; -o and --qr also write it to files.
func (c *cli) cmdContact([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		if err := c.needName(v); err != nil {
			return err
		}
		code, err := delegation.NewContact(v, v.Author().Person, time.Now())
		if err != nil {
			return c.aboutVault(err)
		}
		ct, _ := delegate.ParseContact(code)
		if c.output != "" {
			if err := os.WriteFile(c.output, []byte(code+"\n"), 0o644); err != nil {
				return c.about(err, "cli.what.file", map[string]any{"Path": c.output})
			}
		}
		if delegateFlags.qr != "" {
			png, err := delegate.QR(code, 512)
			if err == nil {
				err = os.WriteFile(delegateFlags.qr, png, 0o644)
			}
			if err != nil {
				return c.about(err, "cli.what.file", map[string]any{"Path": delegateFlags.qr})
			}
		}
		fp := ct.Fingerprint()
		if c.json {
			return c.printJSON(map[string]any{"name": ct.Name, "code": code, "fingerprint": fp, "read_aloud": delegate.ReadAloud(fp)})
		}
		c.println(code)
		c.println(c.cat.T("cli.contact.read_aloud", map[string]any{"Digits": delegate.ReadAloud(fp)}))
		return nil
	})
}

// readContact takes a contact code given as the code itself or a file
// holding it.
func (c *cli) readContact(arg string) (*delegate.Contact, string, error) {
	code := arg
	if !strings.HasPrefix(strings.TrimSpace(arg), delegate.ContactPrefix) {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, "", c.about(err, "cli.what.file", map[string]any{"Path": arg})
		}
		code = strings.TrimSpace(string(b))
	}
	ct, err := delegate.ParseContact(code)
	if err != nil {
		return nil, "", c.problem("error.sync.bad_contact", nil)
	}
	return ct, code, nil
}

// cmdContactAdd pins someone's contact code: their packs and certificates
// are accepted from then on.
func (c *cli) cmdContactAdd(args []string) error {
	ct, code, err := c.readContact(args[0])
	if err != nil {
		return err
	}
	return c.withVault(func(v *vault.Vault) error {
		if err := delegation.Pin(v, ct, code); err != nil {
			return c.aboutVault(err)
		}
		fp := ct.Fingerprint()
		return c.done("cli.contact.pinned", map[string]any{"Name": ct.Name, "Digits": delegate.ReadAloud(fp)},
			map[string]any{"name": ct.Name, "fingerprint": fp, "read_aloud": delegate.ReadAloud(fp)})
	})
}

func (c *cli) println(s string) { c.stdout.Write([]byte(s + "\n")) }
