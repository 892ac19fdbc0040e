package app

import (
	"fmt"
	"io"

	"kluis/citizen/donate"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/youth"
	"kluis/sync/index"
	"kluis/sync/request"
	"kluis/vault"
)

// donateScreen lets a person take part in a wijkonderzoek (an index): it
// shows exactly what would leave — a wijk and a few coarse answers, never
// a name, BSN, address or document — prefilled from the vault where the
// index says so; every answer can be changed or skipped, and nothing
// leaves until "Meedoen". It opens like a data request, from a file or a
// kluis:index link on the "Verzoeken en berichten" page.
type donateScreen struct {
	u      *UI
	o      *index.Opened
	draft  *donate.Draft
	wijk   *widget.Select
	pick   map[string]*widget.Select // question id → its answers
	youth  error                     // the youth rule's refusal, if any
	join   *widget.Button
	result *widget.Label
}

// skipChoice is the answer that leaves a question out.
func skipChoice() string { return lang.L("app.donate.skip") }

func newDonateScreen(u *UI, o *index.Opened, d *donate.Draft, youthErr error) *donateScreen {
	return &donateScreen{u: u, o: o, draft: d, youth: youthErr, pick: map[string]*widget.Select{}}
}

func (s *donateScreen) content() fyne.CanvasObject {
	def := s.o.Definition
	col := container.NewVBox(titleLabel(def.Title),
		paragraph(t("app.donate.from", map[string]any{"Org": s.o.Card.Org, "Period": def.Period.Name})))
	if s.o.Trust != request.Known {
		col.Add(&widget.Label{Text: t("app.donate.unknown_org", map[string]any{"Org": s.o.Card.Org}), Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance})
	}
	col.Add(paragraph(def.Purpose))
	col.Add(paragraph(lang.L("app.donate.what")))

	var wijken []string
	for _, w := range def.Wijken {
		wijken = append(wijken, w.Name)
	}
	s.wijk = widget.NewSelect(wijken, func(string) { s.u.touch() })
	s.wijk.PlaceHolder = lang.L("app.donate.choose_wijk")
	if s.draft.Wijk != "" {
		s.wijk.SetSelected(s.draft.Wijk)
	}
	col.Add(&widget.Label{Text: lang.L("app.donate.wijk"), TextStyle: fyne.TextStyle{Bold: true}})
	col.Add(s.wijk)
	for _, q := range def.Questions {
		options := append([]string{skipChoice()}, q.Answers...)
		sel := widget.NewSelect(options, func(string) { s.u.touch() })
		if a, ok := s.draft.Answers[q.ID]; ok {
			sel.SetSelected(a)
		} else {
			sel.SetSelected(skipChoice())
		}
		s.pick[q.ID] = sel
		label := q.Text
		if s.draft.Prefilled[q.ID] {
			label += " " + lang.L("app.donate.prefilled")
		}
		col.Add(&widget.Label{Text: label, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
		col.Add(sel)
	}
	s.result = paragraph("")
	s.join = &widget.Button{Text: lang.L("app.donate.join"), Icon: theme.MailSendIcon(), Importance: widget.HighImportance, OnTapped: s.onJoin}
	back := &widget.Button{Text: lang.L("app.donate.decline"), OnTapped: func() { s.u.shell.open(newRequestsPage(s.u)) }}
	if s.youth != nil {
		col.Add(&widget.Label{Text: s.u.errorText(s.youth), Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance})
		s.join.Disable()
	} else if !def.Period.Open(s.u.deps.Now()) {
		col.Add(&widget.Label{Text: lang.L("app.donate.closed"), Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance})
		s.join.Disable()
	}
	col.Add(paragraph(lang.L("app.donate.never")))
	col.Add(container.NewHBox(back, s.join))
	col.Add(s.result)
	return container.NewVScroll(container.New(&formColumn{width: 760}, col))
}

// onJoin makes the donation from what is on screen and asks where to save
// it.
func (s *donateScreen) onJoin() {
	u := s.u
	file, err := s.donation()
	if err != nil {
		u.showErrorText(u.indexErrorText(err))
		return
	}
	name := fmt.Sprintf("wijkonderzoek-%s.kluis-donation", s.o.Definition.Period.Name)
	u.pickSaveFile(lang.L("app.donate.save_title"), name, func(path string) { s.saveTo(path, file) })
}

// donation makes the donation file from the choices on screen.
func (s *donateScreen) donation() ([]byte, error) {
	v := s.u.vault()
	if v == nil {
		return nil, vault.ErrLocked
	}
	d := s.draft
	d.Wijk = s.wijk.Selected
	for id, sel := range s.pick {
		if sel.Selected == skipChoice() || sel.Selected == "" {
			d.Skip(id)
		} else if err := d.Set(id, sel.Selected); err != nil {
			return nil, err
		}
	}
	return d.Donation(v, s.u.deps.Now())
}

// saveTo writes the donation to path and notes in the log that a donation
// was made (never its answers or wijk).
func (s *donateScreen) saveTo(path string, file []byte) {
	u := s.u
	v := u.vault()
	if v == nil {
		return
	}
	err := writeFileSafely(path, func(w io.Writer) error { _, err := w.Write(file); return err })
	if err == nil {
		err = v.LogEvent(vault.Event{Action: donate.ActionDonated, Subject: s.o.Definition.ID})
	}
	if err != nil {
		u.showError(err)
		return
	}
	s.result.SetText(t("app.donate.done", map[string]any{"Path": path}))
	u.inform(lang.L("app.donate.done_title"), t("app.donate.done", map[string]any{"Path": path}))
}

// indexErrorText is a refusal about an index or donation in plain words.
func (u *UI) indexErrorText(err error) string { return u.errorText(err) }

// openIndex opens a wijkonderzoek that arrived as a file or link: the
// draft from the vault and the youth rule, then the donation screen.
func (u *UI) openIndex(o *index.Opened) {
	v := u.vault()
	if v == nil {
		return
	}
	type prepared struct {
		d     *donate.Draft
		youth error
	}
	runQuiet(u, func() (prepared, error) {
		now := u.deps.Now()
		d, err := donate.Prepare(v, o.Parsed, now)
		if err != nil {
			return prepared{}, err
		}
		helper, err := youth.HasHelper(v, now)
		if err != nil {
			return prepared{}, err
		}
		return prepared{d, youth.Check(d.Age, helper)}, nil
	}, func(p prepared, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.shell.open(newDonateScreen(u, o, p.d, p.youth))
	})
}
