package app

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/assets"
	"kluis/internal/demo"
	"kluis/vault"
)

// The screens before the vault is open: welcome, create, recovery key,
// unlock, recover, restore. Each is a function that builds the screen and
// sets it as the window's content.

// showStart shows the unlock screen when a vault exists, else the welcome.
func (u *UI) showStart() {
	if _, err := os.Stat(u.deps.VaultPath); err == nil {
		u.openVault(u.deps.VaultPath, false)
		return
	}
	u.showWelcome()
}

// screen puts a titled column of objects in the middle of the window, with
// the screen's buttons (nil for none) right under it. In a window too low
// for all of it the buttons stay in view at the bottom and the column
// scrolls above them.
func (u *UI) screen(title string, buttons fyne.CanvasObject, objs ...fyne.CanvasObject) {
	logo := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.Icon))
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(72))
	heading := &widget.Label{Text: title, Alignment: fyne.TextAlignCenter, SizeName: theme.SizeNameHeadingText,
		TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	u.unlock = nil // showUnlock sets it again
	col := container.NewVBox(append([]fyne.CanvasObject{container.NewCenter(logo), heading}, objs...)...)
	bar := container.NewVBox()
	if buttons != nil {
		bar.Add(buttons)
	} else {
		bar.Hide()
	}
	// A fixed, readable column width in the middle of the window.
	u.window.SetContent(container.New(centredWithBar{},
		container.NewVScroll(container.New(&columnLayout{width: 560}, col)),
		container.New(&columnLayout{width: 560}, bar)))
}

// columnLayout centres one object at a fixed maximum width.
type columnLayout struct{ width float32 }

func (l *columnLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	return fyne.NewSize(min(max(m.Width, l.width), l.width+0), m.Height)
}

func (l *columnLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, l.width)
	objs[0].Resize(fyne.NewSize(w, objs[0].MinSize().Height))
	objs[0].Move(fyne.NewPos((size.Width-w)/2, 0))
}

func paragraph(text string) *widget.Label {
	return &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}
}

func errorLine() *canvas.Text {
	t := canvas.NewText("", colourError)
	t.TextStyle = fyne.TextStyle{Bold: true}
	return t
}

// welcomeScreen is the first screen on a computer without a vault.
type welcomeScreen struct {
	u                     *UI
	create, restore, demo *widget.Button
}

