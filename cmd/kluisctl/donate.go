package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"kluis/citizen/cases"

	"kluis/citizen/donate"

	"kluis/citizen/youth"
	"kluis/internal/cmdline"
	"kluis/sync/index"
	"kluis/sync/request"
	"kluis/vault"
)

// donate: an anonymous indicator donation for a published index (a
// wijkonderzoek). It shows exactly what leaves — a wijk and coarse answers,
// never a name, BSN, address or document — prefilled from the vault where
// the index says so, and writes the donation encrypted to the organisation.

type donateOptions struct {
	answers, skips cmdline.Strings
	wijk           string
}

var donateFlags donateOptions

func donateFlagSet(c *cli, f *cmdline.FlagSet) {
	donateFlags = donateOptions{}
	o := &donateFlags
	f.Value(&o.answers, "answer", "Q=A", "cli.donate.flag.answer")
	f.Value(&o.skips, "skip", "Q", "cli.donate.flag.skip")
	f.Str(&o.wijk, "wijk", "NAME", "cli.donate.flag.wijk")
	f.Str(&c.output, "o", "FILE", "cli.donate.flag.output")
	f.Alias("output", "o")
}

type jsonDonation struct {
	Index   string             `json:"index"`
	Title   string             `json:"title"`
	Org     string             `json:"org"`
	Trusted string             `json:"trust"`
	Period  string             `json:"period"`
	Wijk    string             `json:"wijk"`
	Answers []jsonDonateAnswer `json:"answers"`
	File    string             `json:"file"`
}

type jsonDonateAnswer struct {
	Question  string `json:"question"`
	Text      string `json:"text"`
	Answer    string `json:"answer,omitempty"` // empty: skipped
	Prefilled bool   `json:"prefilled,omitempty"`
}

func (c *cli) cmdDonate(args []string) error {
	if c.output == "" {
		return c.usage("donate", "cli.donate.error.no_output", nil)
	}
	return c.withVault(func(v *vault.Vault) error {
		b, err := readRequest(args[0])
		if err != nil {
			return c.about(err, "cli.donate.what.index", map[string]any{"Path": shortArg(args[0])})
		}
		known, err := cases.KnownCards(v)
		if err != nil {
			return c.aboutVault(err)
		}
		o, err := index.Open(b, known)
		if err != nil {
			return c.indexProblem(err)
		}
		now := time.Now()
		d, err := donate.Prepare(v, o.Parsed, now)
		if err != nil {
			return c.aboutVault(err)
		}
		if donateFlags.wijk != "" {
			d.Wijk = donateFlags.wijk
		}
		for _, a := range donateFlags.answers {
			q, ans, ok := strings.Cut(a, "=")
			if !ok {
				return c.usage("donate", "cli.donate.error.answer_form", map[string]any{"Value": a})
			}
			if err := d.Set(q, ans); err != nil {
				return c.indexProblem(err)
			}
		}
		for _, q := range donateFlags.skips {
			if err := d.Skip(q); err != nil {
				return c.indexProblem(err)
			}
		}
		helper, err := youth.HasHelper(v, now)
		if err != nil {
			return c.aboutVault(err)
		}
		if err := d.CheckYouth(helper); err != nil {
			return c.indexProblem(err)
		}
		file, err := d.Donation(v, now)
		if err != nil {
			return c.wijkProblem(err, d.Wijk, o.Definition)
		}
		if err := writeAtomic(c.output, func(f *os.File) error { _, err := f.Write(file); return err }); err != nil {
			return c.about(err, "cli.donate.what.output", map[string]any{"Path": c.output})
		}
		// The log says that a donation was made for which index; never the
		// answers or the wijk.
		if err := v.LogEvent(vault.Event{Action: donate.ActionDonated, Subject: o.Definition.ID}); err != nil {
			return c.aboutVault(err)
		}
		j := jsonDonation{Index: o.Definition.ID, Title: o.Definition.Title, Org: o.Card.Org, Trusted: o.Trust.String(),
			Period: o.Definition.Period.Name, Wijk: d.Wijk, File: c.output}
		for _, q := range o.Definition.Questions {
			j.Answers = append(j.Answers, jsonDonateAnswer{Question: q.ID, Text: q.Text, Answer: d.Answers[q.ID], Prefilled: d.Prefilled[q.ID]})
		}
		if c.json {
			return c.printJSON(j)
		}
		if o.Trust != request.Known {
			fmt.Fprintln(c.stderr, c.cat.T("cli.donate.unknown_org", map[string]any{"Org": o.Card.Org}))
		}
		fmt.Fprintln(c.stdout, c.cat.T("cli.donate.head", map[string]any{"Title": j.Title, "Org": j.Org, "Period": j.Period}))
		fmt.Fprintln(c.stdout, "  "+c.cat.T("cli.donate.wijk", map[string]any{"Wijk": j.Wijk}))
		for _, a := range j.Answers {
			line := c.cat.T("cli.donate.skipped", nil)
			if a.Answer != "" {
				line = a.Answer
				if a.Prefilled {
					line += " " + c.cat.T("cli.donate.prefilled", nil)
				}
			}
			fmt.Fprintf(c.stdout, "  %s → %s\n", a.Text, line)
		}
		fmt.Fprintln(c.stdout, c.cat.T("cli.donate.done", map[string]any{"Path": c.output}))
		return nil
	})
}

// wijkProblem says, when a donation has no wijk or one the index does not
// name, how to choose one with --wijk and which there are; any other
// refusal as indexProblem does.
func (c *cli) wijkProblem(err error, wijk string, def *index.Definition) error {
	var names []string
	for _, w := range def.Wijken {
		names = append(names, w.Name)
	}
	data := map[string]any{"Wijk": strconv.Quote(wijk), "Wijken": strings.Join(names, ", ")}
	switch index.CodeOf(err) {
	case index.CodeNoWijk:
		return c.problem("cli.donate.error.no_wijk", data)
	case index.CodeUnknownWijk:
		return c.problem("cli.donate.error.unknown_wijk", data)
	}
	return c.indexProblem(err)
}

// indexProblem says a refusal about an index or a donation in the person's
// language.
func (c *cli) indexProblem(err error) error {
	if index.CodeOf(err) != "" {
		return &cmdline.Problem{Msg: c.cat.Error(err)}
	}
	return err
}
