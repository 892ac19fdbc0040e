package app

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"kluis/citizen/cases"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/request"
	"kluis/sync/schema"
)

// consentScreen shows a data request in plain words — who asks (and
// whether Kluis knows them), why, until when they keep it, and exactly
// what would leave the machine, value by value, each with a checkbox —
// and lets the citizen answer with what stays checked, add a message, or
// refuse with one click.
type consentScreen struct {
	u  *UI
	o  *request.Opened
	th *cases.Thread

	draft    *share.Draft               // what the request would take, as collected once; nil when nothing
	preview  *share.Preview             // the draft's preview, in the navigation's order
	recordOn map[string]bool            // record id → goes
	fieldOn  map[string]bool            // "category.field" → goes (for every record of the category)
	docOn    map[string]bool            // document id → goes
	checks   map[string][]*widget.Check // "category.field" → its checkboxes, kept in step

	what    *fyne.Container
	message *keyEntry
	answer  *widget.Button
	refuse  *widget.Button
	problem *widget.Label
	blocked string // why answering is not possible, or ""
	body    *fyne.Container
	root    *fyne.Container

	// After answering: the bundle in a temporary file, and where it was saved.
	result   *share.Result
	tempPath string
	data     []byte
	saved    string
	direct   *directSend // sends the answer to the organisation's desk; nil when its card names none
}

func newConsentScreen(u *UI, o *request.Opened, th *cases.Thread) *consentScreen {
	return &consentScreen{u: u, o: o, th: th, recordOn: map[string]bool{}, fieldOn: map[string]bool{},
		docOn: map[string]bool{}, checks: map[string][]*widget.Check{}}
}

func (s *consentScreen) content() fyne.CanvasObject {
	s.root = container.NewStack(s.build())
	return s.root
}

// rebuild shows the screen again in place (after answering or saving).
func (s *consentScreen) rebuild() {
	s.root.Objects = []fyne.CanvasObject{s.build()}
	s.root.Refresh()
}

func (s *consentScreen) build() fyne.CanvasObject {
	if s.result != nil {
		return s.madeView()
	}
	u, o, r := s.u, s.o, s.o.Request
	bold := func(text string) *widget.Label {
		return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}}
	}
	col := container.NewVBox(titleLabel(t("app.consent.title", map[string]any{"Org": o.Card.Org})))

	// Who asks.
	data := map[string]any{"Org": o.Card.Org, "Fingerprint": o.Fingerprint()}
	switch o.Trust {
	case request.Known:
		col.Add(hint(theme.ConfirmIcon(), t("app.consent.trust_known", data)))
	case request.Impostor:
		col.Add(danger(t("app.consent.trust_impostor", data)))
	default:
		col.Add(danger(t("app.consent.trust_unknown", data)))
	}

	// Why, and until when.
	row := func(label, value string) {
		if value != "" {
			col.Add(bold(label))
			col.Add(paragraph(value))
		}
	}
	row(lang.L("app.consent.purpose"), r.Purpose)
	row(lang.L("app.consent.legal_basis"), r.LegalBasis)
	row(lang.L("app.consent.case"), r.CaseReference)
	if r.Message != "" {
		col.Add(bold(t("app.consent.their_message", data)))
		col.Add(&widget.Label{Text: r.Message, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Italic: true}})
	}
	row(lang.L("app.consent.answer_by"), formatUntil(r.AnswerBy))
	row(lang.L("app.consent.keep_until"), t("app.consent.keep_until_text", map[string]any{"Org": o.Card.Org, "Date": formatUntil(r.KeepUntil)}))

	// Asking too much.
	oa := o.OverAsking()
	switch {
	case oa.Unregistered:
		col.Add(danger(t("app.consent.overask_unregistered", map[string]any{"Org": o.Card.Org, "Purpose": r.Purpose})))
	case len(oa.Extra) > 0:
		col.Add(danger(t("app.consent.overask_extra", map[string]any{"Org": o.Card.Org, "Purpose": r.Purpose, "Extra": extraText(u, oa.Extra)})))
	case !oa.Checked:
		col.Add(paragraph(lang.L("app.consent.overask_unchecked")))
	}

	// Can it still be answered?
	switch {
	case s.th.State(r.ID) == "answered":
		s.blocked = lang.L("app.consent.blocked_answered")
	case s.th.State(r.ID) == "refused":
		s.blocked = lang.L("app.consent.blocked_refused")
	case r.Expired(u.deps.Now()):
		s.blocked = t("app.consent.blocked_expired", map[string]any{"Date": formatUntil(r.AnswerBy)})
	}
	// An impostor's request is not answered (kluisctl refuses it too);
	// refusing it stays possible.
	impostor := s.blocked == "" && o.Trust == request.Impostor
	if impostor {
		s.blocked = t("app.consent.blocked_impostor", data)
	}
	if s.blocked != "" {
		col.Add(hint(theme.InfoIcon(), s.blocked))
	} else if o.Trust == request.Unknown {
		col.Add(paragraph(lang.L("app.consent.unknown_unticked")))
	}

	// What would leave.
	col.Add(widget.NewSeparator())
	col.Add(&widget.Label{Text: lang.L("app.consent.what_title"), SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}})
	col.Add(paragraph(t("app.consent.what_intro", data)))
	s.what = container.NewVBox()
	col.Add(s.what)

	// A message, and the two answers.
	col.Add(widget.NewSeparator())
	col.Add(bold(t("app.consent.message_label", data)))
	s.message = newKeyMultiLineEntry()
	s.message.Wrapping = fyne.TextWrapWord
	s.message.SetMinRowsVisible(3)
	s.message.SetPlaceHolder(lang.L("app.consent.message_placeholder"))
	col.Add(s.message)
	s.problem = &widget.Label{Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	s.problem.Hide()
	col.Add(s.problem)
	s.answer = &widget.Button{Text: lang.L("app.consent.answer"), Icon: theme.MailSendIcon(), Importance: widget.HighImportance, OnTapped: s.onAnswer}
	s.refuse = &widget.Button{Text: lang.L("app.consent.refuse"), Icon: theme.CancelIcon(), Importance: widget.DangerImportance, OnTapped: s.onRefuse}
	back := &widget.Button{Text: lang.L("app.consent.back"), Icon: theme.NavigateBackIcon(), OnTapped: s.onBack}
	if s.blocked != "" {
		s.answer.Disable()
		s.message.Disable()
		if !impostor {
			s.refuse.Disable()
		}
	}
	s.loadPreview()
	s.body = container.NewVBox(col)
	scroll := container.NewVScroll(container.New(&formColumn{width: 760}, s.body))
	// However much the request asks, the answers stay in view.
	return u.focusWhenShown(withBar(scroll, s.answer, s.refuse, back), s.answer)
}

