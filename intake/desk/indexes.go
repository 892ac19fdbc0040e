package desk

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kluis/intake"
	"kluis/intake/tally"
	"kluis/internal/errcode"
	"kluis/internal/i18n"
	"kluis/sync/index"
)

// indexRoutes adds the pages of the neighbourhood index.
func (s *Server) indexRoutes(in func(string, func(w http.ResponseWriter, r *http.Request, ss *session))) {
	in("GET /indexes", s.indexList)
	in("GET /indexes/new", s.indexNew)
	in("POST /indexes", s.defineIndex)
	in("GET /indexes/{id}", s.indexPage)
	in("POST /indexes/{id}/donations", s.uploadDonations)
	in("GET /indexes/{id}/qr.png", s.indexQR)
	in("GET /indexes/{id}/file", s.indexFile)
	in("GET /indexes/{id}/chart.png", s.indexChart)
	in("GET /indexes/{id}/report.csv", s.indexCSV)
	in("GET /indexes/{id}/report.json", s.indexJSON)
	in("GET /indexes/{id}/report.html", s.indexHTML)
}

var errNoDonation = errcode.New("desk.index.no_donation", "choose one or more donation files")

// States of an index's period.
const (
	periodNotYet  = "not_yet"
	periodRunning = "running"
	periodOver    = "over"
)

// An indexRow is what the list says of one index.
type indexRow struct {
	ID, Title, Purpose string
	Period             index.Period
	Start, End         time.Time
	State              string
	Wijken             int
	Questions          int
}

func indexRowOf(p *index.Parsed, now time.Time) indexRow {
	d := p.Definition
	start, end, _ := d.Period.PeriodDates()
	row := indexRow{ID: d.ID, Title: d.Title, Purpose: d.Purpose, Period: d.Period, Start: start, End: end,
		Wijken: len(d.Wijken), Questions: len(d.Questions), State: periodRunning}
	switch {
	case d.Period.Open(now):
	case now.Before(start):
		row.State = periodNotYet
	default:
		row.State = periodOver
	}
	return row
}

type indexListData struct {
	Rows []indexRow
}

// indexList lists the indexes, the latest period first.
func (s *Server) indexList(w http.ResponseWriter, r *http.Request, ss *session) {
	all, err := s.store.Indexes()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	var d indexListData
	for _, p := range slices.Backward(all) {
		d.Rows = append(d.Rows, indexRowOf(p, s.opt.Now()))
	}
	s.render(w, http.StatusOK, "indexes", s.newPage(r, ss, "indexes", "desk.indexes.title", d))
}

// indexFormData is the form to define an index, as far as it was filled
// in: the text of each field as typed (see index.Form).
type indexFormData struct {
	Title, Purpose, Period, Wijken, Questions, Prefill string
	Domains, Protective                                string
}

func (s *Server) indexNew(w http.ResponseWriter, r *http.Request, ss *session) {
	s.render(w, http.StatusOK, "index_new", s.newPage(r, ss, "indexes", "desk.index.new_title", indexFormData{}))
}

// lines splits a text area into its lines.
func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// defineIndex makes an index from the form, read and checked as
// kluis-intake index define reads its flags (index.Form), signs it, keeps
// it and writes it to the processing log. A mistake shows the form again
// with what was typed.
func (s *Server) defineIndex(w http.ResponseWriter, r *http.Request, ss *session) {
	cat := s.cat(r)
	d := indexFormData{Title: r.PostFormValue("title"), Purpose: r.PostFormValue("purpose"), Period: r.PostFormValue("period"),
		Wijken: r.PostFormValue("wijken"), Questions: r.PostFormValue("questions"), Prefill: r.PostFormValue("prefill"),
		Domains: r.PostFormValue("domains"), Protective: r.PostFormValue("protective")}
	refuse := func(err error) {
		p := s.newPage(r, ss, "indexes", "desk.index.new_title", d)
		p.Problem = cat.Error(index.FormErrorOf(err))
		s.render(w, http.StatusBadRequest, "index_new", p)
	}
	f, err := index.Form{Title: d.Title, Purpose: d.Purpose, Period: d.Period, Wijken: lines(d.Wijken),
		Questions: lines(d.Questions), Prefill: lines(d.Prefill), Domains: lines(d.Domains), Protective: lines(d.Protective)}.Fields()
	if err != nil {
		refuse(err)
		return
	}
	file, err := index.New(s.org, f, s.opt.Now())
	if err != nil {
		refuse(err)
		return
	}
	p, err := s.store.SaveIndex(file)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	def := p.Definition
	s.logAct(ss, intake.LogEntry{Action: intake.ActIndex, Purpose: def.Purpose,
		Detail: "index " + def.ID + " " + def.Period.Name + " (" + def.Period.Start + " to " + def.Period.End + ")"})
	ss.say(cat.T("desk.index.made", nil))
	http.Redirect(w, r, "/indexes/"+def.ID, http.StatusSeeOther)
}

