package app

import (
	"strings"

	"kluis/citizen/cases"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
)

// threadView is one case conversation with an organisation: its requests,
// the answers and refusals, the receipts, and the short messages in them,
// in time order — the local stand-in for a chat with the caseworker.
type threadView struct {
	u     *UI
	id    string
	title *widget.Label
	list  *fyne.Container
	back  *keyButton
}

func newThreadView(u *UI, id string) *threadView { return &threadView{u: u, id: id} }

func (p *threadView) content() fyne.CanvasObject {
	u := p.u
	p.title = titleLabel(lang.L("app.threads.title"))
	back := func() {
		u.touch()
		u.shell.open(newRequestsPage(u))
	}
	p.back = newKeyButton(lang.L("app.threads.back"), theme.NavigateBackIcon(), back)
	p.back.onEscape = back
	p.list = container.NewVBox()
	p.load()
	col := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(p.back), p.title), p.list)
	return u.focusWhenShown(container.NewVScroll(container.New(&formColumn{width: 760}, col)), p.back)
}

type threadData struct {
	th      *cases.Thread
	entries []cases.Entry
}

func (p *threadView) load() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (threadData, error) {
		th, err := cases.GetThread(v, p.id)
		if err != nil {
			return threadData{}, err
		}
		shares, err := share.List(v)
		if err != nil {
			return threadData{}, err
		}
		return threadData{th, th.Timeline(shares)}, nil
	}, func(d threadData, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.show(d)
	})
}

func (p *threadView) show(d threadData) {
	u := p.u
	th := d.th
	if th.CaseReference != "" {
		p.title.SetText(t("app.threads.title_case", map[string]any{"Org": th.Org, "Case": th.CaseReference}))
	} else {
		p.title.SetText(t("app.threads.title_org", map[string]any{"Org": th.Org}))
	}
	p.list.RemoveAll()
	for _, e := range d.entries {
		e := e
		var cats []string
		asked := map[string]bool{}
		for _, c := range e.Categories {
			asked[c] = true
		}
		for _, c := range categoriesOf(asked) {
			cats = append(cats, u.cat.Category(c))
		}
		data := map[string]any{"Org": th.Org, "Purpose": e.Purpose, "Categories": strings.Join(cats, ", "),
			"Records":   tn("app.shares.records", e.Records, nil),
			"Documents": tn("app.shares.documents", e.Documents, nil)}
		if e.AnswerBy != nil {
			data["AnswerBy"] = formatUntil(*e.AnswerBy)
		}
		if e.KeptUntil != nil {
			data["KeptUntil"] = formatUntil(*e.KeptUntil)
		}
		var icon fyne.Resource
		var head, body string
		switch e.Kind {
		case cases.KindRequest:
			icon, head, body = theme.MailComposeIcon(), t("app.threads.request", data), t("app.threads.request_detail", data)
		case cases.KindAnswer:
			icon, head, body = theme.MailSendIcon(), lang.L("app.threads.answer"), t("app.threads.answer_detail", data)
		case cases.KindRefusal:
			icon, head = theme.CancelIcon(), lang.L("app.threads.refusal")
		case cases.KindReceipt:
			icon, head, body = theme.ConfirmIcon(), t("app.threads.receipt", data), t("app.threads.receipt_detail", data)
			if !e.Verified {
				body += " " + lang.L("app.threads.receipt_unverified")
			}
		default:
			continue
		}
		when := &widget.Label{Text: formatDateTime(e.At), TextStyle: fyne.TextStyle{Bold: true}}
		line := container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(icon), when), nil,
			&widget.Label{Text: head, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
		p.list.Add(line)
		if body != "" {
			p.list.Add(paragraph(body))
		}
		if e.Message != "" {
			who := t("app.threads.message_from_org", data)
			if e.Kind == cases.KindAnswer {
				who = lang.L("app.threads.message_from_me")
			}
			p.list.Add(&widget.Label{Text: who, TextStyle: fyne.TextStyle{Bold: true}})
			p.list.Add(&widget.Label{Text: e.Message, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Italic: true}})
		}
		if e.Kind == cases.KindRequest && e.File != "" {
			file := []byte(e.File)
			p.list.Add(container.NewHBox(&widget.Button{Text: lang.L("app.threads.open_request"), Icon: theme.VisibilityIcon(), OnTapped: func() {
				u.touch()
				u.openRequest(file)
			}}))
		}
		p.list.Add(widget.NewSeparator())
	}
	p.list.Refresh()
}