// danger is a red, bold warning that wraps.
func danger(text string) fyne.CanvasObject {
	l := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}}
	return container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.ErrorIcon())), nil, l)
}

// maxScope is the most the request lets go: its categories, with every
// field it does not ask for left out.
func (s *consentScreen) maxScope() share.Scope {
	bs := s.o.Request.BundleScope()
	return share.Scope{Categories: bs.Categories, ExcludedFields: bs.ExcludedFields}
}

// loadPreview makes the draft of what the request would take from the
// vault, and shows its preview, with the real values, with its
// checkboxes. The answer is this draft less what is unticked.
func (s *consentScreen) loadPreview() {
	u := s.u
	v := u.vault()
	if v == nil {
		return
	}
	scope, o := s.maxScope(), s.o
	runQuiet(u, func() (*share.Draft, error) {
		d, err := cases.Prepare(context.Background(), v, o, scope)
		if errors.Is(err, share.ErrNothing) {
			return nil, nil
		}
		return d, err
	}, func(d *share.Draft, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		s.draft = d
		p := &share.Preview{}
		if d != nil {
			p = d.Preview()
		}
		// Categories in the order people know them from the navigation.
		order := map[string]int{}
		for i, c := range schema.Categories() {
			order[c.ID] = i
		}
		slices.SortStableFunc(p.Records, func(a, b share.PreviewRecord) int { return order[a.Category] - order[b.Category] })
		s.preview = p
		// What the card does not register for the request's purpose
		// starts unticked, and so does everything an organisation Kluis
		// does not know asks: the citizen ticks what goes, after
		// checking the fingerprint. kluisctl applies the same rule.
		withheld := s.o.NotRegistered()
		known := s.o.Trust == request.Known
		for _, r := range p.Records {
			s.recordOn[r.ID] = true
			for _, f := range r.Fields {
				key := r.Category + "." + f.ID
				s.fieldOn[key] = known && !slices.Contains(withheld, key) && !slices.Contains(withheld, r.Category)
			}
		}
		for _, d := range p.Documents {
			s.docOn[d.ID] = true
		}
		s.fillWhat()
	})
}

