package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/schema"
	"kluis/vault"
)

// categoryPage lists one category's records: a title and a short second
// line per record, with a button to add one. Choosing a record opens its
// form.
type categoryPage struct {
	u   *UI
	cat *schema.Category
	// selectID is the record to show selected once the list has loaded
	// (the one just saved), or "".
	selectID string

	rows    *lazyRows
	list    *keyList
	empty   *widget.Label
	status  *widget.Label
	add     *widget.Button
	body    *fyne.Container
	loading bool
	quiet   bool // selecting from code: do not open the form
	// refocus: the page is shown again after its record's form (saved,
	// cancelled, Escape): the keyboard focus goes to the list, on the
	// record that was open, so the person goes on where they were.
	refocus bool
}

// recordRow is one line of a record list, computed off the UI goroutine.
type recordRow struct {
	id       string
	category string
	title    string
	detail   string
}

func newCategoryPage(u *UI, c *schema.Category) page { return &categoryPage{u: u, cat: c} }

func (p *categoryPage) content() fyne.CanvasObject {
	u := p.u
	heading := titleLabel(u.cat.Category(p.cat.ID))
	p.add = &widget.Button{Text: lang.L("app.records.add"), Icon: theme.ContentAddIcon(),
		Importance: widget.HighImportance, OnTapped: p.onAdd}
	p.empty = paragraph(lang.L("app.records.about."+p.cat.ID) + "\n\n" + lang.L("app.records.empty"))
	p.empty.Hide()
	p.status = widget.NewLabel("")
	p.list = newRecordList(func() rowSource { return p.rows }, p.open)
	p.list.OnSelected = func(i widget.ListItemID) {
		if !p.quiet {
			p.open(i)
		}
	}
	p.body = container.NewStack(p.list, container.NewVBox(p.empty))
	top := container.NewVBox(container.NewBorder(nil, nil, nil, p.add, heading), p.status)
	p.load()
	page := container.NewBorder(top, nil, nil, nil, p.body)
	if p.refocus {
		// Opened from the navigation the focus stays there, so the arrow
		// keys go on through the categories.
		p.refocus = false
		return u.focusFirstShown(page, p.focusTarget)
	}
	return page
}

// focusTarget is what gets the focus back from a record's form: the list,
// or the add button when no records are left.
func (p *categoryPage) focusTarget() fyne.Focusable {
	if p.list.Visible() {
		return p.list
	}
	return p.add
}

// returnTo is the way back from the form of a record on this page: the
// list shows record id (if any) selected and has the keyboard focus.
func (p *categoryPage) returnTo(id string) {
	p.selectID = id
	p.refocus = true
}

// load reads the category's records in the background and shows them.
func (p *categoryPage) load() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	p.loading = true
	cat := p.cat
	runQuiet(u, func() ([]vault.Record, error) { return v.List(cat.ID) }, func(recs []vault.Record, err error) {
		p.loading = false
		if err != nil {
			u.showError(err)
			return
		}
		p.rows = newLazyRows(u, recs, false)
		p.list.UnselectAll()
		p.list.Refresh()
		if len(recs) == 0 {
			p.empty.Show()
			p.list.Hide()
			p.status.Hide()
			if u.window.Canvas().Focused() == p.list {
				u.focus(p.add) // the list had it before it was read
			}
			return
		}
		p.empty.Hide()
		p.list.Show()
		p.status.SetText(countText(len(recs)))
		p.status.Show()
		for i := range recs {
			if recs[i].ID == p.selectID {
				p.quiet = true
				p.list.Select(i)
				p.list.ScrollTo(i)
				p.list.focusRow(i)
				p.quiet = false
				break
			}
		}
	})
}

func countText(n int) string { return tn("app.records.count", n, nil) }

func (p *categoryPage) open(i widget.ListItemID) {
	if i < 0 || i >= p.rows.len() {
		return
	}
	p.u.touch()
	p.u.openRecord(p.rows.recs[i].ID, p, p.cat.ID)
}

func (p *categoryPage) onAdd() {
	p.u.touch()
	p.u.shell.open(newRecordForm(p.u, p.cat, nil, p, p.cat.ID))
}

