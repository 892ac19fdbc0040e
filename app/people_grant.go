package app

import (
	"errors"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/delegation"
	"kluis/sync/delegate"
	"kluis/sync/schema"
)

// grantDialog asks for someone's contact code, shows its fingerprint to
// compare by phone and then either grants access (grant) or trusts the
// code of someone this person helps.
type grantDialog struct {
	p     *peoplePage
	grant bool
	d     dialog.Dialog
	body  *fyne.Container

	codeEntry *keyEntry
	codeErr   *widget.Label
	contact   *delegate.Contact
	code      string

	checked *widget.Check
	role    *widget.RadioGroup
	cats    map[string]*widget.Check
	until   *keyEntry
	errText *widget.Label
	primary *widget.Button
}

func newGrantDialog(p *peoplePage, grant bool) *grantDialog {
	u := p.u
	g := &grantDialog{p: p, grant: grant, body: container.NewStack()}
	g.codeEntry = newKeyMultiLineEntry()
	g.codeEntry.Wrapping = fyne.TextWrapBreak
	g.codeEntry.PlaceHolder = "kluis:contact/v1/…"
	g.codeEntry.SetMinRowsVisible(4)
	g.codeErr = paragraph("")
	g.codeErr.Importance = widget.DangerImportance
	g.codeErr.Hide()
	load := &widget.Button{Text: lang.L("app.people.grant.load"), Icon: theme.FileIcon(), OnTapped: g.onLoad}
	intro := "app.people.grant.code_intro"
	title := "app.people.give"
	if !grant {
		intro, title = "app.people.pin.code_intro", "app.people.pin.title"
	}
	g.primary = &widget.Button{Text: lang.L("app.people.next"), Importance: widget.HighImportance, OnTapped: func() { g.onCode(g.codeEntry.Text) }}
	cancel := &widget.Button{Text: lang.L("app.action.cancel"), OnTapped: func() { g.d.Hide() }}
	// What is missing is said right above the buttons, outside the part
	// that scrolls: the choices are longer than the dialog, and a message
	// at their end would stay out of sight.
	g.errText = paragraph("")
	g.errText.Importance = widget.DangerImportance
	g.errText.Hide()
	g.body.Objects = []fyne.CanvasObject{container.NewVBox(
		paragraph(lang.L(intro)),
		&widget.Label{Text: lang.L("app.people.grant.code_label"), TextStyle: fyne.TextStyle{Bold: true}},
		g.codeEntry, container.NewHBox(load), g.codeErr)}
	content := container.NewBorder(nil, container.NewVBox(g.errText, container.NewHBox(cancel, g.primary)), nil, nil,
		container.NewVScroll(container.New(&formColumn{width: 640}, g.body)))
	g.d = dialog.NewCustomWithoutButtons(lang.L(title), content, u.window)
	g.d.Resize(fyne.NewSize(720, 600))
	g.d.Show()
	u.focus(g.codeEntry)
	return g
}

func (g *grantDialog) onLoad() {
	u := g.p.u
	u.pickFile(lang.L("app.people.choose_code_title"), g.onCodeFile)
}

// onCodeFile reads a contact code from a file (a .txt someone sent).
func (g *grantDialog) onCodeFile(path string) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 16<<10 {
		g.showCodeError(lang.L("app.people.grant.bad_file"))
		return
	}
	g.codeEntry.SetText(strings.TrimSpace(string(b)))
	g.onCode(g.codeEntry.Text)
}

func (g *grantDialog) showCodeError(text string) {
	g.codeErr.SetText(text)
	g.codeErr.Show()
}

// onCode checks the code and goes on to the fingerprint and the choices.
func (g *grantDialog) onCode(text string) {
	u := g.p.u
	u.touch()
	code := strings.Join(strings.Fields(text), "")
	c, err := delegate.ParseContact(code)
	if err != nil {
		g.showCodeError(lang.L("error.sync.bad_contact"))
		return
	}
	v := u.vault()
	if v == nil {
		return
	}
	if _, own, err := ownContact(v, u.deps.Now()); err == nil && own.Fingerprint() == c.Fingerprint() {
		g.showCodeError(lang.L("app.people.grant.self"))
		return
	}
	g.contact, g.code = c, code
	g.showChoices()
}

