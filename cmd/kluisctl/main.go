package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"kluis/internal/cmdline"
	"kluis/internal/i18n"
	"kluis/vault"
)

func main() {
	c := &cli{
		cat:    i18n.Load(i18n.Lang()),
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
	}
	os.Exit(c.run(os.Args[1:]))
}

// interruptible returns a context that Ctrl-C (or SIGTERM) cancels, for the
// long operations that stop cleanly when asked: adding, saving and
// exporting documents. A second Ctrl-C ends kluisctl at once. Everything
// else keeps the default: the process ends, and bbolt's transactions make
// sure a change happened completely or not at all.
func (c *cli) interruptible() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // give the next signal its default effect again
	}()
	return ctx, stop
}

// cli is one run of kluisctl: where it reads and writes, its language, and
// the flags given.
type cli struct {
	cat    *i18n.Catalog
	stdin  *os.File
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	// Global flags.
	vaultPath      string
	passphraseFile string
	json           bool

	// Flags of some verbs.
	name              string // init --name
	newPassphraseFile string // init, passwd, recover, restore FILE
	recoveryKeyFile   string // recover, restore FILE
	reveal            bool   // get, list, search, history, bin
	output            string // doc get, backup
	linkRecord        string // doc add --record
	force             bool   // doc get
	managed           string // --managed: act on a vault this person helps with
}

// A command is one verb (or "doc add"-style verb pair) of kluisctl.
type command struct {
	name     string // as typed: "add", "doc get"
	synopsis string // the arguments, for the usage line
	help     string // message key: one line saying what it does
	detail   string // message key of more explanation, or ""
	min, max int    // number of positional arguments; max -1 for any
	flags    func(c *cli, f *cmdline.FlagSet)
	run      func(c *cli, args []string) error
}

