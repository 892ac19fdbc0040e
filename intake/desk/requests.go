package desk

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"kluis/intake"
	"kluis/internal/errcode"
	"kluis/internal/i18n"
	"kluis/sync/request"
	"kluis/sync/schema"
)

// requestRoutes adds the pages of the organisation's data requests.
func (s *Server) requestRoutes(in func(string, func(w http.ResponseWriter, r *http.Request, ss *session))) {
	in("GET /requests", s.requestList)
	in("GET /requests/new", s.requestNew)
	in("POST /requests", s.makeRequest)
	in("GET /requests/{id}", s.requestPage)
	in("GET /requests/{id}/qr.png", s.requestQR)
	in("GET /requests/{id}/file", s.requestFile)
	in("POST /requests/{id}/message", s.requestMessage)
}

// Refusals of the request form.
var (
	errNoScope      = errcode.New("desk.request.no_scope", "choose what the request asks for")
	errNoPurpose    = errcode.New("desk.request.no_purpose", "choose the purpose of the request")
	errOtherPurpose = errcode.New("desk.request.other_purpose", "the purpose is not one of the organisation card's purposes")
	errAnswerBy     = errcode.New("desk.request.answer_by", "the answer-by date must be today or later")
	errKeepUntil    = errcode.New("desk.request.keep_until", "the keep-until date must not be before the answer-by date")
	errNoRequest    = errcode.New("desk.request.none", "no data request with that id")
)

// States of a request.
const (
	stateOpen     = "open"
	stateAnswered = "answered"
	stateExpired  = "expired"
	stateRefused  = "refused"
)

// A requestRow is what the list and a request's page say of one request.
type requestRow struct {
	ID, Purpose, Case string
	Asks              []askView
	Made              time.Time
	AnswerBy          time.Time
	KeepUntil         time.Time
	State             string // open, answered, refused (the citizen said so, with a message) or expired
	AnswerID          string // the bundle that answered it
	Answer            *caseRow
}

// askView is one requested category: all of it, or some fields.
type askView struct {
	Category string
	All      bool
	Fields   []string
}

func (s *Server) requestRowOf(cat *i18n.Catalog, sr *intake.StoredRequest) (requestRow, *request.Parsed, error) {
	p, err := sr.Parsed()
	if err != nil {
		return requestRow{}, nil, err
	}
	q := p.Request
	row := requestRow{ID: q.ID, Purpose: q.Purpose, Case: q.CaseReference, Made: q.Created, AnswerBy: q.AnswerBy,
		KeepUntil: q.KeepUntil, AnswerID: sr.AnswerID, State: stateOpen}
	for _, it := range q.Scope {
		a := askView{Category: cat.Category(it.Category), All: it.Fields == nil}
		for _, f := range it.Fields {
			a.Fields = append(a.Fields, fieldLabel(cat, it.Category, f))
		}
		row.Asks = append(row.Asks, a)
	}
	switch {
	case sr.AnswerID != "":
		row.State = stateAnswered
		if c, ok := s.cases.get(sr.AnswerID); ok {
			row.Answer = &c
		}
	case sr.Refused != nil:
		row.State = stateRefused
	case q.Expired(s.opt.Now()):
		row.State = stateExpired
	}
	return row, p, nil
}

type requestListData struct {
	Rows []requestRow
}

