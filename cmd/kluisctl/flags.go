package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// flagSet is a flag.FlagSet that also keeps what --help says about each
// flag, and lets flags come after the positional arguments.
type flagSet struct {
	fs   *flag.FlagSet
	docs []flagDoc
}

type flagDoc struct {
	names []string // "o", "output"
	arg   string   // "FILE", or "" for a switch
	help  string   // message key
}

func (c *cli) newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // kluisctl reports flag errors itself
	fs.Usage = func() {}
	return &flagSet{fs: fs}
}

func (f *flagSet) str(p *string, name, arg, help string) {
	f.fs.StringVar(p, name, *p, "")
	f.docs = append(f.docs, flagDoc{names: []string{name}, arg: arg, help: help})
}

func (f *flagSet) boolean(p *bool, name, help string) {
	f.fs.BoolVar(p, name, *p, "")
	f.docs = append(f.docs, flagDoc{names: []string{name}, help: help})
}

// alias makes name another name of the flag called existing.
func (f *flagSet) alias(name, existing string) {
	orig := f.fs.Lookup(existing)
	f.fs.Var(orig.Value, name, "")
	for i := range f.docs {
		if slices.Contains(f.docs[i].names, existing) {
			f.docs[i].names = append(f.docs[i].names, name)
		}
	}
}

// reorder splits args into flags (with their values) and positional
// arguments, so that "add income amount=12 --json" works like
// "add --json income amount=12". Everything after "--" is positional. An
// unknown flag, or one missing its value, is a usage error of verb.
func (f *flagSet) reorder(c *cli, verb string, args []string) (flags, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name == "h" || name == "help" {
			flags = append(flags, a)
			continue
		}
		fl := f.fs.Lookup(name)
		if fl == nil {
			return nil, nil, c.usage(verb, "cli.usage.unknown_flag", map[string]any{"Flag": a})
		}
		flags = append(flags, a)
		if hasValue || isSwitch(fl) {
			continue
		}
		if i+1 == len(args) {
			return nil, nil, c.usage(verb, "cli.usage.flag_needs_value", map[string]any{"Flag": a})
		}
		flags = append(flags, args[i+1])
		i++
	}
	return flags, positional, nil
}

// flagError turns an error of package flag into a usage error in the
// person's language, where it recognizes it.
func (c *cli) flagError(verb string, err error) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return c.usage(verb, "cli.usage.unknown_flag", map[string]any{"Flag": f})
	}
	if f, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return c.usage(verb, "cli.usage.flag_needs_value", map[string]any{"Flag": f})
	}
	return c.usage(verb, "cli.usage.bad_flag", map[string]any{"Detail": msg})
}

func isSwitch(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// usageError is a command line that kluisctl cannot make sense of (exit
// status 2). msg is already translated.
type usageError struct {
	verb string
	msg  string
}

func (e *usageError) Error() string { return e.msg }

func (c *cli) usage(verb, key string, data map[string]any) error {
	return &usageError{verb: verb, msg: c.cat.T(key, data)}
}

// describeUsage says what is wrong with the command line and where help is.
func (c *cli) describeUsage(e *usageError) string {
	help := "kluisctl --help"
	msg := e.msg
	if e.verb != "" {
		help = "kluisctl " + e.verb + " --help"
		msg = e.verb + ": " + msg
	}
	return msg + " " + c.cat.T("cli.usage.see_help", map[string]any{"Help": help})
}

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
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
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

func (c *cli) printFlags(f *flagSet) {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	for _, d := range f.docs {
		var names []string
		for _, n := range d.names {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
		spec := strings.Join(names, ", ")
		if d.arg != "" {
			spec += " " + d.arg
		}
		help := c.cat.T(d.help, nil)
		if d.names[0] == "vault" {
			help += " " + c.cat.T("cli.help.default", map[string]any{"Default": defaultVaultPath()})
		}
		fmt.Fprintf(tw, "  %s\t%s\n", spec, help)
	}
	tw.Flush()
}