// commands lists every verb in the order --help shows them.
var commands = []*command{
	{name: "init", synopsis: "[--name NAME]", help: "cli.help.init", detail: "cli.help.init.detail", flags: func(c *cli, f *cmdline.FlagSet) {
		f.Str(&c.name, "name", "NAME", "cli.flag.name")
		f.Str(&c.newPassphraseFile, "new-passphrase-file", "FILE", "cli.flag.new_passphrase_file")
	}, run: (*cli).cmdInit},
	{name: "passwd", help: "cli.help.passwd", flags: func(c *cli, f *cmdline.FlagSet) {
		f.Str(&c.newPassphraseFile, "new-passphrase-file", "FILE", "cli.flag.new_passphrase_file")
	}, run: (*cli).cmdPasswd},
	{name: "recover", synopsis: "--recovery-key-file FILE", help: "cli.help.recover", detail: "cli.help.recover.detail", flags: func(c *cli, f *cmdline.FlagSet) {
		f.Str(&c.recoveryKeyFile, "recovery-key-file", "FILE", "cli.flag.recovery_key_file")
		f.Str(&c.newPassphraseFile, "new-passphrase-file", "FILE", "cli.flag.new_passphrase_file")
	}, run: (*cli).cmdRecover},
	{name: "name", synopsis: "[NAME]", help: "cli.help.name", detail: "cli.help.name.detail", max: 1, run: (*cli).cmdName},
	{name: "schema", help: "cli.help.schema", run: (*cli).cmdSchema},
	{name: "add", synopsis: "CATEGORY field=value…", help: "cli.help.add", detail: "cli.help.add.detail",
		min: 1, max: -1, run: (*cli).cmdAdd},
	{name: "set", synopsis: "ID field=value…", help: "cli.help.set", detail: "cli.help.set.detail",
		min: 2, max: -1, run: (*cli).cmdSet},
	{name: "get", synopsis: "ID", help: "cli.help.get", min: 1, max: 1, flags: revealFlag, run: (*cli).cmdGet},
	{name: "list", synopsis: "[CATEGORY]", help: "cli.help.list", max: 1, flags: revealFlag, run: (*cli).cmdList},
	{name: "search", synopsis: "TEXT…", help: "cli.help.search", min: 1, max: -1, flags: revealFlag, run: (*cli).cmdSearch},
	{name: "rm", synopsis: "ID", help: "cli.help.rm", min: 1, max: 1, run: (*cli).cmdRm},
	{name: "restore", synopsis: "ID | FILE", help: "cli.help.restore", detail: "cli.help.restore.detail",
		min: 1, max: 1, flags: func(c *cli, f *cmdline.FlagSet) {
			f.Str(&c.recoveryKeyFile, "recovery-key-file", "FILE", "cli.flag.restore_recovery_key_file")
			f.Str(&c.newPassphraseFile, "new-passphrase-file", "FILE", "cli.flag.new_passphrase_file")
		}, run: (*cli).cmdRestore},
	{name: "history", synopsis: "ID", help: "cli.help.history", min: 1, max: 1, flags: revealFlag, run: (*cli).cmdHistory},
	{name: "revert", synopsis: "ID VERSION", help: "cli.help.revert", min: 2, max: 2, run: (*cli).cmdRevert},
	{name: "bin", help: "cli.help.bin", flags: revealFlag, run: (*cli).cmdBin},
	{name: "bin purge", synopsis: "ID", help: "cli.help.bin_purge", detail: "cli.help.bin_purge.detail",
		min: 1, max: 1, run: (*cli).cmdBinPurge},
	{name: "bin empty", help: "cli.help.bin_empty", detail: "cli.help.bin_empty.detail", run: (*cli).cmdBinEmpty},
	{name: "doc add", synopsis: "FILE [--record ID]", help: "cli.help.doc_add", min: 1, max: 1, flags: func(c *cli, f *cmdline.FlagSet) {
		f.Str(&c.linkRecord, "record", "ID", "cli.flag.record")
	}, run: (*cli).cmdDocAdd},
	{name: "doc get", synopsis: "ID -o FILE", help: "cli.help.doc_get", detail: "cli.help.doc_get.detail",
		min: 1, max: 1, flags: func(c *cli, f *cmdline.FlagSet) {
			f.Str(&c.output, "o", "FILE", "cli.flag.doc_output")
			f.Alias("output", "o")
			f.Bool(&c.force, "force", "cli.flag.force")
		}, run: (*cli).cmdDocGet},
	{name: "doc list", help: "cli.help.doc_list", run: (*cli).cmdDocList},
	{name: "log", help: "cli.help.log", run: (*cli).cmdLog},
	{name: "log verify", help: "cli.help.log_verify", run: (*cli).cmdLogVerify},
	{name: "backup", synopsis: "-o FILE", help: "cli.help.backup", detail: "cli.help.backup.detail", flags: func(c *cli, f *cmdline.FlagSet) {
		f.Str(&c.output, "o", "FILE", "cli.flag.backup_output")
		f.Alias("output", "o")
	}, run: (*cli).cmdBackup},
	{name: "export", synopsis: "DIR", help: "cli.help.export", detail: "cli.help.export.detail",
		min: 1, max: 1, run: (*cli).cmdExport},
	{name: "compact", help: "cli.help.compact", run: (*cli).cmdCompact},
	{name: "share create", synopsis: "(--to CARD | --share-code) --scope CAT[,CAT…] --purpose TEXT -o FILE [--send]", help: "cli.share.help.create",
		detail: "cli.share.help.create_detail", flags: shareCreateFlags, run: (*cli).cmdShareCreate},
	{name: "share list", help: "cli.share.help.list", run: (*cli).cmdShareList},
	{name: "share revoke", synopsis: "ID -o FILE [--send]", help: "cli.share.help.revoke", min: 1, max: 1, flags: shareRevokeFlags, run: (*cli).cmdShareRevoke},
	{name: "share send", synopsis: "ID", help: "cli.share.help.send", min: 1, max: 1, run: (*cli).cmdShareSend},
	{name: "share access", synopsis: "ID", help: "cli.share.help.access", min: 1, max: 1, run: (*cli).cmdShareAccess},
	{name: "receipt import", synopsis: "FILE|LINK", help: "cli.receipt.help.import", min: 1, max: 1, run: (*cli).cmdReceiptImport},
	{name: "contact", synopsis: "[-o FILE] [--qr FILE.png]", help: "cli.contact.help", detail: "cli.contact.help_detail", flags: contactFlags, run: (*cli).cmdContact},
	{name: "contact add", synopsis: "CODE|FILE", help: "cli.contact.help_add", min: 1, max: 1, run: (*cli).cmdContactAdd},
	{name: "delegate grant", synopsis: "CONTACT --role view|manage --scope CAT[,CAT…] --until DATE [--emergency-wait 72h]", help: "cli.delegate.help.grant",
		detail: "cli.delegate.help.grant_detail", min: 1, max: 1, flags: delegateGrantFlags, run: (*cli).cmdDelegateGrant},
	{name: "delegate list", help: "cli.delegate.help.list", run: (*cli).cmdDelegateList},
	{name: "delegate revoke", synopsis: "ID", help: "cli.delegate.help.revoke", min: 1, max: 1, run: (*cli).cmdDelegateRevoke},
	{name: "delegate approve", synopsis: "ID", help: "cli.emergency.help.approve", min: 1, max: 1, run: (*cli).cmdDelegateApprove},
	{name: "delegate refuse", synopsis: "ID", help: "cli.emergency.help.refuse", min: 1, max: 1, run: (*cli).cmdDelegateRefuse},
	{name: "emergency request", help: "cli.emergency.help.request", run: (*cli).cmdEmergencyRequest},
	{name: "sync", synopsis: "--dir DIR", help: "cli.sync.help", detail: "cli.sync.help_detail", flags: syncFlags, run: (*cli).cmdSync},
	{name: "managed list", help: "cli.managed.help.list", run: (*cli).cmdManagedList},
	{name: "request show", synopsis: "FILE|LINK", help: "cli.request.help.show", min: 1, max: 1, run: (*cli).cmdRequestShow},
	{name: "request refuse", synopsis: "FILE|LINK [--message TEXT]", help: "cli.request.help.refuse", min: 1, max: 1, flags: requestRefuseFlags, run: (*cli).cmdRequestRefuse},
	{name: "card add", synopsis: "FILE [--keep-anyway]", help: "cli.card.help.add", min: 1, max: 1, flags: func(c *cli, f *cmdline.FlagSet) {
		keepAnyway = false
		f.Bool(&keepAnyway, "keep-anyway", "cli.card.flag.keep_anyway")
	}, run: (*cli).cmdCardAdd},
	{name: "card list", help: "cli.card.help.list", run: (*cli).cmdCardList},
	{name: "thread list", help: "cli.thread.help.list", run: (*cli).cmdThreadList},
	{name: "thread show", synopsis: "ID", help: "cli.thread.help.show", min: 1, max: 1, run: (*cli).cmdThreadShow},
	{name: "inbox", help: "cli.inbox.help", detail: "cli.inbox.help_detail", run: (*cli).cmdInbox},
	{name: "message send", synopsis: "--to CARD [--case REF] (TEXT… | --file FILE) [-o FILE]", help: "cli.message.help.send",
		detail: "cli.message.help.send_detail", max: -1, flags: messageSendFlags, run: (*cli).cmdMessageSend},
	{name: "donate", synopsis: "INDEX [--answer Q=A…] [--skip Q…] -o FILE", help: "cli.donate.help", detail: "cli.donate.help_detail",
		min: 1, max: 1, flags: donateFlagSet, run: (*cli).cmdDonate},
}

