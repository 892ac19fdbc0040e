package main

import (
	"errors"
	"fmt"

	"kluis/vault"
)

// cmdLog shows the activity log, oldest first.
func (c *cli) cmdLog([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		events, err := v.Log()
		if err != nil {
			return c.aboutVault(err)
		}
		if c.json {
			if events == nil {
				events = []vault.Event{}
			}
			return c.printJSON(events)
		}
		t := c.cat.T
		tw := c.table()
		fmt.Fprintf(tw, "#\t%s\t%s\t%s\t%s\t%s\n", t("cli.label.time_column", nil), t("cli.label.who_column", nil),
			t("cli.label.what_column", nil), t("cli.label.category_column", nil), t("cli.label.item_column", nil))
		for _, e := range events {
			cat := ""
			if e.Category != "" {
				cat = c.cat.Category(e.Category)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Local().Format("2006-01-02 15:04:05"),
				c.person(e.Person), c.cat.Action(string(e.Action)), cat, e.Subject)
		}
		return tw.Flush()
	})
}

// cmdLogVerify checks the activity log's hash chain.
func (c *cli) cmdLogVerify([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		n, err := v.VerifyLog()
		var le *vault.LogError
		if errors.As(err, &le) {
			if c.json {
				c.printJSON(map[string]any{"ok": false, "entries": n, "broken_at": le.Seq, "reason": le.Reason})
			}
			return c.about(err, "cli.what.log", nil)
		}
		if err != nil {
			return c.aboutVault(err)
		}
		if c.json {
			return c.printJSON(map[string]any{"ok": true, "entries": n})
		}
		_, err = fmt.Fprintln(c.stdout, c.cat.N("cli.log_verify.ok", n, nil))
		return err
	})
}
