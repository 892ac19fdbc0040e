package app

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"kluis/citizen/cases"
	citizenpost "kluis/citizen/post"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/request"
	"kluis/vault"
)

// threadView is one case conversation with an organisation: its requests,
// the answers and shares, the receipts, the messages both ways, the
// revocations and refusals, in time order, with a box to write back. A
// reply goes straight to the organisation's desk when its card names an
// inbox, else into a message file to send another way.
type threadView struct {
	u     *UI
	id    string
	title *widget.Label
	list  *fyne.Container
	back  *keyButton

	shareID string // the share the conversation is opened from, if any

	card   *bundle.Card // the organisation's card, to reply with; nil: no reply
	th     *cases.Thread
	reply  *keyEntry
	send   *widget.Button
	status *fyne.Container // what came of the last message sent
	scroll *container.Scroll

	// note is what came of the last message sent, shown under the reply
	// box, shown as noteKind says.
	note     string
	noteKind noteKind
}

func newThreadView(u *UI, id string) *threadView { return &threadView{u: u, id: id} }

// newShareThreadView is the conversation about share s: its thread, or,
// when nothing was said about the share yet, a new one holding the share
// (stored once the first message goes).
func newShareThreadView(u *UI, s share.Info) *threadView {
	return &threadView{u: u, id: cases.ShareThreadID(s), shareID: s.ID}
}

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
	p.reply = newKeyMultiLineEntry()
	p.reply.Wrapping = fyne.TextWrapWord
	p.reply.SetMinRowsVisible(2)
	p.reply.SetPlaceHolder(lang.L("app.threads.reply_placeholder"))
	p.send = &widget.Button{Text: lang.L("app.threads.send"), Icon: theme.MailSendIcon(), Importance: widget.HighImportance, OnTapped: p.onSend}
	p.status = container.NewVBox()
	replyBox := container.NewVBox(widget.NewSeparator(),
		&widget.Label{Text: lang.L("app.threads.reply_label"), TextStyle: fyne.TextStyle{Bold: true}},
		container.NewBorder(nil, nil, nil, container.NewVBox(p.send), p.reply), p.status)
	replyBox.Hide()
	p.load(replyBox)
	// Who the conversation is with stays in view above it, the reply box
	// below it; the conversation scrolls between them.
	head := container.NewBorder(nil, nil, nil, container.NewVBox(p.back), p.title)
	p.scroll = container.NewVScroll(container.New(&formColumn{width: 760}, p.list))
	body := container.NewBorder(container.New(&formColumn{width: 760}, head), container.New(&formColumn{width: 760}, replyBox), nil, nil, p.scroll)
	return u.focusWhenShown(body, p.back)
}

type threadData struct {
	th      *cases.Thread
	entries []cases.Entry
	card    *bundle.Card // to reply with, nil when there is none
}

func (p *threadView) load(replyBox *fyne.Container) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (threadData, error) {
		th, err := cases.GetThread(v, p.id)
		if errors.Is(err, vault.ErrNotFound) && p.shareID != "" {
			th, err = newShareThread(v, p.shareID)
		}
		if err != nil {
			return threadData{}, err
		}
		shares, err := share.List(v)
		if err != nil {
			return threadData{}, err
		}
		card, err := replyCard(v, th)
		if err != nil {
			return threadData{}, err
		}
		return threadData{th, th.Timeline(shares), card}, nil
	}, func(d threadData, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.th, p.card = d.th, d.card
		u.markRead(p.id)
		p.show(d)
		if replyBox != nil && p.card != nil {
			replyBox.Show()
		}
		p.showNote()
	})
}

// postChanged reloads the conversation when messages came for it.
func (p *threadView) postChanged() {
	if p.u.unreadIn(p.id) > 0 {
		p.load(nil)
	}
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
	if len(d.entries) == 0 {
		p.list.Add(paragraph(lang.L("app.threads.empty")))
	}
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
			"Documents": tn("app.shares.documents", e.Documents, nil),
			"From":      e.From}
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
		case cases.KindShare:
			icon, head, body = theme.MailSendIcon(), t("app.threads.share", data), t("app.threads.answer_detail", data)
		case cases.KindRefusal:
			icon, head = theme.CancelIcon(), lang.L("app.threads.refusal")
		case cases.KindReceipt:
			icon, head, body = theme.ConfirmIcon(), t("app.threads.receipt", data), t("app.threads.receipt_detail", data)
			if !e.Verified {
				body += " " + lang.L("app.threads.receipt_unverified")
			}
		case cases.KindRevocation:
			icon, head = theme.ContentUndoIcon(), t("app.threads.revocation", data)
			if e.Delivery == "desk" {
				body = t("app.threads.revocation_sent", data)
			}
		case cases.KindMessage:
			p.list.Add(p.messageView(e, th.Org))
			p.list.Add(widget.NewSeparator())
			continue
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
			if e.Kind == cases.KindAnswer || e.Kind == cases.KindShare {
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
	if p.card == nil {
		p.list.Add(hint(theme.InfoIcon(), t("app.threads.no_reply", map[string]any{"Org": th.Org})))
	}
	p.list.Refresh()
	if p.scroll != nil {
		// The newest at the bottom, in view, as in any conversation; once
		// more after the wrapped texts are laid out and know their height.
		p.scroll.ScrollToBottom()
		p.u.after(150*time.Millisecond, p.scroll.ScrollToBottom)
	}
}

