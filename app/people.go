package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"kluis/citizen/delegation"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/delegate"
	"kluis/sync/schema"
	"kluis/vault"
)

// prefSyncFolder is the folder chosen for sync packs: a UI setting (a
// path), no personal data.
const prefSyncFolder = "sync_folder"

// qrSize is the contact code's QR image in pixels, drawn one to one so
// its modules stay sharp.
const qrSize = 256

// peoplePage is "Mensen": this vault's contact code to give to a helper,
// the people who help (with their access, last sync and a way to revoke),
// the sync folder with a "sync now" button, and the vaults this person
// helps with. Delegation here is a technical permission inside Kluis, and
// the page says so.
type peoplePage struct {
	u *UI

	// Uw contactcode.
	code        string
	codeText    *widget.Label
	copyCode    *widget.Button
	qr          *fyne.Container
	fingerprint *widget.Label

	// Wie helpt u?
	give       *widget.Button
	delegates  *fyne.Container
	noHelpers  *widget.Label
	lastGrant  *grantDialog
	lastRevoke func() // the confirmed revocation of the last "Intrekken" (tests)

	// Synchroniseren.
	folderText *widget.Label
	choose     *widget.Button
	syncNow    *widget.Button
	result     *widget.Label

	// Kluizen waar u bij helpt.
	addOwner  *widget.Button
	managed   *fyne.Container
	noManaged *widget.Label
	lastPin   *grantDialog
}

func newPeoplePage(u *UI) page { return &peoplePage{u: u} }

func (p *peoplePage) content() fyne.CanvasObject {
	u := p.u
	bold := fyne.TextStyle{Bold: true}
	section := func(key string) *widget.Label {
		return &widget.Label{Text: lang.L(key), SizeName: theme.SizeNameSubHeadingText, TextStyle: bold}
	}

	p.codeText = &widget.Label{Text: "…", Wrapping: fyne.TextWrapBreak, TextStyle: fyne.TextStyle{Monospace: true}}
	p.copyCode = &widget.Button{Text: lang.L("app.people.copy_code"), Icon: theme.ContentCopyIcon(), OnTapped: p.onCopyCode}
	p.qr = container.NewStack()
	p.fingerprint = &widget.Label{Text: "", SizeName: theme.SizeNameHeadingText, TextStyle: bold}

	p.give = &widget.Button{Text: lang.L("app.people.give"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: p.onGive}
	p.delegates = container.NewVBox()
	p.noHelpers = paragraph(lang.L("app.people.no_helpers"))

	p.folderText = paragraph("")
	p.choose = &widget.Button{Text: lang.L("app.people.choose_folder"), Icon: theme.FolderOpenIcon(), OnTapped: p.onChooseFolder}
	p.syncNow = &widget.Button{Text: lang.L("app.people.sync_now"), Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: p.onSyncNow}
	p.result = paragraph("")
	p.result.Hide()
	p.showFolder()

	p.addOwner = &widget.Button{Text: lang.L("app.people.add_owner"), Icon: theme.ContentAddIcon(), OnTapped: p.onAddOwner}
	p.managed = container.NewVBox()
	p.noManaged = paragraph(lang.L("app.people.no_managed"))

	col := container.NewVBox(
		titleLabel(lang.L("app.people.title")),
		paragraph(lang.L("app.people.intro")),
		widget.NewSeparator(),
		section("app.people.code.title"),
		paragraph(lang.L("app.people.code.intro")),
		p.codeText,
		container.NewHBox(p.copyCode),
		container.NewHBox(p.qr),
		&widget.Label{Text: lang.L("app.people.code.read_aloud"), TextStyle: bold},
		p.fingerprint,
		paragraph(lang.L("app.people.code.phone")),
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, p.give, section("app.people.helpers.title")),
		paragraph(lang.L("app.people.helpers.intro")),
		p.noHelpers,
		p.delegates,
		widget.NewSeparator(),
		section("app.people.sync.title"),
		paragraph(lang.L("app.people.sync.intro")),
		p.folderText,
		container.NewHBox(p.choose, p.syncNow),
		p.result,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, p.addOwner, section("app.people.managed.title")),
		paragraph(lang.L("app.people.managed.intro")),
		p.noManaged,
		p.managed,
	)
	p.loadCode()
	p.reload()
	body := container.NewVScroll(container.New(&formColumn{width: 760}, col))
	return u.focusWhenShown(body, p.copyCode)
}

