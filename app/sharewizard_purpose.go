package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// purposeStep is the wizard's fourth step: for what? The purpose (with the
// card's own purposes as buttons) and the organisation's case reference.
type purposeStep struct {
	w        *shareWizard
	purposeE *keyEntry
	caseE    *keyEntry
}

func (s *purposeStep) content() fyne.CanvasObject {
	w := s.w
	s.purposeE = newSubmitEntry(func() { w.u.window.Canvas().Focus(s.caseE) })
	s.purposeE.SetText(w.purpose)
	s.caseE = newSubmitEntry(w.onNext)
	s.caseE.SetText(w.caseRef)
	col := container.NewVBox(
		&widget.Label{Text: lang.L("app.wizard.purpose_label"), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		paragraph(lang.L("app.wizard.purpose_examples")),
		s.purposeE,
	)
	if w.card != nil && len(w.card.Purposes) > 0 {
		// A card can name many purposes: they wrap in a narrow window.
		row := flowRow(widget.NewLabel(lang.L("app.wizard.purpose_card")))
		for _, p := range w.card.Purposes {
			row.Add(&widget.Button{Text: p, OnTapped: func() { s.purposeE.SetText(p); w.u.window.Canvas().Focus(s.purposeE) }})
		}
		col.Add(row)
	}
	col.Add(widget.NewSeparator())
	col.Add(&widget.Label{Text: lang.L("app.wizard.case_label"), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	col.Add(paragraph(lang.L("app.wizard.case_hint")))
	col.Add(s.caseE)
	w.focusFirst = s.purposeE
	return container.NewVScroll(container.New(&formColumn{width: 640}, col))
}

// done takes the purpose and case reference as typed, and says what is
// wrong with them.
func (s *purposeStep) done() string {
	w := s.w
	w.purpose = strings.TrimSpace(s.purposeE.Text)
	w.caseRef = strings.TrimSpace(s.caseE.Text)
	return checkPurpose(w.purpose, w.caseRef)
}
