package app

import (
	"kluis/assets"

	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	"kluis/sync/schema"
	"kluis/vault"
)

// Wizard steps, in order.
const (
	stepRecipient = iota
	stepScope
	stepExpiry
	stepPurpose
	stepResult
	stepCount
)

// Expiry choices, in days; 0 is "a date I choose".
var expiryDays = []int{7, 14, 30, 0}

const defaultExpiryDays = 14

// maxPreviewRecords is how many records the preview lists one by one.
const maxPreviewRecords = 200

// compressBelow: a share whose documents are this small may fit in a link
// or QR code, so it is compressed.
const compressBelow = 4 << 10

// shareWizard makes a share in five steps, one question per screen:
// recipient, scope (with a live preview of exactly what leaves), expiry,
// purpose, and the result (save the file, copy the link, show the QR
// code and the share code).
type shareWizard struct {
	u    *UI
	step int

	// Choices so far.
	cards    []*bundle.Card // offered, remembered cards first, the demo card last
	card     *bundle.Card   // the chosen card; nil with useCode
	useCode  bool
	cats     map[string]*scopeCategory
	docOff   map[string]bool // documents left out
	days     int             // 0: until date
	date     time.Time       // the chosen date's end, when days is 0
	purpose  string
	caseRef  string
	draft    *share.Draft   // what the preview shows and "Deling maken" signs; nil when nothing is chosen
	preview  *share.Preview // the draft's preview
	previewN int            // sequence of drafts made; older answers are dropped

	// Loaded for the scope step.
	records []vault.Record
	docs    []vault.Document
	loaded  bool

	// The share made.
	result   *share.Result
	tempPath string // the bundle, until the person saves it
	saved    string // where it was saved
	data     []byte // the bundle's bytes when small enough for a link
	done     bool   // leave without asking

	// Widgets that persist over a step.
	stepLabel   *widget.Label
	body        *fyne.Container
	back, next  *widget.Button
	stop        *widget.Button
	message     *widget.Label
	previewBox  *fyne.Container
	previewHead *widget.Label
	recipient   *widget.RadioGroup
	cardInfo    *fyne.Container
	expiry      *widget.RadioGroup
	dateEntry   *submitEntry
	expiryText  *widget.Label
	purposeE    *submitEntry
	caseE       *submitEntry
	focusFirst  fyne.Focusable
	scopeScroll *container.Scroll
}

// scopeCategory is what is chosen within one category.
type scopeCategory struct {
	id       string
	on       bool
	records  []vault.Record
	recordOn map[string]bool
	fieldOn  map[string]bool
	fields   []string // fields with a value in some record, in schema order
}

func newShareWizard(u *UI) *shareWizard {
	return &shareWizard{u: u, days: defaultExpiryDays, cats: map[string]*scopeCategory{}, docOff: map[string]bool{}}
}