// openRecord loads the record with id and shows its form. back is the
// page to return to afterwards and nav its navigation item.
func (u *UI) openRecord(id string, back page, nav string) {
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (vault.Record, error) { return v.Get(id) }, func(r vault.Record, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		c, ok := schema.Lookup(r.Category)
		if !ok || u.shell == nil {
			return
		}
		u.shell.open(newRecordForm(u, c, &r, back, nav))
	})
}

// maxDetailParts is how many values a list row's second line shows.
const maxDetailParts = 4

// rowOf is the list line of a record: its title and a second line with
// a few short values (an amount, a date, a choice, the masked BSN).
func (u *UI) rowOf(c *schema.Category, r *vault.Record) recordRow {
	title := c.TitleOf(r.Fields)
	if title == "" {
		title = lang.L("app.records.untitled")
	}
	inTitle := map[string]bool{}
	for _, id := range c.Title {
		inTitle[id] = true
	}
	// Amounts first: they say most. Then choices, dates and the masked BSN
	// in form order.
	var money, rest []string
	for i := range c.Fields {
		f := &c.Fields[i]
		v := r.Fields[f.ID]
		if v == "" || inTitle[f.ID] {
			continue
		}
		switch f.Type {
		case schema.Money:
			money = append(money, u.shownValue(c, f, v))
		case schema.Choice:
			rest = append(rest, u.shownValue(c, f, v))
		case schema.Date:
			rest = append(rest, u.cat.Field(c.ID, f.ID)+" "+u.shownValue(c, f, v))
		case schema.BSN:
			rest = append(rest, t("app.records.bsn_short", map[string]any{"Value": f.Display(v)}))
		}
	}
	parts := append(money, rest...)
	if len(parts) > maxDetailParts {
		parts = parts[:maxDetailParts]
	}
	return recordRow{id: r.ID, category: c.ID, title: title, detail: strings.Join(parts, "  ·  ")}
}

// shownValue is a stored value as a person reads it in lists and the
// history: an amount with the euro sign, a date the Dutch way, a choice by
// its label, a BSN masked.
func (u *UI) shownValue(c *schema.Category, f *schema.Field, v string) string {
	if v == "" {
		return ""
	}
	switch f.Type {
	case schema.Choice:
		return u.cat.Choice(c.ID, f.ID, v)
	case schema.Date:
		return dutchDate(v)
	case schema.Money:
		return "€ " + f.Display(v)
	}
	return f.Display(v)
}

// dutchDate writes a stored (ISO) date the way people in the Netherlands
// write it: "2024-05-01" becomes "1-5-2024", "2024-05" becomes "5-2024".
// The schema reads both forms back.
func dutchDate(iso string) string {
	parts := strings.Split(iso, "-")
	if len(parts) > 3 || len(parts[0]) != 4 {
		return iso
	}
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.TrimPrefix(parts[i], "0")
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "-")
}