func (u *UI) showWelcome() {
	s := &welcomeScreen{u: u}
	s.create = &widget.Button{Text: lang.L("app.welcome.create"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: s.onCreate}
	s.restore = &widget.Button{Text: lang.L("app.welcome.restore"), Icon: theme.HistoryIcon(), OnTapped: s.onRestore}
	s.demo = &widget.Button{Text: lang.L("app.welcome.demo"), Icon: theme.InfoIcon(), OnTapped: s.onDemo}
	u.screen(lang.L("app.welcome.title"), nil,
		paragraph(lang.L("app.welcome.intro")),
		s.create, s.restore, widget.NewSeparator(),
		paragraph(lang.L("app.welcome.demo_intro")), s.demo)
}

func (s *welcomeScreen) onCreate()  { s.u.showCreate() }
func (s *welcomeScreen) onRestore() { s.u.showRestore(s.u.showWelcome) }
func (s *welcomeScreen) onDemo()    { s.u.openDemo() }

// createScreen asks the person's name and a new passphrase twice, with
// strength feedback.
type createScreen struct {
	u              *UI
	name           *widget.Entry
	pass, again    *widget.Entry
	meter          *widget.ProgressBar
	meterText      *widget.Label
	problem        *canvas.Text
	create, cancel *widget.Button
}

func (u *UI) showCreate() {
	s := &createScreen{u: u}
	s.name = widget.NewEntry()
	s.name.OnChanged = s.onChanged
	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder(lang.L("app.create.passphrase_hint"))
	s.pass.OnChanged = s.onChanged
	s.again = widget.NewPasswordEntry()
	s.again.OnChanged = s.onChanged
	s.again.OnSubmitted = func(string) { s.onCreate() }
	s.meter = &widget.ProgressBar{Max: 4}
	s.meter.TextFormatter = func() string { return "" }
	s.meterText = widget.NewLabel("")
	s.problem = errorLine()
	s.create = &widget.Button{Text: lang.L("app.create.button"), Importance: widget.HighImportance, OnTapped: s.onCreate}
	s.cancel = &widget.Button{Text: lang.L("app.action.back"), OnTapped: u.showWelcome}
	s.onChanged("")
	u.screen(lang.L("app.create.title"), container.NewGridWithColumns(2, s.cancel, s.create),
		paragraph(lang.L("app.create.intro")),
		widget.NewLabelWithStyle(lang.L("app.create.name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.name,
		widget.NewLabelWithStyle(lang.L("app.create.passphrase"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.pass, s.meter, s.meterText,
		widget.NewLabelWithStyle(lang.L("app.create.again"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.again, s.problem)
	u.focus(s.name)
}

var strengthKeys = []string{"app.strength.0", "app.strength.1", "app.strength.2", "app.strength.3", "app.strength.4"}

func (s *createScreen) onChanged(string) {
	score := strength(s.pass.Text)
	s.meter.SetValue(float64(score))
	s.meterText.SetText(strengthText(s.pass.Text))
	s.problem.Text = ""
	s.problem.Refresh()
}

func (s *createScreen) setProblem(text string) {
	s.problem.Text = text
	s.problem.Refresh()
}

func (s *createScreen) onCreate() {
	name := strings.TrimSpace(s.name.Text)
	switch {
	case vault.CheckName(name) != nil:
		s.setProblem(nameProblem(name))
		return
	case passphraseProblem(s.pass.Text) != "":
		s.setProblem(passphraseProblem(s.pass.Text))
		return
	case s.pass.Text != s.again.Text:
		s.setProblem(lang.L("app.create.mismatch"))
		return
	}
	u := s.u
	pass := []byte(s.pass.Text)
	var recoveryKey string
	var v *vault.Vault
	u.run(lang.L("app.create.busy"), false, func(ctx context.Context, _ Progress) error {
		var err error
		v, recoveryKey, err = vault.Create(u.deps.VaultPath, pass, name, nil)
		return err
	}, func(err error) {
		clear(pass)
		if err != nil {
			s.setProblem(u.errorText(err))
			return
		}
		u.startSession(v, false)
		u.showRecoveryKey(recoveryKey)
	})
}

// recoveryKeyScreen shows the recovery key once, offers to save it and
// asks the person to type part of it back before going on.
type recoveryKeyScreen struct {
	u       *UI
	key     string
	confirm *widget.Entry
	problem *canvas.Text
}

// lastBlock is the last group of the key as shown on screen: what the
// person types back to show they have it.
func lastBlock(key string) string {
	f := strings.Fields(vault.FormatRecoveryKey(key))
	return f[len(f)-1]
}

func (u *UI) showRecoveryKey(key string) {
	s := &recoveryKeyScreen{u: u, key: key}
	keyText := widget.NewLabelWithStyle(vault.FormatRecoveryKey(key), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true, Bold: true})
	keyText.Wrapping = fyne.TextWrapWord
	save := &widget.Button{Text: lang.L("app.recovery.save"), Icon: theme.DocumentSaveIcon(), OnTapped: s.onSave}
	s.confirm = widget.NewEntry()
	s.confirm.SetPlaceHolder(lang.L("app.recovery.confirm_hint"))
	s.confirm.OnSubmitted = func(string) { s.onDone() }
	s.problem = errorLine()
	done := &widget.Button{Text: lang.L("app.recovery.done"), Importance: widget.HighImportance, OnTapped: s.onDone}
	u.screen(lang.L("app.recovery.title"), done,
		paragraph(lang.L("app.recovery.intro")),
		widget.NewCard("", "", keyText), save,
		paragraph(lang.L("app.recovery.confirm")),
		s.confirm, s.problem)
}

func (s *recoveryKeyScreen) onSave() {
	s.u.pickSaveFile(lang.L("app.recovery.save_title"), lang.L("app.recovery.filename"), func(path string) {
		err := writeFileSafely(path, func(w io.Writer) error {
			_, err := io.WriteString(w, recoveryKeyFile(s.key))
			return err
		})
		if err != nil {
			s.u.showError(err)
		}
	})
}

// recoveryKeyFile is the text saved (and printed) with the recovery key.
func recoveryKeyFile(key string) string {
	return lang.L("app.recovery.file_intro") + "\n\n" + vault.FormatRecoveryKey(key) + "\n\n" + key + "\n"
}

func (s *recoveryKeyScreen) onDone() {
	typed := strings.ToUpper(strings.Join(strings.Fields(s.confirm.Text), ""))
	want := lastBlock(s.key)
	if typed != want {
		s.problem.Text = lang.L("app.recovery.confirm_wrong")
		s.problem.Refresh()
		return
	}
	s.key = ""
	s.u.showMain()
}

// unlockScreen asks the passphrase of an existing vault.
type unlockScreen struct {
	u       *UI
	pass    *widget.Entry
	pending *widget.Label // says a link or file waits to be shown
	problem *canvas.Text
	unlock  *widget.Button
	forgot  *widget.Button
}

// openVault opens the file at path (not yet unlocked) and shows the unlock
// screen, or says clearly why it cannot be opened.
func (u *UI) openVault(path string, demo bool) {
	runQuiet(u, func() (*vault.Vault, error) { return vault.Open(path, nil) },
		func(v *vault.Vault, err error) {
			switch {
			case errors.Is(err, vault.ErrInUse):
				u.showProblem(lang.L("app.inuse.title"), lang.L("app.inuse.text"), func() { u.openVault(path, demo) })
			case errors.Is(err, vault.ErrDamaged):
				u.showDamaged(err)
			case err != nil:
				u.showProblem(lang.L("app.error.title"), u.errorText(err), func() { u.openVault(path, demo) })
			default:
				u.closeSession()
				u.session = newSession(v, demo, u.deps.Now)
				u.showUnlock()
			}
		})
}

// startSession makes v (already unlocked) the open vault.
func (u *UI) startSession(v *vault.Vault, demo bool) {
	u.closeSession()
	u.session = newSession(v, demo, u.deps.Now)
	u.startAutoLock(u.session)
}

func (u *UI) showUnlock() {
	s := &unlockScreen{u: u}
	s.pass = widget.NewPasswordEntry()
	s.pass.OnSubmitted = func(string) { s.onUnlock() }
	s.problem = errorLine()
	s.unlock = &widget.Button{Text: lang.L("app.unlock.button"), Icon: theme.LoginIcon(), Importance: widget.HighImportance, OnTapped: s.onUnlock}
	s.forgot = &widget.Button{Text: lang.L("app.unlock.forgot"), Importance: widget.LowImportance, OnTapped: s.onForgot}
	s.pending = paragraph(lang.L("app.unlock.pending"))
	s.pending.TextStyle = fyne.TextStyle{Bold: true}
	s.pending.Hidden = strings.TrimSpace(u.deps.Open) == ""
	title := lang.L("app.unlock.title")
	intro := lang.L("app.unlock.intro")
	buttons := container.NewVBox(s.unlock, s.forgot)
	if u.session != nil && u.session.demo {
		// The example vault has no recovery key (its passphrase is on
		// screen), and it is not where a newcomer should get stuck: the
		// way out leads back to the start, to make their own vault.
		title = lang.L("app.demo.title")
		intro = t("app.demo.unlock", map[string]any{"Passphrase": demo.Passphrase})
		s.forgot = nil
		buttons = container.NewVBox(s.unlock, &widget.Button{Text: lang.L("app.demo.leave"), Icon: theme.NavigateBackIcon(), OnTapped: u.leaveDemo})
	}
	u.screen(title, buttons, paragraph(intro), s.pending,
		widget.NewLabelWithStyle(lang.L("app.unlock.passphrase"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.pass, s.problem)
	u.unlock = s
	u.focus(s.pass)
}

// showPending says that a link or file the person opened (Deps.Open) is
// shown once the vault is unlocked.
func (s *unlockScreen) showPending() { s.pending.Show() }

func (s *unlockScreen) onUnlock() {
	u := s.u
	sess := u.session
	if sess == nil {
		return
	}
	pass := []byte(s.pass.Text)
	u.run(lang.L("app.unlock.busy"), false, func(context.Context, Progress) error {
		return sess.v.Unlock(pass)
	}, func(err error) {
		clear(pass)
		if err != nil {
			s.pass.SetText("")
			s.problem.Text = u.errorText(err)
			s.problem.Refresh()
			u.focus(s.pass)
			return
		}
		sess.touch()
		u.startAutoLock(sess)
		u.showMain()
	})
}

func (s *unlockScreen) onForgot() { s.u.showRecover() }

// recoverScreen sets a new passphrase with the recovery key.
type recoverScreen struct {
	u                *UI
	key, pass, again *widget.Entry
	problem          *canvas.Text
}

func (u *UI) showRecover() {
	s := &recoverScreen{u: u}
	s.key = widget.NewMultiLineEntry()
	s.key.SetMinRowsVisible(3)
	s.key.SetPlaceHolder("AGE-SECRET-KEY-1…")
	s.pass = widget.NewPasswordEntry()
	s.again = widget.NewPasswordEntry()
	s.problem = errorLine()
	ok := &widget.Button{Text: lang.L("app.recover.button"), Importance: widget.HighImportance, OnTapped: s.onRecover}
	back := &widget.Button{Text: lang.L("app.action.back"), OnTapped: u.showUnlock}
	u.screen(lang.L("app.recover.title"), container.NewGridWithColumns(2, back, ok), paragraph(lang.L("app.recover.intro")),
		widget.NewLabelWithStyle(lang.L("app.recover.key"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.key,
		widget.NewLabelWithStyle(lang.L("app.create.passphrase"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.pass,
		widget.NewLabelWithStyle(lang.L("app.create.again"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.again,
		s.problem)
}

func (s *recoverScreen) onRecover() {
	u := s.u
	switch {
	case passphraseProblem(s.pass.Text) != "":
		s.problem.Text = passphraseProblem(s.pass.Text)
	case s.pass.Text != s.again.Text:
		s.problem.Text = lang.L("app.create.mismatch")
	}
	if s.problem.Text != "" {
		s.problem.Refresh()
		return
	}
	sess := u.session
	key, pass := s.key.Text, []byte(s.pass.Text)
	u.run(lang.L("app.recover.busy"), false, func(context.Context, Progress) error {
		if err := sess.v.UnlockWithRecoveryKey(key); err != nil {
			return err
		}
		return sess.v.ChangePassphrase(pass)
	}, func(err error) {
		clear(pass)
		if err != nil {
			if !sess.v.Locked() {
				sess.v.Lock()
			}
			s.problem.Text = u.errorText(err)
			s.problem.Refresh()
			return
		}
		u.startAutoLock(sess)
		u.showMain()
	})
}

// showProblem is a screen for a vault that cannot be opened now, with a
// way to try again.
func (u *UI) showProblem(title, text string, retry func()) {
	again := &widget.Button{Text: lang.L("app.action.retry"), Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: retry}
	quit := &widget.Button{Text: lang.L("app.quit"), OnTapped: u.app.Quit}
	u.screen(title, container.NewVBox(again, quit), paragraph(text))
}

// showDamaged explains that the vault file is damaged and offers a
// restore from a backup. The damaged file is kept (moved aside) by the
// restore, never deleted.
func (u *UI) showDamaged(err error) {
	restore := &widget.Button{Text: lang.L("app.welcome.restore"), Icon: theme.HistoryIcon(), Importance: widget.HighImportance,
		OnTapped: func() { u.showRestore(func() { u.showDamaged(err) }) }}
	quit := &widget.Button{Text: lang.L("app.quit"), OnTapped: u.app.Quit}
	u.screen(lang.L("app.damaged.title"), container.NewVBox(restore, quit), paragraph(u.errorText(err)), paragraph(lang.L("app.damaged.text")))
}

// restoreScreen restores a backup file as the vault, with the passphrase
// that was in use at the time or the recovery key.
type restoreScreen struct {
	u        *UI
	back     func()
	file     string // the chosen backup file
	fileText *widget.Label
	secret   *widget.Entry
	useKey   *widget.Check
	problem  *canvas.Text
}

func (u *UI) showRestore(back func()) {
	s := &restoreScreen{u: u, back: back}
	s.fileText = widget.NewLabel(lang.L("app.restore.no_file"))
	choose := &widget.Button{Text: lang.L("app.restore.choose"), Icon: theme.FolderOpenIcon(), OnTapped: s.onChoose}
	s.secret = widget.NewPasswordEntry()
	s.useKey = widget.NewCheck(lang.L("app.restore.use_key"), func(bool) {})
	s.problem = errorLine()
	ok := &widget.Button{Text: lang.L("app.restore.button"), Importance: widget.HighImportance, OnTapped: s.onRestore}
	cancel := &widget.Button{Text: lang.L("app.action.back"), OnTapped: back}
	u.screen(lang.L("app.restore.title"), container.NewGridWithColumns(2, cancel, ok), paragraph(lang.L("app.restore.intro")),
		choose, s.fileText,
		widget.NewLabelWithStyle(lang.L("app.restore.secret"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.secret, s.useKey, s.problem)
}

func (s *restoreScreen) onChoose() {
	s.u.pickFile(lang.L("app.restore.choose"), func(path string) {
		s.file = path
		s.fileText.SetText(filepath.Base(path))
	})
}

func (s *restoreScreen) onRestore() {
	u := s.u
	if s.file == "" {
		s.problem.Text = lang.L("app.restore.no_file")
		s.problem.Refresh()
		return
	}
	backupPath := s.file
	secret, useKey := s.secret.Text, s.useKey.Checked
	var restored *vault.Vault
	var moved string
	u.closeSession()
	u.run(lang.L("app.restore.busy"), false, func(context.Context, Progress) error {
		var err error
		if useKey {
			restored, moved, err = vault.RestoreBackup(backupPath, u.deps.VaultPath, nil, secret, nil)
		} else {
			restored, moved, err = vault.RestoreBackup(backupPath, u.deps.VaultPath, []byte(secret), "", nil)
		}
		return err
	}, func(err error) {
		if err != nil {
			s.problem.Text = u.errorText(err)
			s.problem.Refresh()
			return
		}
		u.startSession(restored, false)
		if useKey {
			// The recovery key opened it: a new passphrase is needed now.
			u.showNewPassphraseAfterRecovery()
			return
		}
		u.showMain()
		if moved != "" {
			u.inform(lang.L("app.restore.done_title"), t("app.restore.moved", map[string]any{"Path": moved}))
		}
	})
}

// showNewPassphraseAfterRecovery asks a new passphrase for an unlocked
// vault that was opened with the recovery key.
func (u *UI) showNewPassphraseAfterRecovery() {
	pass, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	problem := errorLine()
	ok := &widget.Button{Text: lang.L("app.recover.button"), Importance: widget.HighImportance, OnTapped: func() {
		switch {
		case passphraseProblem(pass.Text) != "":
			problem.Text = passphraseProblem(pass.Text)
		case pass.Text != again.Text:
			problem.Text = lang.L("app.create.mismatch")
		default:
			if err := u.session.v.ChangePassphrase([]byte(pass.Text)); err != nil {
				problem.Text = u.errorText(err)
			} else {
				u.showMain()
				return
			}
		}
		problem.Refresh()
	}}
	u.screen(lang.L("app.recover.title"), ok, paragraph(lang.L("app.recover.new_passphrase")),
		widget.NewLabelWithStyle(lang.L("app.create.passphrase"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), pass,
		widget.NewLabelWithStyle(lang.L("app.create.again"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), again,
		problem)
}

// leaveDemo closes the example vault and goes back to the start: the
// welcome, where the person makes their own vault (or the unlock screen of
// the vault they have).
func (u *UI) leaveDemo() {
	if u.session == nil || !u.session.demo {
		return
	}
	leave := func() {
		u.closeSession()
		u.showStart()
	}
	if sh := u.shell; sh != nil {
		if g, ok := sh.current.(leaveGuard); ok {
			g.confirmLeave(leave)
			return
		}
	}
	leave()
}

// openDemo opens the example vault, creating and filling it first if
// needed, so a newcomer sees Kluis working in seconds.
func (u *UI) openDemo() {
	path := u.deps.DemoPath
	if _, err := os.Stat(path); err == nil {
		u.openVault(path, true)
		return
	}
	var v *vault.Vault
	u.run(lang.L("app.demo.busy"), false, func(ctx context.Context, _ Progress) error {
		var err error
		v, _, err = vault.Create(path, []byte(demo.Passphrase), demo.Person, nil)
		if err != nil {
			return err
		}
		if err := demo.Fill(ctx, v); err != nil {
			v.Close()
			os.Remove(path)
			os.RemoveAll(vault.DocsFolder(path))
			return err
		}
		return nil
	}, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.startSession(v, true)
		u.showMain()
	})
}
