package app

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	wire "kluis/sync/post"
	"kluis/vault"
)

// accessView is "Wie heeft mijn gegevens bekeken?" for one share: the
// organisation's signed account of who there did what with it, and when
// (citizen/post.Access), as picked up with the messages. A chain the
// organisation broke (a statement that leaves out or changes what it said
// before) is said first, plainly; no account yet is said too.
type accessView struct {
	u     *UI
	id    string
	list  *fyne.Container
	fetch *fetchLine
}

func newAccessView(u *UI, shareID string) *accessView { return &accessView{u: u, id: shareID} }

func (p *accessView) content() fyne.CanvasObject {
	u := p.u
	back := func() {
		u.touch()
		u.shell.open(newSharesPage(u))
	}
	b := newKeyButton(lang.L("app.threads.back"), theme.NavigateBackIcon(), back)
	b.onEscape = back
	p.list = container.NewVBox()
	p.fetch = newFetchLine(u)
	p.load()
	col := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(b), titleLabel(lang.L("app.access.title"))),
		p.list, widget.NewSeparator(), p.fetch.box)
	return u.focusWhenShown(container.NewVScroll(container.New(&formColumn{width: 760}, col)), b)
}

type accessData struct {
	s   share.Info
	rec *citizenpost.AccessRecord // nil: no account yet
}

func (p *accessView) load() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (accessData, error) {
		s, err := share.Get(v, p.id)
		if err != nil {
			return accessData{}, err
		}
		rec, err := citizenpost.Access(v, p.id)
		if errors.Is(err, vault.ErrNotFound) {
			return accessData{s: s}, nil
		}
		return accessData{s, rec}, err
	}, func(d accessData, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.show(d)
	})
}

// postChanged shows a newer account once it is picked up.
func (p *accessView) postChanged() {
	p.fetch.update()
	p.load()
}

func (p *accessView) show(d accessData) {
	s := d.s
	org := recipientName(&s)
	p.list.RemoveAll()
	p.list.Add(paragraph(t("app.access.share", map[string]any{"Org": org, "Purpose": s.Purpose, "Date": formatDate(s.Created)})))
	switch {
	case s.ByCode():
		p.list.Add(hint(theme.InfoIcon(), lang.L("app.access.by_code")))
	case d.rec == nil:
		p.list.Add(hint(theme.InfoIcon(), t("app.access.none", map[string]any{"Org": org})))
	default:
		rec := d.rec
		if rec.Broken != nil {
			p.list.Add(danger(t("app.access.broken", map[string]any{"Org": rec.Org, "When": formatDateTime(*rec.Broken)})))
		}
		if len(rec.Entries) == 0 {
			p.list.Add(paragraph(t("app.access.empty", map[string]any{"Org": rec.Org})))
		}
		for _, e := range rec.Entries {
			p.list.Add(accessEntryView(e))
		}
		p.list.Add(paragraph(t("app.access.issued", map[string]any{"Org": rec.Org, "When": formatDateTime(rec.Issued)})))
	}
	p.list.Refresh()
}

// accessActions are the processing log's actions with words of their own.
var accessActions = map[string]string{
	"import":   "app.access.action.import",
	"view":     "app.access.action.view",
	"download": "app.access.action.download",
	"export":   "app.access.action.export",
	"receipt":  "app.access.action.receipt",
	"revoke":   "app.access.action.revoke",
	"delete":   "app.access.action.delete",
	"purge":    "app.access.action.purge",
	"message":  "app.access.action.message",
}

// accessEntryView is one line of the account: when, who (role and
// pseudonym), what, and for which purpose.
func accessEntryView(e wire.AccessEntry) fyne.CanvasObject {
	var who string
	switch e.Role {
	case wire.RoleCaseworker:
		who = t("app.access.role.caseworker", map[string]any{"Actor": e.Actor})
	case wire.RoleAdmin:
		who = t("app.access.role.admin", map[string]any{"Actor": e.Actor})
	default:
		who = lang.L("app.access.role.program")
	}
	action := t("app.access.action.unknown", map[string]any{"Action": e.Action})
	if key, ok := accessActions[e.Action]; ok {
		action = lang.L(key)
	}
	if e.Action == "message" && e.Role == wire.RoleProgram {
		// The desk itself writes no messages: its entry is the citizen's
		// message, received.
		action = lang.L("app.access.action.message_received")
	}
	head := &widget.Label{Text: t("app.access.entry", map[string]any{"Who": who, "Action": action}), Wrapping: fyne.TextWrapWord}
	when := &widget.Label{Text: formatDateTime(e.At), TextStyle: fyne.TextStyle{Bold: true}}
	rows := container.New(tightRows{}, container.NewBorder(nil, nil, when, nil, head))
	if e.Purpose != "" {
		rows.Add(&widget.Label{Text: t("app.access.purpose", map[string]any{"Purpose": e.Purpose}), Wrapping: fyne.TextWrapWord})
	}
	return rows
}
