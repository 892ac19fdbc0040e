package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"kluis/intake/tally"

	"kluis/intake"
	"kluis/internal/cmdline"
	"kluis/sync/index"
)

// indexFlags are the flags of the index verbs.
type indexFlags struct {
	title, purpose, period, qr, png, id string
	html, csv, predecessor              string
	wijken, questions, prefill          cmdline.Strings
	domains, protective                 cmdline.Strings
	armor                               bool
	minGroup                            int
}

func (c *cli) indexFlagSet(fs *flag.FlagSet) {
	x := &c.index
	fs.StringVar(&x.title, "title", "", "intake.flag.index.title")
	fs.StringVar(&x.purpose, "purpose", "", "intake.flag.index.purpose")
	fs.StringVar(&x.period, "period", "", "intake.flag.index.period")
	fs.Var(&x.wijken, "wijk", "intake.flag.index.wijk")
	fs.Var(&x.questions, "question", "intake.flag.index.question")
	fs.Var(&x.prefill, "prefill", "intake.flag.index.prefill")
	fs.Var(&x.domains, "domain", "intake.flag.index.domain")
	fs.Var(&x.protective, "protective", "intake.flag.index.protective")
	fs.StringVar(&x.predecessor, "predecessor", "", "intake.flag.index.predecessor")
	fs.StringVar(&x.html, "html", "", "intake.flag.index.html")
	fs.StringVar(&x.csv, "csv", "", "intake.flag.index.csv")
	fs.StringVar(&c.output, "o", "", "intake.flag.index.o")
	fs.BoolVar(&x.armor, "armor", false, "intake.flag.index.armor")
	fs.StringVar(&x.qr, "qr", "", "intake.flag.index.qr")
	fs.IntVar(&x.minGroup, "min-group", tally.DefaultMinGroup, "intake.flag.index.min_group")
	fs.StringVar(&x.png, "png", "", "intake.flag.index.png")
	fs.StringVar(&x.id, "index", "", "intake.flag.index.index")
}

// indexSubcommands are the second words of index, for help.
var indexSubcommands = []subcommand{
	{name: "define", synopsis: "--title TITLE --period PERIOD --wijk NAME=POSTCODES… --question ID:TEXT:ANSWERS… [--prefill ID=HINT] [--domain ID:NAME:QUESTIONS… --protective ID=ANSWERS… [--predecessor FILE]] -o FILE [--armor] [--qr FILE.png]",
		brief: "--title TITLE --period PERIOD --wijk … --question … -o FILE", help: "intake.help.index_define"},
	{name: "import", synopsis: "DONATION…", help: "intake.help.index_import"},
	{name: "report", synopsis: "[--index ID] [--min-group N] [--png FILE.png] [--html FILE.html] [--csv FILE.csv]", help: "intake.help.index_report"},
}

// cmdIndex runs index define, index import and index report.
func (c *cli) cmdIndex(args []string) error {
	switch args[0] {
	case "define":
		if len(args) != 1 {
			return c.usage("intake.index.usage.define", nil)
		}
		return c.cmdIndexDefine()
	case "import":
		if len(args) < 2 {
			return c.usage("intake.index.usage.import", nil)
		}
		return c.cmdIndexImport(args[1:])
	case "report":
		if len(args) != 1 {
			return c.usage("intake.index.usage.report", nil)
		}
		return c.cmdIndexReport()
	}
	return c.usage("intake.index.usage.subverb", map[string]any{"Verb": args[0]})
}

func (c *cli) cmdIndexDefine() error {
	x := c.index
	switch {
	case c.output == "":
		return c.usage("intake.usage.needs_output", nil)
	case strings.TrimSpace(x.title) == "":
		return c.usage("intake.index.usage.title", nil)
	case x.period == "":
		return c.usage("intake.index.usage.period", nil)
	case len(x.wijken) == 0 || len(x.questions) == 0:
		return c.usage("intake.index.usage.wijk_question", nil)
	}
	f, err := index.Form{Title: x.title, Purpose: x.purpose, Period: x.period, Wijken: x.wijken,
		Questions: x.questions, Prefill: x.prefill, Domains: x.domains, Protective: x.protective}.Fields()
	if err != nil {
		return c.formMistake(err)
	}
	if x.predecessor != "" {
		if len(f.Domains) == 0 {
			return c.usage("intake.index.usage.predecessor_domains", nil)
		}
		b, err := c.readFile(x.predecessor, 4*index.MaxDefinition, indexTooLarge)
		if err == nil {
			f.Previous, err = index.Parse(b)
		}
		if err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": x.predecessor})
		}
	}
	if _, err := os.Lstat(c.output); err == nil {
		return c.about(&os.PathError{Op: "create", Path: c.output, Err: os.ErrExist}, "intake.what.file", map[string]any{"Path": c.output})
	}
	return c.withStore(func(s *intake.Store) error {
		file, err := index.New(c.orgID, f, time.Now())
		if err != nil {
			return c.formMistake(err)
		}
		var qr []byte
		if x.qr != "" {
			if qr, err = index.QR(file, 1024); err != nil {
				return c.about(err, "intake.what.file", map[string]any{"Path": x.qr})
			}
		}
		p, err := s.SaveIndex(file)
		if err != nil {
			return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
		}
		out := file
		if x.armor {
			out = index.Armor(file)
		}
		if err := writeNew(c.output, out, 0o644); err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": c.output})
		}
		if qr != nil {
			if err := writeNew(x.qr, qr, 0o644); err != nil {
				return c.about(err, "intake.what.file", map[string]any{"Path": x.qr})
			}
		}
		link := index.Link(file)
		d := p.Definition
		if c.json {
			return c.printJSON(map[string]any{"id": d.ID, "file": c.output, "qr": x.qr, "link": link, "period": d.Period})
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.index.defined", map[string]any{"ID": d.ID, "Path": c.output,
			"Period": d.Period.Name, "Start": d.Period.Start, "End": d.Period.End}))
		if len(link) <= index.MaxLink {
			fmt.Fprintln(c.stdout, link)
		}
		return nil
	})
}

