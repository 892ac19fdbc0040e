package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/hlc"
	"kluis/sync/schema"
	"kluis/vault"
)

// historyPage shows every version of one record, newest first: when it was
// made, by whom and what changed. Choosing a version shows its fields;
// "Deze versie terugzetten" makes it the current one again, as a new
// version, so nothing is lost.
type historyPage struct {
	u    *UI
	cat  *schema.Category
	id   string
	back page   // what the record's form returns to
	nav  string // its navigation item

	versions []vault.Record // newest first
	rows     fixedRows
	list     *keyList
	detail   *fyne.Container
	revert   *widget.Button
	chosen   int
}

func newHistoryPage(u *UI, c *schema.Category, id string, back page, nav string) *historyPage {
	return &historyPage{u: u, cat: c, id: id, back: back, nav: nav, chosen: -1}
}

func (p *historyPage) content() fyne.CanvasObject {
	p.chosen = -1
	p.list = newRecordList(func() rowSource { return p.rows }, p.choose)
	p.list.OnSelected = p.choose
	p.list.OnEscape = p.onBack
	p.detail = container.NewVBox(paragraph(lang.L("app.history.choose")))
	p.revert = &widget.Button{Text: lang.L("app.history.revert"), Icon: theme.HistoryIcon(),
		Importance: widget.HighImportance, OnTapped: p.onRevert}
	p.revert.Disable()
	backBtn := newKeyButton(lang.L("app.history.back"), theme.NavigateBackIcon(), p.onBack)
	backBtn.onEscape = p.onBack
	top := container.NewVBox(titleLabel(lang.L("app.history.title")), paragraph(lang.L("app.history.intro")))
	split := container.NewHSplit(p.list, container.NewVScroll(container.New(&formColumn{width: 560}, p.detail)))
	split.Offset = 0.5
	bar := container.NewHBox(backBtn, layout.NewSpacer(), p.revert)
	p.load()
	return p.u.focusWhenShown(container.NewBorder(top, container.NewVBox(widget.NewSeparator(), bar), nil, nil, split), p.list)
}

func (p *historyPage) load() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	id := p.id
	runQuiet(u, func() ([]vault.Record, error) { return v.History(id) }, func(vs []vault.Record, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		me := v.Author()
		n := len(vs)
		p.versions = make([]vault.Record, n)
		p.rows = make(fixedRows, n)
		for i := range vs {
			var prev *vault.Record
			if i > 0 {
				prev = &vs[i-1]
			}
			// Newest first.
			p.versions[n-1-i] = vs[i]
			p.rows[n-1-i] = p.versionRow(&vs[i], prev, i == n-1, me)
		}
		p.list.Refresh()
		if n > 0 {
			p.list.Select(0)
		}
	})
}

// versionRow says which version r is, when it was made, what changed
// compared with prev and by whom.
func (p *historyPage) versionRow(r, prev *vault.Record, current bool, me vault.Author) recordRow {
	title := whenText(r.Modified)
	if current {
		title = t("app.history.now", map[string]any{"When": title})
	}
	var what string
	switch {
	case prev == nil:
		what = lang.L("app.history.created")
	case r.Deleted && !prev.Deleted:
		what = lang.L("app.history.deleted")
	case !r.Deleted && prev.Deleted:
		what = lang.L("app.history.restored")
	default:
		var names []string
		for i := range p.cat.Fields {
			f := &p.cat.Fields[i]
			if r.Fields[f.ID] != prev.Fields[f.ID] {
				names = append(names, p.u.cat.Field(p.cat.ID, f.ID))
			}
		}
		what = t("app.history.changed", map[string]any{"Fields": strings.Join(names, ", ")})
	}
	var who string
	switch {
	case r.Author.Device == me.Device:
		who = lang.L("app.history.by_me")
	case r.Author.Person != "":
		who = t("app.history.by_person", map[string]any{"Person": personLabel(r.Author.Person)})
	default:
		who = lang.L("app.history.by_other")
	}
	return recordRow{id: r.ID, title: title, detail: t("app.history.detail", map[string]any{"N": r.Version, "What": what, "Who": who})}
}

// whenText is a moment as people read it: "12-5-2025 om 14:03", local time.
func whenText(ts hlc.Timestamp) string {
	tm := ts.Time().Local()
	return t("app.history.when", map[string]any{"Date": tm.Format("2-1-2006"), "Time": tm.Format("15:04")})
}

// choose shows the fields of version i.
func (p *historyPage) choose(i widget.ListItemID) {
	p.u.touch()
	if i < 0 || i >= len(p.versions) {
		return
	}
	p.chosen = i
	r := &p.versions[i]
	objs := []fyne.CanvasObject{&widget.Label{Text: t("app.history.version", map[string]any{"N": r.Version, "When": whenText(r.Modified)}),
		TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}}
	if r.Deleted {
		objs = append(objs, paragraph(lang.L("app.history.was_deleted")))
	}
	for j := range p.cat.Fields {
		f := &p.cat.Fields[j]
		val := r.Fields[f.ID]
		if val == "" {
			continue
		}
		objs = append(objs, container.New(tightRows{},
			&widget.Label{Text: p.u.cat.Field(p.cat.ID, f.ID), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
			&widget.Label{Text: p.u.shownValue(p.cat, f, val), Wrapping: fyne.TextWrapWord}))
	}
	p.detail.Objects = objs
	p.detail.Refresh()
	if i == 0 {
		p.revert.Disable()
	} else {
		p.revert.Enable()
	}
	if p.list != nil {
		p.list.Select(i)
	}
}

func (p *historyPage) onRevert() {
	if !p.u.mayChange() {
		return
	}
	u := p.u
	u.touch()
	if p.chosen <= 0 || p.chosen >= len(p.versions) {
		return
	}
	version := p.versions[p.chosen].Version
	data := map[string]any{"N": version}
	u.confirm(lang.L("app.history.revert_title"), t("app.history.revert_text", data), func() {
		v := u.vault()
		if v == nil {
			return
		}
		runQuiet(u, func() (vault.Record, error) { return v.Revert(p.id, version) }, func(r vault.Record, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			u.shell.open(newRecordForm(u, p.cat, &r, p.back, p.nav))
		})
	})
}

func (p *historyPage) onBack() {
	p.u.touch()
	p.u.openRecord(p.id, p.back, p.nav)
}
