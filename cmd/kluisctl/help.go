package main

import (
	"fmt"
	"strings"

	"kluis/internal/cmdline"
)

// subverbs lists the second words of a verb group, such as "add, get, list"
// for doc.
func (c *cli) subverbs(group string) string {
	var names []string
	for _, cmd := range commands {
		if rest, ok := strings.CutPrefix(cmd.name, group+" "); ok {
			names = append(names, rest)
		}
	}
	return strings.Join(names, ", ")
}

// printHelp writes the overview of all verbs to standard output.
func (c *cli) printHelp() {
	t := c.cat.T
	w := c.stdout
	fmt.Fprintln(w, t("cli.help.intro", nil))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s: kluisctl [--vault PATH] [--passphrase-file FILE] VERB [%s] [--json]\n",
		t("cli.help.usage", nil), t("cli.help.arguments", nil))
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("cli.help.verbs", nil)+":")
	tw := cmdline.Table(w)
	for _, cmd := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(cmd.name+" "+cmd.synopsis), t(cmd.help, nil))
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("cli.help.global_flags", nil)+":")
	c.printFlags(c.globalFlags())
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("cli.help.passphrase", nil))
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("cli.help.exit_codes", nil))
	fmt.Fprintln(w, t("cli.help.more", nil))
}

// printGroupHelp writes the verbs of a group such as doc.
func (c *cli) printGroupHelp(group string) {
	t := c.cat.T
	fmt.Fprintf(c.stdout, "%s: kluisctl %s VERB …\n\n%s:\n", t("cli.help.usage", nil), group, t("cli.help.verbs", nil))
	tw := cmdline.Table(c.stdout)
	for _, cmd := range commands {
		if strings.HasPrefix(cmd.name, group+" ") || cmd.name == group {
			fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(cmd.name+" "+cmd.synopsis), t(cmd.help, nil))
		}
	}
	tw.Flush()
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, t("cli.help.more", nil))
}

// printCommandHelp writes one verb's usage, meaning and flags.
func (c *cli) printCommandHelp(cmd *command) {
	t := c.cat.T
	w := c.stdout
	fmt.Fprintf(w, "%s: kluisctl %s [%s]\n\n", t("cli.help.usage", nil),
		strings.TrimSpace(cmd.name+" "+cmd.synopsis), t("cli.help.flags_arg", nil))
	fmt.Fprintln(w, t(cmd.help, nil))
	if cmd.detail != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t(cmd.detail, nil))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("cli.help.flags", nil)+":")
	c.printFlags(c.flagsFor(cmd))
}

// printFlags lists the flags of f in the order they are defined; --vault
// with its default.
func (c *cli) printFlags(f *cmdline.FlagSet) {
	cmdline.WriteFlags(c.stdout, f.Docs(c.cat.T), func(d cmdline.FlagDoc) string {
		if d.Names[0] == "vault" {
			return c.cat.T("cli.help.default", map[string]any{"Default": defaultVaultPath()})
		}
		return ""
	})
}