// fillWhat lists every record with its values and documents, each with a
// checkbox. A field's checkbox stands for that field in every record of
// its category, so its twins move with it.
func (s *consentScreen) fillWhat() {
	u := s.u
	s.what.RemoveAll()
	s.checks = map[string][]*widget.Check{}
	p := s.preview
	if len(p.Records) == 0 {
		var cats []string
		for _, c := range s.o.Request.Categories() {
			cats = append(cats, u.cat.Category(c))
		}
		s.what.Add(hint(theme.InfoIcon(), t("app.consent.nothing", map[string]any{"Categories": strings.Join(cats, ", ")})))
		if s.answer != nil {
			s.answer.Disable()
		}
		s.what.Refresh()
		return
	}
	indent := func(o fyne.CanvasObject, n int) fyne.CanvasObject {
		return container.NewBorder(nil, nil, widgetSpacer(theme.Padding()*float32(6*n)), nil, o)
	}
	lastCat := ""
	for _, r := range p.Records {
		if r.Category != lastCat {
			lastCat = r.Category
			s.what.Add(&widget.Label{Text: u.cat.Category(r.Category), TextStyle: fyne.TextStyle{Bold: true}})
		}
		id := r.ID
		title := r.Title
		if title == "" {
			title = lang.L("app.records.untitled")
		}
		rc := widget.NewCheck(shortText(title), nil)
		rc.Checked = s.recordOn[id]
		fields := container.NewVBox()
		rc.OnChanged = func(on bool) {
			u.touch()
			s.recordOn[id] = on
			if on {
				fields.Show()
			} else {
				fields.Hide()
			}
		}
		if !rc.Checked {
			fields.Hide()
		}
		s.what.Add(indent(rc, 1))
		for _, f := range r.Fields {
			key := r.Category + "." + f.ID
			// The field's name by the checkbox, its value beside it,
			// wrapped: a long value (an address, a note) is shown whole
			// and never makes the page wider than the window.
			fc := widget.NewCheck(strings.TrimSpace(fieldLine(u.cat.Field(r.Category, f.ID), "")), nil)
			fc.Checked = s.fieldOn[key]
			fc.OnChanged = func(on bool) { s.setField(key, on) }
			s.checks[key] = append(s.checks[key], fc)
			value := atLeastWide(120, &widget.Label{Text: previewValue(u, r.Category, f), Wrapping: fyne.TextWrapWord})
			fields.Add(indent(container.NewBorder(nil, nil, fc, nil, value), 2))
		}
		for _, d := range p.Documents {
			if d.Record != id {
				continue
			}
			docID := d.ID
			dc := widget.NewCheck(t("app.consent.document", map[string]any{"Name": shortText(d.Name), "Size": formatSize(d.Size, u.lang)}), nil)
			dc.Checked = s.docOn[docID]
			dc.OnChanged = func(on bool) { u.touch(); s.docOn[docID] = on }
			fields.Add(indent(dc, 2))
		}
		s.what.Add(fields)
	}
	if s.blocked != "" {
		for _, o := range s.allChecks() {
			o.Disable()
		}
	}
	s.what.Refresh()
}

func (s *consentScreen) allChecks() []*widget.Check {
	var out []*widget.Check
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Check:
			out = append(out, x)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(s.what)
	return out
}

// setField turns a field on or off in every record of its category.
func (s *consentScreen) setField(key string, on bool) {
	s.u.touch()
	if s.fieldOn[key] == on {
		return
	}
	s.fieldOn[key] = on
	for _, c := range s.checks[key] {
		if c.Checked != on {
			c.SetChecked(on)
		}
	}
}

// scope is what stays checked, as a share scope within the request.
func (s *consentScreen) scope() share.Scope {
	sc := s.maxScope()
	out := share.Scope{ExcludedFields: slices.Clone(sc.ExcludedFields)}
	all := map[string]bool{}
	for _, r := range s.preview.Records {
		if _, seen := all[r.Category]; !seen {
			all[r.Category] = true
		}
		if !s.recordOn[r.ID] {
			all[r.Category] = false
		}
	}
	for _, c := range schema.Categories() {
		on, asked := all[c.ID]
		if !asked {
			continue
		}
		if on {
			out.Categories = append(out.Categories, c.ID)
			continue
		}
		for _, r := range s.preview.Records {
			if r.Category == c.ID && s.recordOn[r.ID] {
				out.Records = append(out.Records, r.ID)
			}
		}
	}
	for key, on := range s.fieldOn {
		if !on && !slices.Contains(out.ExcludedFields, key) {
			out.ExcludedFields = append(out.ExcludedFields, key)
		}
	}
	slices.Sort(out.ExcludedFields)
	for id, on := range s.docOn {
		if !on {
			out.ExcludedDocuments = append(out.ExcludedDocuments, id)
		}
	}
	slices.Sort(out.ExcludedDocuments)
	return out
}