// lookupIndex returns the index a path's {id} names: its whole id or a
// unique start of at least four characters.
func (s *Server) lookupIndex(r *http.Request) (*index.Parsed, error) {
	id := r.PathValue("id")
	all, err := s.store.Indexes()
	if err != nil {
		return nil, err
	}
	var found *index.Parsed
	for _, p := range all {
		switch {
		case p.Definition.ID == id:
			return p, nil
		case len(id) >= 4 && strings.HasPrefix(p.Definition.ID, id):
			if found != nil {
				return nil, intake.ErrNoIndex
			}
			found = p
		}
	}
	if found == nil {
		return nil, intake.ErrNoIndex
	}
	return found, nil
}

// failIndex answers for an index the store does not hold with 404, and
// anything else as fail does.
func (s *Server) failIndex(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	if errors.Is(err, intake.ErrNoIndex) {
		s.problemPage(w, r, ss, http.StatusNotFound, s.cat(r).T("desk.index.not_found", nil))
		return
	}
	s.fail(w, r, ss, err)
}

// indexView is an index's page.
type indexView struct {
	indexRow
	Short     string
	Link      string // empty when too long for a QR code
	Wijken    []wijkView
	Questions []questionView
	Report    *tally.Report
	Tables    []reportTable // the report's tables, the donors per wijk first
	Donations int
	Hidden    bool // the report hides a number somewhere
	Results   []donationResult
	// An index with domains has the council's report instead: its part
	// of the page, or, while the index is open, when it closes.
	Scored     bool
	Scores     template.HTML
	ScoresFrom string
}

// A reportTable is a table of the report as the page shows it: a row per
// wijk, the last one (Total) the totals.
type reportTable struct {
	ID, Caption string
	Head        []string
	Rows        []reportRow
}

type reportRow struct {
	Name  string
	Total bool
	Cells []tally.Value
}

type wijkView struct {
	Name, Postcodes string
}

type questionView struct {
	ID, Text, Answers, Prefill string
}

// A donationResult says what became of one uploaded donation.
type donationResult struct {
	Name    string
	Text    string
	Problem string
}

