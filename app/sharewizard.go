package app

import (
	"fmt"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/internal/safetext"
	"kluis/sync/bundle"
)

// Wizard steps, in order.
const (
	stepRecipient = iota
	stepScope
	stepExpiry
	stepPurpose
	stepResult
	stepCount
)

// shareWizard makes a share in five steps, one question per screen:
// recipient, scope (with a live preview of exactly what leaves), expiry,
// purpose, and the result (save the file, copy the link, show the QR
// code and the share code). Each step is a small struct holding its own
// widgets (sharewizard_*.go); what they share is shareChoices, whose
// draft is what the preview shows and the last step signs.
type shareWizard struct {
	u    *UI
	step int
	shareChoices

	// The steps.
	to    *recipientStep
	what  *scopeStep
	until *expiryStep
	why   *purposeStep
	check *checkStep
	made  *madeStep

	// The frame around the steps.
	stepLabel  *widget.Label
	body       *fyne.Container
	back, next *widget.Button
	stop       *widget.Button
	message    *widget.Label
	focusFirst fyne.Focusable
}

// shareChoices is what the steps share: the choices so far, and the share
// draft (package citizen/share) that the preview shows and "Deling maken"
// signs as it is: a screen shows the same object it commits.
type shareChoices struct {
	cards   []*bundle.Card // offered, remembered cards first, the demo card last
	card    *bundle.Card   // the chosen card; nil with useCode
	useCode bool
	days    int       // 0: until date
	date    time.Time // the chosen date, when days is 0
	purpose string
	caseRef string
	draft   *share.Draft   // nil while nothing is chosen
	preview *share.Preview // the draft's preview
}

// A wizardStep is one screen of the wizard.
type wizardStep interface {
	// content builds the step's widgets.
	content() fyne.CanvasObject
	// done says what is missing or wrong before Next, or "".
	done() string
}

func newShareWizard(u *UI) *shareWizard {
	w := &shareWizard{u: u, shareChoices: shareChoices{days: defaultExpiryDays}}
	w.to = &recipientStep{w: w}
	w.what = newScopeStep(w)
	w.until = &expiryStep{w: w}
	w.why = &purposeStep{w: w}
	w.check = &checkStep{w: w}
	w.made = &madeStep{w: w}
	return w
}

// current is the step on screen: the result once the share is made.
func (w *shareWizard) current() wizardStep {
	switch w.step {
	case stepRecipient:
		return w.to
	case stepScope:
		return w.what
	case stepExpiry:
		return w.until
	case stepPurpose:
		return w.why
	}
	if w.made.result != nil {
		return w.made
	}
	return w.check
}