func (s *consentScreen) say(text string) {
	s.problem.SetText(text)
	if text == "" {
		s.problem.Hide()
	} else {
		s.problem.Show()
	}
}

func (s *consentScreen) onAnswer() {
	u := s.u
	u.touch()
	message := strings.TrimSpace(s.message.Text)
	if message != "" && bundle.CheckMessage(message) != nil {
		s.say(lang.L("app.consent.message_bad"))
		return
	}
	scope := s.scope()
	if s.draft == nil || len(scope.Categories)+len(scope.Records) == 0 {
		s.say(lang.L("app.consent.nothing_chosen"))
		return
	}
	// What stays ticked, cut from the draft on screen: nothing is read
	// from the vault again.
	d, err := s.draft.Narrow(scope)
	if errors.Is(err, share.ErrNothing) {
		// Every field unticked: the records are left out, and so
		// there is nothing left to send.
		s.say(lang.L("app.consent.nothing_chosen"))
		return
	}
	if err != nil {
		s.say(u.requestErrorText(err))
		return
	}
	s.say("")
	data := map[string]any{"Org": s.o.Card.Org, "Fingerprint": s.o.Fingerprint()}
	text := t("app.consent.confirm_text", data)
	if s.o.Trust != request.Known {
		// The warning again, where the citizen says yes.
		text = t("app.consent.trust_unknown", data) + "\n\n" + text
	}
	u.confirm(lang.L("app.consent.confirm_title"), text, func() {
		s.create(d, message)
	})
}

// create signs draft d as the answer bundle in a temporary file (with
// progress and Stop), recorded as a share and in the thread.
func (s *consentScreen) create(d *share.Draft, message string) {
	u := s.u
	v := u.vault()
	if v == nil {
		return
	}
	var made signedFile
	var inbox *bundle.Card // the organisation's card, when it names a desk to send to
	u.run(lang.L("app.consent.creating"), true, func(ctx context.Context, progress Progress) error {
		var err error
		made, err = signToTempFile("kluis-antwoord-*.kluis", progress, func(w io.Writer, flush func() error, p share.Progress) (share.Result, error) {
			a := cases.Answer{Draft: d, Message: message, Now: u.deps.Now(), Compress: true, Flush: flush}
			return cases.Respond(ctx, v, s.o, a, w, p)
		})
		if made.res.Manifest != nil {
			inbox, _ = inboxCard(v, s.o.Card.Fingerprint(), s.o.Card)
		}
		return err
	}, func(err error) {
		switch {
		case made.res.Manifest != nil:
			// Made and recorded; a failure after that (the thread entry)
			// loses nothing: the thread finds the answer among the shares.
		case isCanceled(err) || errors.Is(err, context.Canceled):
			u.showStopped()
			return
		case err != nil:
			s.say(u.requestErrorText(err))
			return
		}
		s.result, s.tempPath, s.data = &made.res, made.path, made.data
		if inbox != nil {
			s.direct = &directSend{u: u, card: inbox, shareID: made.res.Info.ID, kind: "antwoord",
				bundle: func() string { return s.tempPath },
				kept:   func(path string) { s.saved = path },
				onDone: s.rebuild}
		}
		s.rebuild()
	})
}

// onRefuse asks, then refuses the request. A message in the box goes with
// the refusal: to the organisation's desk when its card names one, else
// as a file to send another way.
func (s *consentScreen) onRefuse() {
	u := s.u
	u.touch()
	text := wire.NormalizeText(s.message.Text)
	if strings.TrimSpace(text) == "" {
		text = ""
	}
	if text != "" && wire.CheckText(text) != nil {
		s.say(lang.L("app.threads.reply_bad"))
		return
	}
	key := "app.consent.refuse_text"
	if text != "" {
		key = "app.consent.refuse_text_message"
	}
	u.confirm(lang.L("app.consent.refuse_title"), t(key, map[string]any{"Org": s.o.Card.Org}), func() {
		u.refuseRequest(s.o, text, s.say)
	})
}

func (s *consentScreen) onBack() {
	s.u.touch()
	s.u.shell.open(newRequestsPage(s.u))
}

