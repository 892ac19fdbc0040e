package app

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/bundle"
)

// compressBelow: a share whose documents are this small may fit in a link
// or QR code, so it is compressed.
const compressBelow = 4 << 10

// checkStep is the wizard's last question: check and share. It sums up
// the draft and the choices; "Deling maken" signs that draft.
type checkStep struct {
	w   *shareWizard
	end time.Time // the expiry shown, which is the one signed
}

func (s *checkStep) content() fyne.CanvasObject {
	w, u := s.w, s.w.u
	s.end, _ = w.until.notAfter()
	end := s.end
	p := w.preview
	col := container.NewVBox(paragraph(lang.L("app.wizard.check_intro")))
	row := func(label, value string) {
		col.Add(container.New(tightRows{}, &widget.Label{Text: label, TextStyle: fyne.TextStyle{Bold: true}}, paragraph(value)))
	}
	row(lang.L("app.wizard.check_to"), w.recipientName())
	seen := map[string]bool{}
	for _, r := range p.Records {
		seen[r.Category] = true
	}
	var cats []string
	for _, c := range categoriesOf(seen) {
		cats = append(cats, u.cat.Category(c))
	}
	row(lang.L("app.wizard.check_what"), t("app.shares.what", map[string]any{"Categories": strings.Join(cats, ", "),
		"Records":   tn("app.shares.records", len(p.Records), nil),
		"Documents": tn("app.shares.documents", len(p.Documents), nil)}))
	row(lang.L("app.wizard.check_until"), formatUntil(end))
	row(lang.L("app.wizard.check_purpose"), w.purpose)
	if w.caseRef != "" {
		row(lang.L("app.wizard.check_case"), w.caseRef)
	}
	col.Add(widget.NewSeparator())
	col.Add(paragraph(lang.L("app.wizard.check_note")))
	w.focusFirst = w.next
	return container.NewVScroll(container.New(&formColumn{width: 640}, col))
}

func (s *checkStep) done() string { return "" }

// create signs the draft the preview showed, with the expiry this step
// showed, into a temporary file, with progress and Stop; nothing is read
// from the vault again but the documents' content, which must be what the
// draft collected.
func (s *checkStep) create() {
	w, u := s.w, s.w.u
	if u.vault() == nil || w.draft == nil {
		return
	}
	if !s.end.After(u.deps.Now()) {
		w.say(lang.L("app.wizard.date_past"))
		return
	}
	d := w.draft
	d.Request = share.Request{To: w.card, Created: u.deps.Now(), NotAfter: s.end,
		Purpose: w.purpose, CaseReference: w.caseRef, Compress: w.preview.Size() <= compressBelow}
	if w.useCode || w.card == nil {
		d.To, d.Code = nil, bundle.NewShareCode()
	}
	var made signedFile
	var inbox *bundle.Card // the card, when it names a desk to send to
	v, card := u.vault(), d.To
	u.run(lang.L("app.wizard.creating"), true, func(ctx context.Context, progress Progress) error {
		var err error
		made, err = signToTempFile("kluis-deling-*.kluis", progress, func(w io.Writer, flush func() error, p share.Progress) (share.Result, error) {
			d.Flush = flush
			return d.Sign(ctx, w, p)
		})
		if err == nil && card != nil {
			inbox, err = inboxCard(v, card.Fingerprint(), card)
		}
		return err
	}, func(err error) {
		switch {
		case made.res.Manifest != nil:
			// Made and recorded; a failure after that only loses the link.
		case isCanceled(err) || errors.Is(err, context.Canceled):
			u.showStopped()
			return
		case err != nil:
			u.showError(err)
			return
		}
		m := w.made
		m.result, m.tempPath, m.data = &made.res, made.path, made.data
		if inbox != nil {
			m.direct = &directSend{u: u, card: inbox, shareID: made.res.Info.ID, kind: "deling",
				bundle: func() string { return m.tempPath },
				kept:   func(path string) { m.saved = path },
				onDone: w.show}
		}
		w.show()
	})
}
