// Command kluis-intake is the municipality's side of Kluis: it makes the
// organisation's keys and card, imports the share bundles citizens send,
// verified completely before anything is stored, exports them for the case
// system, signs receipts, applies revocations and purges what has expired
// (closing the wijkonderzoek tallies whose period is over), keeps the
// accounts of the caseworkers' desk, checks and exports the processing
// log, and runs the desk itself (serve; README.md, "Voor de gemeente").
//
//	kluis-intake keygen --org "Gemeente Zwolle" --oin 00000001234567890000 -o keys
//	export KLUIS_INTAKE_KEY=keys/organisation.key
//	kluis-intake --store /srv/intake import bundle.kluis
//	kluis-intake --store /srv/intake export ID -o zaak-2026-0042
//	kluis-intake --store /srv/intake receipt ID -o ontvangstbewijs.kluis-receipt
//	kluis-intake --store /srv/intake purge            # daily, from cron
//	kluis-intake --store /srv/intake user add jan --role admin
//	kluis-intake --store /srv/intake log verify
//	kluis-intake --store /srv/intake serve --addr :8443 # the caseworkers' desk
//
// The organisation identity (--key FILE, else $KLUIS_INTAKE_KEY) is
// protected with a passphrase: --passphrase-file FILE, else
// $KLUIS_INTAKE_PASSPHRASE_FILE, else a prompt without echo when standard
// input is a terminal. Exit status 0 means success, 1 a failure (one line
// on standard error starting "kluis-intake: "), 2 a usage error. --json
// prints machine-readable output. Messages are Dutch when the locale says
// nl, English otherwise.
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
	"time"

	"golang.org/x/term"

	"kluis/internal/cmdline"
	"kluis/internal/errcode"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
)

// SIGTERM and SIGINT stop every verb: the signal cancels the run's
// context, which every read of a file and every import checks as it goes,
// so the run ends at the next chunk with nothing half-written (a bundle's
// documents wait in tmp/ until its one transaction commits, and files are
// written atomically). Should the run be stuck in a call that does not
// return (a pipe nobody writes to), it is ended stopGrace after the
// signal; what it left in tmp/ is removed at the next start.
const stopGrace = 3 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	c := &cli{ctx: ctx, cat: i18n.Load(i18n.Lang()), stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	var restore func()
	if c.interactive() {
		if st, err := term.GetState(int(os.Stdin.Fd())); err == nil {
			restore = func() { term.Restore(int(os.Stdin.Fd()), st) }
		}
	}
	go func() {
		<-ctx.Done()
		time.Sleep(stopGrace)
		if restore != nil {
			restore()
		}
		c.tool().Exit(c.problem("intake.error.interrupted", nil))
		os.Exit(1)
	}()
	code := c.run(os.Args[1:])
	stop()
	os.Exit(code)
}

type cli struct {
	ctx    context.Context
	cat    *i18n.Catalog
	stdin  *os.File
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	store          string
	keyFile        string
	passphraseFile string
	json           bool

	org               string
	oin               string
	purposes          cmdline.Strings
	output            string
	inbox             string
	shareCodeFile     string
	maxSize           int64
	newPassphraseFile string
	at                string
	dryRun, force     bool
	req               requestFlags
	index             indexFlags
	serve             serveFlags
	user              userFlags
	orgID             *bundle.OrgIdentity // set by withStore
}

type command struct {
	name     string
	synopsis string // the arguments, for the usage line
	brief    string // a shorter synopsis for the overview, when synopsis is long
	help     string // message key: one sentence saying what it does
	subs     []subcommand
	min, max int
	store    bool // needs --store and the key
	// flags defines the verb's own flags. Each flag's usage is the message
	// key of its description; the name of its value is written in the
	// message between back quotes, as package flag has it (see flagDoc).
	flags func(c *cli, fs *flag.FlagSet)
	run   func(c *cli, args []string) error
}

// A subcommand is the second word of a verb such as index define, for help.
type subcommand struct {
	name, synopsis, brief, help string
}