// ownContact is this vault's contact code, made (and signed) afresh.
func ownContact(v *vault.Vault, now time.Time) (string, *delegate.Contact, error) {
	code, err := delegation.NewContact(v, v.Author().Person, now)
	if err != nil {
		return "", nil, err
	}
	c, err := delegate.ParseContact(code)
	return code, c, err
}

func (p *peoplePage) loadCode() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	type made struct {
		code, digits string
		png          []byte
	}
	if !v.Named() {
		// The contact code carries the owner's name: ask it first.
		p.codeText.SetText(lang.L("app.name.needed"))
		u.askName(lang.L("app.name.needed"), p.loadCode)
		return
	}
	runQuiet(u, func() (made, error) {
		code, c, err := ownContact(v, u.deps.Now())
		if err != nil {
			return made{}, err
		}
		png, err := delegate.QR(code, qrSize)
		return made{code: code, digits: delegate.ReadAloud(c.Fingerprint()), png: png}, err
	}, func(m made, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.code = m.code
		p.codeText.SetText(m.code)
		p.fingerprint.SetText(m.digits)
		img := canvas.NewImageFromReader(bytes.NewReader(m.png), "contactcode.png")
		img.FillMode = canvas.ImageFillContain
		img.ScaleMode = canvas.ImageScalePixels
		img.SetMinSize(fyne.NewSize(qrSize, qrSize))
		p.qr.Objects = []fyne.CanvasObject{img}
		p.qr.Refresh()
	})
}

func (p *peoplePage) onCopyCode() {
	p.u.touch()
	if p.code == "" {
		return
	}
	p.u.copyForAWhile(p.code)
	p.copyCode.SetText(lang.L("app.people.copied"))
}

// peopleData is what the page lists, read off the UI goroutine.
type peopleData struct {
	delegations []delegation.Delegation
	managed     []managedRow
}

type managedRow struct {
	m      *delegation.Managed
	counts map[string]int
	err    error // the replica could not be opened
}

func loadPeople(v *vault.Vault, now time.Time) (peopleData, error) {
	var d peopleData
	var err error
	if d.delegations, err = delegation.Delegations(v, now); err != nil {
		return d, err
	}
	ms, err := delegation.ManagedVaults(v)
	if err != nil {
		return d, err
	}
	for _, m := range ms {
		row := managedRow{m: m}
		if rv, err := delegation.OpenReplica(v, m); err != nil {
			row.err = err
		} else {
			row.counts, row.err = rv.Counts()
			rv.Close()
		}
		d.managed = append(d.managed, row)
	}
	slices.SortFunc(d.managed, func(a, b managedRow) int { return strings.Compare(a.m.Owner.Name, b.m.Owner.Name) })
	return d, nil
}

// reload reads the delegates and managed vaults again.
func (p *peoplePage) reload() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	now := u.deps.Now()
	runQuiet(u, func() (peopleData, error) { return loadPeople(v, now) }, func(d peopleData, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.showDelegates(d.delegations)
		p.showManaged(d.managed)
	})
}

// status is how a delegation stands now, in words.
func delegationStatus(d delegation.Delegation) string {
	switch {
	case d.Revoked != nil:
		return t("app.people.status.revoked", map[string]any{"Date": formatDate(d.Revoked.Revoked)})
	case d.Open == nil:
		return lang.L("app.people.status.open")
	case errors.Is(d.Open, delegate.ErrEmergencyClosed):
		return lang.L("app.people.status.emergency")
	case errors.Is(d.Open, delegate.ErrNotYetValid):
		return lang.L("app.people.status.not_yet")
	}
	return lang.L("app.people.status.expired")
}

func (p *peoplePage) categoryNames(ids []string) string {
	var names []string
	for _, c := range schema.Categories() {
		if slices.Contains(ids, c.ID) {
			names = append(names, p.u.cat.Category(c.ID))
		}
	}
	return strings.Join(names, ", ")
}

