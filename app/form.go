package app

import (
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/schema"
	"kluis/vault"
)

// recordForm is the form of one record, new or existing: one input per
// field of the category, in the schema's order, each with its label above
// it and its message (when the value is not right) under it.
type recordForm struct {
	u    *UI
	cat  *schema.Category
	rec  *vault.Record // nil for a new record
	back page          // the page to return to: the list or the search
	nav  string        // the navigation item that belongs to back

	fields  []*formField
	scroll  *container.Scroll
	heading *widget.Label
	problem *widget.Label // a message about the record as a whole
	docs    *fyne.Container
	save    *widget.Button
	cancel  *widget.Button
	history *widget.Button
	remove  *widget.Button

	busy    bool // a save is running
	done    bool // saved, discarded or deleted: leave without asking
	staying bool // putting the navigation back after "Annuleren"
}

// formField is one field of the form with its input and message.
type formField struct {
	f       *schema.Field
	label   *widget.Label
	entry   *fieldEntry  // text-like fields
	choice  *fieldSelect // choice fields
	ids     map[string]string
	labels  map[string]string
	fixed   *widget.Label // fields shown but not edited here (documents)
	hint    *widget.Label // an example of what to type, or nil
	message *widget.Label
	initial string // the value the form started with, as the input shows it
}

// newRecordForm is the form for rec in category c; rec nil adds a new
// record. back is the page to go back to, nav its navigation item.
func newRecordForm(u *UI, c *schema.Category, rec *vault.Record, back page, nav string) *recordForm {
	return &recordForm{u: u, cat: c, rec: rec, back: back, nav: nav}
}

