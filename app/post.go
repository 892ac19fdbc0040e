package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/cases"
	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/request"
	"kluis/vault"
)

// The direct route from the app's side (package citizen/post): a share
// or answer sent straight to an organisation's desk when its card names
// an inbox, messages picked up in the background after unlock and on
// demand, and what does not reach the desk kept as a file to send another
// way. Network work runs off the UI goroutine, through run and runQuiet
// (bridge.go); an organisation that cannot be reached is said in a quiet
// line, never in a dialog.

// outbox is the folder beside the vault where Kluis keeps what waits to be
// sent another way: a share sent to a desk that was unreachable, a message
// to an organisation without an inbox.
func (u *UI) outbox() string {
	return filepath.Join(filepath.Dir(u.deps.VaultPath), "uitgaand")
}

// keepInOutbox writes data (read from r) into the outbox as name and
// returns its path.
func (u *UI) keepInOutbox(name string, r io.Reader) (string, error) {
	dir := u.outbox()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, writeFileSafely(path, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// inboxCard is the card of the organisation with fingerprint fp that names
// an inbox: the kept card, else fallback when it names one; nil when
// neither does.
func inboxCard(v *vault.Vault, fp string, fallback *bundle.Card) (*bundle.Card, error) {
	kept, err := share.Cards(v)
	if err != nil {
		return nil, err
	}
	for _, k := range kept {
		if k.Card.Fingerprint() == fp && k.Card.Inbox != "" {
			return k.Card, nil
		}
	}
	if fallback != nil && fallback.Fingerprint() == fp && fallback.Inbox != "" {
		return fallback, nil
	}
	return nil, nil
}

// How an outcome is shown: done, kept for later (nothing lost), or a
// problem.
type noteKind int

const (
	noteDone noteKind = iota
	noteKept
	noteProblem
)

// noteView shows text as its kind says: a tick, a warning sign in the
// normal colour (nothing is lost), or red.
func noteView(kind noteKind, text string) fyne.CanvasObject {
	switch kind {
	case noteProblem:
		return danger(text)
	case noteKept:
		return hint(theme.WarningIcon(), text)
	}
	return hint(theme.ConfirmIcon(), text)
}

// postReason is the plain sentence of an error of the direct route. A
// refusal by a desk with a code the catalog does not know (a newer desk)
// is still said in words: as a refusal by the organisation.
func (u *UI) postReason(err error, org string) string {
	var re *wire.RemoteError
	if errors.As(err, &re) {
		key := "error." + re.ErrorCode()
		if !u.cat.Has(key) {
			return t("app.post.refused_unknown", map[string]any{"Org": org})
		}
	}
	return u.cat.Error(err)
}

// directSend is the "Direct versturen naar …" part of the share wizard's
// result and of the consent screen's answer: it posts the share made to
// the organisation's desk and says what came of it. It keeps its state
// across rebuilds of the screen that holds it.
type directSend struct {
	u       *UI
	card    *bundle.Card // names an inbox
	shareID string
	kind    string // "deling" or "antwoord", in the name of the kept file
	bundle  func() string
	// kept is called with the path of the file the share now lives in
	// (the screen then no longer asks to save it).
	kept func(path string)
	// onDone shows the outcome (rebuilds the screen).
	onDone func()

	sent    bool
	outcome string   // what came of the last try, in words
	shown   noteKind // how the outcome is shown
}

// view is the button and the outcome, for the screen's column.
func (d *directSend) view() fyne.CanvasObject {
	col := container.NewVBox(widget.NewSeparator(),
		&widget.Label{Text: t("app.post.direct_title", map[string]any{"Org": d.card.Org}), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		paragraph(t("app.post.direct_intro", map[string]any{"Org": d.card.Org})))
	if !d.sent {
		text := t("app.post.direct_send", map[string]any{"Org": d.card.Org})
		if d.outcome != "" {
			text = lang.L("app.post.try_again")
		}
		col.Add(flowRow(&widget.Button{Text: text, Icon: theme.MailSendIcon(), Importance: widget.HighImportance, OnTapped: d.onSend}))
	}
	if d.outcome != "" {
		col.Add(noteView(d.shown, d.outcome))
	}
	return col
}

// otherWay heads what else can be done with the share: sending it
// another way, or, once it went, keeping a copy.
func (d *directSend) otherWay() string {
	if d.sent {
		return lang.L("app.post.copy")
	}
	return lang.L("app.post.other_way")
}

// onSend keeps the bundle in a file of its own (when it is not saved yet)
// and delivers it, in the background with a Stop button.
func (d *directSend) onSend() {
	u := d.u
	v := u.vault()
	if v == nil {
		return
	}
	id, card := d.shareID, d.card
	var file string
	var res citizenpost.Delivered
	u.run(t("app.post.sending", map[string]any{"Org": card.Org}), true, func(ctx context.Context, _ Progress) error {
		s, err := share.Get(v, id)
		if err != nil {
			return err
		}
		file = s.File
		if file == "" || !exists(file) {
			src := d.bundle()
			if src == "" {
				return &os.PathError{Op: "open", Path: "", Err: os.ErrNotExist}
			}
			in, err := os.Open(src)
			if err != nil {
				return err
			}
			name := "kluis-" + d.kind + "-" + u.deps.Now().Format("2006-01-02") + "-" + id[:8] + ".kluis"
			file, err = u.keepInOutbox(name, in)
			in.Close()
			if err != nil {
				return err
			}
			if err := share.SetFile(v, id, file); err != nil {
				return err
			}
		}
		res, err = citizenpost.Deliver(ctx, v, id, card)
		return err
	}, func(err error) {
		if file != "" && d.kept != nil {
			d.kept(file)
		}
		d.outcome, d.shown = d.say(res, err, file)
		d.sent = err == nil
		if d.onDone != nil {
			d.onDone()
		}
	})
}

// say puts what came of a delivery in words: the receipt, or why not and
// where the share waits.
func (d *directSend) say(res citizenpost.Delivered, err error, file string) (string, noteKind) {
	u := d.u
	data := map[string]any{"Org": d.card.Org, "File": file}
	var ke *citizenpost.KeptError
	switch {
	case err == nil && res.Verified:
		data["When"] = formatDateTime(res.Receipt.ImportedAt)
		data["Until"] = formatUntilDay(res.Receipt.KeptUntil)
		return t("app.post.received", data), noteDone
	case err == nil:
		return t("app.post.received_unverified", data), noteDone
	case isCanceled(err):
		return t("app.post.stopped", data), noteKept
	case errors.As(err, &ke):
		return t("app.post.unreachable", data), noteKept
	case citizenpost.IsRemote(err):
		data["Reason"] = u.postReason(err, d.card.Org)
		return t("app.post.refused", data), noteProblem
	case file != "":
		data["Reason"] = u.postReason(err, d.card.Org)
		return t("app.post.failed", data), noteProblem
	}
	return u.postReason(err, d.card.Org), noteProblem
}

func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// fetchEvery is how often the app asks the desks again while a vault is
// open.
const fetchEvery = 15 * time.Minute

// fetchTimeout bounds one round of picking up.
const fetchTimeout = 2 * time.Minute

// postState is what the app knows of picking up, per open vault.
type postState struct {
	fetching bool
	started  bool           // rounds run since unlock
	round    int            // the current series of rounds
	status   string         // the quiet line: when last asked, or why it did not work
	unread   map[string]int // new messages by thread id, since unlock
}

func (s *postState) unreadTotal() int {
	n := 0
	for _, c := range s.unread {
		n += c
	}
	return n
}

// startFetching picks up what waits once the vault is unlocked, and again
// every fetchEvery while it stays unlocked. Showing the main window again
// (another language) starts nothing new; locking ends the rounds.
func (u *UI) startFetching() {
	s := u.session
	if s == nil || s.post.started {
		return
	}
	s.post.started = true
	s.post.round++
	u.fetchMessages(s.post.round)
}

// stopFetching ends the rounds of startFetching (on lock).
func (s *session) stopFetching() {
	s.post.started = false
	s.post.round++
}

// fetchMessages picks up what waits at every kept card's desk in the
// background; the window stays free. What came is counted per
// conversation (the navigation and the list show it); a desk that cannot
// be reached is said in the quiet status line. With round set (not 0),
// another round follows after fetchEvery while that round is current.
func (u *UI) fetchMessages(round int) {
	s := u.session
	v := u.vault()
	if s == nil || v == nil || s.home != nil || s.post.fetching {
		return
	}
	s.post.fetching = true
	u.postChanged()
	runQuiet(u, func() (citizenpost.Fetched, error) {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		return citizenpost.Fetch(ctx, v)
	}, func(got citizenpost.Fetched, err error) {
		s.post.fetching = false
		if u.session != s || v.Locked() {
			return
		}
		if s.post.unread == nil {
			s.post.unread = map[string]int{}
		}
		for id, n := range got.PerThread() {
			s.post.unread[id] += n
		}
		s.post.status = u.fetchStatus(got, err)
		u.postChanged()
		if round != 0 && round == s.post.round {
			u.after(fetchEvery, func() {
				if u.session == s && s.post.round == round {
					u.fetchMessages(round)
				}
			})
		}
	})
}

// fetchStatus is the quiet line after picking up.
func (u *UI) fetchStatus(got citizenpost.Fetched, err error) string {
	if err != nil && !citizenpost.Unreachable(err) {
		return u.cat.Error(err)
	}
	if got.Cards == 0 {
		return ""
	}
	now := map[string]any{"Time": u.deps.Now().Local().Format("15:04")}
	var line string
	switch {
	case err != nil:
		line = t("app.post.fetch_unreachable_all", now)
	case len(got.Failed) == got.Cards:
		line = t("app.post.fetch_unreachable_all", now)
	default:
		line = tn("app.post.fetched", len(got.New), now)
	}
	for _, f := range got.Failed {
		if len(got.Failed) == got.Cards && citizenpost.Unreachable(f.Err) {
			continue
		}
		reason := lang.L("app.post.fetch_unreachable")
		if !citizenpost.Unreachable(f.Err) {
			reason = u.postReason(f.Err, f.Org)
		}
		line += " " + t("app.post.fetch_failed", map[string]any{"Org": f.Org, "Reason": reason})
	}
	if got.Refused > 0 {
		line += " " + tn("app.post.fetch_refused", got.Refused, nil)
	}
	return line
}

// postChanged shows what picking up changed: the count in the navigation,
// and the page on screen when it shows messages.
func (u *UI) postChanged() {
	sh := u.shell
	if sh == nil {
		return
	}
	sh.nav.Refresh()
	if p, ok := sh.current.(interface{ postChanged() }); ok {
		p.postChanged()
	}
}

// unreadIn is the number of new messages in thread id.
func (u *UI) unreadIn(id string) int {
	if u.session == nil {
		return 0
	}
	return u.session.post.unread[id]
}

// markRead clears the count of thread id.
func (u *UI) markRead(id string) {
	if s := u.session; s != nil && s.post.unread[id] > 0 {
		delete(s.post.unread, id)
		if u.shell != nil {
			u.shell.nav.Refresh()
		}
	}
}

// fetchLine is the quiet status line with the "Nu ophalen" button, for the
// pages that show what was picked up.
type fetchLine struct {
	u      *UI
	status *widget.Label
	now    *widget.Button
	box    *fyne.Container
}

func newFetchLine(u *UI) *fetchLine {
	l := &fetchLine{u: u}
	l.status = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.MediumImportance}
	l.now = &widget.Button{Text: lang.L("app.post.fetch_now"), Icon: theme.ViewRefreshIcon(), OnTapped: func() {
		u.touch()
		u.fetchMessages(0)
	}}
	l.box = container.NewBorder(nil, nil, nil, container.NewVBox(l.now), l.status)
	l.update()
	return l
}

func (l *fetchLine) update() {
	s := l.u.session
	if s == nil {
		return
	}
	text := s.post.status
	if s.post.fetching {
		text = lang.L("app.post.fetching")
		l.now.Disable()
	} else {
		l.now.Enable()
	}
	if text == "" {
		text = lang.L("app.post.fetch_none")
	}
	l.status.SetText(text)
}

// refuseRequest refuses o with a message when text is not empty (sent to
// the organisation's desk, or kept as a file to send another way), and
// then shows the conversation with what came of it.
func (u *UI) refuseRequest(o *request.Opened, text string, onErr func(string)) {
	v := u.vault()
	if v == nil {
		return
	}
	var th *cases.Thread
	var sent citizenpost.Sent
	var file string
	u.run(lang.L("app.consent.refusing"), true, func(ctx context.Context, _ Progress) error {
		var err error
		if text == "" {
			th, err = cases.Refuse(v, o, u.deps.Now())
			return err
		}
		th, sent, err = citizenpost.RefuseRequest(ctx, v, o, text)
		var ke *citizenpost.KeptError
		if sent.File != nil && !sent.Posted && (err == nil || errors.As(err, &ke)) {
			var werr error
			file, werr = u.keepInOutbox(messageFileName(sent), bytes.NewReader(sent.File))
			if werr != nil {
				return werr
			}
		}
		return err
	}, func(err error) {
		if th == nil {
			onErr(u.requestErrorText(err))
			return
		}
		note, kind := u.sentNote(sent, err, file, o.Card.Org)
		view := newThreadView(u, th.ID)
		if text != "" {
			view.note, view.noteKind = note, kind
		}
		u.shell.open(view)
	})
}

// sentNote says what came of sending a message: posted, kept as a file to
// send another way (no inbox, or the desk unreachable), or refused.
func (u *UI) sentNote(sent citizenpost.Sent, err error, file, org string) (string, noteKind) {
	data := map[string]any{"Org": org, "Path": file}
	var ke *citizenpost.KeptError
	switch {
	case err == nil && sent.Posted:
		return t("app.threads.sent", data), noteDone
	case err == nil && file != "":
		return t("app.threads.sent_file", data), noteKept
	case errors.As(err, &ke) && file != "":
		return t("app.threads.sent_unreachable", data), noteKept
	case isCanceled(err):
		return lang.L("app.threads.send_stopped"), noteKept
	case err != nil:
		return u.postReason(err, org), noteProblem
	}
	return "", noteDone
}

// messageFileName is the name of a message kept as a file.
func messageFileName(s citizenpost.Sent) string {
	return "bericht-" + s.Message.ID[:8] + citizenpost.FileSuffix
}