// formMistake says a mistake in what was typed for index define as a
// usage error; any other refusal passes unchanged.
func (c *cli) formMistake(err error) error {
	var fe *index.FormError
	if errors.As(err, &fe) {
		return &cmdline.UsageError{Msg: c.cat.Error(fe)}
	}
	return err
}

// cmdIndexImport folds donation files into the store. Each file is its
// own transaction; a refused file is reported and the others still count.
// Each refusal is said once: for one file as the run's error, for several
// on its own line, followed by how many were refused.
func (c *cli) cmdIndexImport(files []string) error {
	return c.withStore(func(s *intake.Store) error {
		var failed error
		refused := 0
		type row struct {
			File    string `json:"file"`
			Index   string `json:"index,omitempty"`
			Wijk    string `json:"wijk,omitempty"`
			Outcome string `json:"outcome,omitempty"`
			Error   string `json:"error,omitempty"`
		}
		var rows []row
		for _, path := range files {
			if err := c.ctx.Err(); err != nil {
				return err
			}
			data, err := c.readFile(path, index.MaxDonation, indexTooLarge)
			var res *intake.DonationResult
			if err == nil {
				res, err = s.ImportDonation(data)
			}
			clear(data)
			if err != nil {
				err = c.about(err, "intake.what.file", map[string]any{"Path": path})
				if failed == nil {
					failed = err
				}
				refused++
				rows = append(rows, row{File: path, Error: c.describe(err)})
				if !c.json && len(files) > 1 {
					fmt.Fprintln(c.stderr, "kluis-intake: "+cmdline.OneLine(c.describe(err)))
				}
				continue
			}
			rows = append(rows, row{File: path, Index: res.Index, Wijk: res.Wijk, Outcome: res.Outcome.String()})
			if !c.json {
				fmt.Fprintln(c.stdout, c.cat.T("intake.index.imported."+res.Outcome.String(), map[string]any{"Path": path, "Wijk": res.Wijk}))
			}
		}
		if c.json {
			if err := c.printJSON(rows); err != nil {
				return err
			}
		}
		if failed != nil && (c.json || len(files) > 1) {
			return c.problem("intake.index.import.refused", map[string]any{"Count": refused, "Total": len(files)})
		}
		return failed
	})
}

func (c *cli) cmdIndexReport() error {
	x := c.index
	if x.minGroup < tally.MinMinGroup {
		return c.usage("intake.index.usage.min_group", map[string]any{"Min": tally.MinMinGroup})
	}
	return c.withStore(func(s *intake.Store) error {
		p, err := s.Index(x.id)
		if err != nil {
			return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
		}
		if p.Definition.HasDomains() {
			return c.indexScores(s, p.Definition.ID)
		}
		if x.html != "" || x.csv != "" {
			return c.usage("intake.index.usage.needs_domains", nil)
		}
		return c.indexCounts(s, p.Definition.ID)
	})
}

// indexCounts prints the report of an index without domains: counts with
// small cells suppressed.
func (c *cli) indexCounts(s *intake.Store, id string) error {
	x := c.index
	r, donors, err := s.IndexReport(id, x.minGroup)
	if err != nil {
		return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
	}
	if x.png != "" {
		img, err := r.ChartWith(tally.ChartWords{
			Hidden:   c.cat.T("intake.index.chart.hidden", map[string]any{"Min": r.MinGroup}),
			MinGroup: c.cat.T("intake.index.chart.min_group", map[string]any{"Min": r.MinGroup}),
			Period:   c.cat.T("intake.index.chart.period", map[string]any{"Period": r.Period.Name, "Start": r.Period.Start, "End": r.Period.End}),
			Donors:   c.cat.T("intake.index.report.donors", nil),
		})
		if err == nil {
			err = writeNew(x.png, img, 0o644)
		}
		if err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": x.png})
		}
	}
	if c.json {
		return c.printJSON(map[string]any{"report": r, "donations": donors})
	}
	t := c.cat.T
	fmt.Fprintln(c.stdout, t("intake.index.report.head", map[string]any{"Title": r.Title, "Period": r.Period.Name,
		"Start": r.Period.Start, "End": r.Period.End, "Donations": donors}))
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, t("intake.index.report.donors", nil)+":")
	tw := cmdline.Table(c.stdout)
	for i, name := range r.Wijken {
		fmt.Fprintf(tw, "  %s\t%s\n", name, r.Donors[i])
	}
	tw.Flush()
	c.printTables(r.Tables)
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, t("intake.index.report.legend", map[string]any{"Min": r.MinGroup}))
	return nil
}