func (w *shareWizard) content() fyne.CanvasObject {
	u := w.u
	w.stepLabel = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	w.body = container.NewStack()
	w.message = &widget.Label{Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	w.message.Hide()
	w.back = &widget.Button{Text: lang.L("app.wizard.back"), Icon: theme.NavigateBackIcon(), OnTapped: w.onBack}
	w.next = &widget.Button{Text: lang.L("app.wizard.next"), Icon: theme.NavigateNextIcon(), IconPlacement: widget.ButtonIconTrailingText,
		Importance: widget.HighImportance, OnTapped: w.onNext}
	w.stop = &widget.Button{Text: lang.L("app.wizard.stop"), OnTapped: w.onStop}
	top := container.NewVBox(titleLabel(lang.L("app.wizard.title")), w.stepLabel)
	bar := container.NewHBox(w.back, w.next, layout.NewSpacer(), w.stop)
	bottom := container.NewVBox(w.message, widget.NewSeparator(), bar)
	w.loadCards()
	w.show()
	return u.focusWhenShown(container.NewBorder(top, bottom, nil, nil, w.body), w.next)
}

// show builds the current step.
func (w *shareWizard) show() {
	w.message.Hide()
	w.stepLabel.SetText(t("app.wizard.step", map[string]any{"N": w.step + 1, "Total": stepCount,
		"Question": lang.L(fmt.Sprintf("app.wizard.step%d", w.step+1))}))
	w.focusFirst = nil
	var c fyne.CanvasObject
	switch w.step {
	case stepRecipient:
		c = w.recipientStep()
	case stepScope:
		c = w.scopeStep()
	case stepExpiry:
		c = w.expiryStep()
	case stepPurpose:
		c = w.purposeStep()
	case stepResult:
		c = w.resultStep()
	}
	w.body.Objects = []fyne.CanvasObject{c}
	w.body.Refresh()
	w.updateButtons()
	if w.focusFirst != nil && w.u.window.Canvas().Content() != nil {
		w.u.focus(w.focusFirst)
	}
}

func (w *shareWizard) updateButtons() {
	if w.step == stepRecipient || w.result != nil {
		w.back.Hide()
	} else {
		w.back.Show()
	}
	switch {
	case w.result != nil:
		w.next.SetText(lang.L("app.wizard.finish"))
		w.next.SetIcon(theme.ConfirmIcon())
		w.stop.Hide()
	case w.step == stepResult:
		w.next.SetText(lang.L("app.wizard.create"))
		w.next.SetIcon(theme.MailSendIcon())
	default:
		w.next.SetText(lang.L("app.wizard.next"))
		w.next.SetIcon(theme.NavigateNextIcon())
	}
}

func (w *shareWizard) say(text string) {
	w.message.SetText(text)
	w.message.Show()
}

func (w *shareWizard) onBack() {
	w.u.touch()
	if w.step > 0 && w.result == nil {
		w.step--
		w.show()
	}
}

func (w *shareWizard) onNext() {
	w.u.touch()
	switch w.step {
	case stepRecipient:
		if w.card == nil && !w.useCode {
			w.say(lang.L("app.wizard.recipient_missing"))
			return
		}
	case stepScope:
		if w.draft == nil || w.preview == nil || len(w.preview.Records) == 0 {
			w.say(lang.L("app.wizard.scope_missing"))
			return
		}
	case stepExpiry:
		if _, err := w.notAfter(); err != nil {
			w.say(err.Error())
			return
		}
	case stepPurpose:
		w.purpose = strings.TrimSpace(w.purposeE.Text)
		w.caseRef = strings.TrimSpace(w.caseE.Text)
		if msg := checkPurpose(w.purpose, w.caseRef); msg != "" {
			w.say(msg)
			return
		}
	case stepResult:
		if w.result != nil {
			w.finish()
		} else {
			w.create()
		}
		return
	}
	w.step++
	w.show()
}

// onStop leaves the wizard for the overview; confirmLeave asks first when
// a made bundle was not saved yet.
func (w *shareWizard) onStop() {
	w.u.touch()
	w.u.shell.open(newSharesPage(w.u))
}

func (w *shareWizard) finish() {
	w.u.shell.open(newSharesPage(w.u))
}

// Step 1: recipient.

// loadCards offers the remembered cards and the demo card.
func (w *shareWizard) loadCards() {
	u := w.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() ([]share.KnownCard, error) { return share.Cards(v) }, func(known []share.KnownCard, err error) {
		if err != nil {
			u.showError(err)
		}
		w.cards = w.cards[:0]
		for _, k := range known {
			w.cards = append(w.cards, k.Card)
		}
		if demo, err := bundle.ParseCard(assets.DemoCard); err == nil &&
			!slices.ContainsFunc(w.cards, func(c *bundle.Card) bool { return c.Fingerprint() == demo.Fingerprint() }) {
			w.cards = append(w.cards, demo)
		}
		if w.card == nil && !w.useCode && len(w.cards) > 0 {
			w.card = w.cards[0]
		}
		if w.step == stepRecipient && w.body != nil {
			w.show()
		}
	})
}

// cardLabel is the radio option of a card: its name, with the short
// fingerprint when two cards share a name.
func (w *shareWizard) cardLabel(c *bundle.Card) string {
	n := 0
	for _, o := range w.cards {
		if o.Org == c.Org {
			n++
		}
	}
	if n > 1 {
		return c.Org + " (" + bundle.ShortFingerprint(c.Fingerprint()) + ")"
	}
	return c.Org
}

func (w *shareWizard) recipientStep() fyne.CanvasObject {
	codeOption := lang.L("app.wizard.recipient_code")
	var options []string
	for _, c := range w.cards {
		options = append(options, w.cardLabel(c))
	}
	options = append(options, codeOption)
	w.cardInfo = container.NewVBox()
	w.recipient = widget.NewRadioGroup(options, func(o string) {
		w.u.touch()
		w.card, w.useCode = nil, o == codeOption
		for _, c := range w.cards {
			if w.cardLabel(c) == o {
				w.card = c
			}
		}
		w.showCardInfo()
	})
	switch {
	case w.useCode:
		w.recipient.SetSelected(codeOption)
	case w.card != nil:
		w.recipient.SetSelected(w.cardLabel(w.card))
	}
	w.showCardInfo()
	load := &widget.Button{Text: lang.L("app.wizard.load_card"), Icon: theme.FolderOpenIcon(), OnTapped: w.onLoadCard}
	col := container.NewVBox(
		paragraph(lang.L("app.wizard.recipient_intro")),
		w.recipient,
		container.NewHBox(load),
		widget.NewSeparator(),
		w.cardInfo,
	)
	w.focusFirst = w.next
	return container.NewVScroll(container.New(&formColumn{width: 680}, col))
}