func (s *Server) indexViewOf(cat *i18n.Catalog, p *index.Parsed) (*indexView, error) {
	d := p.Definition
	v := &indexView{indexRow: indexRowOf(p, s.opt.Now()), Short: shortID(d.ID)}
	var rep *tally.Report
	if d.HasDomains() {
		v.Scored = true
		n, err := s.store.IndexDonations(d.ID)
		if err != nil {
			return nil, err
		}
		v.Donations = n
		scores, err := s.store.IndexScores(d.ID, tally.DefaultMinGroup)
		var open *tally.NotClosedError
		switch {
		case errors.As(err, &open):
			v.ScoresFrom = cat.Error(open)
		case err != nil:
			return nil, err
		default:
			id := d.ID
			if v.Scores, err = scores.BodyHTML(tally.HTMLOptions{Cat: cat, ChartSrc: func(panel int) string {
				return "/indexes/" + id + "/chart.png?panel=" + strconv.Itoa(panel)
			}}); err != nil {
				return nil, err
			}
		}
	} else {
		var err error
		if rep, v.Donations, err = s.store.IndexReport(d.ID, tally.DefaultMinGroup); err != nil {
			return nil, err
		}
		v.Report = rep
	}
	if link := index.Link(p.File); len(link) <= index.MaxLink {
		v.Link = link
	}
	for _, w := range d.Wijken {
		var rs []string
		for _, r := range w.Postcodes {
			if r.From == r.To {
				rs = append(rs, strconv.Itoa(r.From))
			} else {
				rs = append(rs, strconv.Itoa(r.From)+"–"+strconv.Itoa(r.To))
			}
		}
		v.Wijken = append(v.Wijken, wijkView{Name: w.Name, Postcodes: strings.Join(rs, ", ")})
	}
	for _, q := range d.Questions {
		qv := questionView{ID: q.ID, Text: q.Text, Answers: strings.Join(q.Answers, " / ")}
		if q.Prefill != "" {
			qv.Prefill = cat.T("desk.index.prefill."+strings.ReplaceAll(q.Prefill, ".", "_"), nil)
		}
		v.Questions = append(v.Questions, qv)
	}
	if rep == nil {
		return v, nil
	}
	donors := reportTable{Caption: cat.T("intake.index.report.donors", nil), Head: []string{cat.T("desk.index.donors", nil)}}
	for i, name := range rep.Wijken {
		donors.Rows = append(donors.Rows, reportRow{Name: name, Cells: []tally.Value{rep.Donors[i]}})
	}
	v.Tables = append(v.Tables, donors)
	total := cat.T("desk.index.total", nil)
	for _, t := range rep.Tables {
		rt := reportTable{ID: t.Question, Caption: t.Text, Head: append(slices.Clone(t.Answers), total)}
		for wi, name := range t.Wijken {
			rt.Rows = append(rt.Rows, reportRow{Name: name, Cells: append(slices.Clone(t.Cells[wi]), t.RowTotals[wi])})
		}
		rt.Rows = append(rt.Rows, reportRow{Name: total, Total: true, Cells: append(slices.Clone(t.ColTotals), t.Total)})
		v.Tables = append(v.Tables, rt)
	}
	for _, t := range v.Tables {
		for _, row := range t.Rows {
			v.Hidden = v.Hidden || slices.ContainsFunc(row.Cells, func(x tally.Value) bool { return x.Suppressed })
		}
	}
	return v, nil
}

func (s *Server) indexPage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.showIndex(w, r, ss, http.StatusOK, nil)
}

func (s *Server) showIndex(w http.ResponseWriter, r *http.Request, ss *session, status int, results []donationResult) {
	p, err := s.lookupIndex(r)
	if err != nil {
		s.failIndex(w, r, ss, err)
		return
	}
	cat := s.cat(r)
	v, err := s.indexViewOf(cat, p)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v.Results = results
	pg := s.newPage(r, ss, "indexes", "desk.index.title", v)
	pg.Title = v.Title
	s.render(w, status, "index", pg)
}

// uploadDonations counts the donations of a multipart form (field
// "donation", many files at once). Each file is read up to the format's
// limit and counted on its own (intake.Store.ImportDonation); a refused
// file is said, the others still count. The files are not kept.
func (s *Server) uploadDonations(w http.ResponseWriter, r *http.Request, ss *session) {
	p, err := s.lookupIndex(r)
	if err != nil {
		s.failIndex(w, r, ss, err)
		return
	}
	mr := multipartOf(r)
	if mr == nil {
		s.fail(w, r, ss, errNoDonation)
		return
	}
	cat := s.cat(r)
	var results []donationResult
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			results = append(results, donationResult{Problem: cat.Error(uploadError(err))})
			break
		}
		if part.FormName() != "donation" || part.FileName() == "" {
			continue
		}
		res := donationResult{Name: part.FileName()}
		data, err := io.ReadAll(io.LimitReader(part, index.MaxDonation+1))
		var got *intake.DonationResult
		switch {
		case err != nil:
			err = uploadError(err)
		case len(data) > index.MaxDonation:
			err = &index.Error{Code: index.CodeTooLarge, Detail: "over " + strconv.Itoa(index.MaxDonation) + " bytes"}
		default:
			got, err = s.store.ImportDonation(data)
		}
		clear(data)
		if err != nil {
			res.Problem = cat.Error(err)
		} else {
			args := map[string]any{"Wijk": got.Wijk}
			if got.Index != p.Definition.ID {
				if other, err := s.store.Index(got.Index); err == nil {
					args["Index"] = other.Definition.Title
				}
				res.Text = cat.T("desk.index.other_index", args) + " "
			}
			res.Text += cat.T("desk.index.counted."+got.Outcome.String(), args)
		}
		results = append(results, res)
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			break
		}
	}
	if len(results) == 0 {
		s.fail(w, r, ss, errNoDonation)
		return
	}
	status := http.StatusOK
	if slices.ContainsFunc(results, func(res donationResult) bool { return res.Problem != "" }) {
		status = http.StatusUnprocessableEntity
	}
	s.showIndex(w, r, ss, status, results)
}

