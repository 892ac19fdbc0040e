package app

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Small widgets and helpers that several screens use.

// maxCheckRunes is the longest text of a checkbox: a long title or file
// name is cut, so that the page never gets wider than the window.
const maxCheckRunes = 44

func shortText(s string) string {
	if utf8.RuneCountInString(s) <= maxCheckRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxCheckRunes-1])) + "…"
}

// revealIn scrolls s so that o is in view.
func revealIn(s *container.Scroll, o fyne.CanvasObject) {
	if s == nil || s.Content == nil {
		return
	}
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s.Content).Y
	bottom := top + o.Size().Height
	view := s.Size().Height
	off := s.Offset.Y
	const margin = 40
	switch {
	case top-margin < off:
		off = max(0, top-margin)
	case bottom+margin > off+view:
		off = bottom + margin - view
	default:
		return
	}
	s.ScrollToOffset(fyne.NewPos(0, off))
}

// notice is a wrapped, bold text with an icon before it, for what a person
// should not miss (in the normal text colour, which reads better than a
// coloured one).
func notice(icon fyne.Resource, text string) fyne.CanvasObject {
	l := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	return container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(icon)), nil, l)
}

// widgetSpacer is an empty object of a fixed width, for indentation.
func widgetSpacer(width float32) fyne.CanvasObject {
	r := canvas.NewRectangle(nil)
	r.SetMinSize(fyne.NewSize(width, 1))
	return r
}
