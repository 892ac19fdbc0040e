package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/schema"
)

// maxPreviewRecords is how many records the preview lists one by one.
const maxPreviewRecords = 200

// previewPane lists exactly what a share draft would carry out of the
// machine: every record with every field and its real value, and every
// document with its size.
type previewPane struct {
	u    *UI
	head *widget.Label
	box  *fyne.Container
}

func newPreviewPane(u *UI) *previewPane {
	return &previewPane{u: u, head: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		box: container.NewVBox()}
}

func (p *previewPane) content() fyne.CanvasObject {
	return atLeastWide(200, container.NewBorder(container.NewVBox(p.head, widget.NewSeparator()), nil, nil, nil, container.NewVScroll(p.box)))
}

// show lists pr, the preview of the draft for to.
func (p *previewPane) show(pr *share.Preview, to string) {
	u := p.u
	p.box.RemoveAll()
	if pr == nil || len(pr.Records) == 0 {
		p.head.SetText(lang.L("app.wizard.preview_nothing"))
		p.box.Refresh()
		return
	}
	p.head.SetText(t("app.wizard.preview_head", map[string]any{"To": to,
		"Records":   tn("app.shares.records", len(pr.Records), nil),
		"Documents": tn("app.shares.documents", len(pr.Documents), nil)}))
	for i, r := range pr.Records {
		if i == maxPreviewRecords {
			p.box.Add(paragraph(tn("app.wizard.preview_more", len(pr.Records)-i, nil)))
			break
		}
		title := r.Title
		if title == "" {
			title = lang.L("app.records.untitled")
		}
		p.box.Add(&widget.Label{Text: u.cat.Category(r.Category) + ": " + title, TextStyle: fyne.TextStyle{Bold: true},
			Wrapping: fyne.TextWrapWord})
		var lines []string
		for _, f := range r.Fields {
			lines = append(lines, labelled(u.cat.Field(r.Category, f.ID), previewValue(u, r.Category, f)))
		}
		p.box.Add(&widget.Label{Text: strings.Join(lines, "\n"), Wrapping: fyne.TextWrapWord})
	}
	if len(pr.Documents) > 0 {
		p.box.Add(&widget.Label{Text: lang.L("app.wizard.preview_documents"), TextStyle: fyne.TextStyle{Bold: true}})
		var lines []string
		for _, d := range pr.Documents {
			lines = append(lines, d.Name+"  ·  "+formatSize(d.Size, u.lang))
		}
		p.box.Add(&widget.Label{Text: strings.Join(lines, "\n"), Wrapping: fyne.TextWrapWord})
	}
	p.box.Refresh()
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
