// Package app is Kluis's desktop GUI, built with Fyne.
//
// It is the only GUI package: vault and sync never import it (or Fyne), and
// internal/deptest fails the build if they do. It is also the only package
// that may call fyne.Do: work that takes time runs on its own goroutine
// through UI.run or runQuiet (bridge.go) and hands its results back to the
// widgets there, and nowhere else. Never hold a vault transaction inside
// fyne.Do.
//
// A screen shows the same object it commits. The share wizard and the
// consent screen show the preview of a share draft (citizen/share.Draft)
// and sign that very draft, never a new reading of the vault; the donation
// screen donates the citizen/donate.Draft it shows.
//
// New builds everything from what it is given; main only creates the Fyne
// app and window. A screen is a struct holding its widgets, reacting in on…
// methods; pages of the main window implement page (shell.go). Every text a
// person sees comes from lang with a key starting with "app." (or Fyne's own
// keys), from the translations in package assets: Dutch by default, English
// when chosen in the settings. Error messages come from internal/i18n, the
// same sentences the CLI uses.
package app

import (
	"errors"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"kluis/assets"
	"kluis/internal/i18n"
	"kluis/internal/instance"
	"kluis/vault"
)

// Deps is what the GUI needs from outside.
type Deps struct {
	// VaultPath is the vault file to open or create.
	VaultPath string
	// DemoPath is where the example vault lives (next to VaultPath when
	// empty).
	DemoPath string
	// Now is the wall clock (time.Now when nil).
	Now func() time.Time
	// Open is what the app was started with, if anything: a kluis: link
	// or a file (a data request, a wijkonderzoek invitation, a receipt),
	// as when a person clicks a link or opens such a file. It is shown once
	// the vault is unlocked.
	Open string
	// WorkArea is the part of the screen the window opens on that windows
	// may use, in Fyne's units (zero when not known): the window is made
	// no larger (windowSize).
	WorkArea fyne.Size
}

// defaultWindowSize is the window's size on a screen with room for it.
var defaultWindowSize = fyne.NewSize(1100, 720)

// windowSize is the window's first size: defaultWindowSize, made smaller
// where the screen's work area is smaller (an 800×600 screen), so that the
// whole window is on the screen. Every screen is laid out to work at
// 800×600 (TestScreensFitSmallWindow); what does not fit scrolls.
func windowSize(work fyne.Size) fyne.Size {
	if work.Width <= 0 || work.Height <= 0 {
		return defaultWindowSize
	}
	return defaultWindowSize.Min(work)
}

// Preference keys (UI settings only: never secrets or personal data).
const (
	prefLanguage = "language"         // "nl" or "en"
	prefAutoLock = "autolock_minutes" // 0 = never
)

const defaultAutoLockMinutes = 5

// UI is the running desktop interface of one window.
type UI struct {
	app    fyne.App
	window fyne.Window
	deps   Deps
	sync   bool // run background work inline (tests)

	lang string        // "nl" or "en"
	cat  *i18n.Catalog // error messages and labels in lang

	session *session // the open vault, nil before one is opened
	shell   *shell   // the main window content while unlocked
	showDoc string   // a document the documents page chooses when it has loaded (showDocument)

	unlock   *unlockScreen      // the unlock screen while it is shown
	instance *instance.Listener // where later starts hand over (Serve), or nil
}

// New loads the translations, builds the window's first screen and returns
// the UI. It does not show the window: the caller does, with ShowAndRun.
func New(a fyne.App, w fyne.Window, d Deps) *UI { return newUI(a, w, d, false) }

// newUI is New; with inline true, background work runs synchronously
// (tests).
func newUI(a fyne.App, w fyne.Window, d Deps, inline bool) *UI {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.DemoPath == "" && d.VaultPath != "" {
		d.DemoPath = demoPathFor(d.VaultPath)
	}
	u := &UI{app: a, window: w, deps: d, sync: inline}
	a.Settings().SetTheme(newTheme())
	u.setLanguage(a.Preferences().StringWithFallback(prefLanguage, "nl"))

	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)
	w.SetIcon(icon)
	w.SetTitle(lang.L("app.title"))
	w.Resize(windowSize(d.WorkArea))
	w.SetOnDropped(u.onDropped)
	u.addShortcuts()
	lc := a.Lifecycle()
	lc.SetOnExitedForeground(u.onBackground)
	lc.SetOnEnteredForeground(u.onForeground)
	lc.SetOnStopped(func() {
		u.stopServing()
		u.onStopped()
	})
	u.showStart()
	return u
}

// setLanguage makes l ("nl" or "en") the language of every text, Fyne's
// own included. Fyne picks translations by the system locale and offers no
// way to choose, so the chosen language's file is loaded under the system
// locale's name. Screens built after this call use the new language.
func (u *UI) setLanguage(l string) {
	if l != "en" {
		l = "nl"
	}
	u.lang = l
	u.cat = i18n.Load(l)
	if err := loadTranslations(l); err != nil {
		fyne.LogError("Kluis translations could not be loaded", err)
	}
}

// t is lang.L with named values, for texts with placeholders.
func t(key string, data map[string]any) string { return lang.L(key, data) }

// tn is t for a text that counts something: the one form of key for 1 and
// the other form for any other n (i18n.PluralKey), with n filled in as
// {{.N}} beside data.
func tn(key string, n int, data map[string]any) string {
	d := map[string]any{"N": n}
	for k, v := range data {
		d[k] = v
	}
	return lang.L(i18n.PluralKey(key, n), d)
}

// showError tells the person what went wrong, in plain words, in a dialog.
func (u *UI) showError(err error) {
	if err == nil {
		return
	}
	u.inform(lang.L("app.error.title"), u.cat.Error(err))
}

// showErrorText is showError for a message that is already in words.
func (u *UI) showErrorText(text string) {
	u.inform(lang.L("app.error.title"), text)
}

// errorText is the translated message for err, for showing next to a field.
func (u *UI) errorText(err error) string { return u.cat.Error(err) }

// touch notes that the person did something: it resets the auto-lock timer.
func (u *UI) touch() {
	if u.session != nil {
		u.session.touch()
	}
}

// vault is the open, unlocked vault, or nil.
func (u *UI) vault() *vault.Vault {
	if u.session == nil || u.session.v.Locked() {
		return nil
	}
	return u.session.v
}

func isCanceled(err error) bool {
	return errors.Is(err, vault.ErrCanceled) || errors.Is(err, errCanceled)
}

// QuitOn quits the app when a value arrives on sig (SIGINT or SIGTERM from
// main): the vault is locked and closed as on any other way out.
func (u *UI) QuitOn(sig <-chan os.Signal) {
	go func() {
		<-sig
		onUI(u.app.Quit)
	}()
}