func roleName(role string) string {
	if role == delegate.RoleManage {
		return lang.L("app.people.role.manage")
	}
	return lang.L("app.people.role.view")
}

func lastSyncText(tm time.Time) string {
	if tm.IsZero() {
		return lang.L("app.people.never")
	}
	return formatDateTime(tm)
}

func (p *peoplePage) showDelegates(ds []delegation.Delegation) {
	p.delegates.RemoveAll()
	p.noHelpers.Hidden = len(ds) > 0
	p.noHelpers.Refresh()
	for _, d := range ds {
		d := d
		info := paragraph(t("app.people.helper.line", map[string]any{
			"Role": roleName(d.Cert.Role), "Scope": p.categoryNames(d.Cert.Categories),
			"Until": formatUntilDay(d.Cert.ValidUntil), "Last": lastSyncText(d.LastSync), "Status": delegationStatus(d)}))
		name := &widget.Label{Text: d.Cert.Delegate.Name, TextStyle: fyne.TextStyle{Bold: true}}
		row := container.NewVBox(name, info)
		if d.Revoked == nil {
			revoke := &widget.Button{Text: lang.L("app.people.revoke"), Icon: theme.CancelIcon(), OnTapped: func() { p.onRevoke(d) }}
			row = container.NewVBox(container.NewBorder(nil, nil, nil, revoke, name), info)
		}
		p.delegates.Add(row)
		p.delegates.Add(widget.NewSeparator())
	}
	p.delegates.Refresh()
}

func (p *peoplePage) onRevoke(d delegation.Delegation) {
	u := p.u
	u.touch()
	revoke := func() {
		v := u.vault()
		if v == nil {
			return
		}
		now := u.deps.Now()
		runQuiet(u, func() (struct{}, error) { return struct{}{}, delegation.Revoke(v, d.Cert, now) }, func(_ struct{}, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			p.reload()
		})
	}
	p.lastRevoke = revoke
	u.confirm(lang.L("app.people.revoke_title"), t("app.people.revoke_text", map[string]any{"Name": d.Cert.Delegate.Name}), revoke)
}

func (p *peoplePage) showManaged(rows []managedRow) {
	p.managed.RemoveAll()
	p.noManaged.Hidden = len(rows) > 0
	p.noManaged.Refresh()
	now := p.u.deps.Now()
	for _, r := range rows {
		name := &widget.Label{Text: r.m.Owner.Name, TextStyle: fyne.TextStyle{Bold: true}}
		// One line per grant, newest first: an owner may give several,
		// each with its own role and parts.
		var lines []string
		certs := r.m.Certs()
		for i := len(certs) - 1; i >= 0; i-- {
			c := certs[i]
			status := lang.L("app.people.status.open")
			switch {
			case r.m.IsRevoked(c):
				status = lang.L("app.people.managed.revoked")
			case !now.Before(c.ValidUntil):
				status = lang.L("app.people.status.expired")
			}
			lines = append(lines, t("app.people.managed.line", map[string]any{"Role": roleName(c.Role),
				"Scope": p.categoryNames(c.Categories), "Until": formatUntilDay(c.ValidUntil),
				"Last": lastSyncText(r.m.LastSync), "Status": status}))
		}
		if r.err != nil {
			lines = append(lines, p.u.errorText(r.err))
		} else {
			total := 0
			var parts []string
			for _, c := range schema.Categories() {
				if n := r.counts[c.ID]; n > 0 {
					total += n
					parts = append(parts, fmt.Sprintf("%s %d", p.u.cat.Category(c.ID), n))
				}
			}
			if total == 0 {
				lines = append(lines, lang.L("app.people.managed.empty"))
			} else {
				lines = append(lines, t("app.people.managed.counts", map[string]any{"N": total, "List": strings.Join(parts, ", ")}))
			}
		}
		row := container.NewVBox(name, paragraph(strings.Join(lines, "\n")))
		if r.err == nil {
			m := r.m
			open := &widget.Button{Text: t("app.helping.open", map[string]any{"Name": m.Owner.Name}), Icon: theme.FolderOpenIcon(),
				OnTapped: func() { p.u.openManaged(m) }}
			row.Add(container.NewHBox(open))
		}
		p.managed.Add(row)
		p.managed.Add(widget.NewSeparator())
	}
	p.managed.Refresh()
}

