package main

import (
	"bytes"
	"flag"
	"fmt"
	"time"

	"kluis/intake"
	"kluis/internal/cmdline"
)

func (c *cli) logFlagSet(fs *flag.FlagSet) {
	fs.StringVar(&c.output, "o", "", "intake.flag.log.o")
}

// logSubcommands are the second words of log, for help.
var logSubcommands = []subcommand{
	{name: "verify", help: "intake.help.log_verify"},
	{name: "export", synopsis: "[-o FILE]", help: "intake.help.log_export"},
}

// cmdLog runs log verify and log export: the processing log
// (verwerkingslog) of the intake store.
func (c *cli) cmdLog(args []string) error {
	if len(args) != 1 {
		return c.usage("intake.log.usage", nil)
	}
	switch args[0] {
	case "verify":
		return c.cmdLogVerify()
	case "export":
		return c.cmdLogExport()
	}
	return c.usage("intake.log.usage.subverb", map[string]any{"Verb": args[0]})
}

func (c *cli) cmdLogVerify() error {
	return c.withStore(func(s *intake.Store) error {
		n, err := s.VerifyLog()
		if err != nil {
			return c.about(err, "intake.what.log", nil)
		}
		if c.json {
			return c.printJSON(map[string]any{"entries": n, "intact": true})
		}
		fmt.Fprintln(c.stdout, c.cat.N("intake.log.verified", n, nil))
		return nil
	})
}

// logExport is the JSON log export writes: every entry with its hashes,
// so that anyone can check the chain again (docs/FORMAT.md §11).
type logExport struct {
	Format   string            `json:"format"`
	Exported time.Time         `json:"exported"`
	Entries  []intake.LogEntry `json:"entries"`
}

// cmdLogExport writes the whole processing log as JSON, to -o FILE (which
// must not exist yet) or standard output. A log that does not check out is
// not exported: log verify says where it breaks.
func (c *cli) cmdLogExport() error {
	return c.withStore(func(s *intake.Store) error {
		if _, err := s.VerifyLog(); err != nil {
			return c.about(err, "intake.what.log", nil)
		}
		entries, err := s.LogEntries(1, 0)
		if err != nil {
			return c.about(err, "intake.what.log", nil)
		}
		if entries == nil {
			entries = []intake.LogEntry{}
		}
		out := logExport{Format: "kluis-intake-log/v1", Exported: time.Now().UTC().Truncate(time.Second), Entries: entries}
		if c.output == "" {
			return c.printJSON(out)
		}
		var b bytes.Buffer
		if err := cmdline.WriteJSON(&b, out); err != nil {
			return err
		}
		if err := writeNew(c.output, b.Bytes(), 0o600); err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": c.output})
		}
		if c.json {
			return c.printJSON(map[string]any{"file": c.output, "entries": len(entries)})
		}
		fmt.Fprintln(c.stdout, c.cat.N("intake.log.exported", len(entries), map[string]any{"Path": c.output}))
		return nil
	})
}