// messageView is one message: who wrote it and when, and the text; the
// citizen's own are set in from the left, so the two sides read apart.
func (p *threadView) messageView(e cases.Entry, org string) fyne.CanvasObject {
	var head string
	icon := theme.MailReplyIcon()
	if e.Direction == cases.In {
		who := e.From
		if who == "" || who == org {
			head = t("app.threads.message_in_org", map[string]any{"Org": org})
		} else {
			head = t("app.threads.message_in", map[string]any{"From": who, "Org": org})
		}
	} else {
		icon = theme.MailSendIcon()
		switch {
		case e.Refuses != "":
			head = lang.L("app.threads.message_out_refusal")
		case e.Delivery == "file":
			head = lang.L("app.threads.message_out_file")
		default:
			head = lang.L("app.threads.message_out")
		}
	}
	when := &widget.Label{Text: formatDateTime(e.At), TextStyle: fyne.TextStyle{Bold: true}}
	line := container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(icon), when), nil,
		&widget.Label{Text: head, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	text := &widget.Label{Text: e.Message, Wrapping: fyne.TextWrapWord}
	box := container.NewVBox(line, text)
	if e.Direction != cases.In {
		return container.NewBorder(nil, nil, widgetSpacer(theme.Padding()*8), nil, box)
	}
	return box
}

func (p *threadView) showNote() {
	p.status.RemoveAll()
	switch {
	case p.note == "":
	default:
		p.status.Add(noteView(p.noteKind, p.note))
	}
	p.status.Refresh()
}

// onSend sends what is in the reply box to the organisation about this
// case: to its desk, or into a file in the outbox when it has no inbox or
// cannot be reached. The text stays in the box unless it went.
func (p *threadView) onSend() {
	u := p.u
	u.touch()
	v := u.vault()
	if v == nil || p.card == nil || p.th == nil {
		return
	}
	text := wire.NormalizeText(p.reply.Text)
	if strings.TrimSpace(text) == "" {
		p.note, p.noteKind = lang.L("app.threads.reply_empty"), noteProblem
		p.showNote()
		u.focus(p.reply)
		return
	}
	if wire.CheckText(text) != nil {
		p.note, p.noteKind = lang.L("app.threads.reply_bad"), noteProblem
		p.showNote()
		return
	}
	card, c := p.card, citizenpost.CaseOf(p.th)
	var sent citizenpost.Sent
	var file string
	title := lang.L("app.threads.writing")
	if card.Inbox != "" {
		title = t("app.post.sending", map[string]any{"Org": card.Org})
	}
	u.run(title, true, func(ctx context.Context, _ Progress) error {
		var err error
		sent, err = citizenpost.SendMessage(ctx, v, card, c, text)
		var ke *citizenpost.KeptError
		if sent.File != nil && !sent.Posted && (err == nil || errors.As(err, &ke)) {
			var werr error
			if file, werr = u.keepInOutbox(messageFileName(sent), bytes.NewReader(sent.File)); werr != nil {
				return werr
			}
		}
		return err
	}, func(err error) {
		p.note, p.noteKind = u.sentNote(sent, err, file, card.Org)
		if sent.Thread != nil {
			p.reply.SetText("")
			p.load(nil)
			return
		}
		p.showNote()
	})
}

// newShareThread is a new thread (not stored) holding share id.
func newShareThread(v *vault.Vault, id string) (*cases.Thread, error) {
	s, err := share.Get(v, id)
	if err != nil {
		return nil, err
	}
	th := &cases.Thread{ID: cases.ShareThreadID(s), Org: s.Recipient.Org, Fingerprint: s.Recipient.Fingerprint,
		CaseReference: s.CaseReference, Entries: []cases.Entry{}}
	if s.CaseReference == "" && s.RequestID == "" {
		th.BundleID = s.ID
	}
	th.AddShare(s)
	return th, nil
}

// replyCard is the card to reply to the organisation of th with: its kept
// card, else the card a request of the thread carries; nil when there is
// none.
func replyCard(v *vault.Vault, th *cases.Thread) (*bundle.Card, error) {
	kept, err := share.Cards(v)
	if err != nil {
		return nil, err
	}
	var known []*bundle.Card
	for _, k := range kept {
		if k.Card.Fingerprint() == th.Fingerprint {
			return k.Card, nil
		}
		known = append(known, k.Card)
	}
	for _, e := range th.Entries {
		if e.Kind != cases.KindRequest || e.File == "" {
			continue
		}
		if o, err := request.Open([]byte(e.File), known); err == nil && o.Card.Fingerprint() == th.Fingerprint {
			return o.Card, nil
		}
	}
	return nil, nil
}
