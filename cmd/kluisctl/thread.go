package main

import (
	"fmt"
	"strings"
	"time"

	"kluis/citizen/cases"

	"kluis/vault"
)

type jsonThread struct {
	ID            string      `json:"id"`
	Org           string      `json:"org"`
	Fingerprint   string      `json:"fingerprint"`
	CaseReference string      `json:"case_reference,omitempty"`
	Last          time.Time   `json:"last"`
	Entries       []jsonEntry `json:"entries,omitempty"`
}

type jsonEntry struct {
	Kind       string     `json:"kind"`
	At         time.Time  `json:"at"`
	RequestID  string     `json:"request_id"`
	BundleID   string     `json:"bundle_id,omitempty"`
	Purpose    string     `json:"purpose,omitempty"`
	Message    string     `json:"message,omitempty"`
	Categories []string   `json:"categories,omitempty"`
	Records    int        `json:"records,omitempty"`
	Documents  int        `json:"documents,omitempty"`
	AnswerBy   *time.Time `json:"answer_by,omitempty"`
	KeptUntil  *time.Time `json:"kept_until,omitempty"`
	Verified   bool       `json:"verified,omitempty"`
	// A message's: in or out, its id, the sender's name, how it left.
	Direction string `json:"direction,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	Refuses   string `json:"refuses,omitempty"`
	Delivery  string `json:"delivery,omitempty"`
}

func (c *cli) cmdThreadList([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		threads, err := cases.Threads(v)
		if err != nil {
			return c.aboutVault(err)
		}
		out := []jsonThread{}
		for _, th := range threads {
			out = append(out, jsonThread{ID: th.ID, Org: th.Org, Fingerprint: th.Fingerprint, CaseReference: th.CaseReference, Last: th.Last()})
		}
		if c.json {
			return c.printJSON(out)
		}
		if len(out) == 0 {
			fmt.Fprintln(c.stdout, c.cat.T("cli.thread.list.empty", nil))
			return nil
		}
		t := c.cat.T
		tw := c.table()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t("cli.label.id_column", nil), t("cli.thread.label.org", nil),
			t("cli.thread.label.case", nil), t("cli.thread.label.last", nil))
		for _, j := range out {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.ID[:8], j.Org, j.CaseReference, j.Last.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	})
}

// findThread finds a thread by its id or the start of it.
func (c *cli) findThread(v *vault.Vault, arg string) (*cases.Thread, error) {
	threads, err := cases.Threads(v)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	var found []*cases.Thread
	arg = strings.ToLower(arg)
	for _, th := range threads {
		if th.ID == arg || (len(arg) >= minPrefix && strings.HasPrefix(th.ID, arg)) {
			found = append(found, th)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, c.about(vault.ErrNotFound, "cli.thread.what.thread", map[string]any{"ID": arg})
	}
	return nil, c.ambiguous(arg, len(found))
}

// cmdThreadShow shows one case conversation: the requests, answers,
// refusals and receipts, and the messages in them, in time order.
func (c *cli) cmdThreadShow(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		th, err := c.findThread(v, args[0])
		if err != nil {
			return err
		}
		shares, err := c.shares(v)
		if err != nil {
			return err
		}
		j := jsonThread{ID: th.ID, Org: th.Org, Fingerprint: th.Fingerprint, CaseReference: th.CaseReference, Last: th.Last()}
		for _, e := range th.Timeline(shares) {
			j.Entries = append(j.Entries, jsonEntry{Kind: e.Kind, At: e.At, RequestID: e.RequestID, BundleID: e.BundleID,
				Purpose: e.Purpose, Message: e.Message, Categories: e.Categories, Records: e.Records, Documents: e.Documents,
				AnswerBy: e.AnswerBy, KeptUntil: e.KeptUntil, Verified: e.Verified,
				Direction: e.Direction, MessageID: e.MessageID, From: e.From, Refuses: e.Refuses, Delivery: e.Delivery})
		}
		if c.json {
			return c.printJSON(j)
		}
		c.printThread(j)
		return nil
	})
}

func (c *cli) printThread(j jsonThread) {
	t := c.cat.T
	out := c.stdout
	head := t("cli.thread.show.title", map[string]any{"Org": j.Org})
	if j.CaseReference != "" {
		head = t("cli.thread.show.title_case", map[string]any{"Org": j.Org, "Case": j.CaseReference})
	}
	fmt.Fprintln(out, head)
	for _, e := range j.Entries {
		fmt.Fprintln(out)
		when := e.At.Local().Format("2006-01-02 15:04")
		var cats []string
		for _, cat := range e.Categories {
			cats = append(cats, c.cat.Category(cat))
		}
		data := map[string]any{"When": when, "Org": j.Org, "From": e.From, "Purpose": e.Purpose, "Categories": strings.Join(cats, ", "),
			"Records": c.cat.N("cli.count.records", e.Records, nil), "Documents": c.cat.N("cli.count.documents", e.Documents, nil)}
		if e.AnswerBy != nil {
			data["AnswerBy"] = untilDay(*e.AnswerBy)
		}
		if e.KeptUntil != nil {
			data["KeptUntil"] = untilDay(*e.KeptUntil)
		}
		switch e.Kind {
		case cases.KindRequest:
			fmt.Fprintln(out, t("cli.thread.entry.request", data))
		case cases.KindAnswer:
			fmt.Fprintln(out, t("cli.thread.entry.answer", data))
		case cases.KindRefusal:
			fmt.Fprintln(out, t("cli.thread.entry.refusal", data))
		case cases.KindReceipt:
			key := "cli.thread.entry.receipt"
			if !e.Verified {
				key = "cli.thread.entry.receipt_unverified"
			}
			fmt.Fprintln(out, t(key, data))
		case cases.KindShare:
			fmt.Fprintln(out, t("cli.thread.entry.share", data))
		case cases.KindRevocation:
			fmt.Fprintln(out, t("cli.thread.entry.revocation", data))
		case cases.KindMessage:
			key := "cli.thread.entry.message_in"
			switch {
			case e.Direction != cases.In && e.Refuses != "":
				key = "cli.thread.entry.message_refuses"
			case e.Direction != cases.In && e.Delivery == "file":
				key = "cli.thread.entry.message_out_file"
			case e.Direction != cases.In:
				key = "cli.thread.entry.message_out"
			}
			fmt.Fprintln(out, t(key, data))
			printIndented(out, e.Message)
			continue
		}
		for _, line := range strings.Split(e.Message, "\n") {
			if line != "" {
				fmt.Fprintln(out, "    "+line)
			}
		}
	}
}
