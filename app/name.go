package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"kluis/vault"
)

// personLabel is a name as the app shows it: the placeholder a vault made
// without a name carries (vault.DefaultPerson) is never shown.
func personLabel(person string) string {
	if person == vault.DefaultPerson {
		return lang.L("app.name.unnamed")
	}
	return person
}

// nameProblem says why a typed name (already trimmed) is refused, or "".
func nameProblem(name string) string {
	switch {
	case name == "":
		return lang.L("app.name.missing")
	case vault.CheckName(name) != nil:
		return lang.L("error.vault.bad_name")
	}
	return ""
}

// withName runs then once the vault has the owner's name: at once when it
// has, else after asking it (a vault made without a name, or by an older
// Kluis, carries only a placeholder).
func (u *UI) withName(then func()) {
	v := u.vault()
	if v == nil {
		return
	}
	if v.Named() {
		then()
		return
	}
	u.askName(lang.L("app.name.needed"), then)
}

// askName shows a dialog that asks (or changes) the owner's name and stores
// it; then, if not nil, runs after a name was stored.
func (u *UI) askName(intro string, then func()) {
	v := u.vault()
	if v == nil {
		return
	}
	entry := newKeyEntry()
	if v.Named() {
		entry.SetText(v.Author().Person)
	}
	problem := errorLine()
	var d dialog.Dialog
	save := func() {
		u.touch()
		name := strings.TrimSpace(entry.Text)
		if p := nameProblem(name); p != "" {
			problem.Text = p
			problem.Refresh()
			return
		}
		if err := v.SetPerson(name); err != nil {
			problem.Text = u.errorText(err)
			problem.Refresh()
			return
		}
		d.Hide()
		if then != nil {
			then()
		}
	}
	entry.OnSubmitted = func(string) { save() }
	ok := &widget.Button{Text: lang.L("app.name.save"), Importance: widget.HighImportance, OnTapped: save}
	cancel := &widget.Button{Text: lang.L("app.settings.cancel"), OnTapped: func() { d.Hide() }}
	body := container.NewVBox(
		paragraph(intro),
		widget.NewLabelWithStyle(lang.L("app.create.name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		entry, problem,
		container.NewGridWithColumns(2, cancel, ok),
	)
	d = dialog.NewCustomWithoutButtons(lang.L("app.name.title"), body, u.window)
	d.Resize(fyne.NewSize(520, body.MinSize().Height+80))
	d.Show()
	u.focus(entry)
}
