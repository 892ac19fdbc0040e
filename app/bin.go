package app

import (
	"cmp"
	"context"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/hlc"
)

// binPage is the recycle bin: the records and documents that were
// deleted, most recent first, each with a button to bring it back and one
// to delete it for good; a button above empties the whole bin. Deleting
// for good asks first, saying that it cannot be undone.
type binPage struct {
	u        *UI
	items    []binItem
	list     *keyList
	empty    *widget.Label
	status   *widget.Label
	emptyBin *widget.Button
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
	p.emptyBin = &widget.Button{Text: lang.L("app.bin.empty_bin"), Icon: theme.DeleteIcon(), OnTapped: p.onEmpty}
	p.emptyBin.Disable()
	p.list = newKeyList(func() int { return len(p.items) },
		func() fyne.CanvasObject {
			restore := &widget.Button{Text: lang.L("app.bin.restore"), Icon: theme.ContentUndoIcon()}
			purge := &widget.Button{Text: lang.L("app.bin.purge"), Icon: theme.DeleteIcon()}
			return container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()),
				container.NewCenter(container.NewHBox(restore, purge)), newRowView())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(p.items) {
				return
			}
			it := p.items[i]
			for _, obj := range o.(*fyne.Container).Objects {
				switch x := obj.(type) {
				case *rowView:
					x.set(it.title, it.detail)
				case *widget.Icon:
					if it.document {
						x.SetResource(theme.FileIcon())
					} else {
						x.SetResource(theme.FolderIcon())
					}
				case *fyne.Container: // the centred buttons
					buttons := x.Objects[0].(*fyne.Container).Objects
					buttons[0].(*widget.Button).OnTapped = func() { p.onRestore(it) }
					buttons[1].(*widget.Button).OnTapped = func() { p.onPurge(it) }
				}
			}
		})
	// A row's first action is its first button: Enter and Space on the row
	// press it, so the keyboard need not find the button of the row it
	// chose. Delete on the row is the second button.
	p.list.OnActivated = func(i widget.ListItemID) {
		if i < len(p.items) {
			p.onRestore(p.items[i])
		}
	}
	p.list.OnDelete = func(i widget.ListItemID) {
		if i < len(p.items) {
			p.onPurge(p.items[i])
		}
	}
	top := container.NewVBox(titleLabel(lang.L("app.bin.title")), paragraph(lang.L("app.bin.intro")),
		container.NewHBox(p.emptyBin), p.status)
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
			p.emptyBin.Disable()
		} else {
			p.empty.Hide()
			p.list.Show()
			p.emptyBin.Enable()
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

// onPurge deletes one item in the bin for good, after asking.
func (p *binPage) onPurge(it binItem) {
	if !p.u.mayChange() {
		return
	}
	u := p.u
	u.touch()
	v := u.vault()
	if v == nil {
		return
	}
	u.confirm(lang.L("app.bin.purge_title"), t("app.bin.purge_question", map[string]any{"Title": it.title}), func() {
		runQuiet(u, func() (struct{}, error) {
			if it.document {
				return struct{}{}, v.PurgeDocument(it.id)
			}
			return struct{}{}, v.Purge(it.id)
		}, func(_ struct{}, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			p.status.SetText(t("app.bin.purged", map[string]any{"Title": it.title}))
			p.status.Show()
			p.load()
		})
	})
}

// onEmpty deletes everything in the bin for good, after asking.
func (p *binPage) onEmpty() {
	if !p.u.mayChange() || len(p.items) == 0 {
		return
	}
	u := p.u
	u.touch()
	v := u.vault()
	if v == nil {
		return
	}
	u.confirm(lang.L("app.bin.empty_title"), tn("app.bin.empty_question", len(p.items), nil), func() {
		u.run(lang.L("app.bin.emptying"), false, func(context.Context, Progress) error {
			_, _, err := v.EmptyBin()
			return err
		}, func(err error) {
			if err != nil {
				u.showError(err)
				return
			}
			p.status.SetText(lang.L("app.bin.emptied"))
			p.status.Show()
			p.load()
		})
	})
}