// pageHeading is the large title at the top of a page.
func titleLabel(text string) *widget.Label {
	return &widget.Label{Text: text, SizeName: theme.SizeNameHeadingText,
		TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
}

// rowSource is what a record list shows: how many rows, and each row.
type rowSource interface {
	len() int
	row(i int) recordRow
}

// fixedRows is a rowSource of rows made in advance.
type fixedRows []recordRow

func (r fixedRows) len() int            { return len(r) }
func (r fixedRows) row(i int) recordRow { return r[i] }

// lazyRows is a rowSource over records that makes each row when it first
// scrolls into view: a list of thousands of records costs only the rows on
// screen.
type lazyRows struct {
	u            *UI
	recs         []vault.Record
	rows         []recordRow
	made         []bool
	withCategory bool // start the second line with the category (search)
}

func newLazyRows(u *UI, recs []vault.Record, withCategory bool) *lazyRows {
	// A row shows a record's fields only: what sync keeps per field (when
	// it changed, who set it) is not kept for as long as the list is shown.
	for i := range recs {
		recs[i].Stamps, recs[i].Authors = nil, nil
	}
	return &lazyRows{u: u, recs: recs, rows: make([]recordRow, len(recs)), made: make([]bool, len(recs)), withCategory: withCategory}
}

func (r *lazyRows) len() int {
	if r == nil {
		return 0
	}
	return len(r.recs)
}

func (r *lazyRows) row(i int) recordRow {
	if !r.made[i] {
		rec := &r.recs[i]
		c, ok := schema.Lookup(rec.Category)
		if ok {
			r.rows[i] = r.u.rowOf(c, rec)
		} else {
			r.rows[i] = recordRow{id: rec.ID, category: rec.Category, title: lang.L("app.records.untitled")}
		}
		if r.withCategory {
			label := r.u.cat.Category(rec.Category)
			if r.rows[i].detail != "" {
				label += "  ·  " + r.rows[i].detail
			}
			r.rows[i].detail = label
		}
		r.made[i] = true
	}
	return r.rows[i]
}

// newRecordList is a virtualised list of record rows: only the rows on
// screen have widgets, so thousands of records cost no more than a few.
// A tap on a row opens it, also when that row is already selected; so do
// Enter and Space on the row that has the keyboard focus.
func newRecordList(rows func() rowSource, open func(widget.ListItemID)) *keyList {
	l := newKeyList(func() int {
		if rs := rows(); rs != nil {
			return rs.len()
		}
		return 0
	}, func() fyne.CanvasObject {
		return newRowView()
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		rs := rows()
		if rs == nil || i >= rs.len() {
			return
		}
		r := rs.row(i)
		v := o.(*rowView)
		v.onTap = func() { open(i) }
		v.set(r.title, r.detail)
	})
	l.OnActivated = open
	return l
}

// rowView shows a record's title with a quieter second line under it.
type rowView struct {
	widget.BaseWidget
	title, detail *widget.Label
	box           *fyne.Container
	onTap         func()
}

func newRowView() *rowView {
	v := &rowView{
		title:  &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		detail: &widget.Label{Truncation: fyne.TextTruncateEllipsis},
	}
	v.box = container.New(&tightRows{}, v.title, v.detail)
	v.ExtendBaseWidget(v)
	return v
}

func (v *rowView) set(title, detail string) {
	v.title.SetText(title)
	if detail == "" {
		v.detail.Hide()
	} else {
		v.detail.SetText(detail)
		v.detail.Show()
	}
}

// Tapped opens the row; the list's own tap would ignore a row that is
// already selected.
func (v *rowView) Tapped(*fyne.PointEvent) {
	if v.onTap != nil {
		v.onTap()
	}
}

func (v *rowView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.box) }

// tightRows stacks labels with less space between them than a VBox, so a
// title and its second line read as one item.
type tightRows struct{}

func (tightRows) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		n++
	}
	if n > 1 {
		s.Height -= float32(n-1) * theme.InnerPadding()
	}
	return s
}

func (tightRows) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(size.Width, h))
		o.Move(fyne.NewPos(0, y))
		y += h - theme.InnerPadding()
	}
}

// focusWhenShown wraps a page's content so that target gets the keyboard
// focus once the page is on screen: the shell lays a page out right after
// putting it in the window, and only then can the canvas focus what is in
// it. The focus goes through UI.focus, after the key press that opened the
// page is over, so the Space that pressed a button never lands in the
// page's first entry.
func (u *UI) focusWhenShown(content fyne.CanvasObject, target fyne.Focusable) fyne.CanvasObject {
	return u.focusFirstShown(content, func() fyne.Focusable { return target })
}

// focusFirstShown is focusWhenShown with the target chosen when the page
// is on screen (target returns nil for none).
func (u *UI) focusFirstShown(content fyne.CanvasObject, target func() fyne.Focusable) fyne.CanvasObject {
	return container.New(&focusOnLayout{focus: u.focus, target: target}, content)
}

// focusOnLayout is a stack layout that focuses its target on the first
// layout.
type focusOnLayout struct {
	focus  func(fyne.Focusable)
	target func() fyne.Focusable
	done   bool
}

func (l *focusOnLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l *focusOnLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Resize(size)
	objs[0].Move(fyne.NewPos(0, 0))
	if !l.done && size.Width > 0 {
		l.done = true
		if t := l.target(); t != nil {
			l.focus(t)
		}
	}
}
