package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"
)

// Layouts that keep every screen usable in a small window (800×600 and
// up). In Fyne a window cannot be smaller than what its content needs, so
// nothing may need more than that: rows of buttons flow onto a next line
// instead of adding up their widths, long texts wrap, and the buttons that
// lead on stay in a bar at the bottom while what is above them scrolls.

// flowLayout puts its objects side by side at their own size and goes on
// on a next line when the next one does not fit, like words in a text.
// Its minimum width is that of its widest object; its height is what it
// needs at the width it was last given (one line before the first
// layout), so the screen around it grows when it wraps.
type flowLayout struct{ width float32 }

// flowRow is a row of buttons (or other small objects) that wraps.
func flowRow(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&flowLayout{}, objs...)
}

func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var widest float32
	for _, o := range objs {
		if o.Visible() {
			widest = max(widest, o.MinSize().Width)
		}
	}
	width := l.width
	if width <= 0 {
		width = 1 << 20 // not laid out yet: one line
	}
	_, height := l.lines(objs, width)
	return fyne.NewSize(widest, height)
}

func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	lines, _ := l.lines(objs, size.Width)
	pad := theme.Padding()
	var y float32
	for _, line := range lines {
		var x, h float32
		for _, o := range line {
			h = max(h, o.MinSize().Height)
		}
		for _, o := range line {
			m := o.MinSize()
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(min(m.Width, size.Width), h))
			x += m.Width + pad
		}
		y += h + pad
	}
}

// lines splits the visible objects into lines no wider than width, and
// says how high they are together.
func (l *flowLayout) lines(objs []fyne.CanvasObject, width float32) ([][]fyne.CanvasObject, float32) {
	pad := theme.Padding()
	var lines [][]fyne.CanvasObject
	var line []fyne.CanvasObject
	var x, height, lineHeight float32
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		if len(line) > 0 && x+pad+m.Width > width {
			lines = append(lines, line)
			height += lineHeight + pad
			line, x, lineHeight = nil, 0, 0
		}
		if len(line) > 0 {
			x += pad
		}
		line = append(line, o)
		x += m.Width
		lineHeight = max(lineHeight, m.Height)
	}
	if len(line) > 0 {
		lines = append(lines, line)
		height += lineHeight
	}
	return lines, height
}

// withBar shows content (as a rule a scroll) above a bar with the page's
// buttons, which stays at the bottom of the page whatever is above it: a
// long list of checkboxes or a QR code never pushes the way on out of
// the window.
func withBar(content fyne.CanvasObject, buttons ...fyne.CanvasObject) *fyne.Container {
	bar := container.NewVBox(widget.NewSeparator(), flowRow(buttons...))
	// Content first: Tab goes through the page before its buttons.
	return container.New(&barLayout{}, content, bar)
}

// barLayout puts objs[1] (the bar) at the bottom at its own height and
// gives objs[0] the rest.
type barLayout struct{}

func (barLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(a.Width, b.Width), a.Height+theme.Padding()+b.Height)
}

func (barLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	h := objs[1].MinSize().Height
	top := max(0, size.Height-h-theme.Padding())
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, top))
	objs[1].Move(fyne.NewPos(0, size.Height-h))
	objs[1].Resize(fyne.NewSize(size.Width, h))
}

// centredWithBar is the layout of the screens before the vault is open:
// objs[0] is a scroll with the screen's column, objs[1] the bar with its
// buttons right under it. Both stand together in the middle of the window
// when they fit; when the window is too low, the bar keeps to the bottom
// and the column scrolls above it.
type centredWithBar struct{}

func (centredWithBar) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(a.Width, b.Width), a.Height+theme.Padding()+b.Height)
}

func (centredWithBar) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	need := objs[0].MinSize().Height
	if s, ok := objs[0].(*container.Scroll); ok && s.Content != nil {
		need = s.Content.MinSize().Height
	}
	bar := objs[1].MinSize().Height
	if !objs[1].Visible() {
		bar = 0
	}
	pad := theme.Padding()
	top := (size.Height - need - pad - bar) / 2
	if top < 0 {
		top, need = 0, size.Height-pad-bar
	}
	objs[0].Move(fyne.NewPos(0, top))
	objs[0].Resize(fyne.NewSize(size.Width, need))
	objs[1].Move(fyne.NewPos(0, top+need+pad))
	objs[1].Resize(fyne.NewSize(size.Width, bar))
}