// showCardInfo shows the chosen card's name and fingerprint to check, or
// what a share code means.
func (w *shareWizard) showCardInfo() {
	if w.cardInfo == nil {
		return
	}
	w.cardInfo.RemoveAll()
	switch {
	case w.useCode:
		w.cardInfo.Add(&widget.Label{Text: lang.L("app.wizard.code_title"), TextStyle: fyne.TextStyle{Bold: true}})
		w.cardInfo.Add(paragraph(lang.L("app.wizard.code_intro")))
	case w.card != nil:
		c := w.card
		w.cardInfo.Add(&widget.Label{Text: lang.L("app.wizard.card_check"), TextStyle: fyne.TextStyle{Bold: true}})
		w.cardInfo.Add(paragraph(t("app.wizard.card_name", map[string]any{"Org": c.Org})))
		if c.OIN != "" {
			w.cardInfo.Add(paragraph(t("app.wizard.card_oin", map[string]any{"OIN": c.OIN})))
		}
		w.cardInfo.Add(widget.NewLabel(lang.L("app.wizard.card_fingerprint")))
		w.cardInfo.Add(&widget.Label{Text: bundle.ShortFingerprint(c.Fingerprint()), SizeName: theme.SizeNameSubHeadingText,
			TextStyle: fyne.TextStyle{Monospace: true, Bold: true}, Selectable: true})
		w.cardInfo.Add(paragraph(lang.L("app.wizard.card_fingerprint_hint")))
	}
	w.cardInfo.Refresh()
}

func (w *shareWizard) onLoadCard() {
	u := w.u
	u.touch()
	u.pickFile(lang.L("app.wizard.card_choose"), func(path string) {
		w.loadCardFile(path)
	})
}

// loadCardFile reads a card, remembers it in the vault and chooses it.
func (w *shareWizard) loadCardFile(path string) {
	u := w.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (*bundle.Card, error) {
		b, err := readSmallFile(path)
		if err != nil {
			return nil, err
		}
		return share.RememberCard(v, b)
	}, func(c *bundle.Card, err error) {
		var be *bundle.Error
		switch {
		case errors.As(err, &be), errors.Is(err, errFileTooLarge):
			u.showMessage(lang.L("app.error.title"), lang.L("app.wizard.card_bad"))
			return
		case err != nil:
			u.showError(err)
			return
		}
		w.card, w.useCode = c, false
		w.loadCards()
	})
}

// Step 2: scope.

func (w *shareWizard) scopeStep() fyne.CanvasObject {
	w.previewHead = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	w.previewBox = container.NewVBox()
	choices := container.NewVBox()
	if !w.loaded {
		w.loadScope(func() { w.fillScope(choices) })
	} else {
		w.fillScope(choices)
	}
	leftScroll := container.NewVScroll(choices)
	w.scopeScroll = leftScroll
	right := container.NewBorder(container.NewVBox(w.previewHead, widget.NewSeparator()), nil, nil, nil,
		container.NewVScroll(w.previewBox))
	split := container.NewHSplit(leftScroll, right)
	split.Offset = 0.5
	return container.NewBorder(paragraph(lang.L("app.wizard.scope_intro")), nil, nil, nil, split)
}

// maxCheckRunes is the longest text of a checkbox: a long title or file
// name is cut, so that the page never gets wider than the window.
const maxCheckRunes = 44

func shortText(s string) string {
	if utf8.RuneCountInString(s) <= maxCheckRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxCheckRunes-1])) + "…"
}

// loadScope reads the records and documents once.
func (w *shareWizard) loadScope(then func()) {
	u := w.u
	v := u.vault()
	if v == nil {
		return
	}
	type loaded struct {
		recs []vault.Record
		docs []vault.Document
	}
	runQuiet(u, func() (loaded, error) {
		recs, err := v.List("")
		if err != nil {
			return loaded{}, err
		}
		docs, err := v.Documents(false)
		return loaded{recs, docs}, err
	}, func(l loaded, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		w.records, w.docs, w.loaded = l.recs, l.docs, true
		for _, c := range schema.Categories() {
			sc := &scopeCategory{id: c.ID, recordOn: map[string]bool{}, fieldOn: map[string]bool{}}
			has := map[string]bool{}
			for _, r := range l.recs {
				if r.Category != c.ID {
					continue
				}
				sc.records = append(sc.records, r)
				sc.recordOn[r.ID] = true
				for k, val := range r.Fields {
					if val != "" {
						has[k] = true
					}
				}
			}
			for _, f := range c.Fields {
				if has[f.ID] {
					sc.fields = append(sc.fields, f.ID)
					sc.fieldOn[f.ID] = f.Type != schema.BSN
				}
			}
			w.cats[c.ID] = sc
		}
		then()
	})
}

