package app

import (
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/assets"
	"kluis/citizen/share"
	"kluis/sync/bundle"
)

// recipientStep is the wizard's first step: with whom? A remembered or
// loaded organisation card (name and fingerprint to check), or a share
// code.
type recipientStep struct {
	w        *shareWizard
	radio    *widget.RadioGroup
	cardInfo *fyne.Container
}

func (s *recipientStep) content() fyne.CanvasObject {
	w := s.w
	var options []string
	for _, c := range w.cards {
		options = append(options, s.cardLabel(c))
	}
	options = append(options, s.codeOption())
	s.cardInfo = container.NewVBox()
	s.radio = widget.NewRadioGroup(options, s.onChosen)
	switch {
	case w.useCode:
		s.radio.SetSelected(s.codeOption())
	case w.card != nil:
		s.radio.SetSelected(s.cardLabel(w.card))
	}
	s.showCardInfo()
	load := &widget.Button{Text: lang.L("app.wizard.load_card"), Icon: theme.FolderOpenIcon(), OnTapped: s.onLoadCard}
	col := container.NewVBox(
		paragraph(lang.L("app.wizard.recipient_intro")),
		s.radio,
		container.NewHBox(load),
		widget.NewSeparator(),
		s.cardInfo,
	)
	w.focusFirst = w.next
	return container.NewVScroll(container.New(&formColumn{width: 680}, col))
}

func (s *recipientStep) done() string {
	if s.w.card == nil && !s.w.useCode {
		return lang.L("app.wizard.recipient_missing")
	}
	return ""
}

func (s *recipientStep) codeOption() string { return lang.L("app.wizard.recipient_code") }

func (s *recipientStep) onChosen(o string) {
	w := s.w
	w.u.touch()
	w.card, w.useCode = nil, o == s.codeOption()
	for _, c := range w.cards {
		if s.cardLabel(c) == o {
			w.card = c
		}
	}
	s.showCardInfo()
}

// loadCards offers the remembered cards; the demo vault also offers the
// demo municipality's card. A real vault never offers the demo card, even
// if it was remembered once: a share to it reaches no one.
func (s *recipientStep) loadCards() {
	w, u := s.w, s.w.u
	v := u.vault()
	if v == nil {
		return
	}
	demoSession := u.session != nil && u.session.demo
	runQuiet(u, func() ([]share.KnownCard, error) { return share.Cards(v) }, func(known []share.KnownCard, err error) {
		if err != nil {
			u.showError(err)
		}
		w.cards = w.cards[:0]
		for _, k := range known {
			if demoSession || !isDemoCard(k.Card) {
				w.cards = append(w.cards, k.Card)
			}
		}
		if demo, err := bundle.ParseCard(assets.DemoCard); demoSession && err == nil &&
			!slices.ContainsFunc(w.cards, isDemoCard) {
			w.cards = append(w.cards, demo)
		}
		if w.card != nil && !demoSession && isDemoCard(w.card) {
			w.card = nil
		}
		if w.card == nil && !w.useCode && len(w.cards) > 0 {
			w.card = w.cards[0]
		}
		if w.step == stepRecipient && w.body != nil {
			w.show()
		}
	})
}

// errDemoCard refuses the demo municipality's card in a real vault.
var errDemoCard = errors.New("the demo card is only for the demo vault")

// isDemoCard reports whether c is the demo municipality's card.
func isDemoCard(c *bundle.Card) bool {
	demo, err := bundle.ParseCard(assets.DemoCard)
	return err == nil && c != nil && c.Fingerprint() == demo.Fingerprint()
}

// cardLabel is the radio option of a card: its name, with the short
// fingerprint when two cards share a name.
func (s *recipientStep) cardLabel(c *bundle.Card) string {
	n := 0
	for _, o := range s.w.cards {
		if o.Org == c.Org {
			n++
		}
	}
	if n > 1 {
		return c.Org + " (" + bundle.ShortFingerprint(c.Fingerprint()) + ")"
	}
	return c.Org
}

// showCardInfo shows the chosen card's name and fingerprint to check, or
// what a share code means.
func (s *recipientStep) showCardInfo() {
	if s.cardInfo == nil {
		return
	}
	info := s.cardInfo
	info.RemoveAll()
	switch {
	case s.w.useCode:
		info.Add(&widget.Label{Text: lang.L("app.wizard.code_title"), TextStyle: fyne.TextStyle{Bold: true}})
		info.Add(paragraph(lang.L("app.wizard.code_intro")))
	case s.w.card != nil:
		c := s.w.card
		info.Add(&widget.Label{Text: lang.L("app.wizard.card_check"), TextStyle: fyne.TextStyle{Bold: true}})
		info.Add(paragraph(t("app.wizard.card_name", map[string]any{"Org": c.Org})))
		if c.OIN != "" {
			info.Add(paragraph(t("app.wizard.card_oin", map[string]any{"OIN": c.OIN})))
		}
		info.Add(widget.NewLabel(lang.L("app.wizard.card_fingerprint")))
		info.Add(&widget.Label{Text: bundle.ShortFingerprint(c.Fingerprint()), SizeName: theme.SizeNameSubHeadingText,
			TextStyle: fyne.TextStyle{Monospace: true, Bold: true}, Selectable: true})
		info.Add(paragraph(lang.L("app.wizard.card_fingerprint_hint")))
	}
	info.Refresh()
}

func (s *recipientStep) onLoadCard() {
	u := s.w.u
	u.touch()
	u.pickFile(lang.L("app.wizard.card_choose"), s.loadCardFile)
}

// loadCardFile reads a card, remembers it in the vault and chooses it.
func (s *recipientStep) loadCardFile(path string) {
	w, u := s.w, s.w.u
	v := u.vault()
	if v == nil {
		return
	}
	demoSession := u.session != nil && u.session.demo
	runQuiet(u, func() (*bundle.Card, error) {
		b, err := readSmallFile(path)
		if err != nil {
			return nil, err
		}
		if c, err := bundle.ParseCard(b); err == nil && !demoSession && isDemoCard(c) {
			return nil, errDemoCard
		}
		return share.RememberCard(v, b)
	}, func(c *bundle.Card, err error) {
		var be *bundle.Error
		switch {
		case errors.Is(err, errDemoCard):
			u.inform(lang.L("app.error.title"), lang.L("app.wizard.card_demo"))
			return
		case errors.As(err, &be), errors.Is(err, errFileTooLarge):
			u.inform(lang.L("app.error.title"), lang.L("app.wizard.card_bad"))
			return
		case err != nil:
			u.showError(err)
			return
		}
		w.card, w.useCode = c, false
		s.loadCards()
	})
}