// Sync.

func (p *peoplePage) folder() string {
	return p.u.app.Preferences().String(prefSyncFolder)
}

func (p *peoplePage) showFolder() {
	if f := p.folder(); f != "" {
		p.folderText.SetText(t("app.people.sync.folder", map[string]any{"Path": f}))
		p.choose.SetText(lang.L("app.people.change_folder"))
		p.syncNow.Enable()
	} else {
		p.folderText.SetText(lang.L("app.people.sync.no_folder"))
		p.choose.SetText(lang.L("app.people.choose_folder"))
		p.syncNow.Disable()
	}
}

func (p *peoplePage) onChooseFolder() {
	u := p.u
	u.touch()
	u.pickFolder(lang.L("app.people.choose_folder_title"), p.onFolderChosen)
}

// onFolderChosen remembers the sync folder.
func (p *peoplePage) onFolderChosen(path string) {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		p.showResult(t("app.people.sync.bad_folder", map[string]any{"Path": path}))
		return
	}
	p.u.app.Preferences().SetString(prefSyncFolder, path)
	p.showFolder()
	p.u.focus(p.syncNow)
}

func (p *peoplePage) showResult(text string) {
	p.result.SetText(text)
	p.result.Show()
}

// onSyncNow runs one sync with the folder off the UI goroutine, then says
// in plain words what came in, from whom, what was refused and why.
func (p *peoplePage) onSyncNow() {
	u := p.u
	u.touch()
	v := u.vault()
	dir := p.folder()
	if v == nil || dir == "" {
		return
	}
	var res *delegation.Result
	u.run(lang.L("app.people.syncing"), false, func(_ context.Context, _ Progress) error {
		var err error
		res, err = (&delegation.Syncer{Vault: v, Now: u.deps.Now}).Sync(dir)
		return err
	}, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.showResult(syncSummary(res))
		p.reload()
		if u.shell != nil {
			u.shell.refreshCounts()
		}
	})
}

// syncSummary says what a sync did, one line per thing, in plain words.
func syncSummary(res *delegation.Result) string {
	var lines []string
	for _, r := range res.Received {
		if r.Replayed || len(r.Added)+len(r.Updated)+len(r.Documents) == 0 {
			continue
		}
		key := "app.people.sync.received"
		if r.Managed {
			key = "app.people.sync.received_managed"
		}
		line := t(key, map[string]any{"From": r.From, "Added": len(r.Added), "Updated": len(r.Updated), "Documents": len(r.Documents)})
		var by []string
		for _, a := range r.Authors {
			if !slices.Contains(by, personLabel(a.Person)) {
				by = append(by, personLabel(a.Person))
			}
		}
		if len(by) > 0 {
			line += " " + t("app.people.sync.by", map[string]any{"By": strings.Join(by, ", ")})
		}
		if len(r.Conflicts) > 0 {
			line += " " + tn("app.people.sync.conflicts", len(r.Conflicts), nil)
		}
		lines = append(lines, line)
	}
	for _, r := range res.Refused {
		lines = append(lines, t("app.people.sync.refused", map[string]any{"From": r.From, "Reason": lang.L("error.sync." + string(r.Code))}))
	}
	for _, r := range res.Reported {
		lines = append(lines, t("app.people.sync.reported", map[string]any{"From": r.From, "Reason": lang.L("error.sync." + string(r.Report.Code))}))
	}
	for _, w := range res.Written {
		lines = append(lines, t("app.people.sync.written", map[string]any{"To": w.To, "Records": w.Records, "Documents": w.Documents}))
	}
	if len(lines) == 0 {
		return lang.L("app.people.sync.nothing")
	}
	return strings.Join(lines, "\n")
}

// Giving access, and adding the code of someone you help.

func (p *peoplePage) onGive() {
	p.u.touch()
	p.lastGrant = newGrantDialog(p, true)
}

func (p *peoplePage) onAddOwner() {
	p.u.touch()
	p.lastPin = newGrantDialog(p, false)
}
