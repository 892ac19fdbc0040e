package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Language names are written in their own language, so everyone finds
// theirs whatever is on screen now.
var languages = []struct{ code, name string }{{"nl", "Nederlands"}, {"en", "English"}}

// autoLockChoices are the minutes offered for auto-lock; 0 is never.
var autoLockChoices = []int{1, 2, 5, 10, 15, 30, 0}

// settingsPage holds the choices that are about Kluis itself: language,
// auto-lock, passphrase, backup, restore and export.
type settingsPage struct {
	u *UI

	language                   *widget.RadioGroup
	autoLock                   *widget.Select
	autoLockLabels             []string
	lockNow, passphrase        *widget.Button
	name                       *widget.Button
	backup, restore, exportAll *widget.Button
	compact                    *widget.Button
}

func newSettingsPage(u *UI) page { return &settingsPage{u: u} }

func (p *settingsPage) content() fyne.CanvasObject {
	u := p.u
	var names []string
	current := ""
	for _, l := range languages {
		names = append(names, l.name)
		if l.code == u.lang {
			current = l.name
		}
	}
	p.language = &widget.RadioGroup{Options: names, Selected: current, Horizontal: true, Required: true, OnChanged: p.onLanguage}

	minutes := u.app.Preferences().IntWithFallback(prefAutoLock, defaultAutoLockMinutes)
	p.autoLockLabels = nil
	selected := ""
	for _, m := range autoLockChoices {
		label := autoLockLabel(m)
		p.autoLockLabels = append(p.autoLockLabels, label)
		if m == minutes || (m == 0 && minutes < 0) {
			selected = label
		}
	}
	p.autoLock = &widget.Select{Options: p.autoLockLabels, Selected: selected, OnChanged: p.onAutoLock}
	p.lockNow = &widget.Button{Text: lang.L("app.settings.lock_now"), Icon: theme.LogoutIcon(), OnTapped: p.onLockNow}
	p.passphrase = &widget.Button{Text: lang.L("app.settings.passphrase.button"), Icon: theme.AccountIcon(), OnTapped: p.onChangePassphrase}
	p.backup = &widget.Button{Text: lang.L("app.settings.backup.button"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: p.onBackup}
	p.restore = &widget.Button{Text: lang.L("app.settings.restore.button"), Icon: theme.HistoryIcon(), OnTapped: p.onRestore}
	p.exportAll = &widget.Button{Text: lang.L("app.settings.export.button"), Icon: theme.UploadIcon(), OnTapped: p.onExport}
	p.compact = &widget.Button{Text: lang.L("app.settings.compact.button"), Icon: theme.ViewRestoreIcon(), OnTapped: p.onCompact}

	p.name = &widget.Button{Text: lang.L("app.settings.name.button"), OnTapped: p.onChangeName}
	nameText := lang.L("app.settings.name.none")
	if v := u.vault(); v != nil && v.Named() {
		nameText = t("app.settings.name.text", map[string]any{"Name": v.Author().Person})
	}

	passText := lang.L("app.settings.passphrase.text")
	if u.session != nil && u.session.demo {
		p.passphrase.Disable()
		passText = lang.L("app.settings.passphrase.demo")
	}
	col := container.NewVBox(
		titleLabel(lang.L("app.settings.title")),
		settingsSection(lang.L("app.settings.language.title"), "", p.language),
		settingsSection(lang.L("app.settings.autolock.title"), lang.L("app.settings.autolock.text"),
			container.NewHBox(container.NewGridWrap(fyne.NewSize(260, p.autoLock.MinSize().Height), p.autoLock), p.lockNow)),
		settingsSection(lang.L("app.settings.name.title"), nameText, container.NewHBox(p.name)),
		settingsSection(lang.L("app.settings.passphrase.title"), passText, container.NewHBox(p.passphrase)),
		settingsSection(lang.L("app.settings.backup.title"), lang.L("app.settings.backup.text"),
			container.NewHBox(p.backup, p.restore)),
		settingsSection(lang.L("app.settings.export.title"), lang.L("app.settings.export.text"), container.NewHBox(p.exportAll)),
		settingsSection(lang.L("app.settings.compact.title"), lang.L("app.settings.compact.text"), container.NewHBox(p.compact)),
	)
	return container.NewVScroll(col)
}

// settingsSection is a sub-heading, an optional explanation and controls.
func settingsSection(title, text string, controls fyne.CanvasObject) fyne.CanvasObject {
	objs := []fyne.CanvasObject{widget.NewSeparator(),
		&widget.Label{Text: title, SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}}
	if text != "" {
		objs = append(objs, paragraph(text))
	}
	return container.NewVBox(append(objs, controls)...)
}

func autoLockLabel(minutes int) string {
	switch minutes {
	case 0:
		return lang.L("app.settings.autolock.never")
	}
	return tn("app.settings.autolock.minutes", minutes, nil)
}

// onLanguage switches every text to the chosen language: the preference
// is stored, the main window rebuilt and the settings shown again.
func (p *settingsPage) onLanguage(name string) {
	u := p.u
	code := ""
	for _, l := range languages {
		if l.name == name {
			code = l.code
		}
	}
	if code == "" || code == u.lang {
		return
	}
	u.touch()
	u.app.Preferences().SetString(prefLanguage, code)
	u.setLanguage(code)
	u.window.SetTitle(lang.L("app.title"))
	u.showMain()
	u.shell.select_("settings")
}

func (p *settingsPage) onAutoLock(label string) {
	for i, l := range p.autoLockLabels {
		if l == label {
			p.u.app.Preferences().SetInt(prefAutoLock, autoLockChoices[i])
		}
	}
	p.u.touch()
}

func (p *settingsPage) onLockNow() { p.u.lockNow() }

// onChangeName asks the new name and shows it once stored.
func (p *settingsPage) onChangeName() {
	u := p.u
	u.touch()
	u.askName(lang.L("app.settings.name.intro"), func() { u.shell.open(newSettingsPage(u)) })
}

// onChangePassphrase asks a new passphrase twice, with the same strength
// feedback as when the vault was made, and sets it.
func (p *settingsPage) onChangePassphrase() {
	u := p.u
	u.touch()
	current, pass, again := newKeyPasswordEntry(), newKeyPasswordEntry(), newKeyPasswordEntry()
	meter := &widget.ProgressBar{Max: 4}
	meter.TextFormatter = func() string { return "" }
	meterText := widget.NewLabel(lang.L(strengthKeys[0]))
	problem := errorLine()
	setProblem := func(s string) {
		problem.Text = s
		problem.Refresh()
	}
	pass.OnChanged = func(s string) {
		score := strength(s)
		meter.SetValue(float64(score))
		meterText.SetText(strengthText(s))
		setProblem("")
	}
	again.OnChanged = func(string) { setProblem("") }
	var d dialog.Dialog
	change := func() {
		switch {
		case passphraseProblem(pass.Text) != "":
			setProblem(passphraseProblem(pass.Text))
			return
		case pass.Text != again.Text:
			setProblem(lang.L("app.create.mismatch"))
			return
		}
		v := u.vault()
		if v == nil {
			d.Hide()
			return
		}
		oldPass, newPass := []byte(current.Text), []byte(pass.Text)
		u.run(lang.L("app.settings.passphrase.busy"), false, func(context.Context, Progress) error {
			// The current passphrase first: someone at an unlocked,
			// unattended computer must not be able to lock the owner out.
			if err := v.VerifyPassphrase(oldPass); err != nil {
				return err
			}
			return v.ChangePassphrase(newPass)
		}, func(err error) {
			clear(oldPass)
			clear(newPass)
			if err != nil {
				setProblem(u.errorText(err))
				return
			}
			d.Hide()
			u.inform(lang.L("app.settings.passphrase.title"), lang.L("app.settings.passphrase.done"))
		})
	}
	again.OnSubmitted = func(string) { change() }
	ok := &widget.Button{Text: lang.L("app.settings.passphrase.confirm"), Importance: widget.HighImportance, OnTapped: change}
	cancel := &widget.Button{Text: lang.L("app.settings.cancel"), OnTapped: func() { d.Hide() }}
	body := container.NewVBox(
		paragraph(lang.L("app.settings.passphrase.intro")),
		widget.NewLabelWithStyle(lang.L("app.settings.passphrase.current"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		current,
		widget.NewLabelWithStyle(lang.L("app.settings.passphrase.new"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		pass, meter, meterText,
		widget.NewLabelWithStyle(lang.L("app.create.again"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		again, problem,
		container.NewGridWithColumns(2, cancel, ok),
	)
	d = dialog.NewCustomWithoutButtons(lang.L("app.settings.passphrase.button"), body, u.window)
	d.Resize(fyne.NewSize(520, body.MinSize().Height+80))
	d.Show()
	u.focus(current)
}

func (p *settingsPage) onBackup() {
	u := p.u
	u.touch()
	u.pickSaveFile(lang.L("app.settings.backup.choose_place"), fmt.Sprintf("kluis-backup-%s.kluisbackup", u.deps.Now().Format("2006-01-02")), func(path string) {
		p.backupTo(path)
	})
}

// backupTo writes an encrypted backup of the open vault to path.
func (p *settingsPage) backupTo(path string) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	u.run(lang.L("app.settings.backup.busy"), true, func(ctx context.Context, progress Progress) error {
		err := v.BackupContext(ctx, path, func(done, total int64) {
			if total > 0 {
				progress(float64(done) / float64(total))
			}
		})
		if err != nil {
			removeIfEmpty(path)
		}
		return err
	}, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.inform(lang.L("app.settings.backup.done_title"),
			t("app.settings.backup.done", map[string]any{"Path": path}))
	})
}

// onRestore explains what a restore does, then shows the restore screen.
// Back from there returns to the settings while the vault is still open.
func (p *settingsPage) onRestore() {
	u := p.u
	u.touch()
	u.confirm(lang.L("app.settings.restore.title"), lang.L("app.settings.restore.question"), func() {
		u.showRestore(func() {
			if u.vault() == nil {
				// The restore closed the vault and then failed.
				u.showStart()
				return
			}
			u.showMain()
			u.shell.select_("settings")
		})
	})
}

// onExport warns that an export is not encrypted, then asks for a folder.
func (p *settingsPage) onExport() {
	u := p.u
	u.touch()
	body := container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.WarningIcon())), nil,
		paragraph(lang.L("app.settings.export.warn")))
	warn := dialog.NewCustomConfirm(lang.L("app.settings.export.warn_title"), lang.L("app.settings.export.go_on"),
		lang.L("app.settings.cancel"), body, func(ok bool) {
			if !ok {
				return
			}
			u.pickFolder(lang.L("app.settings.export.choose_folder"), func(path string) {
				p.exportTo(path)
			})
		}, u.window)
	warn.Resize(fyne.NewSize(560, warn.MinSize().Height))
	warn.Show()
}

// exportTo writes the whole vault as open files into a new folder inside
// parent, named after today's date, with a Stop button.
func (p *settingsPage) exportTo(parent string) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	dir := freeName(filepath.Join(parent, "Kluis-export-"+u.deps.Now().Format("2006-01-02")))
	u.run(lang.L("app.settings.export.busy"), true, func(ctx context.Context, _ Progress) error {
		return v.Export(ctx, dir)
	}, func(err error) {
		switch {
		case isCanceled(err):
			u.showStopped()
			return
		case err != nil:
			u.showError(err)
			return
		}
		u.inform(lang.L("app.settings.export.done_title"),
			t("app.settings.export.done", map[string]any{"Path": dir}))
	})
}

// freeName returns path, or path with " (2)", " (3)"… when it exists.
func freeName(path string) string {
	out := path
	for i := 2; ; i++ {
		if _, err := os.Lstat(out); os.IsNotExist(err) {
			return out
		}
		out = fmt.Sprintf("%s (%d)", path, i)
	}
}

// removeIfEmpty removes an empty file at path: the one a save dialog
// creates before a write that then failed.
func removeIfEmpty(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		os.Remove(path)
	}
}

// onCompact makes the vault file smaller (vault.Compact), off the UI
// goroutine, and says by how much.
func (p *settingsPage) onCompact() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	var before, after int64
	u.run(lang.L("app.settings.compact.busy"), false, func(context.Context, Progress) error {
		var err error
		before, after, err = v.Compact()
		return err
	}, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.inform(lang.L("app.settings.compact.title"), t("app.settings.compact.done",
			map[string]any{"Before": formatSize(before, u.lang), "After": formatSize(after, u.lang)}))
	})
}