// requestList lists the organisation's requests, newest first.
func (s *Server) requestList(w http.ResponseWriter, r *http.Request, ss *session) {
	srs, err := s.store.Requests()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	cat := s.cat(r)
	var d requestListData
	for _, sr := range slices.Backward(srs) {
		row, _, err := s.requestRowOf(cat, sr)
		if err != nil {
			s.fail(w, r, ss, err)
			return
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, http.StatusOK, "requests", s.newPage(r, ss, "requests", "desk.requests.title", d))
}

// requestFormData is the form to compose a request, filled in as far as
// the caseworker got.
type requestFormData struct {
	Purposes     []purposeView // the card's purposes; none: the purpose is typed
	Checked      bool          // the card registers what its purposes may ask
	Categories   []scopeCategory
	Purpose      string
	LegalBasis   string
	Case         string
	AnswerBy     string // YYYY-MM-DD
	KeepUntil    string
	Message      string
	Today        string // the first answer-by date the form takes
	MaxKeepUntil string
}

// purposeView is one of the card's purposes with what it may ask.
type purposeView struct {
	Name     string
	Selected bool
	Limited  bool     // the card registers what it may ask
	Allowed  []string // the labels of what it may ask
}

type scopeCategory struct {
	ID, Label string
	Whole     bool // the whole category is asked
	Open      bool // some of its fields are asked
	Fields    []scopeField
}

type scopeField struct {
	Value, Label string
	Checked      bool
}

// requestForm builds the form, with chosen the scope items ticked
// ("income", "costs.amount").
func (s *Server) requestForm(cat *i18n.Catalog, chosen []string) *requestFormData {
	now := s.opt.Now().In(amsterdam)
	card := s.org.Card()
	d := &requestFormData{Checked: len(card.PurposeScopes) > 0,
		Today:        now.Format(time.DateOnly),
		MaxKeepUntil: lastKeepDay(now).Format(time.DateOnly)}
	for _, name := range card.Purposes {
		pv := purposeView{Name: name}
		if ps := card.PurposeScopeFor(name); ps != nil {
			pv.Limited = true
			for _, a := range ps.Allowed {
				pv.Allowed = append(pv.Allowed, scopeLabel(cat, a))
			}
		}
		d.Purposes = append(d.Purposes, pv)
	}
	for _, c := range schema.Categories() {
		sc := scopeCategory{ID: c.ID, Label: cat.Category(c.ID), Whole: slices.Contains(chosen, c.ID)}
		for _, f := range c.Fields {
			v := c.ID + "." + f.ID
			checked := slices.Contains(chosen, v)
			sc.Open = sc.Open || checked
			sc.Fields = append(sc.Fields, scopeField{Value: v, Label: fieldLabel(cat, c.ID, f.ID), Checked: checked})
		}
		d.Categories = append(d.Categories, sc)
	}
	return d
}

// scopeLabel is a scope item as a caseworker reads it: "Inkomen", or
// "Persoonlijke gegevens: IBAN".
func scopeLabel(cat *i18n.Catalog, item string) string {
	c, f, ok := strings.Cut(item, ".")
	if !ok {
		return cat.Category(c)
	}
	return cat.Category(c) + ": " + fieldLabel(cat, c, f)
}

func (s *Server) requestNew(w http.ResponseWriter, r *http.Request, ss *session) {
	d := s.requestForm(s.cat(r), nil)
	if len(d.Purposes) == 1 {
		d.Purposes[0].Selected = true
	}
	s.render(w, http.StatusOK, "request_new", s.newPage(r, ss, "requests", "desk.request.new_title", d))
}

// makeRequest makes a request from the form: checked, signed with the
// organisation's key, kept in the store (so its answer is matched at
// import) and written to the processing log. A refusal shows the form
// again as it was filled in; nothing is kept.
func (s *Server) makeRequest(w http.ResponseWriter, r *http.Request, ss *session) {
	cat := s.cat(r)
	chosen := r.PostForm["scope"]
	d := s.requestForm(cat, chosen)
	d.Purpose = strings.TrimSpace(r.PostFormValue("purpose"))
	d.LegalBasis = strings.TrimSpace(r.PostFormValue("legal_basis"))
	d.Case = strings.TrimSpace(r.PostFormValue("case"))
	d.AnswerBy = strings.TrimSpace(r.PostFormValue("answer_by"))
	d.KeepUntil = strings.TrimSpace(r.PostFormValue("keep_until"))
	d.Message = strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("message"), "\r\n", "\n"))
	for i := range d.Purposes {
		d.Purposes[i].Selected = d.Purposes[i].Name == d.Purpose
	}
	refuse := func(err error) {
		p := s.newPage(r, ss, "requests", "desk.request.new_title", d)
		p.Problem = cat.Error(err)
		s.render(w, http.StatusBadRequest, "request_new", p)
	}
	file, err := s.composeRequest(cat, d, chosen)
	if err != nil {
		refuse(err)
		return
	}
	p, err := s.store.SaveRequest(file)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	q := p.Request
	detail := "request " + q.ID + " asks " + scopeText(q.Scope)
	if q.CaseReference != "" {
		detail += ", case " + q.CaseReference
	}
	s.logAct(ss, intake.LogEntry{Action: intake.ActRequest, Purpose: q.Purpose, Detail: detail})
	ss.say(cat.T("desk.request.made", map[string]any{"Date": dutchOrEnglishDate(q.AnswerBy, cat.Lang())}))
	http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
}

