package main

import (
	"flag"
	"fmt"
	"strings"

	"kluis/internal/cmdline"
)

// Help goes to standard output and ends with exit status 0; a help request
// for a verb that does not exist is a usage error (exit status 2).

// printHelp writes the overview: every verb with what it does, and the
// global flags.
func (c *cli) printHelp() {
	t := c.cat.T
	w := c.stdout
	fmt.Fprintln(w, t("intake.help.intro", nil))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s: kluis-intake [--store DIR] [--key FILE] VERB [%s] [--json]\n",
		t("intake.help.usage", nil), t("intake.help.arguments", nil))
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("intake.help.verbs", nil)+":")
	tw := cmdline.Table(w)
	for _, cmd := range commands {
		if len(cmd.subs) == 0 {
			fmt.Fprintf(tw, "  %s\t%s\n", overviewLine(cmd.name, cmd.synopsis, cmd.brief), t(cmd.help, nil))
			continue
		}
		for _, sub := range cmd.subs {
			fmt.Fprintf(tw, "  %s\t%s\n", overviewLine(cmd.name+" "+sub.name, sub.synopsis, sub.brief), t(sub.help, nil))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("intake.help.global_flags", nil)+":")
	c.printFlags(globalFlagSet())
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("intake.help.passphrase", nil))
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("intake.help.exit_codes", nil))
	fmt.Fprintln(w, t("intake.help.more", nil))
}

// overviewLine is a verb with its arguments, shortened where the full
// synopsis would push every description off the screen.
func overviewLine(name, synopsis, brief string) string {
	if brief != "" {
		synopsis = brief
	}
	return strings.TrimSpace(name + " " + synopsis)
}

// printCommandHelp writes one verb's usage, meaning, second words (for
// index), own flags and the global flags.
func (c *cli) printCommandHelp(cmd *command) {
	t := c.cat.T
	w := c.stdout
	fmt.Fprintf(w, "%s: kluis-intake %s [%s]\n\n", t("intake.help.usage", nil),
		strings.TrimSpace(cmd.name+" "+cmd.synopsis), t("intake.help.flags_arg", nil))
	fmt.Fprintln(w, t(cmd.help, nil))
	if len(cmd.subs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t("intake.help.verbs", nil)+":")
		// Each on two lines: index define's synopsis is a line of its own.
		for _, sub := range cmd.subs {
			fmt.Fprintf(w, "  kluis-intake %s\n      %s\n", strings.TrimSpace(cmd.name+" "+sub.name+" "+sub.synopsis), t(sub.help, nil))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("intake.help.flags", nil)+":")
	c.printFlags(verbFlagSet(cmd))
	fmt.Fprintln(w)
	fmt.Fprintln(w, t("intake.help.global_flags", nil)+":")
	c.printFlags(globalFlagSet())
}

// helpFor answers "kluis-intake help [VERB]"; "help index define" shows
// index's help, which covers its second words.
func (c *cli) helpFor(args []string) error {
	if len(args) == 0 {
		c.printHelp()
		return errHelpShown
	}
	cmd := lookup(args[0])
	known := cmd != nil && len(args) == 1
	if cmd != nil && len(args) == 2 {
		for _, sub := range cmd.subs {
			known = known || sub.name == args[1]
		}
	}
	if !known {
		return c.usage("intake.usage.unknown_verb", map[string]any{"Verb": strings.Join(args, " ")})
	}
	c.printCommandHelp(cmd)
	return errHelpShown
}

// verbFlagSet is the flag set of a verb's own flags, and globalFlagSet
// that of the global flags, as help shows them. They are defined on a cli
// of their own, so the defaults help shows are the built-in ones, not
// values given on this command line.
func verbFlagSet(cmd *command) *flag.FlagSet {
	fs := cmdline.NewFlagSet("kluis-intake " + cmd.name)
	if cmd.flags != nil {
		cmd.flags(&cli{}, fs.FlagSet)
	}
	return fs.FlagSet
}

func globalFlagSet() *flag.FlagSet {
	fs := cmdline.NewFlagSet("kluis-intake")
	(&cli{}).globalFlags(fs.FlagSet)
	return fs.FlagSet
}

// printFlags writes every flag of fs, in alphabetical order, with what it
// means and its default where that is not empty. A flag's usage is the
// message key of its description, which names the flag's value between
// back quotes, as in package flag: "write the receipt to `FILE`".
func (c *cli) printFlags(fs *flag.FlagSet) {
	docs := cmdline.Docs(fs, c.cat.T)
	if len(docs) == 0 {
		fmt.Fprintln(c.stdout, "  "+c.cat.T("intake.help.no_flags", nil))
		return
	}
	cmdline.WriteFlags(c.stdout, docs, func(d cmdline.FlagDoc) string {
		if v := d.Flag.DefValue; v != "" && v != "0" && v != "false" {
			return c.cat.T("intake.help.default", map[string]any{"Default": v})
		}
		return ""
	})
}

// flagName and isSwitch are package cmdline's, under the names the tests
// use.
var (
	flagName = cmdline.FlagName
	isSwitch = cmdline.IsSwitch
)
