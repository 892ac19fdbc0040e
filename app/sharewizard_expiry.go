package app

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"kluis/internal/i18n"
	"kluis/sync/schema"
)

// Expiry choices, in days; 0 is "a date I choose".
var expiryDays = []int{7, 14, 30, 0}

const defaultExpiryDays = 14

// expiryStep is the wizard's third step: until when? A number of days, or
// a date of the citizen's choosing.
type expiryStep struct {
	w         *shareWizard
	radio     *widget.RadioGroup
	dateEntry *keyEntry
	text      *widget.Label // until when, or what is wrong with the date
}

func (s *expiryStep) content() fyne.CanvasObject {
	w := s.w
	var options []string
	for _, d := range expiryDays {
		options = append(options, expiryOption(d))
	}
	s.dateEntry = newSubmitEntry(w.onNext)
	s.dateEntry.SetPlaceHolder(lang.L("app.wizard.date_placeholder"))
	if !w.date.IsZero() {
		s.dateEntry.SetText(w.date.Format("2-1-2006"))
	}
	s.dateEntry.OnChanged = func(string) { w.u.touch(); s.showExpiry() }
	s.text = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	s.radio = widget.NewRadioGroup(options, s.onChosen)
	s.radio.Required = true
	s.radio.SetSelected(expiryOption(w.days))
	s.showExpiry()
	col := container.NewVBox(
		paragraph(lang.L("app.wizard.expiry_intro")),
		s.radio,
		&widget.Label{Text: lang.L("app.wizard.date_label"), TextStyle: fyne.TextStyle{Bold: true}},
		s.dateEntry,
		widget.NewSeparator(),
		s.text,
		paragraph(lang.L("app.wizard.expiry_note")),
	)
	w.focusFirst = w.next
	return container.NewVScroll(container.New(&formColumn{width: 640}, col))
}

func (s *expiryStep) done() string {
	if _, err := s.notAfter(); err != nil {
		return err.Error()
	}
	return ""
}

func (s *expiryStep) onChosen(o string) {
	s.w.u.touch()
	for _, d := range expiryDays {
		if expiryOption(d) == o {
			s.w.days = d
		}
	}
	s.showExpiry()
}

func expiryOption(days int) string {
	if days == 0 {
		return lang.L("app.wizard.expiry_date")
	}
	return tn("app.wizard.expiry_days", days, nil)
}

// showExpiry says until when the share is valid, or what is wrong with
// the date.
func (s *expiryStep) showExpiry() {
	if s.text == nil || s.dateEntry == nil {
		return
	}
	if s.w.days == 0 {
		s.dateEntry.Enable()
	} else {
		s.dateEntry.Disable()
	}
	end, err := s.notAfter()
	if err != nil {
		s.text.SetText(err.Error())
		return
	}
	s.text.SetText(t("app.wizard.valid_until", map[string]any{"Date": formatUntil(end)}))
}

// notAfter is the chosen expiry: now plus the days, or the end of the
// chosen date.
func (s *expiryStep) notAfter() (time.Time, error) {
	w := s.w
	now := w.u.deps.Now()
	if w.days > 0 {
		return now.Add(time.Duration(w.days) * 24 * time.Hour), nil
	}
	text := ""
	if s.dateEntry != nil {
		text = strings.TrimSpace(s.dateEntry.Text)
	}
	if text == "" {
		return time.Time{}, errors.New(lang.L("app.wizard.date_missing"))
	}
	iso, err := schema.NormalizeDate(text)
	if err != nil || len(iso) != len("2006-01-02") {
		return time.Time{}, errors.New(lang.L("app.wizard.date_bad"))
	}
	d, err := time.ParseInLocation(time.DateOnly, iso, time.Local)
	if err != nil {
		return time.Time{}, errors.New(lang.L("app.wizard.date_bad"))
	}
	end := i18n.EndOfDay(d, time.Local)
	switch {
	case !end.After(now):
		return time.Time{}, errors.New(lang.L("app.wizard.date_past"))
	case end.Sub(now) > 2*365*24*time.Hour:
		return time.Time{}, errors.New(lang.L("app.wizard.date_far"))
	}
	w.date = d
	return end, nil
}
