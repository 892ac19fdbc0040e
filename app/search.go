package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/schema"
	"kluis/vault"
)

// searchPage finds records in every category, and documents by their file
// name, as the person types. Each
// keystroke starts a search in the background; at most one runs at a
// time, and when the text changed meanwhile the next search uses the
// newest text, so results that are no longer wanted never show.
type searchPage struct {
	u     *UI
	query string // kept when the page is left for a form and shown again

	entry  *keyEntry
	status *widget.Label
	list   *keyList
	rows   *searchRows

	seq     int  // bumped on every change of the text
	running bool // a search is under way

	// find searches the vault; tests replace it (nil: findAll).
	find func(v *vault.Vault, query string) (found, error)
}

// found is what a search found: records, then documents.
type found struct {
	recs []vault.Record
	docs []vault.Document
}

// findAll searches the records (Vault.Search) and the documents' names
// (Vault.SearchDocuments).
func findAll(v *vault.Vault, query string) (found, error) {
	recs, err := v.Search(query)
	if err != nil {
		return found{}, err
	}
	docs, err := v.SearchDocuments(query)
	return found{recs, docs}, err
}

// searchRows are the rows of the results: the records (each made when it
// first scrolls into view), then the documents.
type searchRows struct {
	records *lazyRows
	docs    []vault.Document
	lang    string
}

func (r *searchRows) len() int {
	if r == nil {
		return 0
	}
	return r.records.len() + len(r.docs)
}

func (r *searchRows) row(i int) recordRow {
	if n := r.records.len(); i >= n {
		d := r.docs[i-n]
		return recordRow{id: d.ID, title: d.Name, detail: strings.Join([]string{lang.L("app.bin.document"),
			formatSize(d.Size, r.lang), t("app.documents.added_on", map[string]any{"Date": formatDate(d.Added.Time())})}, "  ·  ")}
	}
	return r.records.row(i)
}

// document is the document of row i, if it is one.
func (r *searchRows) document(i int) (vault.Document, bool) {
	if n := r.records.len(); i >= n && i-n < len(r.docs) {
		return r.docs[i-n], true
	}
	return vault.Document{}, false
}

func newSearchPage(u *UI) page { return &searchPage{u: u} }

func (p *searchPage) content() fyne.CanvasObject {
	u := p.u
	p.entry = newKeyEntry()
	p.entry.SetPlaceHolder(lang.L("app.search.hint"))
	p.entry.SetText(p.query)
	p.entry.OnChanged = p.onChanged
	p.entry.OnSubmitted = func(string) { p.openFirst() }
	p.status = paragraph("")
	p.rows = nil
	p.list = newRecordList(func() rowSource { return p.rows }, p.open)
	p.list.OnSelected = p.open
	p.running = false
	top := container.NewVBox(titleLabel(lang.L("app.search.title")), p.entry, p.status)
	p.search()
	return u.focusWhenShown(container.NewBorder(top, nil, nil, nil, p.list), p.entry)
}

func (p *searchPage) onChanged(text string) {
	p.u.touch()
	p.query = text
	p.seq++
	if !p.running {
		p.search()
	}
}

// search looks for the current text. Only the answer to the newest text
// is shown.
func (p *searchPage) search() {
	u := p.u
	q := strings.TrimSpace(p.query)
	if q == "" {
		p.show(found{})
		return
	}
	v := u.vault()
	if v == nil {
		return
	}
	seq := p.seq
	p.running = true
	find := p.find
	if find == nil {
		find = findAll
	}
	runQuiet(u, func() (found, error) { return find(v, q) }, func(res found, err error) {
		p.running = false
		if seq != p.seq {
			p.search() // typed on meanwhile: this answer is stale
			return
		}
		if err != nil {
			u.showError(err)
			return
		}
		p.show(res)
	})
}

func (p *searchPage) show(res found) {
	p.rows = &searchRows{records: newLazyRows(p.u, res.recs, true), docs: res.docs, lang: p.u.lang}
	n := p.rows.len()
	p.list.UnselectAll()
	p.list.focusRow(0) // new results: the keyboard starts at the first
	p.list.ScrollToOffset(0)
	p.list.Refresh()
	switch {
	case strings.TrimSpace(p.query) == "":
		p.status.SetText(lang.L("app.search.intro"))
	case n == 0:
		p.status.SetText(t("app.search.none", map[string]any{"Query": p.query}))
	default:
		p.status.SetText(tn("app.search.found", n, nil))
	}
}

// open opens result i: a record's form, or the documents page with the
// document chosen.
func (p *searchPage) open(i widget.ListItemID) {
	if i < 0 || i >= p.rows.len() {
		return
	}
	p.u.touch()
	if d, ok := p.rows.document(i); ok {
		p.u.showDocument(d.ID)
		return
	}
	p.u.openRecord(p.rows.records.recs[i].ID, p, "search")
}

// openFirst is Enter in the search box: open the first result.
func (p *searchPage) openFirst() {
	if p.rows.len() > 0 {
		p.open(0)
	}
}

// categoryOf is the category of a record from the schema (nil when this
// version does not know it).
func categoryOf(r *vault.Record) *schema.Category {
	c, _ := schema.Lookup(r.Category)
	return c
}