func (w *shareWizard) content() fyne.CanvasObject {
	u := w.u
	w.stepLabel = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	w.body = container.NewStack()
	w.message = &widget.Label{Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	w.message.Hide()
	w.back = &widget.Button{Text: lang.L("app.wizard.back"), Icon: theme.NavigateBackIcon(), OnTapped: w.onBack}
	w.next = &widget.Button{Text: lang.L("app.wizard.next"), Icon: theme.NavigateNextIcon(), IconPlacement: widget.ButtonIconTrailingText,
		Importance: widget.HighImportance, OnTapped: w.onNext}
	w.stop = &widget.Button{Text: lang.L("app.wizard.stop"), OnTapped: w.onStop}
	top := container.NewVBox(titleLabel(lang.L("app.wizard.title")), w.stepLabel)
	bar := container.NewHBox(w.back, w.next, layout.NewSpacer(), w.stop)
	bottom := container.NewVBox(w.message, widget.NewSeparator(), bar)
	w.to.loadCards()
	w.show()
	return u.focusWhenShown(container.NewBorder(top, bottom, nil, nil, w.body), w.next)
}

// show builds the current step.
func (w *shareWizard) show() {
	w.message.Hide()
	w.stepLabel.SetText(t("app.wizard.step", map[string]any{"N": w.step + 1, "Total": stepCount,
		"Question": lang.L(fmt.Sprintf("app.wizard.step%d", w.step+1))}))
	w.focusFirst = nil
	w.body.Objects = []fyne.CanvasObject{w.current().content()}
	w.body.Refresh()
	w.updateButtons()
	if w.focusFirst != nil && w.u.window.Canvas().Content() != nil {
		w.u.focus(w.focusFirst)
	}
}

func (w *shareWizard) updateButtons() {
	made := w.made.result != nil
	if w.step == stepRecipient || made {
		w.back.Hide()
	} else {
		w.back.Show()
	}
	switch {
	case made:
		w.next.SetText(lang.L("app.wizard.finish"))
		w.next.SetIcon(theme.ConfirmIcon())
		w.stop.Hide()
	case w.step == stepResult:
		w.next.SetText(lang.L("app.wizard.create"))
		w.next.SetIcon(theme.MailSendIcon())
	default:
		w.next.SetText(lang.L("app.wizard.next"))
		w.next.SetIcon(theme.NavigateNextIcon())
	}
}

func (w *shareWizard) say(text string) {
	w.message.SetText(text)
	w.message.Show()
}

func (w *shareWizard) onBack() {
	w.u.touch()
	if w.step > 0 && w.made.result == nil {
		w.step--
		w.show()
	}
}

// onNext checks the step and moves on; on the last step it makes the
// share, and once made it finishes.
func (w *shareWizard) onNext() {
	w.u.touch()
	if msg := w.current().done(); msg != "" {
		w.say(msg)
		return
	}
	switch {
	case w.made.result != nil:
		w.finish()
	case w.step == stepResult:
		w.check.create()
	default:
		w.step++
		w.show()
	}
}

// onStop leaves the wizard for the overview; confirmLeave asks first when
// a made bundle was not saved yet.
func (w *shareWizard) onStop() {
	w.u.touch()
	w.u.shell.open(newSharesPage(w.u))
}

func (w *shareWizard) finish() {
	w.u.shell.open(newSharesPage(w.u))
}

func (w *shareWizard) recipientName() string {
	if w.useCode || w.card == nil {
		return lang.L("app.wizard.to_code")
	}
	return w.card.Org
}

// confirmLeave lets the wizard go, first asking when a made bundle was
// neither saved nor sent as a link.
func (w *shareWizard) confirmLeave(proceed func()) {
	m := w.made
	if m.left || m.result == nil || m.saved != "" {
		m.left = true
		m.cleanUp()
		proceed()
		return
	}
	w.u.confirm(lang.L("app.wizard.leave_title"), lang.L("app.wizard.leave_text"), func() {
		m.left = true
		m.cleanUp()
		proceed()
	})
}

// saveBeforeLock removes the temporary bundle when the vault locks by
// itself: the share stays in the overview.
func (w *shareWizard) saveBeforeLock(done func()) {
	w.made.left = true
	w.made.cleanUp()
	done()
}

// checkPurpose says what is wrong with a purpose or case reference, in
// the person's words, or "".
func checkPurpose(purpose, caseRef string) string {
	switch {
	case purpose == "":
		return lang.L("app.wizard.purpose_missing")
	case utf8.RuneCountInString(purpose) > 500 || !plainLine(purpose):
		return lang.L("app.wizard.purpose_bad")
	case utf8.RuneCountInString(caseRef) > 100 || !plainLine(caseRef):
		return lang.L("app.wizard.case_bad")
	}
	return ""
}

// plainLine reports whether s has no hidden character (package safetext),
// which a bundle refuses.
func plainLine(s string) bool {
	_, _, hidden := safetext.Find(s)
	return !hidden
}

// newSubmitEntry is a one-line entry where Enter runs onEnter.
func newSubmitEntry(onEnter func()) *keyEntry {
	e := newKeyEntry()
	e.OnSubmitted = func(string) { onEnter() }
	return e
}
