package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/schema"
	"kluis/vault"
)

// scopeStep is the wizard's second step: what to share? Categories, and
// within a chosen one its records, fields and documents, with beside them
// the preview of the draft those choices make.
type scopeStep struct {
	w      *shareWizard
	cats   map[string]*scopeCategory
	docOff map[string]bool // documents left out

	// Read from the vault once, for the checkboxes.
	records []vault.Record
	docs    []vault.Document
	loaded  bool

	preview  *previewPane
	scroll   *container.Scroll // the checkboxes
	previewN int               // sequence of drafts made; older answers are dropped
	// collecting is set while the draft of the latest choice is being
	// made: the step cannot be left then, or the next steps would show
	// (and the last sign) a draft of an older choice.
	collecting bool
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

func newScopeStep(w *shareWizard) *scopeStep {
	return &scopeStep{w: w, cats: map[string]*scopeCategory{}, docOff: map[string]bool{}}
}

func (s *scopeStep) content() fyne.CanvasObject {
	s.preview = newPreviewPane(s.w.u)
	choices := container.NewVBox()
	if !s.loaded {
		s.load(func() { s.fill(choices) })
	} else {
		s.fill(choices)
	}
	s.scroll = container.NewVScroll(choices)
	split := container.NewHSplit(s.scroll, s.preview.content())
	split.Offset = 0.5
	return container.NewBorder(paragraph(lang.L("app.wizard.scope_intro")), nil, nil, nil, split)
}

func (s *scopeStep) done() string {
	w := s.w
	if s.collecting {
		return lang.L("app.wizard.scope_busy")
	}
	if w.draft == nil || w.preview == nil || len(w.preview.Records) == 0 {
		return lang.L("app.wizard.scope_missing")
	}
	// Leaving the step: a draft still on its way must not replace the
	// one the next steps show.
	s.previewN++
	return ""
}

// load reads the records and documents once.
func (s *scopeStep) load(then func()) {
	u := s.w.u
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
		s.records, s.docs, s.loaded = l.recs, l.docs, true
		for _, c := range schema.Categories() {
			s.cats[c.ID] = newScopeCategory(c, l.recs)
		}
		then()
	})
}

// newScopeCategory offers the records of c, all ticked, and the fields
// with a value in some record, ticked but for a BSN.
func newScopeCategory(c *schema.Category, recs []vault.Record) *scopeCategory {
	sc := &scopeCategory{id: c.ID, recordOn: map[string]bool{}, fieldOn: map[string]bool{}}
	has := map[string]bool{}
	for _, r := range recs {
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
	return sc
}

// fill builds the checkboxes: categories, and under a chosen one its
// records, fields and documents.
func (s *scopeStep) fill(box *fyne.Container) {
	u := s.w.u
	box.RemoveAll()
	var first fyne.Focusable
	for _, c := range schema.Categories() {
		sc := s.cats[c.ID]
		if sc == nil || len(sc.records) == 0 {
			continue
		}
		detail := container.NewVBox()
		label := fmt.Sprintf("%s (%d)", u.cat.Category(c.ID), len(sc.records))
		check := s.newCheck(label, sc.on, nil)
		check.OnChanged = func(on bool) {
			u.touch()
			sc.on = on
			s.fillDetail(detail, c, sc)
			s.updateDraft()
		}
		if first == nil {
			first = check
		}
		box.Add(check)
		box.Add(container.NewPadded(detail))
		s.fillDetail(detail, c, sc)
	}
	if first == nil {
		box.Add(paragraph(lang.L("app.wizard.scope_empty")))
	}
	box.Refresh()
	if first != nil {
		u.focus(first)
	}
	s.updateDraft()
}

// fillDetail shows the records, fields and documents of a chosen category.
func (s *scopeStep) fillDetail(detail *fyne.Container, c *schema.Category, sc *scopeCategory) {
	u := s.w.u
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
		ch := s.newCheck(title, sc.recordOn[id], nil)
		ch.OnChanged = func(on bool) {
			u.touch()
			sc.recordOn[id] = on
			s.updateDraft()
		}
		detail.Add(indent(ch))
		for _, d := range s.docs {
			if d.Record != id {
				continue
			}
			docID := d.ID
			dc := s.newCheck(t("app.wizard.document", map[string]any{"Name": d.Name, "Size": formatSize(d.Size, u.lang)}), !s.docOff[docID], nil)
			dc.OnChanged = func(on bool) {
				u.touch()
				s.docOff[docID] = !on
				s.updateDraft()
			}
			detail.Add(indent(indent(dc)))
		}
	}
	if len(sc.fields) > 0 {
		detail.Add(indent(bold(lang.L("app.wizard.which_fields"))))
		detail.Add(indent(s.fieldChecks(c, sc)))
		if slices.ContainsFunc(sc.fields, func(fid string) bool { f, _ := c.Field(fid); return f != nil && f.Type == schema.BSN }) {
			detail.Add(indent(notice(theme.InfoIcon(), lang.L("app.wizard.bsn_note"))))
		}
	}
	detail.Refresh()
}