// composeRequest checks the form and signs the request it describes.
func (s *Server) composeRequest(cat *i18n.Catalog, d *requestFormData, chosen []string) ([]byte, error) {
	card := s.org.Card()
	items, err := request.ParseScope(strings.Join(chosen, ","))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errNoScope
	}
	switch {
	case d.Purpose == "":
		return nil, errNoPurpose
	case len(card.Purposes) > 0 && !slices.Contains(card.Purposes, d.Purpose):
		return nil, errOtherPurpose
	}
	now := s.opt.Now()
	answerBy, ok := endOfDay(d.AnswerBy)
	if !ok || !answerBy.After(now) {
		return nil, errAnswerBy
	}
	keepUntil := request.DefaultKeepUntil(answerBy)
	if d.KeepUntil != "" {
		if keepUntil, ok = endOfDay(d.KeepUntil); !ok || keepUntil.Before(answerBy) {
			return nil, errKeepUntil
		}
	}
	if keepUntil.Sub(now) > request.MaxValidity {
		return nil, errcode.NewWithArgs("desk.request.too_long", "keep-until is too far ahead",
			map[string]any{"Date": dutchOrEnglishDate(lastKeepDay(now), cat.Lang())})
	}
	file, err := request.New(s.org, request.Fields{Purpose: d.Purpose, LegalBasis: d.LegalBasis, CaseReference: d.Case,
		Message: d.Message, Scope: items, AnswerBy: answerBy, KeepUntil: keepUntil}, now)
	if err != nil {
		return nil, err
	}
	// The over-asking rule: what the citizen's app would flag as more than
	// the card registers for the purpose is not sent at all.
	p, err := request.Parse(file)
	if err != nil {
		return nil, err
	}
	if oa := p.OverAsking(); oa.Unregistered {
		return nil, errcode.NewWithArgs("desk.request.unregistered", "the card registers nothing this purpose may ask",
			map[string]any{"Purpose": d.Purpose})
	} else if len(oa.Extra) > 0 {
		var labels []string
		for _, e := range oa.Extra {
			labels = append(labels, scopeLabel(cat, e))
		}
		return nil, errcode.NewWithArgs("desk.request.over_asking", "the request asks more than the card registers for its purpose",
			map[string]any{"Purpose": d.Purpose, "Extra": strings.Join(labels, "; ")})
	}
	return file, nil
}

// endOfDay reads a date of a form (YYYY-MM-DD) as the end of that day in
// the municipality's time zone.
func endOfDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, s, amsterdam)
	if err != nil {
		return time.Time{}, false
	}
	return t.AddDate(0, 0, 1).Add(-time.Second), true
}

// lastKeepDay is the last day until whose end a request made at now may
// keep its answer (request.MaxValidity).
func lastKeepDay(now time.Time) time.Time {
	limit := now.Add(request.MaxValidity).In(amsterdam)
	day := time.Date(limit.Year(), limit.Month(), limit.Day(), 0, 0, 0, 0, amsterdam)
	if end, _ := endOfDay(day.Format(time.DateOnly)); end.After(limit) {
		day = day.AddDate(0, 0, -1)
	}
	return day
}