var commands = []*command{
	{name: "keygen", synopsis: "--org NAME [--oin NUMBER] -o DIR", help: "intake.help.keygen", flags: func(c *cli, fs *flag.FlagSet) {
		fs.StringVar(&c.org, "org", "", "intake.flag.keygen.org")
		fs.StringVar(&c.oin, "oin", "", "intake.flag.keygen.oin")
		fs.Var(&c.purposes, "purpose", "intake.flag.keygen.purpose")
		fs.StringVar(&c.output, "o", "", "intake.flag.keygen.o")
		fs.StringVar(&c.newPassphraseFile, "new-passphrase-file", "", "intake.flag.keygen.new_passphrase_file")
	}, run: (*cli).cmdKeygen},
	{name: "card", synopsis: "[--inbox URL [--tls-cert FILE]] [-o FILE]", help: "intake.help.card", flags: func(c *cli, fs *flag.FlagSet) {
		fs.StringVar(&c.inbox, "inbox", "", "intake.flag.card.inbox")
		fs.StringVar(&c.serve.certFile, "tls-cert", "", "intake.flag.card.tls_cert")
		fs.StringVar(&c.output, "o", "", "intake.flag.card.o")
	}, run: (*cli).cmdCard},
	{name: "request", synopsis: "--scope CAT[.FIELD][,…] --purpose TEXT [--legal-basis TEXT] [--case REF] [--message TEXT] --answer-by DATE [--keep-until DATE] -o FILE [--armor] [--qr FILE.png]",
		brief: "--scope … --purpose TEXT --answer-by DATE -o FILE",
		help:  "intake.help.request", store: true, flags: (*cli).requestFlagSet, run: (*cli).cmdRequest},
	{name: "import", synopsis: "[--share-code-file FILE] BUNDLE", help: "intake.help.import", min: 1, max: 1, store: true, flags: func(c *cli, fs *flag.FlagSet) {
		fs.StringVar(&c.shareCodeFile, "share-code-file", "", "intake.flag.import.share_code_file")
		fs.Int64Var(&c.maxSize, "max-size", 4<<30, "intake.flag.import.max_size")
	}, run: (*cli).cmdImport},
	{name: "list", help: "intake.help.list", store: true, run: (*cli).cmdList},
	{name: "show", synopsis: "ID", help: "intake.help.show", min: 1, max: 1, store: true, run: (*cli).cmdShow},
	{name: "export", synopsis: "ID -o DIR", help: "intake.help.export", min: 1, max: 1, store: true, flags: func(c *cli, fs *flag.FlagSet) {
		fs.StringVar(&c.output, "o", "", "intake.flag.export.o")
	}, run: (*cli).cmdExport},
	{name: "receipt", synopsis: "ID -o FILE", help: "intake.help.receipt", min: 1, max: 1, store: true, flags: func(c *cli, fs *flag.FlagSet) {
		fs.StringVar(&c.output, "o", "", "intake.flag.receipt.o")
	}, run: (*cli).cmdReceipt},
	{name: "revoke", synopsis: "NOTICE", help: "intake.help.revoke", min: 1, max: 1, store: true, run: (*cli).cmdRevoke},
	{name: "purge", synopsis: "[--dry-run] [--at TIME [--force]]", help: "intake.help.purge", store: true, flags: func(c *cli, fs *flag.FlagSet) {
		fs.BoolVar(&c.dryRun, "dry-run", false, "intake.flag.purge.dry_run")
		fs.StringVar(&c.at, "at", "", "intake.flag.purge.at")
		fs.BoolVar(&c.force, "force", false, "intake.flag.purge.force")
	}, run: (*cli).cmdPurge},
	{name: "serve", synopsis: "[--addr HOST:PORT] [--tls-cert FILE] [--tls-key FILE] [--max-upload BYTES] [--access-names]", brief: "[--addr HOST:PORT]",
		help: "intake.help.serve", store: true, flags: (*cli).serveFlagSet, run: (*cli).cmdServe},
	{name: "index", synopsis: "define|import|report …", help: "intake.help.index", subs: indexSubcommands,
		min: 1, max: -1, store: true, flags: (*cli).indexFlagSet, run: (*cli).cmdIndex},
	{name: "user", synopsis: "add|list|remove|passwd …", help: "intake.help.user", subs: userSubcommands,
		min: 1, max: -1, store: true, flags: (*cli).userFlagSet, run: (*cli).cmdUser},
	{name: "log", synopsis: "verify|export …", help: "intake.help.log", subs: logSubcommands,
		min: 1, max: -1, store: true, flags: (*cli).logFlagSet, run: (*cli).cmdLog},
}