func revealFlag(c *cli, f *cmdline.FlagSet) { f.Bool(&c.reveal, "reveal", "cli.flag.reveal") }

// groups are verbs that only exist with a second word.
var groups = map[string]bool{"doc": true, "share": true, "receipt": true, "request": true, "card": true, "thread": true, "delegate": true, "managed": true, "emergency": true, "message": true}

func lookup(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// run runs kluisctl with args (without the program name) and returns the
// exit status.
func (c *cli) run(args []string) int { return c.tool().Exit(c.dispatch(args)) }

// errHelpShown ends a run that printed help on request.
var errHelpShown = cmdline.ErrHelpShown

func (c *cli) dispatch(args []string) error {
	global := c.globalFlags()
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printHelp()
			return errHelpShown
		}
		return c.flagError("", err)
	}
	rest := global.Args()
	if len(rest) == 0 {
		return c.usage("", "cli.usage.no_verb", nil)
	}
	name := rest[0]
	rest = rest[1:]
	if name == "help" {
		return c.helpFor(rest)
	}
	if groups[name] || (len(rest) > 0 && lookup(name+" "+rest[0]) != nil) {
		switch {
		case len(rest) == 0:
			return c.usage(name, "cli.usage.no_subverb", map[string]any{"Verbs": c.subverbs(name)})
		case rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help" || rest[0] == "help":
			c.printGroupHelp(name)
			return errHelpShown
		}
		name += " " + rest[0]
		rest = rest[1:]
	}
	cmd := lookup(name)
	if cmd == nil {
		return c.usage("", "cli.usage.unknown_verb", map[string]any{"Verb": name})
	}
	f := c.flagsFor(cmd)
	pos, err := f.ParseAnywhere(rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandHelp(cmd)
			return errHelpShown
		}
		return c.flagError(cmd.name, err)
	}
	switch {
	case len(pos) < cmd.min:
		return c.usage(cmd.name, "cli.usage.too_few_args",
			map[string]any{"Usage": strings.TrimSpace("kluisctl " + cmd.name + " " + cmd.synopsis)})
	case cmd.max >= 0 && len(pos) > cmd.max:
		return c.usage(cmd.name, "cli.usage.too_many_args", map[string]any{"Arg": pos[cmd.max]})
	}
	if c.vaultPath == "" {
		p, err := vault.DefaultVaultPath()
		if err != nil {
			return err
		}
		c.vaultPath = p
	}
	return cmd.run(c, pos)
}

