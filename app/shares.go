package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	"kluis/sync/schema"
	"kluis/vault"
)

// sharesPage is the overview of everything shared: active shares first,
// then expired and revoked ones, each with who it went to, what for, until
// when, what was in it and whether the organisation sent a receipt. From
// here a person starts a new share, revokes one and reads in a receipt.
type sharesPage struct {
	u *UI

	add, receipt *widget.Button
	list         *fyne.Container
	empty        *widget.Label
}

// shareRow is one share as the overview shows it, made off the UI
// goroutine.
type shareRow struct {
	info       share.Info
	categories []string // ids of the categories shared, in schema order
}

func newSharesPage(u *UI) page { return &sharesPage{u: u} }

func (p *sharesPage) content() fyne.CanvasObject {
	p.add = &widget.Button{Text: lang.L("app.shares.new"), Icon: theme.ContentAddIcon(),
		Importance: widget.HighImportance, OnTapped: p.onNew}
	p.receipt = &widget.Button{Text: lang.L("app.shares.import_receipt"), Icon: theme.DownloadIcon(), OnTapped: p.onReceipt}
	p.empty = paragraph(lang.L("app.shares.empty"))
	p.empty.Hide()
	p.list = container.NewVBox()
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, p.add, titleLabel(lang.L("app.shares.title"))),
		paragraph(lang.L("app.shares.intro")),
		container.NewHBox(p.receipt),
	)
	p.reload()
	body := container.NewVScroll(container.New(&formColumn{width: 720}, container.NewVBox(p.empty, p.list)))
	return p.u.focusWhenShown(container.NewBorder(top, nil, nil, nil, body), p.add)
}

// reload reads the shares and the categories of their records.
func (p *sharesPage) reload() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() ([]shareRow, error) { return loadShareRows(v) }, func(rows []shareRow, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.show(rows)
	})
}