// fieldChecks is a checkbox per field of sc, in one column: two would make
// the page wider than the window.
func (s *scopeStep) fieldChecks(c *schema.Category, sc *scopeCategory) fyne.CanvasObject {
	u := s.w.u
	col := container.NewVBox()
	for _, fid := range sc.fields {
		ch := s.newCheck(u.cat.Field(c.ID, fid), sc.fieldOn[fid], nil)
		ch.OnChanged = func(on bool) {
			u.touch()
			sc.fieldOn[fid] = on
			s.updateDraft()
		}
		col.Add(ch)
	}
	return col
}

// scope turns the checkboxes into a share scope: a whole category when all
// its records are chosen, otherwise the chosen records one by one.
func (s *scopeStep) scope() share.Scope {
	var out share.Scope
	for _, c := range schema.Categories() {
		sc := s.cats[c.ID]
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
			out.Categories = append(out.Categories, c.ID)
		} else {
			out.Records = append(out.Records, ids...)
		}
		for _, f := range sc.fields {
			if !sc.fieldOn[f] {
				out.ExcludedFields = append(out.ExcludedFields, c.ID+"."+f)
			}
		}
	}
	for id, off := range s.docOff {
		if off {
			out.ExcludedDocuments = append(out.ExcludedDocuments, id)
		}
	}
	slices.Sort(out.ExcludedDocuments)
	return out
}

// updateDraft makes the share draft of the current choice and shows its
// preview: that draft is what the last step signs. A newer choice wins
// over an older answer.
func (s *scopeStep) updateDraft() {
	w, u := s.w, s.w.u
	v := u.vault()
	if v == nil {
		return
	}
	s.previewN++
	n := s.previewN
	scope := s.scope()
	s.collecting = true
	runQuiet(u, func() (*share.Draft, error) {
		d, err := share.NewDraft(context.Background(), v, scope)
		if errors.Is(err, share.ErrNothing) {
			return nil, nil
		}
		return d, err
	}, func(d *share.Draft, err error) {
		if n != s.previewN {
			return
		}
		s.collecting = false
		if err != nil {
			u.showError(err)
			return
		}
		w.draft, w.preview = d, &share.Preview{}
		if d != nil {
			w.preview = d.Preview()
		}
		s.preview.show(w.preview, w.recipientName())
	})
}

// scopeCheck is a checkbox that scrolls itself into view when it gets the
// keyboard focus: with Tab the focus may move below the visible part.
type scopeCheck struct {
	widget.Check
	s *scopeStep
}

func (s *scopeStep) newCheck(label string, on bool, changed func(bool)) *scopeCheck {
	c := &scopeCheck{s: s}
	c.Text, c.Checked, c.OnChanged = shortText(label), on, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *scopeCheck) FocusGained() {
	c.Check.FocusGained()
	revealIn(c.s.scroll, c)
}