// fillScope builds the checkboxes: categories, and under a chosen one its
// records, fields and documents.
func (w *shareWizard) fillScope(box *fyne.Container) {
	u := w.u
	box.RemoveAll()
	var first fyne.Focusable
	for _, c := range schema.Categories() {
		sc := w.cats[c.ID]
		if sc == nil || len(sc.records) == 0 {
			continue
		}
		detail := container.NewVBox()
		label := fmt.Sprintf("%s (%d)", u.cat.Category(c.ID), len(sc.records))
		check := w.newCheck(label, sc.on, nil)
		check.OnChanged = func(on bool) {
			u.touch()
			sc.on = on
			w.fillDetail(detail, c, sc)
			w.updatePreview()
		}
		if first == nil {
			first = check
		}
		box.Add(check)
		box.Add(container.NewPadded(detail))
		w.fillDetail(detail, c, sc)
	}
	if first == nil {
		box.Add(paragraph(lang.L("app.wizard.scope_empty")))
	}
	box.Refresh()
	if first != nil {
		w.u.focus(first)
	}
	w.updatePreview()
}

// fillDetail shows the records, fields and documents of a chosen category.
func (w *shareWizard) fillDetail(detail *fyne.Container, c *schema.Category, sc *scopeCategory) {
	u := w.u
	detail.RemoveAll()
	if !sc.on {
		detail.Hide()
		return
	}
	detail.Show()
	bold := func(s string) *widget.Label { return &widget.Label{Text: s, TextStyle: fyne.TextStyle{Bold: true}} }
	indent := func(o fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(nil, nil, widgetSpacer(theme.Padding()*6), nil, o)
	}
	detail.Add(indent(bold(lang.L("app.wizard.which_records"))))
	for _, r := range sc.records {
		id := r.ID
		title := c.TitleOf(r.Fields)
		if title == "" {
			title = lang.L("app.records.untitled")
		}
		ch := w.newCheck(title, sc.recordOn[id], nil)
		ch.OnChanged = func(on bool) {
			u.touch()
			sc.recordOn[id] = on
			w.updatePreview()
		}
		detail.Add(indent(ch))
		for _, d := range w.docs {
			if d.Record != id {
				continue
			}
			docID := d.ID
			dc := w.newCheck(t("app.wizard.document", map[string]any{"Name": d.Name, "Size": formatSize(d.Size, u.lang)}), !w.docOff[docID], nil)
			dc.OnChanged = func(on bool) {
				u.touch()
				w.docOff[docID] = !on
				w.updatePreview()
			}
			detail.Add(indent(indent(dc)))
		}
	}
	if len(sc.fields) > 0 {
		detail.Add(indent(bold(lang.L("app.wizard.which_fields"))))
		// One column: two would make the page wider than the window.
		grid := container.NewVBox()
		bsn := false
		for _, fid := range sc.fields {
			fid := fid
			f, _ := c.Field(fid)
			if f != nil && f.Type == schema.BSN {
				bsn = true
			}
			ch := w.newCheck(u.cat.Field(c.ID, fid), sc.fieldOn[fid], nil)
			ch.OnChanged = func(on bool) {
				u.touch()
				sc.fieldOn[fid] = on
				w.updatePreview()
			}
			grid.Add(ch)
		}
		detail.Add(indent(grid))
		if bsn {
			detail.Add(indent(notice(theme.InfoIcon(), lang.L("app.wizard.bsn_note"))))
		}
	}
	detail.Refresh()
}

// notice is a wrapped, bold text with an icon before it, for what a person
// should not miss (in the normal text colour, which reads better than a
// coloured one).
func notice(icon fyne.Resource, text string) fyne.CanvasObject {
	l := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	return container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(icon)), nil, l)
}

// scopeCheck is a checkbox that scrolls itself into view when it gets the
// keyboard focus: with Tab the focus may move below the visible part.
type scopeCheck struct {
	widget.Check
	w *shareWizard
}

func (w *shareWizard) newCheck(label string, on bool, changed func(bool)) *scopeCheck {
	c := &scopeCheck{w: w}
	c.Text, c.Checked, c.OnChanged = shortText(label), on, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *scopeCheck) FocusGained() {
	c.Check.FocusGained()
	revealIn(c.w.scopeScroll, c)
}

// revealIn scrolls s so that o is in view.
func revealIn(s *container.Scroll, o fyne.CanvasObject) {
	if s == nil || s.Content == nil {
		return
	}
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s.Content).Y
	bottom := top + o.Size().Height
	view := s.Size().Height
	off := s.Offset.Y
	const margin = 40
	switch {
	case top-margin < off:
		off = max(0, top-margin)
	case bottom+margin > off+view:
		off = bottom + margin - view
	default:
		return
	}
	s.ScrollToOffset(fyne.NewPos(0, off))
}

// widgetSpacer is an empty object of a fixed width, for indentation.
func widgetSpacer(width float32) fyne.CanvasObject {
	r := canvas.NewRectangle(nil)
	r.SetMinSize(fyne.NewSize(width, 1))
	return r
}