// lookup returns the verb called name, or nil.
func lookup(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

func (c *cli) run(args []string) int {
	err := c.dispatch(args)
	if err != nil && c.ctx != nil && c.ctx.Err() != nil && !errors.Is(err, errHelpShown) {
		// Stopped by a signal: whatever failed, the run was cut short.
		err = c.problem("intake.error.interrupted", nil)
	}
	return c.tool().Exit(err)
}

var errHelpShown = cmdline.ErrHelpShown

// tool is kluis-intake as a command line: its name, language and error
// output (package cmdline).
func (c *cli) tool() *cmdline.Tool {
	return &cmdline.Tool{Name: "kluis-intake", Cat: c.cat, Stderr: c.stderr, SeeHelpKey: "intake.usage.see_help", Explain: explain}
}

// explain follows a refusal of a bundle, request or index with its English
// detail in brackets, for the caseworker and the service desk.
func explain(err error, msg string) string {
	if d := errcode.Detail(err); d != "" {
		msg += " (" + d + ")"
	}
	return msg
}

func (c *cli) usage(key string, data map[string]any) error { return c.tool().Usage("", key, data) }

// about wraps err, when there is one, with what it concerns.
func (c *cli) about(err error, key string, data map[string]any) error {
	return c.tool().About(err, key, data)
}

// problem is a failure said in the person's language.
func (c *cli) problem(key string, data map[string]any) error { return c.tool().Problem(key, data) }

// describe says what failed and why, in one line.
func (c *cli) describe(err error) string { return c.tool().Describe(err) }

func (c *cli) globalFlags(fs *flag.FlagSet) {
	// The defaults are the values already given before the verb.
	fs.StringVar(&c.store, "store", c.store, "intake.flag.store")
	fs.StringVar(&c.keyFile, "key", c.keyFile, "intake.flag.key")
	fs.StringVar(&c.passphraseFile, "passphrase-file", c.passphraseFile, "intake.flag.passphrase_file")
	fs.BoolVar(&c.json, "json", c.json, "intake.flag.json")
}

func (c *cli) dispatch(args []string) error {
	global := cmdline.NewFlagSet("kluis-intake")
	c.globalFlags(global.FlagSet)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printHelp()
			return errHelpShown
		}
		return c.usage("intake.usage.bad_flag", map[string]any{"Detail": err.Error()})
	}
	rest := global.Args()
	if len(rest) == 0 {
		return c.usage("intake.usage.no_verb", nil)
	}
	if rest[0] == "help" {
		return c.helpFor(rest[1:])
	}
	cmd := lookup(rest[0])
	if cmd == nil {
		return c.usage("intake.usage.unknown_verb", map[string]any{"Verb": rest[0]})
	}
	fs := cmdline.NewFlagSet("kluis-intake " + cmd.name)
	c.globalFlags(fs.FlagSet)
	if cmd.flags != nil {
		cmd.flags(c, fs.FlagSet)
	}
	pos, err := fs.ParseAnywhere(rest[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandHelp(cmd)
			return errHelpShown
		}
		return c.usage("intake.usage.bad_flag", map[string]any{"Detail": err.Error()})
	}
	if len(pos) < cmd.min || (cmd.max >= 0 && len(pos) > cmd.max) {
		return c.usage("intake.usage.args", map[string]any{"Usage": strings.TrimSpace("kluis-intake " + cmd.name + " " + cmd.synopsis)})
	}
	if c.keyFile == "" {
		c.keyFile = c.getenv("KLUIS_INTAKE_KEY")
	}
	if cmd.store && c.store == "" {
		return c.usage("intake.usage.needs_store", nil)
	}
	return cmd.run(c, pos)
}