// qrCode is a QR code shown as large as fits: at most qrLargest, and
// never larger than the scroll it is in (view), so that once scrolled to
// it is on screen whole and can be scanned. Its modules are drawn as
// sharp squares, each the same whole number of units where there is room.
type qrCode struct {
	widget.BaseWidget
	img     *canvas.Image
	modules float32           // the code's width in modules, quiet zone included
	view    *container.Scroll // the scroll it is shown in, or nil
}

// qrLargest and qrSmallest bound a QR code's side on screen.
const (
	qrLargest  = 460
	qrSmallest = 160
)

// newQRCode is a QR code of text, or nil when it does not fit in one.
func newQRCode(text string) *qrCode {
	q, err := qrcode.New(text, qrcode.Low)
	if err != nil {
		return nil
	}
	pixels := q.Image(-1) // one pixel per module
	img := canvas.NewImageFromImage(pixels)
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	c := &qrCode{img: img, modules: float32(pixels.Bounds().Dx())}
	c.ExtendBaseWidget(c)
	return c
}

// side is the QR code's width and height: as large as the view allows.
func (c *qrCode) side() float32 {
	room := float32(qrLargest)
	if c.view != nil && c.view.Size().Height > 0 {
		pad := 2 * theme.Padding()
		room = min(room, c.view.Size().Height-pad, c.view.Size().Width-pad)
	}
	room = max(room, qrSmallest)
	if per := float32(int(room / c.modules)); per >= 1 {
		return per * c.modules
	}
	return room
}

func (c *qrCode) MinSize() fyne.Size { return fyne.NewSquareSize(c.side()) }

func (c *qrCode) CreateRenderer() fyne.WidgetRenderer {
	return &qrRenderer{c: c}
}

type qrRenderer struct{ c *qrCode }

func (r *qrRenderer) Layout(size fyne.Size) {
	side := min(size.Width, size.Height, r.c.side())
	r.c.img.Move(fyne.NewPos(0, 0))
	r.c.img.Resize(fyne.NewSquareSize(side))
}

func (r *qrRenderer) MinSize() fyne.Size           { return r.c.MinSize() }
func (r *qrRenderer) Refresh()                     { r.c.img.Refresh() }
func (r *qrRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.c.img} }
func (r *qrRenderer) Destroy()                     {}

// newNavRow is one item of the navigation: an icon and a text, with a
// little less room around them than a label beside an icon in a box, so
// that all the items are in view in a window 600 high.
func newNavRow(icon fyne.Resource, text string) *fyne.Container {
	t := canvas.NewText(text, theme.Color(theme.ColorNameForeground))
	return container.New(navRowLayout{}, widget.NewIcon(icon), t)
}

// navRowLayout places an icon and, a small gap to its right, a text with
// some room above and below it, both centred in the height.
//
// The room is the row's own, not a theme's: text under a theme override
// is measured and drawn with fonts Fyne loads again for that override
// (every text style's fonts, the emoji font among them: about 8 MB).
type navRowLayout struct{}

func (navRowLayout) room() (gap, inner float32) {
	// With the list's own separator (the theme's padding, 4) this gives
	// the 34-pixel pitch the rows had with a separator of 2 and 5 room.
	return 2, 4
}

func (l navRowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	gap, inner := l.room()
	icon, text := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(icon.Width+gap+2*inner+text.Width, max(icon.Height, text.Height+2*inner))
}

func (l navRowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	gap, inner := l.room()
	icon, text := objs[0].MinSize(), objs[1].MinSize()
	objs[0].Resize(icon)
	objs[0].Move(fyne.NewPos(0, (size.Height-icon.Height)/2))
	x := icon.Width + gap + inner
	objs[1].Resize(fyne.NewSize(max(0, size.Width-x-inner), text.Height))
	objs[1].Move(fyne.NewPos(x, (size.Height-text.Height)/2))
}

// atLeastWide gives o a minimum width: for a column of texts that wrap,
// which a split or a border could otherwise squeeze to a letter a line
// (then asking a height far beyond the screen).
func atLeastWide(width float32, o fyne.CanvasObject) *fyne.Container {
	return container.New(&minWidthLayout{width: width}, o)
}

type minWidthLayout struct{ width float32 }

func (l *minWidthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	return fyne.NewSize(max(m.Width, l.width), m.Height)
}

func (l *minWidthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}