// indexQR is the QR code of an index's kluis: link, for citizens.
func (s *Server) indexQR(w http.ResponseWriter, r *http.Request, ss *session) {
	p, err := s.lookupIndex(r)
	if err != nil {
		s.failIndex(w, r, ss, err)
		return
	}
	png, err := index.QR(p.File, 512)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

// indexFile sends the signed definition file, or (?as=text) the same as
// armored text.
func (s *Server) indexFile(w http.ResponseWriter, r *http.Request, ss *session) {
	p, err := s.lookupIndex(r)
	if err != nil {
		s.failIndex(w, r, ss, err)
		return
	}
	name := "wijkonderzoek-" + shortID(p.Definition.ID)
	if r.URL.Query().Get("as") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Disposition", disposition("attachment", name+".txt"))
		w.Write(index.Armor(p.File))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", disposition("attachment", name+".kluis-index"))
	w.Write(p.File)
}

// report is the publishable report of the index a path names.
func (s *Server) report(w http.ResponseWriter, r *http.Request, ss *session) (*tally.Report, bool) {
	p, err := s.lookupIndex(r)
	if err != nil {
		s.failIndex(w, r, ss, err)
		return nil, false
	}
	rep, _, err := s.store.IndexReport(p.Definition.ID, tally.DefaultMinGroup)
	if err != nil {
		s.fail(w, r, ss, err)
		return nil, false
	}
	return rep, true
}

// reportName is the start of a report's file names.
func reportName(rep *tally.Report) string {
	return "wijkonderzoek-" + shortID(rep.Index) + "-" + rep.Period.Name
}

// scores is the council's report of the index a path names, when it has
// domains: ok false when the page was answered (a failure), scored false
// when the index has no domains.
func (s *Server) scores(w http.ResponseWriter, r *http.Request, ss *session) (sc *tally.Scores, scored, ok bool) {
	p, err := s.lookupIndex(r)
	if err != nil {
		s.failIndex(w, r, ss, err)
		return nil, false, false
	}
	if !p.Definition.HasDomains() {
		return nil, false, true
	}
	if sc, err = s.store.IndexScores(p.Definition.ID, tally.DefaultMinGroup); err != nil {
		s.fail(w, r, ss, err)
		return nil, true, false
	}
	return sc, true, true
}

func scoresName(sc *tally.Scores) string {
	return "wijkonderzoek-" + shortID(sc.Index) + "-" + sc.Period.Name
}

// indexHTML sends the council's report as the page kluis-intake index
// report --html writes, which stands alone.
func (s *Server) indexHTML(w http.ResponseWriter, r *http.Request, ss *session) {
	sc, scored, ok := s.scores(w, r, ss)
	if !ok {
		return
	}
	if !scored {
		s.fail(w, r, ss, intake.ErrNoDomains)
		return
	}
	var b bytes.Buffer
	if err := sc.HTML(&b, tally.HTMLOptions{Cat: s.cat(r)}); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Disposition", disposition("attachment", scoresName(sc)+".html"))
	w.Write(b.Bytes())
}

// indexChart sends the report as a chart, in the caseworker's words, as
// kluis-intake index report --png draws it. It is an attachment, which
// the index's page shows all the same. For an index with domains it is
// the score chart: all panels, or with ?panel=N only that one, without
// the title and notes the page already says.
func (s *Server) indexChart(w http.ResponseWriter, r *http.Request, ss *session) {
	if sc, scored, ok := s.scores(w, r, ss); !ok {
		return
	} else if scored {
		words := sc.Words(s.cat(r))
		var panels []int
		if q := r.URL.Query().Get("panel"); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 0 || n > len(sc.Domains) {
				s.fail(w, r, ss, intake.ErrNotFound)
				return
			}
			panels, words.Bare = []int{n}, true
		}
		png, err := sc.ScoreChart(words, panels...)
		if err != nil {
			s.fail(w, r, ss, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Disposition", disposition("attachment", scoresName(sc)+".png"))
		w.Write(png)
		return
	}
	rep, ok := s.report(w, r, ss)
	if !ok {
		return
	}
	cat := s.cat(r)
	png, err := rep.ChartWith(tally.ChartWords{
		Hidden:   cat.T("intake.index.chart.hidden", map[string]any{"Min": rep.MinGroup}),
		MinGroup: cat.T("intake.index.chart.min_group", map[string]any{"Min": rep.MinGroup}),
		Period:   cat.T("intake.index.chart.period", map[string]any{"Period": rep.Period.Name, "Start": rep.Period.Start, "End": rep.Period.End}),
		Donors:   cat.T("intake.index.report.donors", nil),
	})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", disposition("attachment", reportName(rep)+".png"))
	w.Write(png)
}

// indexJSON sends the report as kluis-intake index report --json writes
// its "report" member: a hidden count is null.
func (s *Server) indexJSON(w http.ResponseWriter, r *http.Request, ss *session) {
	if sc, scored, ok := s.scores(w, r, ss); !ok {
		return
	} else if scored {
		b, err := json.MarshalIndent(map[string]any{"scores": sc}, "", "  ")
		if err != nil {
			s.fail(w, r, ss, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", disposition("attachment", scoresName(sc)+".json"))
		w.Write(append(b, '\n'))
		return
	}
	rep, ok := s.report(w, r, ss)
	if !ok {
		return
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", disposition("attachment", reportName(rep)+".json"))
	w.Write(append(b, '\n'))
}

// indexCSV sends the report as one table (RFC 4180), a row per count:
//
//	table,question,text,wijk,answer,count,hidden
//	donors,,,Assendorp,,31,
//	answers,schulden,Heeft u schulden…?,Assendorp,ja,12,
//	answers,schulden,Heeft u schulden…?,Stadshagen,ja,,yes
//
// "donors" rows give the number of donors per wijk, "answers" rows the
// counts of a question; an empty wijk is the total over all wijken, an
// empty answer the total over all answers. A hidden count is empty, with
// "yes" in the last column.
func (s *Server) indexCSV(w http.ResponseWriter, r *http.Request, ss *session) {
	if sc, scored, ok := s.scores(w, r, ss); !ok {
		return
	} else if scored {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", disposition("attachment", scoresName(sc)+".csv"))
		sc.CSV(w) // as kluis-intake index report --csv writes it
		return
	}
	rep, ok := s.report(w, r, ss)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", disposition("attachment", reportName(rep)+".csv"))
	cw := csv.NewWriter(w)
	row := func(table, question, text, wijk, answer string, v tally.Value) {
		count, hidden := strconv.Itoa(v.N), ""
		if v.Suppressed {
			count, hidden = "", "yes"
		}
		cw.Write([]string{table, cell(question), cell(text), cell(wijk), cell(answer), count, hidden})
	}
	cw.Write([]string{"table", "question", "text", "wijk", "answer", "count", "hidden"})
	for i, name := range rep.Wijken {
		row("donors", "", "", name, "", rep.Donors[i])
	}
	for _, t := range rep.Tables {
		for wi, name := range t.Wijken {
			for ai, a := range t.Answers {
				row("answers", t.Question, t.Text, name, a, t.Cells[wi][ai])
			}
			row("answers", t.Question, t.Text, name, "", t.RowTotals[wi])
		}
		for ai, a := range t.Answers {
			row("answers", t.Question, t.Text, "", a, t.ColTotals[ai])
		}
		row("answers", t.Question, t.Text, "", "", t.Total)
	}
	cw.Flush()
}

// cell keeps a text from being read as a formula by a spreadsheet.
func cell(s string) string { return tally.SafeCSV(s) }
