package app

import (
	"cmp"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/hlc"
)

// binPage is the recycle bin: the records and documents that were
// deleted, most recent first, each with a button to bring it back.
type binPage struct {
	u      *UI
	items  []binItem
	list   *keyList
	empty  *widget.Label
	status *widget.Label
}

// binItem is one deleted record or document.
type binItem struct {
	id       string
	document bool
	title    string
	detail   string
	when     hlc.Timestamp
}

func newBinPage(u *UI) page { return &binPage{u: u} }

func (p *binPage) content() fyne.CanvasObject {
	p.empty = paragraph(lang.L("app.bin.empty"))
	p.empty.Hide()
	p.status = &widget.Label{Importance: widget.SuccessImportance, Wrapping: fyne.TextWrapWord}
	p.status.Hide()
	p.list = newKeyList(func() int { return len(p.items) },
		func() fyne.CanvasObject {
			restore := &widget.Button{Text: lang.L("app.bin.restore"), Icon: theme.ContentUndoIcon()}
			return container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), container.NewCenter(restore), newRowView())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(p.items) {
				return
			}
			it := p.items[i]
			row := o.(*fyne.Container)
			for _, obj := range row.Objects {
				if c, ok := obj.(*fyne.Container); ok {
					obj = c.Objects[0] // the centred button
				}
				switch x := obj.(type) {
				case *rowView:
					x.set(it.title, it.detail)
				case *widget.Icon:
					if it.document {
						x.SetResource(theme.FileIcon())
					} else {
						x.SetResource(theme.FolderIcon())
					}
				case *widget.Button:
					x.OnTapped = func() { p.onRestore(it) }
				}
			}
		})
	// A row's one action is its button: Enter and Space on the row press
	// it, so the keyboard need not find the button of the row it chose.
	p.list.OnActivated = func(i widget.ListItemID) {
		if i < len(p.items) {
			p.onRestore(p.items[i])
		}
	}
	top := container.NewVBox(titleLabel(lang.L("app.bin.title")), paragraph(lang.L("app.bin.intro")), p.status)
	p.load()
	return container.NewBorder(top, nil, nil, nil, container.NewStack(p.list, container.NewVBox(p.empty)))
}

func (p *binPage) load() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() ([]binItem, error) {
		recs, err := v.RecycleBin()
		if err != nil {
			return nil, err
		}
		docs, err := v.Documents(true)
		if err != nil {
			return nil, err
		}
		items := make([]binItem, 0, len(recs)+len(docs))
		for i := range recs {
			r := &recs[i]
			title := lang.L("app.records.untitled")
			if c := categoryOf(r); c != nil {
				if s := c.TitleOf(r.Fields); s != "" {
					title = s
				}
			}
			items = append(items, binItem{id: r.ID, title: title, when: r.Modified,
				detail: t("app.bin.detail", map[string]any{"Kind": u.cat.Category(r.Category), "When": whenText(r.Modified)})})
		}
		for _, d := range docs {
			if !d.Deleted {
				continue
			}
			items = append(items, binItem{id: d.ID, document: true, title: d.Name, when: d.Modified,
				detail: t("app.bin.detail", map[string]any{"Kind": lang.L("app.bin.document"), "When": whenText(d.Modified)})})
		}
		slices.SortStableFunc(items, func(a, b binItem) int { return cmp.Compare(b.when, a.when) })
		return items, nil
	}, func(items []binItem, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.items = items
		p.list.Refresh()
		if len(items) == 0 {
			p.empty.Show()
			p.list.Hide()
		} else {
			p.empty.Hide()
			p.list.Show()
		}
	})
}

func (p *binPage) onRestore(it binItem) {
	if !p.u.mayChange() {
		return
	}
	u := p.u
	u.touch()
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (struct{}, error) {
		if it.document {
			return struct{}{}, v.RestoreDocument(it.id)
		}
		return struct{}{}, v.Restore(it.id)
	}, func(_ struct{}, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.status.SetText(t("app.bin.restored", map[string]any{"Title": it.title}))
		p.status.Show()
		u.shell.refreshCounts()
		p.load()
	})
}