// printTables prints count tables: a row per wijk, a column per answer.
func (c *cli) printTables(tables []tally.Table) {
	t := c.cat.T
	for _, tb := range tables {
		fmt.Fprintln(c.stdout)
		fmt.Fprintf(c.stdout, "%s — %s\n", tb.Question, tb.Text)
		tw := cmdline.Table(c.stdout)
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", t("intake.index.report.wijk", nil), strings.Join(tb.Answers, "\t"), t("intake.index.report.total", nil))
		for w, name := range tb.Wijken {
			var cells []string
			for _, v := range tb.Cells[w] {
				cells = append(cells, v.String())
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, strings.Join(cells, "\t"), tb.RowTotals[w])
		}
		var cols []string
		for _, v := range tb.ColTotals {
			cols = append(cols, v.String())
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", t("intake.index.report.total", nil), strings.Join(cols, "\t"), tb.Total)
		tw.Flush()
	}
}

// indexScores makes the council's report of an index with domains: once
// its tally is closed, with scores, margins, comparisons and the change
// since the period before, as text or JSON and in the files --html, --csv
// and --png name. All files are made before any is written.
func (c *cli) indexScores(s *intake.Store, id string) error {
	x := c.index
	r, err := s.IndexScores(id, x.minGroup)
	if err != nil {
		return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
	}
	type out struct {
		path string
		data []byte
	}
	var files []out
	if x.html != "" {
		var b bytes.Buffer
		if err := r.HTML(&b, tally.HTMLOptions{Cat: c.cat}); err != nil {
			return err
		}
		files = append(files, out{x.html, b.Bytes()})
	}
	if x.csv != "" {
		var b bytes.Buffer
		if err := r.CSV(&b); err != nil {
			return err
		}
		files = append(files, out{x.csv, b.Bytes()})
	}
	if x.png != "" {
		img, err := r.ScoreChart(r.Words(c.cat))
		if err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": x.png})
		}
		files = append(files, out{x.png, img})
	}
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return c.about(&os.PathError{Op: "create", Path: f.path, Err: os.ErrExist}, "intake.what.file", map[string]any{"Path": f.path})
		}
	}
	for _, f := range files {
		if err := writeNew(f.path, f.data, 0o644); err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": f.path})
		}
	}
	if c.json {
		return c.printJSON(map[string]any{"scores": r})
	}
	t := c.cat.T
	fmt.Fprintln(c.stdout, t("intake.index.scores.head", map[string]any{"Title": r.Title, "Period": r.Period.Name,
		"Start": r.Period.Start, "End": r.Period.End}))
	for _, d := range append(append([]tally.DomainScores{}, r.Domains...), r.Overall) {
		name := d.Name
		if d.ID == "" {
			name = t("report.index.overall", nil)
		}
		fmt.Fprintln(c.stdout)
		fmt.Fprintln(c.stdout, name)
		tw := cmdline.Table(c.stdout)
		line := func(wijk, donors string, sc tally.Score) {
			if !sc.Shown {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", wijk, donors, t("report.index.not_shown", nil))
				return
			}
			cols := []string{wijk, donors, fmt.Sprintf("%.0f%%", 100*sc.Share), fmt.Sprintf("%.0f–%.0f%%", 100*sc.Low, 100*sc.High)}
			if sc.Compared != "" {
				cols = append(cols, t("report.index.compared."+sc.Compared, nil))
			}
			if ch := sc.Change; ch != nil {
				cols = append(cols, t("intake.index.scores.change", map[string]any{"Period": r.Previous.Name,
					"Delta": fmt.Sprintf("%+.0f", 100*ch.Delta), "Low": fmt.Sprintf("%+.0f", 100*ch.Low), "High": fmt.Sprintf("%+.0f", 100*ch.High)})+
					": "+t("report.index.trend."+ch.Trend, nil))
			}
			fmt.Fprintf(tw, "  %s\n", strings.Join(cols, "\t"))
		}
		line(t("report.index.all", nil), "", d.All)
		for i, sc := range d.Wijken {
			line(r.Wijken[i], r.Donors[i].String(), sc)
		}
		tw.Flush()
	}
	c.printTables(r.Tables)
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, t("intake.index.report.legend", map[string]any{"Min": r.MinGroup}))
	fmt.Fprintln(c.stdout, t("intake.index.scores.noise", map[string]any{"Max": r.MaxDeviation}))
	return nil
}

// indexTooLarge refuses a donation over its limit.
func indexTooLarge(limit int64) error {
	return &index.Error{Code: index.CodeTooLarge, Detail: fmt.Sprintf("over %d bytes", limit)}
}