func (g *grantDialog) showChoices() {
	c := g.contact
	bold := fyne.TextStyle{Bold: true}
	col := container.NewVBox(
		&widget.Label{Text: t("app.people.grant.compare", map[string]any{"Name": c.Name}), TextStyle: bold, Wrapping: fyne.TextWrapWord},
		&widget.Label{Text: delegate.ReadAloud(c.Fingerprint()), SizeName: theme.SizeNameHeadingText, TextStyle: bold},
		paragraph(t("app.people.grant.compare_how", map[string]any{"Name": c.Name})),
	)
	g.checked = widget.NewCheck(lang.L("app.people.grant.checked"), func(bool) { g.errText.Hide() })
	col.Add(g.checked)
	g.errText.Hide()
	if g.grant {
		g.role = widget.NewRadioGroup([]string{lang.L("app.people.role.view"), lang.L("app.people.role.manage")}, nil)
		g.role.SetSelected(lang.L("app.people.role.view"))
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: lang.L("app.people.grant.role_label"), TextStyle: bold})
		col.Add(g.role)
		col.Add(paragraph(lang.L("app.people.grant.role_help")))
		col.Add(paragraph(lang.L("app.people.grant.legal")))
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: lang.L("app.people.grant.cats_label"), TextStyle: bold})
		g.cats = map[string]*widget.Check{}
		grid := container.NewGridWithColumns(2)
		for _, cat := range schema.Categories() {
			ch := widget.NewCheck(g.p.u.cat.Category(cat.ID), nil)
			g.cats[cat.ID] = ch
			grid.Add(ch)
		}
		col.Add(grid)
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: lang.L("app.people.grant.until_label"), TextStyle: bold})
		g.until = newKeyEntry()
		g.until.SetText(g.p.u.deps.Now().AddDate(1, 0, 0).Local().Format("02-01-2006"))
		col.Add(g.until)
		col.Add(paragraph(lang.L("app.people.grant.until_help")))
		g.primary.SetText(lang.L("app.people.grant.do"))
	} else {
		col.Add(paragraph(t("app.people.pin.after", map[string]any{"Name": c.Name})))
		g.primary.SetText(lang.L("app.people.pin.do"))
	}
	g.primary.OnTapped = g.onConfirm
	g.body.Objects = []fyne.CanvasObject{col}
	g.body.Refresh()
	g.p.u.focus(g.checked)
}

func (g *grantDialog) fail(text string) {
	g.errText.SetText(text)
	g.errText.Show()
}

// onConfirm grants the access (or trusts the code) once everything asked
// for is there.
func (g *grantDialog) onConfirm() {
	p, u := g.p, g.p.u
	u.touch()
	if !g.checked.Checked {
		g.fail(lang.L("app.people.grant.not_checked"))
		u.focus(g.checked)
		return
	}
	v := u.vault()
	if v == nil {
		return
	}
	if !g.grant {
		c, code := g.contact, g.code
		runQuiet(u, func() (struct{}, error) { return struct{}{}, delegation.Pin(v, c, code) }, func(_ struct{}, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			g.d.Hide()
			p.showResult(t("app.people.pin.done", map[string]any{"Name": c.Name}))
		})
		return
	}
	var cats []string
	for _, cat := range schema.Categories() {
		if g.cats[cat.ID].Checked {
			cats = append(cats, cat.ID)
		}
	}
	if len(cats) == 0 {
		g.fail(lang.L("app.people.grant.no_cats"))
		return
	}
	until, err := grantUntil(g.until.Text, u.deps.Now())
	if err != nil {
		g.fail(err.Error())
		return
	}
	role := delegate.RoleView
	if g.role.Selected == lang.L("app.people.role.manage") {
		role = delegate.RoleManage
	}
	c, now := g.contact, u.deps.Now()
	runQuiet(u, func() (*delegate.Certificate, error) {
		_, own, err := ownContact(v, now)
		if err != nil {
			return nil, err
		}
		return delegation.GrantTo(v, delegate.Grant{Owner: delegate.PartyOf(own), Delegate: delegate.PartyOf(c),
			Role: role, Categories: cats, ValidFrom: now, ValidUntil: until}, now)
	}, func(cert *delegate.Certificate, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		g.d.Hide()
		p.showResult(t("app.people.grant.done", map[string]any{"Name": c.Name, "Until": formatUntilDay(cert.ValidUntil)}))
		p.reload()
	})
}

// grantUntil reads the end date of a grant: a whole day, after today, at
// most five years ahead. Access ends at the end of that day.
func grantUntil(text string, now time.Time) (time.Time, error) {
	iso, err := schema.NormalizeDate(strings.TrimSpace(text))
	if err != nil || len(iso) != len(time.DateOnly) {
		return time.Time{}, errors.New(lang.L("app.people.grant.date_bad"))
	}
	d, err := time.ParseInLocation(time.DateOnly, iso, time.Local)
	if err != nil {
		return time.Time{}, errors.New(lang.L("app.people.grant.date_bad"))
	}
	end := d.AddDate(0, 0, 1)
	switch {
	case !end.After(now.Add(24 * time.Hour)):
		return time.Time{}, errors.New(lang.L("app.people.grant.date_past"))
	case end.After(now.AddDate(5, 0, 1)):
		return time.Time{}, errors.New(lang.L("app.people.grant.date_far"))
	}
	return end, nil
}