// scopeText is a scope as kluis-intake request --scope takes it, for the
// processing log.
func scopeText(items []request.Item) string {
	var parts []string
	for _, it := range items {
		if it.Fields == nil {
			parts = append(parts, it.Category)
			continue
		}
		for _, f := range it.Fields {
			parts = append(parts, it.Category+"."+f)
		}
	}
	return strings.Join(parts, ",")
}

// requestView is a request's page.
type requestView struct {
	requestRow
	LegalBasis string
	Message    string
	Link       string // empty when it is too long for a QR code
	Short      string
	// Conversation holds the messages about the request from before the
	// citizen shared anything (a refusal with its reason, a question);
	// CanReply when a citizen wrote there, so there is someone to answer.
	Conversation []messageView
	CanReply     bool
}

// lookupRequest returns the request a path's {id} names: its whole id or
// a unique start of at least four characters.
func (s *Server) lookupRequest(r *http.Request) (*intake.StoredRequest, error) {
	id := r.PathValue("id")
	sr, err := s.store.Request(id)
	if !errors.Is(err, intake.ErrUnknownRequest) || len(id) < 4 {
		return sr, err
	}
	all, err := s.store.Requests()
	if err != nil {
		return nil, err
	}
	var found *intake.StoredRequest
	for _, c := range all {
		if strings.HasPrefix(c.ID, id) {
			if found != nil {
				return nil, errNoRequest
			}
			found = c
		}
	}
	if found == nil {
		return nil, errNoRequest
	}
	return found, nil
}

// failRequest answers a request for a request the store does not hold
// with 404, and anything else as fail does.
func (s *Server) failRequest(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	if errors.Is(err, intake.ErrUnknownRequest) || errors.Is(err, errNoRequest) {
		s.problemPage(w, r, ss, http.StatusNotFound, s.cat(r).Error(errNoRequest))
		return
	}
	s.fail(w, r, ss, err)
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, ss *session) {
	sr, err := s.lookupRequest(r)
	if err != nil {
		s.failRequest(w, r, ss, err)
		return
	}
	cat := s.cat(r)
	row, p, err := s.requestRowOf(cat, sr)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v := requestView{requestRow: row, LegalBasis: p.Request.LegalBasis, Message: p.Request.Message, Short: shortID(row.ID)}
	conv, err := s.store.Conversation(sr.ID)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	v.Conversation = messageViews(conv)
	for _, m := range conv {
		v.CanReply = v.CanReply || m.Dir == intake.FromCitizen
	}
	if link := request.Link(p.File); len(link) <= request.MaxLink {
		v.Link = link
	}
	pg := s.newPage(r, ss, "requests", "desk.request.title", v)
	pg.Title = cat.T("desk.request.title_of", map[string]any{"Purpose": row.Purpose})
	s.render(w, http.StatusOK, "request", pg)
}

// requestQR is the QR code of a request's kluis: link.
func (s *Server) requestQR(w http.ResponseWriter, r *http.Request, ss *session) {
	sr, err := s.lookupRequest(r)
	if err != nil {
		s.failRequest(w, r, ss, err)
		return
	}
	png, err := request.QR(sr.File, 512)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

// requestFile sends the signed request file, or (?as=text) the same as
// armored text that survives e-mail.
func (s *Server) requestFile(w http.ResponseWriter, r *http.Request, ss *session) {
	sr, err := s.lookupRequest(r)
	if err != nil {
		s.failRequest(w, r, ss, err)
		return
	}
	name := "verzoek-" + shortID(sr.ID)
	if r.URL.Query().Get("as") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Disposition", disposition("attachment", name+".txt"))
		w.Write(request.Armor(sr.File))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", disposition("attachment", name+".kluis-request"))
	w.Write(sr.File)
}