func (p *recordForm) content() fyne.CanvasObject {
	u := p.u
	p.done, p.busy = false, false
	p.fields = p.fields[:0]
	title := t("app.form.new_title", map[string]any{"Category": u.cat.Category(p.cat.ID)})
	if p.rec != nil {
		title = p.cat.TitleOf(p.rec.Fields)
		if title == "" {
			title = lang.L("app.records.untitled")
		}
	}
	p.heading = titleLabel(title)
	sub := widget.NewLabel(u.cat.Category(p.cat.ID))
	if p.rec == nil {
		sub.SetText(lang.L("app.form.new_intro"))
	}
	sub.Wrapping = fyne.TextWrapWord

	col := container.NewVBox()
	for i := range p.cat.Fields {
		ff := p.newField(&p.cat.Fields[i])
		p.fields = append(p.fields, ff)
		col.Add(ff.box())
	}
	p.problem = &widget.Label{Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	p.problem.Hide()
	p.docs = container.NewVBox()
	p.docs.Hide()
	col.Add(p.docs)

	p.save = &widget.Button{Text: lang.L("app.form.save"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: p.onSave}
	p.cancel = &widget.Button{Text: lang.L("app.form.cancel"), OnTapped: p.onCancel}
	bar := container.NewHBox(p.save, p.cancel, layout.NewSpacer())
	if p.rec != nil {
		p.history = &widget.Button{Text: lang.L("app.form.history"), Icon: theme.HistoryIcon(), OnTapped: p.onHistory}
		p.remove = &widget.Button{Text: lang.L("app.form.delete"), Icon: theme.DeleteIcon(), OnTapped: p.onDelete}
		bar.Add(p.history)
		bar.Add(p.remove)
		p.loadDocuments()
	}
	top := container.NewVBox(p.heading, sub)
	scroll := container.NewVScroll(container.New(&formColumn{width: 640}, col))
	p.scroll = scroll
	bottom := container.NewVBox(p.problem, widget.NewSeparator(), bar)
	var first fyne.Focusable
	if len(p.fields) > 0 {
		first = p.fields[0].focusable()
	}
	return u.focusWhenShown(container.NewBorder(top, bottom, nil, nil, scroll), first)
}

// newField builds the input for f with the record's value in it.
func (p *recordForm) newField(f *schema.Field) *formField {
	u := p.u
	ff := &formField{f: f}
	stored := ""
	if p.rec != nil {
		stored = p.rec.Fields[f.ID]
	}
	label := u.cat.Field(p.cat.ID, f.ID)
	if f.Required {
		label = t("app.form.required", map[string]any{"Label": label})
	}
	ff.label = &widget.Label{Text: label, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	ff.message = &widget.Label{Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	ff.message.Hide()
	switch f.Type {
	case schema.Choice:
		ff.ids, ff.labels = map[string]string{}, map[string]string{}
		var opts []string
		if !f.Required {
			none := lang.L("app.form.no_choice")
			opts = append(opts, none)
			ff.ids[none] = ""
		}
		for _, c := range f.Choices {
			l := u.cat.Choice(p.cat.ID, f.ID, c)
			opts = append(opts, l)
			ff.ids[l], ff.labels[c] = c, l
		}
		ff.choice = newFieldSelect(opts)
		ff.choice.onFocus = func() { p.reveal(ff.choice) }
		ff.choice.onEscape = p.onCancel
		ff.choice.PlaceHolder = lang.L("app.form.choose")
		ff.initial = stored
		if l, ok := ff.labels[stored]; ok {
			ff.choice.SetSelected(l)
		}
		ff.choice.OnChanged = func(string) { p.onEdited(ff) }
	case schema.DocRef:
		ff.fixed = widget.NewLabel(stored)
		ff.initial = stored
	default:
		ff.entry = newFieldEntry(f.Type == schema.LongText)
		ff.initial = editText(f, stored)
		ff.entry.SetText(ff.initial)
		if slices.Contains(hintTypes, f.Type) {
			ff.hint = &widget.Label{Text: lang.L("type." + string(f.Type)), Wrapping: fyne.TextWrapWord}
		}
		ff.entry.OnChanged = func(string) { p.onEdited(ff) }
		ff.entry.onFocusLost = func() { p.checkField(ff) }
		ff.entry.onFocus = func() { p.reveal(ff.entry) }
		ff.entry.onEscape = p.onCancel
		if !ff.entry.MultiLine {
			ff.entry.OnSubmitted = func(string) { p.onSubmitted(ff) }
		}
	}
	return ff
}

// hintTypes are the field types whose example (the "type.…" text) is
// shown under the label: for these the form of the value matters.
var hintTypes = []schema.Type{schema.Date, schema.Money, schema.BSN, schema.IBAN, schema.Postcode, schema.Phone, schema.Email, schema.Number}

// box stacks label, hint, input and message.
func (ff *formField) box() fyne.CanvasObject {
	var input fyne.CanvasObject
	switch {
	case ff.entry != nil:
		input = ff.entry
	case ff.choice != nil:
		input = ff.choice
	default:
		input = ff.fixed
	}
	head := fyne.CanvasObject(ff.label)
	if ff.hint != nil {
		head = container.New(tightRows{}, ff.label, ff.hint)
	}
	box := container.NewVBox(head, input)
	box.Add(ff.message)
	return box
}

func (ff *formField) focusable() fyne.Focusable {
	switch {
	case ff.entry != nil:
		return ff.entry
	case ff.choice != nil:
		return ff.choice
	}
	return nil
}

// value is the field's input as the person typed or chose it.
func (ff *formField) value() string {
	switch {
	case ff.entry != nil:
		return ff.entry.Text
	case ff.choice != nil:
		return ff.ids[ff.choice.Selected]
	}
	return ff.initial
}

func (ff *formField) setMessage(text string) {
	ff.message.SetText(text)
	if text == "" {
		ff.message.Hide()
	} else {
		ff.message.Show()
	}
}

// editText is a stored value as the form's input shows it: money as
// "1.234,56", a date the Dutch way, everything else (the BSN too) as it is.
func editText(f *schema.Field, stored string) string {
	if f.Type == schema.Date && stored != "" {
		return dutchDate(stored)
	}
	return f.EditValue(stored)
}

// changed reports whether any input differs from what the form started
// with.
func (p *recordForm) changed() bool {
	return slices.ContainsFunc(p.fields, func(ff *formField) bool { return ff.value() != ff.initial })
}

// onEdited runs on every change of an input. A message already shown is
// checked again at once, so it goes away as soon as the value is right.
func (p *recordForm) onEdited(ff *formField) {
	p.u.touch()
	if ff.message.Visible() {
		p.checkField(ff)
	}
	if p.problem.Visible() {
		p.problem.Hide()
	}
}

// checkField shows the message for the field's value, if it is not right.
// An empty required field is only pointed out when saving: leaving it
// empty for a moment is no mistake.
func (p *recordForm) checkField(ff *formField) {
	v := ff.value()
	_, err := ff.f.Normalize(v)
	var ve *schema.ValueError
	if errors.As(err, &ve) && ve.Code == schema.CodeRequired && !ff.message.Visible() {
		return
	}
	ff.setMessage(p.u.errorText(err))
}

// onSubmitted is Enter in a one-line input: go to the next input, or save
// after the last one.
func (p *recordForm) onSubmitted(ff *formField) {
	p.u.touch()
	p.checkField(ff)
	i := slices.Index(p.fields, ff)
	for _, next := range p.fields[i+1:] {
		if f := next.focusable(); f != nil {
			p.u.window.Canvas().Focus(f)
			return
		}
	}
	p.onSave()
}

// saveShortcut is Ctrl+S: the same as "Opslaan".
func (p *recordForm) saveShortcut() { p.onSave() }

func (p *recordForm) onSave() {
	p.u.touch()
	p.store(func(r vault.Record) {
		p.u.shell.refreshCounts()
		p.goBack(r.ID)
	}, nil)
}

// store checks every field and, when all are right, saves the record in
// the background. saved runs after a successful save; failed when nothing
// was saved (a message then says why).
func (p *recordForm) store(saved func(vault.Record), failed func()) {
	u := p.u
	if p.busy {
		return
	}
	fail := func() {
		if failed != nil {
			failed()
		}
	}
	if !u.mayChange() {
		fail()
		return
	}
	values := make(map[string]string, len(p.fields))
	for _, ff := range p.fields {
		values[ff.f.ID] = ff.value()
	}
	_, errs := p.cat.ValidateAll(values)
	if !p.showErrors(errs) {
		fail()
		return
	}
	v := u.vault()
	if v == nil {
		fail()
		return
	}
	p.busy = true
	p.save.Disable()
	rec := p.rec
	runQuiet(u, func() (vault.Record, error) {
		if rec == nil {
			return v.Add(p.cat.ID, values)
		}
		return v.Update(rec.ID, values)
	}, func(r vault.Record, err error) {
		p.busy = false
		p.save.Enable()
		if err != nil {
			var fe *schema.FieldError
			if !errors.As(err, &fe) || p.showErrors([]*schema.FieldError{fe}) {
				u.showError(err)
			}
			fail()
			return
		}
		p.rec = &r
		for _, ff := range p.fields {
			ff.initial = ff.value()
		}
		p.done = true
		saved(r)
	})
}

// showErrors puts each error next to its field (or above the buttons when
// it concerns the whole record) and moves the focus to the first field
// that needs attention. It reports whether there were none.
func (p *recordForm) showErrors(errs []*schema.FieldError) bool {
	for _, ff := range p.fields {
		ff.setMessage("")
	}
	p.problem.Hide()
	var first fyne.Focusable
	for _, e := range errs {
		msg := p.u.errorText(&schema.ValueError{Code: e.Code})
		i := slices.IndexFunc(p.fields, func(ff *formField) bool { return ff.f.ID == e.Field })
		if i < 0 {
			p.problem.SetText(msg)
			p.problem.Show()
			continue
		}
		p.fields[i].setMessage(msg)
		if first == nil {
			first = p.fields[i].focusable()
		}
	}
	if first != nil {
		p.u.window.Canvas().Focus(first)
	}
	return len(errs) == 0
}

// goBack shows the page the form was opened from, with the record id
// selected when that is a list.
func (p *recordForm) goBack(id string) {
	p.done = true
	if cp, ok := p.back.(*categoryPage); ok {
		cp.returnTo(id)
	}
	p.u.shell.open(p.back)
}

func (p *recordForm) onCancel() {
	p.u.touch()
	id := ""
	if p.rec != nil {
		id = p.rec.ID
	}
	// Leaving asks about unsaved changes first (confirmLeave).
	if cp, ok := p.back.(*categoryPage); ok {
		cp.returnTo(id)
	}
	p.u.shell.open(p.back)
}

func (p *recordForm) onHistory() {
	p.u.touch()
	if p.rec == nil {
		return
	}
	p.u.shell.open(newHistoryPage(p.u, p.cat, p.rec.ID, p.back, p.nav))
}

func (p *recordForm) onDelete() {
	if !p.u.mayChange() {
		return
	}
	u := p.u
	u.touch()
	if p.rec == nil {
		return
	}
	id := p.rec.ID
	u.confirm(lang.L("app.form.delete_title"), lang.L("app.form.delete_text"), func() {
		v := u.vault()
		if v == nil {
			return
		}
		runQuiet(u, func() (struct{}, error) { return struct{}{}, v.Delete(id) }, func(_ struct{}, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			u.shell.refreshCounts()
			p.goBack("")
		})
	})
}

// loadDocuments lists the documents linked to the record, read-only.
func (p *recordForm) loadDocuments() {
	u := p.u
	v := u.vault()
	if v == nil || p.rec == nil {
		return
	}
	id := p.rec.ID
	runQuiet(u, func() ([]string, error) {
		docs, err := v.Documents(false)
		var names []string
		for _, d := range docs {
			if d.Record == id {
				names = append(names, d.Name)
			}
		}
		return names, err
	}, func(names []string, err error) {
		if err != nil || len(names) == 0 {
			return
		}
		p.docs.Add(&widget.Label{Text: lang.L("app.form.documents"), TextStyle: fyne.TextStyle{Bold: true}})
		for _, n := range names {
			p.docs.Add(container.NewHBox(widget.NewIcon(theme.FileIcon()), widget.NewLabel(n)))
		}
		p.docs.Show()
	})
}

// saveBeforeLock saves valid unsaved changes when the vault locks by
// itself, then calls done; invalid input is dropped.
func (p *recordForm) saveBeforeLock(done func()) {
	if p.done || !p.changed() {
		done()
		return
	}
	p.store(func(vault.Record) {
		p.done = true
		done()
	}, func() {
		p.done = true
		done()
	})
}

// confirmLeave asks what to do with unsaved changes before the form is
// replaced (another page, or locking): save them, throw them away, or
// stay on the form.
func (p *recordForm) confirmLeave(proceed func()) {
	if p.staying {
		return
	}
	if p.done || !p.changed() {
		proceed()
		return
	}
	u := p.u
	var d dialog.Dialog
	save := &widget.Button{Text: lang.L("app.form.leave_save"), Importance: widget.HighImportance, OnTapped: func() {
		d.Hide()
		u.touch()
		p.store(func(vault.Record) {
			u.shell.refreshCounts()
			proceed()
		}, p.stay)
	}}
	discard := &widget.Button{Text: lang.L("app.form.leave_discard"), OnTapped: func() {
		d.Hide()
		u.touch()
		p.done = true
		proceed()
	}}
	stay := &widget.Button{Text: lang.L("app.form.leave_stay"), OnTapped: func() {
		d.Hide()
		u.touch()
		p.stay()
	}}
	content := container.NewVBox(widget.NewLabel(lang.L("app.form.leave_text")),
		container.NewHBox(layout.NewSpacer(), stay, discard, save))
	d = dialog.NewCustomWithoutButtons(lang.L("app.form.leave_title"), content, u.window)
	d.Show()
	u.window.Canvas().Focus(save)
}

// stay keeps the form on screen and puts the navigation back on the item
// the form belongs to (a click there may have moved it).
func (p *recordForm) stay() {
	if p.u.shell == nil {
		return
	}
	p.staying = true
	p.u.shell.select_(p.nav)
	p.staying = false
}

// reveal scrolls the form so that o, which just got the keyboard focus,
// is in view: with Tab the focus may move below the visible part.
func (p *recordForm) reveal(o fyne.CanvasObject) {
	if p.scroll == nil || p.scroll.Content == nil {
		return
	}
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(p.scroll.Content).Y
	bottom := top + o.Size().Height
	view := p.scroll.Size().Height
	off := p.scroll.Offset.Y
	// Keep the label above the input in view too.
	const margin = 70
	switch {
	case top-margin < off:
		off = max(0, top-margin)
	case bottom+margin/2 > off+view:
		off = bottom + margin/2 - view
	default:
		return
	}
	p.scroll.ScrollToOffset(fyne.NewPos(0, off))
}

// fieldEntry is an entry that tells the form when the person enters and
// leaves it (to scroll it into view, and to check its value) and goes back
// on Escape, as "Annuleren" does. Ctrl+S (saving the form) and the other
// shortcuts of the window go on to the window, as from any keyEntry.
type fieldEntry struct {
	widget.Entry
	onFocus     func()
	onFocusLost func()
	onEscape    func()
}

func (e *fieldEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// AcceptsTab is false also for several lines of text: Tab always moves on
// to the next field, so the keyboard never gets stuck in a text box.
func (e *fieldEntry) AcceptsTab() bool { return false }

func (e *fieldEntry) FocusGained() {
	e.Entry.FocusGained()
	if e.onFocus != nil {
		e.onFocus()
	}
}

// fieldSelect is a choice list that tells the form when it gets the focus
// and goes back on Escape (while its choices are open, Escape closes them:
// they have the focus then).
type fieldSelect struct {
	widget.Select
	onFocus  func()
	onEscape func()
}

func (s *fieldSelect) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && s.onEscape != nil {
		s.onEscape()
		return
	}
	s.Select.TypedKey(k)
}

func newFieldSelect(options []string) *fieldSelect {
	s := &fieldSelect{}
	s.Options = options
	s.ExtendBaseWidget(s)
	return s
}

func (s *fieldSelect) FocusGained() {
	s.Select.FocusGained()
	if s.onFocus != nil {
		s.onFocus()
	}
}

func newFieldEntry(multiLine bool) *fieldEntry {
	e := &fieldEntry{}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
		e.SetMinRowsVisible(3)
	}
	e.ExtendBaseWidget(e)
	return e
}

func (e *fieldEntry) TypedShortcut(s fyne.Shortcut) {
	if !passShortcut(e, s) {
		e.Entry.TypedShortcut(s)
	}
}

func (e *fieldEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.onFocusLost != nil {
		e.onFocusLost()
	}
}

// formColumn gives its one object the full width up to a maximum, so a
// form stays readable in a wide window.
type formColumn struct{ width float32 }

func (l *formColumn) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	return fyne.NewSize(min(m.Width, l.width), m.Height)
}

func (l *formColumn) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, l.width)
	objs[0].Resize(fyne.NewSize(w, objs[0].MinSize().Height))
	objs[0].Move(fyne.NewPos(0, 0))
}