// flagsFor builds the flag set of a verb: its own flags plus the global
// ones, which may be given anywhere on the line.
func (c *cli) flagsFor(cmd *command) *cmdline.FlagSet {
	f := cmdline.NewFlagSet("kluisctl " + cmd.name)
	f.Bool(&c.json, "json", "cli.flag.json")
	if cmd.flags != nil {
		cmd.flags(c, f)
	}
	c.addGlobalFlags(f)
	return f
}

// globalFlags is the flag set before the verb.
func (c *cli) globalFlags() *cmdline.FlagSet {
	f := cmdline.NewFlagSet("kluisctl")
	f.Bool(&c.json, "json", "cli.flag.json")
	c.addGlobalFlags(f)
	return f
}

func (c *cli) addGlobalFlags(f *cmdline.FlagSet) {
	f.Str(&c.vaultPath, "vault", "PATH", "cli.flag.vault")
	f.Str(&c.passphraseFile, "passphrase-file", "FILE", "cli.flag.passphrase_file")
	f.Str(&c.managed, "managed", "ID", "cli.managed.flag")
}

func (c *cli) helpFor(args []string) error {
	if len(args) == 0 {
		c.printHelp()
		return errHelpShown
	}
	name := strings.Join(args, " ")
	if groups[name] {
		c.printGroupHelp(name)
		return errHelpShown
	}
	cmd := lookup(name)
	if cmd == nil {
		return c.usage("", "cli.usage.unknown_verb", map[string]any{"Verb": name})
	}
	c.printCommandHelp(cmd)
	return errHelpShown
}

// oneLine joins the lines of a message, so every error is one line.
func oneLine(s string) string { return cmdline.OneLine(s) }
