package desk

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"kluis/intake"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
	"kluis/sync/schema"
)

type caseListData struct {
	Query      string
	Rows       []caseRow
	Total      int // cases that match
	All        int // cases in the store
	Page       int // 0-based
	Pages      int
	First      int // 1-based number of the first row shown
	Last       int
	PrevURL    string
	NextURL    string
	Now        time.Time
	SearchPath string
}

func (s *Server) caseList(w http.ResponseWriter, r *http.Request, ss *session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg = max(pg-1, 0)
	rows, total := s.cases.search(q, pg, pageSize)
	pages := max((total+pageSize-1)/pageSize, 1)
	if pg >= pages {
		pg = pages - 1
		rows, total = s.cases.search(q, pg, pageSize)
	}
	d := caseListData{Query: q, Rows: rows, Total: total, All: s.cases.len(), Page: pg, Pages: pages, Now: s.opt.Now()}
	if len(rows) > 0 {
		d.First, d.Last = pg*pageSize+1, pg*pageSize+len(rows)
	}
	link := func(p int) string {
		v := urlValues("q", q, "page", strconv.Itoa(p+1))
		return "/cases?" + v
	}
	if pg > 0 {
		d.PrevURL = link(pg - 1)
	}
	if pg+1 < pages {
		d.NextURL = link(pg + 1)
	}
	s.render(w, http.StatusOK, "cases", s.newPage(r, ss, "cases", "desk.cases.title", d))
}

// caseView is a case page's content.
type caseView struct {
	Row        caseRow
	Created    time.Time
	ShareCode  bool // shared with a share code rather than to the card
	Message    string
	Behalf     *behalfView
	Request    *requestRef
	Categories []categoryView
	Withheld   []string
	Documents  []documentView
	DaysLeft   int
	Timeline   []event
	// Conversation holds the messages both ways, oldest first.
	Conversation []messageView
}

type behalfView struct {
	Owner, Delegate, Role, Certificate string
	Categories                         []string
	ValidUntil                         time.Time
}

type requestRef struct {
	ID, Purpose, Case string
	Saved             time.Time
}

type categoryView struct {
	Label   string
	Records []recordView
}

type recordView struct {
	Title  string
	Fields [][2]string
}

type documentView struct {
	N         int
	Name      string
	MediaType string
	Size      int64
	Viewable  bool
	Record    string
}

// An event is one line of a case's timeline, in time order.
type event struct {
	At   time.Time
	Kind string // request, shared, received, receipt, export, message-in, message-out, due
	Text string
	Who  string
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v, err := s.caseViewOf(r, imp)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if _, err := s.record(ss, intake.LogEntry{Action: intake.ActView, Import: imp.ID, Purpose: v.Row.Purpose}); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	p := s.newPage(r, ss, "cases", "desk.case.title", v)
	p.Title = s.cat(r).T("desk.case.title_of", map[string]any{"Name": v.Row.Issuer})
	s.render(w, http.StatusOK, "case", p)
}