// madeView is the answer made: save the file, or copy the link or show
// the QR code when it is small enough, as the share wizard does. The way
// on, to the conversation, stays in view below.
func (s *consentScreen) madeView() fyne.CanvasObject {
	u := s.u
	m := s.result.Manifest
	intro := "app.consent.made_intro"
	if s.direct != nil {
		intro = "app.consent.made_intro_direct" // the next lines say how to send it
	}
	col := container.NewVBox(titleLabel(lang.L("app.consent.made_title")),
		paragraph(t(intro, map[string]any{"Org": m.Recipient.Org, "Date": formatUntil(m.NotAfter)})))
	save := &widget.Button{Text: lang.L("app.wizard.save_file"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: s.onSaveFile}
	uri := ""
	if s.data != nil {
		uri = bundle.BundleURI(s.data)
	}
	if uri != "" && len(uri) > bundle.MaxURILength {
		uri = ""
	}
	scroll := container.NewVScroll(container.New(&formColumn{width: 680}, col))
	if s.direct != nil {
		col.Add(s.direct.view())
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: s.direct.otherWay(), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	}
	if uri == "" {
		col.Add(flowRow(save))
		s.addSaved(col)
		col.Add(paragraph(lang.L("app.wizard.too_big_for_link")))
	} else {
		copied := paragraph(lang.L("app.wizard.link_copied"))
		copied.Hide()
		copyLink := &widget.Button{Text: lang.L("app.wizard.copy_link"), Icon: theme.ContentCopyIcon(), OnTapped: func() {
			u.touch()
			u.copyForAWhile(uri)
			copied.Show()
		}}
		col.Add(paragraph(lang.L("app.wizard.link_intro")))
		col.Add(flowRow(save, copyLink))
		s.addSaved(col)
		col.Add(copied)
		if qr := newQRCode(uri); qr != nil {
			qr.view = scroll
			col.Add(widget.NewSeparator())
			col.Add(paragraph(lang.L("app.wizard.qr_intro")))
			col.Add(qr)
		}
	}
	toThread := &widget.Button{Text: lang.L("app.consent.to_thread"), Icon: theme.MailComposeIcon(), OnTapped: func() {
		u.touch()
		u.shell.open(newThreadView(u, s.th.ID))
	}}
	return u.focusWhenShown(withBar(scroll, toThread), save)
}

// addSaved says where the answer was saved, once it was.
func (s *consentScreen) addSaved(col *fyne.Container) {
	if s.saved != "" {
		col.Add(paragraph(t("app.wizard.saved", map[string]any{"Path": s.saved})))
	}
}

func (s *consentScreen) onSaveFile() {
	u := s.u
	u.touch()
	u.pickSaveFile(lang.L("app.wizard.save_place"), strings.Replace(shareFileName(u.deps.Now()), "deling", "antwoord", 1), func(path string) {
		s.saveTo(path)
	})
}

// saveTo copies the answer bundle to path and notes the place with the share.
func (s *consentScreen) saveTo(path string) {
	if s.u.vault() == nil || s.tempPath == "" {
		return
	}
	s.u.saveShareFile(s.tempPath, s.result.Info.ID, path, func() {
		s.saved = path
		s.rebuild()
	})
}

// confirmLeave asks before an answer that was made is left unsaved.
func (s *consentScreen) confirmLeave(proceed func()) {
	leave := func() {
		if s.tempPath != "" {
			os.Remove(s.tempPath)
			s.tempPath = ""
		}
		proceed()
	}
	if s.result == nil || s.saved != "" {
		leave()
		return
	}
	s.u.confirm(lang.L("app.wizard.leave_title"), lang.L("app.wizard.leave_text"), leave)
}

// hint is a wrapped, bold text with an icon before it: what the citizen
// should not miss, in the normal text colour.
func hint(icon fyne.Resource, text string) fyne.CanvasObject {
	l := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	return container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(icon)), nil, l)
}

// fieldLine is "Label: value", or "Question? value" for a label that asks.
func fieldLine(label, value string) string {
	if strings.HasSuffix(label, "?") {
		return label + " " + value
	}
	return label + ": " + value
}

// extraText names over-asked items grouped by category, in schema order:
// "Inkomen: Soort inkomen, Sinds; Zorg".
func extraText(u *UI, extra []string) string {
	var parts []string
	for _, c := range schema.Categories() {
		var fields []string
		whole := false
		for _, x := range extra {
			cat, field, ok := strings.Cut(x, ".")
			switch {
			case cat != c.ID:
			case ok:
				fields = append(fields, u.cat.Field(cat, field))
			default:
				whole = true
			}
		}
		switch {
		case whole:
			parts = append(parts, u.cat.Category(c.ID))
		case len(fields) > 0:
			parts = append(parts, u.cat.Category(c.ID)+": "+strings.Join(fields, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
