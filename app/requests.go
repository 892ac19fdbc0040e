package app

import (
	"errors"
	"io"
	"os"
	"strings"

	"kluis/citizen/cases"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/index"
	"kluis/sync/request"
)

// requestsPage is "Verzoeken en berichten": the case conversations with
// organisations, newest first, and the way to open a data request that
// arrived as a file or a kluis: link.
type requestsPage struct {
	u       *UI
	open    *widget.Button
	link    *keyEntry
	openURL *widget.Button
	list    *fyne.Container
	rows    *buttonRows // the conversations: Up and Down move, Enter opens
	scroll  *container.Scroll
	empty   *widget.Label
	fetch   *fetchLine // picking up messages: the quiet status and "Nu ophalen"
}

func newRequestsPage(u *UI) page { return &requestsPage{u: u} }

func (p *requestsPage) content() fyne.CanvasObject {
	u := p.u
	p.open = &widget.Button{Text: lang.L("app.requests.open"), Icon: theme.FolderOpenIcon(), Importance: widget.HighImportance, OnTapped: p.onOpenFile}
	p.link = newSubmitEntry(p.onOpenLink)
	p.link.SetPlaceHolder(lang.L("app.requests.link_placeholder"))
	p.openURL = &widget.Button{Text: lang.L("app.requests.open_link"), OnTapped: p.onOpenLink}
	p.list = container.NewVBox()
	p.fetch = newFetchLine(u)
	p.empty = paragraph(lang.L("app.requests.empty"))
	p.empty.Hide()
	top := container.NewVBox(
		titleLabel(lang.L("app.requests.title")),
		paragraph(lang.L("app.requests.intro")),
		container.NewHBox(p.open),
		&widget.Label{Text: lang.L("app.requests.link_label"), TextStyle: fyne.TextStyle{Bold: true}},
		container.NewBorder(nil, nil, nil, p.openURL, p.link),
		widget.NewSeparator(),
		&widget.Label{Text: lang.L("app.threads.title"), SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}},
		p.fetch.box,
		p.empty,
	)
	p.scroll = container.NewVScroll(container.New(&formColumn{width: 760}, container.NewVBox(top, p.list)))
	p.load()
	return u.focusWhenShown(p.scroll, p.open)
}

// load lists the threads.
func (p *requestsPage) load() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() ([]*cases.Thread, error) { return cases.Threads(v) }, func(threads []*cases.Thread, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.list.RemoveAll()
		p.rows = &buttonRows{canvas: u.window.Canvas(), scroll: p.scroll}
		p.empty.Hidden = len(threads) > 0
		for _, th := range threads {
			th := th
			label := th.Org
			if th.CaseReference != "" {
				label = t("app.threads.row_case", map[string]any{"Org": th.Org, "Case": th.CaseReference})
			}
			label = shortText(label)
			if n := u.unreadIn(th.ID); n > 0 {
				label = tn("app.threads.row_new", n, map[string]any{"Thread": label})
			}
			b := newKeyButton(label, theme.MailComposeIcon(), func() { u.touch(); u.shell.open(newThreadView(u, th.ID)) })
			b.Alignment = widget.ButtonAlignLeading
			p.rows.add(b)
			// The date beside the button, or under it in a narrow window.
			p.list.Add(flowRow(b, widget.NewLabel(t("app.threads.row_last", map[string]any{"When": formatDateTime(th.Last())}))))
		}
		p.list.Refresh()
	})
}

// postChanged shows what picking up changed: the status line, and the
// conversations with their counts.
func (p *requestsPage) postChanged() {
	p.fetch.update()
	p.load()
}

func (p *requestsPage) onOpenFile() {
	u := p.u
	u.pickFile(lang.L("app.requests.choose_file"), func(path string) {
		f, err := os.Open(path)
		if err != nil {
			u.showError(err)
			return
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, 4*request.MaxFile+1))
		if err != nil {
			u.showError(err)
			return
		}
		u.openRequest(b)
	})
}

func (p *requestsPage) onOpenLink() {
	p.u.touch()
	link := strings.TrimSpace(p.link.Text)
	if link == "" {
		p.u.focus(p.link)
		return
	}
	p.u.openRequest([]byte(link))
}

// openRequest checks a request (a file's bytes, armored text or a link),
// keeps it in its thread and shows the consent screen. A request that is
// damaged, unsigned or forged is refused with the reason; nothing is kept.
func (u *UI) openRequest(input []byte) {
	v := u.vault()
	if v == nil {
		return
	}
	type opened struct {
		o   *request.Opened
		th  *cases.Thread
		idx *index.Opened // a wijkonderzoek, which opens the same way
	}
	runQuiet(u, func() (opened, error) {
		known, err := cases.KnownCards(v)
		if err != nil {
			return opened{}, err
		}
		o, err := request.Open(input, known)
		if err != nil {
			if idx, ierr := index.Open(input, known); ierr == nil {
				return opened{idx: idx}, nil
			}
			return opened{}, err
		}
		th, err := cases.Receive(v, o)
		return opened{o: o, th: th}, err
	}, func(r opened, err error) {
		if err != nil {
			u.showRequestError(err)
			return
		}
		if r.idx != nil {
			u.openIndex(r.idx)
			return
		}
		u.shell.open(newConsentScreen(u, r.o, r.th))
	})
}

// requestErrorText says why a request was refused, in plain words.
func (u *UI) requestErrorText(err error) string {
	switch {
	case errors.Is(err, cases.ErrAnswered):
		return lang.L("app.consent.error.answered")
	case errors.Is(err, cases.ErrRefused):
		return lang.L("app.consent.error.refused")
	case errors.Is(err, cases.ErrOutsideRequest):
		return lang.L("app.consent.error.outside")
	}
	return u.cat.Error(err)
}

func (u *UI) showRequestError(err error) {
	if err == nil {
		return
	}
	u.inform(lang.L("app.requests.error_title"), u.requestErrorText(err))
}
