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

// searchPage finds records in every category as the person types. Each
// keystroke starts a search in the background; at most one runs at a
// time, and when the text changed meanwhile the next search uses the
// newest text, so results that are no longer wanted never show.
type searchPage struct {
	u     *UI
	query string // kept when the page is left for a form and shown again

	entry  *keyEntry
	status *widget.Label
	list   *keyList
	rows   *lazyRows

	seq     int  // bumped on every change of the text
	running bool // a search is under way

	// find searches the vault; tests replace it (nil: Vault.Search).
	find func(v *vault.Vault, query string) ([]vault.Record, error)
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
		p.show(nil, nil)
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
		find = (*vault.Vault).Search
	}
	runQuiet(u, func() ([]vault.Record, error) { return find(v, q) }, func(recs []vault.Record, err error) {
		p.running = false
		if seq != p.seq {
			p.search() // typed on meanwhile: this answer is stale
			return
		}
		if err != nil {
			u.showError(err)
			return
		}
		p.show(recs, nil)
	})
}

func (p *searchPage) show(recs []vault.Record, _ error) {
	p.rows = newLazyRows(p.u, recs, true)
	p.list.UnselectAll()
	p.list.focusRow(0) // new results: the keyboard starts at the first
	p.list.ScrollToOffset(0)
	p.list.Refresh()
	switch {
	case strings.TrimSpace(p.query) == "":
		p.status.SetText(lang.L("app.search.intro"))
	case len(recs) == 0:
		p.status.SetText(t("app.search.none", map[string]any{"Query": p.query}))
	case len(recs) == 1:
		p.status.SetText(lang.L("app.search.found_one"))
	default:
		p.status.SetText(t("app.search.found", map[string]any{"N": len(recs)}))
	}
}

func (p *searchPage) open(i widget.ListItemID) {
	if i < 0 || i >= p.rows.len() {
		return
	}
	p.u.touch()
	p.u.openRecord(p.rows.recs[i].ID, p, "search")
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