// lookup returns the import a request's {id} names: its whole id or a
// unique start of one.
func (s *Server) lookup(r *http.Request) (*intake.Import, error) {
	id, err := s.store.Resolve(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.store.Get(id)
}

func (s *Server) caseViewOf(r *http.Request, imp *intake.Import) (*caseView, error) {
	cat := s.cat(r)
	m, err := imp.ParsedManifest()
	if err != nil {
		return nil, err
	}
	rs, err := imp.ParsedRecords()
	if err != nil {
		return nil, err
	}
	row, err := rowOf(imp)
	if err != nil {
		return nil, err
	}
	if known, ok := s.cases.get(imp.ID); ok {
		row.Receipt = known.Receipt
	}
	now := s.opt.Now()
	v := &caseView{Row: row, Created: m.Created, ShareCode: m.Recipient.Kind == bundle.RecipientShareCode, Message: m.Message,
		DaysLeft: daysUntil(now, imp.KeptUntil)}
	if behalf, err := imp.OnBehalf(); err != nil {
		return nil, err
	} else if behalf != nil {
		bv := &behalfView{Owner: behalf.Owner.Name, Delegate: m.Issuer.Name, Role: behalf.Role, Certificate: behalf.ID, ValidUntil: behalf.ValidUntil}
		for _, c := range behalf.Categories {
			bv.Categories = append(bv.Categories, cat.Category(c))
		}
		v.Behalf = bv
	}
	if m.RequestID != "" {
		ref := &requestRef{ID: m.RequestID}
		if sr, err := s.store.Request(m.RequestID); err == nil {
			ref.Saved = sr.Saved
			if p, err := sr.Parsed(); err == nil {
				ref.Purpose, ref.Case = p.Request.Purpose, p.Request.CaseReference
			}
		}
		v.Request = ref
	}
	for _, cf := range m.Scope.ExcludedFields {
		c, f, _ := strings.Cut(cf, ".")
		v.Withheld = append(v.Withheld, cat.Category(c)+": "+fieldLabel(cat, c, f))
	}
	titles := map[string]string{}
	for _, c := range schema.Categories() {
		var recs []recordView
		for _, rec := range rs.Records {
			if rec.Category != c.ID {
				continue
			}
			vals := rec.CanonicalFields()
			rv := recordView{Title: c.TitleOf(vals)}
			titles[rec.ID] = rv.Title
			for i := range c.Fields {
				f := &c.Fields[i]
				val, ok := vals[f.ID]
				if !ok {
					continue
				}
				rv.Fields = append(rv.Fields, [2]string{fieldLabel(cat, c.ID, f.ID), showValue(cat, c.ID, f, val)})
			}
			recs = append(recs, rv)
		}
		if len(recs) > 0 {
			v.Categories = append(v.Categories, categoryView{Label: cat.Category(c.ID), Records: recs})
		}
	}
	for i, d := range imp.Documents {
		v.Documents = append(v.Documents, documentView{N: i + 1, Name: d.Name, MediaType: d.MediaType, Size: d.Size,
			Viewable: viewable(d.MediaType) != "", Record: titles[d.Record]})
	}
	conv, err := s.store.Conversation(imp.ID)
	if err != nil {
		return nil, err
	}
	v.Conversation = messageViews(conv)
	v.Timeline = s.timeline(cat, imp, m, v)
	return v, nil
}

// fieldLabel is a field's label written for caseworkers ("Relatie tot de
// inwoner", not the citizen's question "Wat is deze persoon van u?").
func fieldLabel(cat *i18n.Catalog, category, field string) string {
	if k := "desk.field." + category + "." + field; cat.Has(k) {
		return cat.T(k, nil)
	}
	return strings.TrimRight(cat.Field(category, field), "?: ")
}

// showValue is a field's value as a caseworker reads it.
func showValue(cat *i18n.Catalog, category string, f *schema.Field, v string) string {
	switch f.Type {
	case schema.Money:
		return "€ " + f.Display(v)
	case schema.Choice:
		return cat.Choice(category, f.ID, v)
	case schema.BSN:
		return v // the number the citizen chose to share, whole
	}
	return f.Display(v)
}

// viewable returns the media type a document is shown as in the browser,
// or "" when it is only downloaded: PDFs and common images.
func viewable(mediaType string) string {
	mt, _, _ := mime.ParseMediaType(mediaType)
	switch mt {
	case "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp":
		return mt
	}
	return ""
}

func daysUntil(now, t time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

func (s *Server) timeline(cat *i18n.Catalog, imp *intake.Import, m *bundle.Manifest, v *caseView) []event {
	var out []event
	if v.Request != nil && !v.Request.Saved.IsZero() {
		out = append(out, event{At: v.Request.Saved, Kind: "request", Text: cat.T("desk.event.request", nil)})
	}
	who := v.Row.Issuer
	if v.Behalf != nil {
		who = cat.T("desk.behalf.who", map[string]any{"By": v.Behalf.Delegate, "Owner": v.Behalf.Owner})
	}
	out = append(out,
		event{At: m.Created, Kind: "shared", Text: cat.T("desk.event.shared", nil), Who: who},
		event{At: imp.ImportedAt, Kind: "received", Text: cat.T("desk.event.received", nil)})
	// What the log says about the case: the index reads the entries
	// written since it last looked, not the whole log.
	if err := s.cases.follow(s.store); err != nil {
		s.opt.Logger.Error("desk: processing log", "err", err)
	}
	for _, e := range s.cases.eventsOf(imp.ID) {
		who := e.User
		if who == intake.Program || strings.HasPrefix(who, intake.Program+":") {
			// The program's own steps (a direct delivery, its receipt):
			// the processing log names the system account, the case says
			// what a caseworker needs to know.
			who = cat.T("desk.event.by_program", nil)
		}
		out = append(out, event{At: e.Time, Kind: e.Action, Text: cat.T("desk.event."+e.Action, nil), Who: who})
	}
	for _, mv := range v.Conversation {
		ev := event{At: mv.At, Kind: "message-out", Text: cat.T("desk.event.message_out", nil), Who: mv.Who}
		if mv.In {
			ev.Kind, ev.Text = "message-in", cat.T("desk.event.message_in", nil)
		}
		out = append(out, ev)
	}
	out = append(out, event{At: imp.KeptUntil, Kind: "due", Text: cat.T("desk.event.due", nil)})
	slices.SortStableFunc(out, func(a, b event) int { return a.At.Compare(b.At) })
	return out
}

// document sends a document of a case: as a download, or (?view=1, for a
// PDF or an image) to be shown in the browser under a policy that runs
// nothing. The content is checked against its SHA-256 as it goes; should
// it not match, the connection is cut, so no altered file arrives whole.
func (s *Server) document(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(imp.Documents) {
		s.fail(w, r, ss, intake.ErrNotFound)
		return
	}
	d := imp.Documents[n-1]
	m, err := imp.ParsedManifest()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	inline := r.URL.Query().Get("view") == "1" && viewable(d.MediaType) != ""
	act := intake.ActDownload
	if inline {
		act = intake.ActView
	}
	if _, err := s.record(ss, intake.LogEntry{Action: act, Import: imp.ID, Purpose: m.Purpose, Detail: d.Name}); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	h := w.Header()
	if inline {
		h.Set("Content-Type", viewable(d.MediaType))
		h.Set("Content-Disposition", disposition("inline", d.Name))
		if viewable(d.MediaType) != "application/pdf" {
			h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
		} else {
			h.Set("Content-Security-Policy", "default-src 'none'; object-src 'self'; img-src 'self'; style-src 'unsafe-inline'")
		}
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", disposition("attachment", d.Name))
	}
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	if err := s.store.OpenDocument(d, w); err != nil {
		s.opt.Logger.Error("desk: document", "case", imp.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// disposition is a Content-Disposition header for a file name from a
// bundle: RFC 6266, with the name encoded, never raw.
func disposition(kind, name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
		return v
	}
	return kind + `; filename="document"`
}

// receipt makes the signed receipt of a case: as a file to download, or
// (as=link) as a kluis: link and QR code on a page.
func (s *Server) receipt(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	file, err := s.store.Receipt(imp.ID)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	m, _ := imp.ParsedManifest()
	e, err := s.record(ss, intake.LogEntry{Action: intake.ActReceipt, Import: imp.ID, Purpose: purposeOf(m)})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	s.cases.receiptMade(imp.ID, e.Time)
	if r.PostFormValue("as") == "link" {
		row, _ := s.cases.get(imp.ID)
		p := s.newPage(r, ss, "cases", "desk.receipt.title", receiptData{Row: row, Link: bundle.ReceiptLink(file),
			QR: "/cases/" + imp.ID + "/receipt.png"})
		s.render(w, http.StatusOK, "receipt", p)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", disposition("attachment", "ontvangstbewijs-"+shortID(imp.ID)+".kluis-receipt"))
	w.Write(file)
}

type receiptData struct {
	Row  caseRow
	Link string
	QR   string
}

// receiptQR is the QR code of a case's receipt link (a receipt is the same
// bytes each time it is made).
func (s *Server) receiptQR(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	file, err := s.store.Receipt(imp.ID)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	png, err := bundle.ReceiptQR(file, 512)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

func purposeOf(m *bundle.Manifest) string {
	if m == nil {
		return ""
	}
	return m.Purpose
}

// export sends a case as a ZIP of what kluis-intake export writes for the
// case system. The export is made in the store's tmp folder (removed
// after, and at the next start should the desk be stopped meanwhile).
func (s *Server) export(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	tmp, err := os.MkdirTemp(filepath.Join(filepath.Dir(s.store.Path()), "tmp"), "export-")
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	defer os.RemoveAll(tmp)
	name := "zaak-" + shortID(imp.ID)
	if err := s.store.ExportContext(r.Context(), imp.ID, filepath.Join(tmp, name)); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	m, _ := imp.ParsedManifest()
	if _, err := s.record(ss, intake.LogEntry{Action: intake.ActExport, Import: imp.ID, Purpose: purposeOf(m)}); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", disposition("attachment", name+".zip"))
	if err := zipDir(w, filepath.Join(tmp, name), name); err != nil {
		s.opt.Logger.Error("desk: export", "case", imp.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// zipDir writes the files under dir into a ZIP stream, under prefix.
func zipDir(w io.Writer, dir, prefix string) error {
	zw := zip.NewWriter(w)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + "/" + p, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return err
		}
		_, err = io.Copy(zf, f)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}

// maxNotice caps a revocation notice read from an upload.
const maxNotice = 64 << 10

// revoke applies a revocation notice the citizen sent: an uploaded file,
// which must be for this case.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	file, err := formFile(r, "notice", maxNotice)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	n, err := bundle.ParseNotice(file)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if n.BundleID != imp.ID {
		s.problemPage(w, r, ss, http.StatusBadRequest, s.cat(r).T("desk.revoke.other_case", nil))
		return
	}
	m, _ := imp.ParsedManifest()
	s.writeMu.Lock()
	_, err = s.store.RevokeBy(ss.user.Name, file)
	if err == nil {
		s.cases.remove(imp.ID)
	}
	s.writeMu.Unlock()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	ss.say(s.cat(r).T("desk.revoke.done", map[string]any{"Name": nameOf(m)}))
	http.Redirect(w, r, "/cases", http.StatusSeeOther)
}

func nameOf(m *bundle.Manifest) string {
	if m == nil {
		return ""
	}
	return m.Issuer.Name
}

// deleteCase deletes a case now, before its date: the caseworker ticks
// that they know it cannot be undone.
func (s *Server) deleteCase(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		ss.warn(s.cat(r).T("desk.delete.confirm_needed", nil))
		http.Redirect(w, r, "/cases/"+imp.ID+"#delete", http.StatusSeeOther)
		return
	}
	m, _ := imp.ParsedManifest()
	s.writeMu.Lock()
	_, err = s.store.Delete(imp.ID, ss.user.Name)
	if err == nil {
		s.cases.remove(imp.ID)
	}
	s.writeMu.Unlock()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	ss.say(s.cat(r).T("desk.delete.done", map[string]any{"Name": nameOf(m)}))
	http.Redirect(w, r, "/cases", http.StatusSeeOther)
}

// formFile reads the named file part of a multipart upload (the CSRF
// part already read), refusing more than limit bytes.
func formFile(r *http.Request, name string, limit int64) ([]byte, error) {
	mr := multipartOf(r)
	if mr == nil {
		return nil, errNoFile
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errNoFile
		}
		if err != nil {
			return nil, err
		}
		if part.FormName() != name || part.FileName() == "" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(b)) > limit {
			return nil, &bundle.Error{Code: bundle.CodeTooLarge, Detail: "notice"}
		}
		if len(b) == 0 {
			return nil, errNoFile
		}
		return b, nil
	}
}