func loadShareRows(v *vault.Vault) ([]shareRow, error) {
	list, err := share.List(v)
	if err != nil {
		return nil, err
	}
	rows := make([]shareRow, 0, len(list))
	for _, s := range list {
		cats := map[string]bool{}
		for _, c := range s.Categories {
			cats[c] = true
		}
		for _, id := range s.Records {
			if r, err := v.Get(id); err == nil {
				cats[r.Category] = true
			}
		}
		row := shareRow{info: s}
		for _, c := range schema.Categories() {
			if cats[c.ID] {
				row.categories = append(row.categories, c.ID)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// show lays out the shares in three groups.
func (p *sharesPage) show(rows []shareRow) {
	now := p.u.deps.Now()
	p.list.RemoveAll()
	if len(rows) == 0 {
		p.empty.Show()
		p.list.Refresh()
		return
	}
	p.empty.Hide()
	for _, st := range []share.Status{share.Active, share.Expired, share.Revoked} {
		var group []shareRow
		for _, r := range rows {
			if r.info.Status(now) == st {
				group = append(group, r)
			}
		}
		if len(group) == 0 {
			continue
		}
		head := &widget.Label{Text: t("app.shares.group."+string(st), map[string]any{"N": len(group)}),
			SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}}
		p.list.Add(head)
		for _, r := range group {
			p.list.Add(p.rowView(r, st))
			p.list.Add(widget.NewSeparator())
		}
	}
	p.list.Refresh()
}

// rowView is one share: who, what for, until when, what, receipt, and
// its action.
func (p *sharesPage) rowView(r shareRow, st share.Status) fyne.CanvasObject {
	u := p.u
	s := r.info
	lines := container.New(tightRows{}, &widget.Label{Text: recipientName(&s), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	line := func(text string) { lines.Add(&widget.Label{Text: text, Wrapping: fyne.TextWrapWord}) }
	line(t("app.shares.purpose", map[string]any{"Purpose": s.Purpose}))
	switch st {
	case share.Active:
		line(t("app.shares.until", map[string]any{"Date": formatUntilDay(s.NotAfter)}))
	case share.Expired:
		line(t("app.shares.expired_on", map[string]any{"Date": formatUntilDay(s.NotAfter)}))
	case share.Revoked:
		line(t("app.shares.revoked_on", map[string]any{"Date": formatDate(*s.Revoked)}))
	}
	var cats []string
	for _, c := range r.categories {
		cats = append(cats, u.cat.Category(c))
	}
	line(t("app.shares.what", map[string]any{"Categories": strings.Join(cats, ", "),
		"Records":   tn("app.shares.records", len(s.Records), nil),
		"Documents": tn("app.shares.documents", len(s.Documents), nil)}))
	if len(s.Receipts) > 0 {
		last := s.Receipts[len(s.Receipts)-1]
		key := "app.shares.received"
		if !last.Verified {
			key = "app.shares.received_unverified"
		}
		line(t(key, map[string]any{"Org": last.Org, "Date": formatDate(last.ImportedAt), "Until": formatUntilDay(last.KeptUntil)}))
	} else {
		line(lang.L("app.shares.not_received"))
	}
	var action *widget.Button
	if st == share.Revoked {
		action = &widget.Button{Text: lang.L("app.shares.save_notice_again"), Icon: theme.DocumentSaveIcon(),
			OnTapped: func() { p.saveNotice(s) }}
	} else {
		action = &widget.Button{Text: lang.L("app.shares.revoke"), Icon: theme.CancelIcon(), OnTapped: func() { p.onRevoke(s) }}
	}
	row := flowRow(action)
	if !s.ByCode() {
		// The conversation about the share, to write to the organisation.
		row.Add(&widget.Button{Text: lang.L("app.shares.conversation"), Icon: theme.MailComposeIcon(), OnTapped: func() {
			u.touch()
			u.shell.open(newShareThreadView(u, s))
		}})
		// What the organisation says it did with the share.
		row.Add(&widget.Button{Text: lang.L("app.access.open"), Icon: theme.VisibilityIcon(), OnTapped: func() {
			u.touch()
			u.shell.open(newAccessView(u, s.ID))
		}})
	}
	return container.NewVBox(lines, row)
}

// recipientName is who a share went to, in words.
func recipientName(s *share.Info) string {
	if s.ByCode() {
		return lang.L("app.shares.to_code")
	}
	return s.Recipient.Org
}

func (p *sharesPage) onNew() {
	p.u.touch()
	// A share names its sender: ask the owner's name first if it is not known.
	p.u.withName(func() { p.u.shell.open(newShareWizard(p.u)) })
}

// onRevoke asks, then has the signed notice saved.
func (p *sharesPage) onRevoke(s share.Info) {
	u := p.u
	u.touch()
	u.confirm(lang.L("app.shares.revoke_title"),
		t("app.shares.revoke_question", map[string]any{"Org": recipientName(&s)}), func() { p.saveNotice(s) })
}

// saveNotice asks where the revocation notice goes, then revokes the share
// and writes the notice there. Nothing is revoked when the person closes
// the file dialog.
func (p *sharesPage) saveNotice(s share.Info) {
	u := p.u
	u.pickSaveFile(lang.L("app.shares.notice_place"), "kluis-intrekking-"+u.deps.Now().Format("2006-01-02")+".kluis-revoke", func(path string) {
		p.writeNotice(s, path)
	})
}

// writeNotice revokes the share and writes its signed notice to path.
// When the organisation's card names a desk, the notice is then sent
// there too, in the background; the file stays either way.
func (p *sharesPage) writeNotice(s share.Info, path string) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	now := u.deps.Now()
	type written struct {
		notice []byte
		card   *bundle.Card // names an inbox; nil: the file is the only way
	}
	runQuiet(u, func() (written, error) {
		var out written
		err := writeFileSafely(path, func(w io.Writer) error {
			notice, _, err := share.Revoke(v, s.ID, now)
			if err != nil {
				return err
			}
			out.notice = notice
			_, err = w.Write(notice)
			return err
		})
		if err == nil && s.Recipient.Kind == bundle.RecipientCard {
			out.card, err = inboxCard(v, s.Recipient.Fingerprint, nil)
		}
		return out, err
	}, func(wr written, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.reload()
		data := map[string]any{"Path": path, "Org": recipientName(&s)}
		if wr.card == nil {
			u.inform(lang.L("app.shares.revoked_title"), t("app.shares.revoked_text", data))
			return
		}
		p.sendNotice(s, wr.notice, path, wr.card)
	})
}

// sendNotice posts a revocation notice (kept in path) to card's desk and
// says what came of it.
func (p *sharesPage) sendNotice(s share.Info, notice []byte, path string, card *bundle.Card) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	data := map[string]any{"Path": path, "Org": card.Org}
	u.run(t("app.post.sending", data), true, func(ctx context.Context, _ Progress) error {
		return citizenpost.SendRevocation(ctx, v, s.ID, notice, path, card)
	}, func(err error) {
		var ke *citizenpost.KeptError
		key := "app.shares.revoked_sent"
		switch {
		case err == nil:
		case errors.As(err, &ke), isCanceled(err):
			key = "app.shares.revoked_kept"
		default:
			data["Reason"] = u.postReason(err, card.Org)
			key = "app.shares.revoked_refused"
		}
		u.inform(lang.L("app.shares.revoked_title"), t(key, data))
	})
}

// maxSmallFile is the largest receipt (or card) file read.
const maxSmallFile = 64 << 10

var errFileTooLarge = errors.New("file too large")

// readSmallFile reads a receipt or card file of at most maxSmallFile bytes.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSmallFile {
		return nil, errFileTooLarge
	}
	return b, nil
}

func (p *sharesPage) onReceipt() {
	u := p.u
	u.touch()
	u.pickFile(lang.L("app.shares.receipt_choose"), func(path string) {
		p.importReceipt(path)
	})
}

// importReceipt keeps the receipt arg holds with its share: arg is the
// path of a receipt file, or a kluis:receipt link (as the caseworkers'
// desk shows it, as a link or a QR code).
func (p *sharesPage) importReceipt(arg string) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	link := strings.HasPrefix(arg, "kluis:")
	runQuiet(u, func() (share.ReceiptResult, error) {
		in := []byte(arg)
		if !link {
			var err error
			if in, err = readSmallFile(arg); err != nil {
				return share.ReceiptResult{}, err
			}
		}
		b, err := bundle.DecodeReceipt(in)
		if err != nil {
			return share.ReceiptResult{}, err
		}
		return share.ImportReceipt(v, b)
	}, func(res share.ReceiptResult, err error) {
		var be *bundle.Error
		title := lang.L("app.shares.receipt_title")
		switch {
		case errors.Is(err, share.ErrOtherBundle), errors.Is(err, vault.ErrNotFound):
			u.inform(lang.L("app.error.title"), lang.L("app.shares.receipt_unknown"))
		case errors.Is(err, share.ErrOtherOrg):
			u.inform(lang.L("app.error.title"), lang.L("app.shares.receipt_other_org"))
		case (errors.As(err, &be) || errors.Is(err, errFileTooLarge)) && link:
			u.inform(lang.L("app.error.title"), lang.L("app.shares.receipt_bad_link"))
		case errors.As(err, &be), errors.Is(err, errFileTooLarge):
			u.inform(lang.L("app.error.title"), lang.L("app.shares.receipt_bad"))
		case err != nil:
			u.showError(err)
		case res.Already:
			u.inform(title, lang.L("app.shares.receipt_already"))
		default:
			key := "app.shares.receipt_done"
			if !res.Verified {
				key = "app.shares.receipt_done_unverified"
			}
			text := t(key, map[string]any{"Org": res.Receipt.Org, "Until": formatUntilDay(res.Receipt.KeptUntil)})
			if res.Verified && !res.CardKept {
				// A receipt does not make an organisation known: it shows
				// only that the holder of the key answered.
				text += "\n\n" + t("app.shares.receipt_card_not_kept", map[string]any{"Org": res.Share.Recipient.Org,
					"Fingerprint": bundle.ShortFingerprint(res.Share.Recipient.Fingerprint)})
			}
			u.inform(title, text)
		}
		p.reload()
	})
}

