package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"kluis/vault/schema"
)

// categoryPage lists one category's records. (Being built.)
type categoryPage struct {
	u   *UI
	cat *schema.Category
}

func newCategoryPage(u *UI, c *schema.Category) page { return &categoryPage{u: u, cat: c} }

func (p *categoryPage) content() fyne.CanvasObject {
	return widget.NewLabel(p.u.cat.Category(p.cat.ID))
}