// scope turns the checkboxes into a share scope: a whole category when all
// its records are chosen, otherwise the chosen records one by one.
func (w *shareWizard) scope() share.Scope {
	var s share.Scope
	for _, c := range schema.Categories() {
		sc := w.cats[c.ID]
		if sc == nil || !sc.on || len(sc.records) == 0 {
			continue
		}
		var ids []string
		for _, r := range sc.records {
			if sc.recordOn[r.ID] {
				ids = append(ids, r.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		if len(ids) == len(sc.records) {
			s.Categories = append(s.Categories, c.ID)
		} else {
			s.Records = append(s.Records, ids...)
		}
		for _, f := range sc.fields {
			if !sc.fieldOn[f] {
				s.ExcludedFields = append(s.ExcludedFields, c.ID+"."+f)
			}
		}
	}
	for id, off := range w.docOff {
		if off {
			s.ExcludedDocuments = append(s.ExcludedDocuments, id)
		}
	}
	slices.Sort(s.ExcludedDocuments)
	return s
}

// updatePreview makes the share draft of the current choice and shows its
// preview: that draft is what the last step signs. A newer choice wins
// over an older answer.
func (w *shareWizard) updatePreview() {
	u := w.u
	v := u.vault()
	if v == nil {
		return
	}
	w.previewN++
	n := w.previewN
	scope := w.scope()
	runQuiet(u, func() (*share.Draft, error) {
		d, err := share.NewDraft(context.Background(), v, scope)
		if errors.Is(err, share.ErrNothing) {
			return nil, nil
		}
		return d, err
	}, func(d *share.Draft, err error) {
		if n != w.previewN {
			return
		}
		if err != nil {
			u.showError(err)
			return
		}
		w.draft, w.preview = d, &share.Preview{}
		if d != nil {
			w.preview = d.Preview()
		}
		w.showPreview()
	})
}

// showPreview lists exactly what would leave the machine: every record
// with every field and its real value, and every document with its size.
func (w *shareWizard) showPreview() {
	u := w.u
	if w.previewBox == nil {
		return
	}
	p := w.preview
	w.previewBox.RemoveAll()
	if p == nil || len(p.Records) == 0 {
		w.previewHead.SetText(lang.L("app.wizard.preview_nothing"))
		w.previewBox.Refresh()
		return
	}
	w.previewHead.SetText(t("app.wizard.preview_head", map[string]any{"To": w.recipientName(),
		"Records":   countWord(len(p.Records), "app.shares.records_one", "app.shares.records"),
		"Documents": countWord(len(p.Documents), "app.shares.documents_one", "app.shares.documents")}))
	for i, r := range p.Records {
		if i == maxPreviewRecords {
			w.previewBox.Add(paragraph(t("app.wizard.preview_more", map[string]any{"N": len(p.Records) - i})))
			break
		}
		title := r.Title
		if title == "" {
			title = lang.L("app.records.untitled")
		}
		w.previewBox.Add(&widget.Label{Text: u.cat.Category(r.Category) + ": " + title, TextStyle: fyne.TextStyle{Bold: true},
			Wrapping: fyne.TextWrapWord})
		var lines []string
		for _, f := range r.Fields {
			lines = append(lines, labelled(u.cat.Field(r.Category, f.ID), previewValue(u, r.Category, f)))
		}
		w.previewBox.Add(&widget.Label{Text: strings.Join(lines, "\n"), Wrapping: fyne.TextWrapWord})
	}
	if len(p.Documents) > 0 {
		w.previewBox.Add(&widget.Label{Text: lang.L("app.wizard.preview_documents"), TextStyle: fyne.TextStyle{Bold: true}})
		var lines []string
		for _, d := range p.Documents {
			lines = append(lines, d.Name+"  ·  "+formatSize(d.Size, u.lang))
		}
		w.previewBox.Add(&widget.Label{Text: strings.Join(lines, "\n"), Wrapping: fyne.TextWrapWord})
	}
	w.previewBox.Refresh()
}

// labelled is "Label: value", or "Label? value" for a label that is a
// question.
func labelled(label, value string) string {
	if strings.HasSuffix(label, "?") {
		return label + " " + value
	}
	return label + ": " + value
}

// previewValue is a value that would leave, as a person reads it: the
// choice's label, a Dutch date, an amount with the euro sign, the rest as
// it is (a BSN unmasked: this is exactly what goes).
func previewValue(u *UI, category string, f share.PreviewField) string {
	switch f.Type {
	case schema.Choice:
		return u.cat.Choice(category, f.ID, f.Value)
	case schema.Date:
		return dutchDate(f.Value)
	case schema.Money:
		return "€ " + f.Display
	}
	return f.Display
}

func (w *shareWizard) recipientName() string {
	if w.useCode || w.card == nil {
		return lang.L("app.wizard.to_code")
	}
	return w.card.Org
}

// Step 3: expiry.

func (w *shareWizard) expiryStep() fyne.CanvasObject {
	var options []string
	for _, d := range expiryDays {
		options = append(options, expiryOption(d))
	}
	w.dateEntry = newSubmitEntry(w.onNext)
	w.dateEntry.SetPlaceHolder(lang.L("app.wizard.date_placeholder"))
	if !w.date.IsZero() {
		w.dateEntry.SetText(w.date.Format("2-1-2006"))
	}
	w.dateEntry.OnChanged = func(string) { w.u.touch(); w.showExpiry() }
	w.expiryText = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	w.expiry = widget.NewRadioGroup(options, func(o string) {
		w.u.touch()
		for _, d := range expiryDays {
			if expiryOption(d) == o {
				w.days = d
			}
		}
		w.showExpiry()
	})
	w.expiry.Required = true
	w.expiry.SetSelected(expiryOption(w.days))
	w.showExpiry()
	col := container.NewVBox(
		paragraph(lang.L("app.wizard.expiry_intro")),
		w.expiry,
		&widget.Label{Text: lang.L("app.wizard.date_label"), TextStyle: fyne.TextStyle{Bold: true}},
		w.dateEntry,
		widget.NewSeparator(),
		w.expiryText,
		paragraph(lang.L("app.wizard.expiry_note")),
	)
	w.focusFirst = w.next
	return container.NewVScroll(container.New(&formColumn{width: 640}, col))
}

func expiryOption(days int) string {
	if days == 0 {
		return lang.L("app.wizard.expiry_date")
	}
	return t("app.wizard.expiry_days", map[string]any{"N": days})
}

// showExpiry says until when the share is valid, or what is wrong with
// the date.
func (w *shareWizard) showExpiry() {
	if w.expiryText == nil || w.dateEntry == nil {
		return
	}
	if w.days == 0 {
		w.dateEntry.Enable()
	} else {
		w.dateEntry.Disable()
	}
	end, err := w.notAfter()
	if err != nil {
		w.expiryText.SetText(err.Error())
		return
	}
	w.expiryText.SetText(t("app.wizard.valid_until", map[string]any{"Date": formatDateTime(end)}))
}

// notAfter is the chosen expiry: now plus the days, or the end of the
// chosen date.
func (w *shareWizard) notAfter() (time.Time, error) {
	now := w.u.deps.Now()
	if w.days > 0 {
		return now.Add(time.Duration(w.days) * 24 * time.Hour), nil
	}
	text := ""
	if w.dateEntry != nil {
		text = strings.TrimSpace(w.dateEntry.Text)
	}
	if text == "" {
		return time.Time{}, errors.New(lang.L("app.wizard.date_missing"))
	}
	iso, err := schema.NormalizeDate(text)
	if err != nil || len(iso) != len("2006-01-02") {
		return time.Time{}, errors.New(lang.L("app.wizard.date_bad"))
	}
	d, err := time.ParseInLocation(time.DateOnly, iso, time.Local)
	if err != nil {
		return time.Time{}, errors.New(lang.L("app.wizard.date_bad"))
	}
	end := d.Add(24*time.Hour - time.Second)
	switch {
	case !end.After(now):
		return time.Time{}, errors.New(lang.L("app.wizard.date_past"))
	case end.Sub(now) > 2*365*24*time.Hour:
		return time.Time{}, errors.New(lang.L("app.wizard.date_far"))
	}
	w.date = d
	return end, nil
}

// Step 4: purpose.

func (w *shareWizard) purposeStep() fyne.CanvasObject {
	w.purposeE = newSubmitEntry(func() { w.u.window.Canvas().Focus(w.caseE) })
	w.purposeE.SetText(w.purpose)
	w.caseE = newSubmitEntry(w.onNext)
	w.caseE.SetText(w.caseRef)
	col := container.NewVBox(
		&widget.Label{Text: lang.L("app.wizard.purpose_label"), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		paragraph(lang.L("app.wizard.purpose_examples")),
		w.purposeE,
	)
	if w.card != nil && len(w.card.Purposes) > 0 {
		row := container.NewHBox(widget.NewLabel(lang.L("app.wizard.purpose_card")))
		for _, p := range w.card.Purposes {
			p := p
			row.Add(&widget.Button{Text: p, OnTapped: func() { w.purposeE.SetText(p); w.u.window.Canvas().Focus(w.purposeE) }})
		}
		col.Add(row)
	}
	col.Add(widget.NewSeparator())
	col.Add(&widget.Label{Text: lang.L("app.wizard.case_label"), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	col.Add(paragraph(lang.L("app.wizard.case_hint")))
	col.Add(w.caseE)
	w.focusFirst = w.purposeE
	return container.NewVScroll(container.New(&formColumn{width: 640}, col))
}

// checkPurpose says what is wrong with a purpose or case reference, in
// the person's words, or "".
func checkPurpose(purpose, caseRef string) string {
	switch {
	case purpose == "":
		return lang.L("app.wizard.purpose_missing")
	case utf8.RuneCountInString(purpose) > 500 || !plainLine(purpose):
		return lang.L("app.wizard.purpose_bad")
	case utf8.RuneCountInString(caseRef) > 100 || !plainLine(caseRef):
		return lang.L("app.wizard.case_bad")
	}
	return ""
}

// plainLine reports whether s has no control or text-direction characters
// (which a bundle refuses).
func plainLine(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0xFEFF || r == 0x2028 || r == 0x2029
	})
}

// submitEntry is a one-line entry where Enter moves on.
type submitEntry struct {
	widget.Entry
}

func newSubmitEntry(onEnter func()) *submitEntry {
	e := &submitEntry{}
	e.OnSubmitted = func(string) { onEnter() }
	e.ExtendBaseWidget(e)
	return e
}

// Step 5: check, create, result.

func (w *shareWizard) resultStep() fyne.CanvasObject {
	if w.result != nil {
		return w.madeView()
	}
	u := w.u
	end, _ := w.notAfter()
	p := w.preview
	col := container.NewVBox(paragraph(lang.L("app.wizard.check_intro")))
	row := func(label, value string) {
		col.Add(container.New(tightRows{}, &widget.Label{Text: label, TextStyle: fyne.TextStyle{Bold: true}}, paragraph(value)))
	}
	row(lang.L("app.wizard.check_to"), w.recipientName())
	var cats []string
	seen := map[string]bool{}
	for _, r := range p.Records {
		if !seen[r.Category] {
			seen[r.Category] = true
		}
	}
	for _, c := range categoriesOf(seen) {
		cats = append(cats, u.cat.Category(c))
	}
	row(lang.L("app.wizard.check_what"), t("app.shares.what", map[string]any{"Categories": strings.Join(cats, ", "),
		"Records":   countWord(len(p.Records), "app.shares.records_one", "app.shares.records"),
		"Documents": countWord(len(p.Documents), "app.shares.documents_one", "app.shares.documents")}))
	row(lang.L("app.wizard.check_until"), formatDateTime(end))
	row(lang.L("app.wizard.check_purpose"), w.purpose)
	if w.caseRef != "" {
		row(lang.L("app.wizard.check_case"), w.caseRef)
	}
	col.Add(widget.NewSeparator())
	col.Add(paragraph(lang.L("app.wizard.check_note")))
	w.focusFirst = w.next
	return container.NewVScroll(container.New(&formColumn{width: 640}, col))
}

// create makes the bundle in a temporary file, with progress and Stop.
func (w *shareWizard) create() {
	u := w.u
	v := u.vault()
	if v == nil {
		return
	}
	end, err := w.notAfter()
	if err != nil {
		w.say(err.Error())
		return
	}
	// The draft the preview showed is what is signed, not a new reading
	// of the vault.
	d := w.draft
	d.Request = share.Request{To: w.card, Created: u.deps.Now(), NotAfter: end,
		Purpose: w.purpose, CaseReference: w.caseRef, Compress: w.preview.Size() <= compressBelow}
	if w.useCode || w.card == nil {
		d.To, d.Code = nil, bundle.NewShareCode()
	}
	var res share.Result
	var path string
	var data []byte
	u.run(lang.L("app.wizard.creating"), true, func(ctx context.Context, progress Progress) error {
		f, err := os.CreateTemp("", "kluis-deling-*.kluis")
		if err != nil {
			return err
		}
		path = f.Name()
		bw := bufio.NewWriterSize(f, 256<<10)
		d.Flush = func() error {
			if err := bw.Flush(); err != nil {
				return err
			}
			return f.Sync()
		}
		res, err = d.Sign(ctx, bw, func(done, total int64) {
			if total > 0 {
				progress(float64(done) / float64(total))
			}
		})
		if err == nil {
			data, err = readIfSmall(f)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil && res.Manifest == nil {
			os.Remove(path)
		}
		return err
	}, func(err error) {
		switch {
		case res.Manifest != nil:
			// Made and recorded; a failure after that only loses the link.
		case isCanceled(err) || errors.Is(err, context.Canceled):
			u.showStopped()
			return
		case err != nil:
			u.showError(err)
			return
		}
		w.result, w.tempPath, w.data = &res, path, data
		w.show()
	})
}

// readIfSmall reads the bundle back when it fits in a link.
func readIfSmall(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, bundle.MaxURILength+1))
	if err != nil || len(b) > bundle.MaxURILength {
		return nil, err
	}
	return b, nil
}

// link is the kluis: link of a small bundle, or "" when it does not fit.
func (w *shareWizard) link() string {
	if w.data == nil {
		return ""
	}
	uri := bundle.BundleURI(w.data)
	if len(uri) > bundle.MaxURILength {
		return ""
	}
	return uri
}

// madeView is the result: save the file, copy the link, the QR code and
// the share code.
func (w *shareWizard) madeView() fyne.CanvasObject {
	u := w.u
	res := w.result
	col := container.NewVBox(
		&widget.Label{Text: lang.L("app.wizard.made_title"), SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}},
	)
	if res.Code != "" {
		col.Add(paragraph(t("app.wizard.made_code_intro", map[string]any{"Date": formatDateTime(res.Manifest.NotAfter)})))
	} else {
		col.Add(paragraph(t("app.wizard.made_intro", map[string]any{"Org": res.Manifest.Recipient.Org,
			"Date": formatDateTime(res.Manifest.NotAfter)})))
	}
	save := &widget.Button{Text: lang.L("app.wizard.save_file"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: w.onSaveFile}
	savedLabel := paragraph("")
	if w.saved != "" {
		savedLabel.SetText(t("app.wizard.saved", map[string]any{"Path": w.saved}))
	} else {
		savedLabel.Hide()
	}
	col.Add(container.NewHBox(save))
	col.Add(savedLabel)
	if res.Code != "" {
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: lang.L("app.wizard.code_label"), TextStyle: fyne.TextStyle{Bold: true}})
		col.Add(&widget.Label{Text: res.Code.String(), SizeName: theme.SizeNameHeadingText,
			TextStyle: fyne.TextStyle{Monospace: true, Bold: true}, Selectable: true})
		col.Add(notice(theme.WarningIcon(), lang.L("app.wizard.code_warning")))
	}
	if uri := w.link(); uri != "" {
		copied := paragraph(lang.L("app.wizard.link_copied"))
		copied.Hide()
		copyBtn := &widget.Button{Text: lang.L("app.wizard.copy_link"), Icon: theme.ContentCopyIcon(), OnTapped: func() {
			u.touch()
			u.copyForAWhile(uri)
			copied.Show()
		}}
		col.Add(widget.NewSeparator())
		col.Add(paragraph(lang.L("app.wizard.link_intro")))
		col.Add(container.NewHBox(copyBtn))
		col.Add(copied)
		if img := qrImage(uri); img != nil {
			col.Add(paragraph(lang.L("app.wizard.qr_intro")))
			col.Add(container.NewHBox(img))
		}
	} else {
		col.Add(paragraph(lang.L("app.wizard.too_big_for_link")))
	}
	w.focusFirst = save
	return container.NewVScroll(container.New(&formColumn{width: 680}, col))
}

// qrImage is a QR code of uri, or nil when it does not fit in one.
func qrImage(uri string) fyne.CanvasObject {
	q, err := qrcode.New(uri, qrcode.Low)
	if err != nil {
		return nil
	}
	img := canvas.NewImageFromImage(q.Image(720))
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	img.SetMinSize(fyne.NewSize(460, 460))
	return img
}

func (w *shareWizard) onSaveFile() {
	u := w.u
	u.touch()
	if w.tempPath == "" || w.result == nil {
		return
	}
	u.pickSaveFile(lang.L("app.wizard.save_place"), shareFileName(u.deps.Now()), func(path string) {
		w.saveTo(path)
	})
}

// saveTo copies the made bundle to path and notes the place with the share.
func (w *shareWizard) saveTo(path string) {
	if w.u.vault() == nil {
		return
	}
	w.u.saveShareFile(w.tempPath, w.result.Info.ID, path, func() {
		w.saved = path
		w.show()
	})
}

// saveShareFile copies a made bundle (or answer) from its temporary file
// src to path, through a temporary file there, with progress and Stop, and
// notes the place with share id. saved runs on the UI goroutine when done.
func (u *UI) saveShareFile(src, id, path string, saved func()) {
	v := u.vault()
	if v == nil || src == "" {
		return
	}
	u.run(lang.L("app.wizard.saving"), true, func(ctx context.Context, progress Progress) error {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		fi, err := in.Stat()
		if err != nil {
			return err
		}
		err = writeFileSafely(path, func(out io.Writer) error {
			pw := &progressWriter{w: out, total: fi.Size(), progress: progress}
			_, err := io.Copy(pw, &ctxReader{ctx: ctx, r: in})
			return err
		})
		if err != nil {
			return err
		}
		return share.SetFile(v, id, path)
	}, func(err error) {
		switch {
		case isCanceled(err) || errors.Is(err, context.Canceled):
			u.showStopped()
		case err != nil:
			u.showError(err)
		default:
			saved()
		}
	})
}

// ctxReader stops reading when ctx is canceled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// cleanUp removes the temporary bundle.
func (w *shareWizard) cleanUp() {
	if w.tempPath != "" {
		os.Remove(w.tempPath)
		w.tempPath = ""
	}
	w.data = nil
}

// confirmLeave lets the wizard go, first asking when a made bundle was
// neither saved nor sent as a link.
func (w *shareWizard) confirmLeave(proceed func()) {
	if w.done || w.result == nil || w.saved != "" {
		w.done = true
		w.cleanUp()
		proceed()
		return
	}
	w.u.confirm(lang.L("app.wizard.leave_title"), lang.L("app.wizard.leave_text"), func() {
		w.done = true
		w.cleanUp()
		proceed()
	})
}

// saveBeforeLock removes the temporary bundle when the vault locks by
// itself: the share stays in the overview.
func (w *shareWizard) saveBeforeLock(done func()) {
	w.done = true
	w.cleanUp()
	done()
}