// after runs f on the UI goroutine once d has passed. Tests (where
// background work runs inline) schedule nothing: they call f themselves.
func (u *UI) after(d time.Duration, f func()) {
	if u.sync {
		return
	}
	time.AfterFunc(d, func() { onUI(f) })
}

// clipboardClearAfter is how long a copied link stays on the clipboard.
const clipboardClearAfter = 30 * time.Second

// copyForAWhile puts text on the clipboard and takes it off again after
// clipboardClearAfter, unless something else was copied since.
func (u *UI) copyForAWhile(text string) {
	cb := u.app.Clipboard()
	cb.SetContent(text)
	u.after(clipboardClearAfter, func() { clearClipboardIf(cb, text) })
}

// clearClipboardIf empties the clipboard when it still holds text.
func clearClipboardIf(cb fyne.Clipboard, text string) {
	if cb.Content() == text {
		cb.SetContent("")
	}
}

// shareFileName is the suggested name of a bundle file made at now.
func shareFileName(now time.Time) string {
	return fmt.Sprintf("kluis-deling-%s.kluis", now.Format("2006-01-02"))
}

// categoriesOf lists category ids in schema order.
func categoriesOf(ids map[string]bool) []string {
	var out []string
	for _, c := range schema.Categories() {
		if ids[c.ID] {
			out = append(out, c.ID)
		}
	}
	return out
}
