package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kluis/vault"
)

// openSettings shows the settings page of an unlocked vault.
func openSettings(t *testing.T, u *UI) *settingsPage {
	t.Helper()
	u.shell.select_("settings")
	p, ok := u.shell.current.(*settingsPage)
	if !ok {
		t.Fatalf("settings page not shown (current page %T)", u.shell.current)
	}
	return p
}

func TestSettingsPageMarkup(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openSettings(t, u)
	c := test.NewTempWindow(t, p.content())
	c.Resize(fyne.NewSize(760, 900))
	test.AssertRendersToMarkup(t, "settings.xml", c.Canvas())
}

func TestLanguageSwitchChangesTexts(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	t.Cleanup(func() { u.setLanguage("nl") })
	p := openSettings(t, u)
	mustSee(t, w, "Instellingen")
	p.language.SetSelected("English")

	mustSee(t, w, "Settings")
	mustSee(t, w, "Documents")
	mustSee(t, w, "Income (0)")
	mustSee(t, w, "Lock automatically")
	if screenHas(w, "Instellingen") || screenHas(w, "Vergrendelen") {
		t.Errorf("Dutch left on screen after switching to English:\n%v", texts(w))
	}
	if got := u.app.Preferences().String(prefLanguage); got != "en" {
		t.Errorf("language preference %q, want en", got)
	}
	if w.Title() != "Kluis" {
		t.Errorf("window title %q", w.Title())
	}

	// The settings page is shown again, in English; switch back.
	p = openSettings(t, u)
	p.language.SetSelected("Nederlands")
	mustSee(t, w, "Instellingen")
	mustSee(t, w, "Documenten")
	mustSee(t, w, "Automatisch op slot")
	if screenHas(w, "Settings") {
		t.Error("English left on screen after switching back")
	}
	if got := u.app.Preferences().String(prefLanguage); got != "nl" {
		t.Errorf("language preference %q, want nl", got)
	}
}

func TestAutoLockMinutesPersisted(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openSettings(t, u)
	if p.autoLock.Selected != "Na 5 minuten" {
		t.Errorf("default auto-lock %q, want Na 5 minuten", p.autoLock.Selected)
	}
	p.autoLock.SetSelected("Na 15 minuten")
	if got := u.app.Preferences().Int(prefAutoLock); got != 15 {
		t.Errorf("stored %d minutes, want 15", got)
	}
	if u.autoLockAfter() != 15*time.Minute {
		t.Errorf("auto-lock after %v", u.autoLockAfter())
	}
	// Shown again the next time.
	if p = openSettings(t, u); p.autoLock.Selected != "Na 15 minuten" {
		t.Errorf("after reopening: %q", p.autoLock.Selected)
	}
	u.shell.select_("documents")
	p = openSettings(t, u)
	if p.autoLock.Selected != "Na 15 minuten" {
		t.Errorf("after reopening: %q", p.autoLock.Selected)
	}
	p.autoLock.SetSelected("Nooit")
	if u.autoLockAfter() != 0 {
		t.Errorf("never: auto-lock after %v", u.autoLockAfter())
	}
	now := u.session.now()
	u.session.now = func() time.Time { return now.Add(24 * time.Hour) }
	u.checkAutoLock()
	if u.session.v.Locked() {
		t.Fatal("locked although auto-lock is off")
	}
}

func TestLockNow(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	openSettings(t, u)
	tap(t, w, "Nu vergrendelen")
	if !u.session.v.Locked() {
		t.Fatal("not locked")
	}
	mustSee(t, w, "Kluis openen")
}

func TestBackupFromSettingsRestores(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	if _, err := u.vault().Add("debts", map[string]string{"creditor": "CJIB", "amount": "389"}); err != nil {
		t.Fatal(err)
	}
	p := openSettings(t, u)
	dir := t.TempDir()
	path := filepath.Join(dir, "kluis-backup-2026-11-25.kluisbackup")
	os.WriteFile(path, nil, 0o600) // as the save dialog leaves it
	p.backupTo(path)
	mustSee(t, w, "Back-up gemaakt")
	mustSee(t, w, path)

	restored, moved, err := vault.RestoreBackup(path, filepath.Join(dir, "terug.kluis"), []byte("molen sneeuw thee herfst"), "", nil)
	if err != nil {
		t.Fatalf("the backup does not restore: %v", err)
	}
	defer restored.Close()
	if moved != "" {
		t.Errorf("moved aside %q from an empty place", moved)
	}
	debts, _ := restored.List("debts")
	if len(debts) != 1 || debts[0].Fields["creditor"] != "CJIB" {
		t.Fatalf("restored debts: %+v", debts)
	}
}

func TestBackupFailureSaysSo(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openSettings(t, u)
	p.backupTo(filepath.Join(t.TempDir(), "bestaat-niet", "x.kluisbackup"))
	mustSee(t, w, "Dat lukte niet")
}

func TestChangePassphraseFromSettings(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	openSettings(t, u)
	tap(t, w, "Wachtwoord veranderen")
	all := entries(w)
	if len(all) != 3 {
		t.Fatalf("%d entries in the passphrase dialog, want 3", len(all))
	}
	current, e := all[0], all[1:]
	test.Type(current, "niet het goede wachtwoord")
	test.Type(e[0], "appel peer banaan kiwi")
	test.Type(e[1], "appel peer banaan kiwi")
	tap(t, w, "Veranderen")
	mustSee(t, w, "wachtwoord klopt niet")
	current.SetText("molen sneeuw thee herfst")
	e[0].SetText("")
	e[1].SetText("")
	test.Type(e[0], "kort")
	tap(t, w, "Veranderen")
	mustSee(t, w, "te kort")
	e[0].SetText("")
	test.Type(e[0], "appel peer banaan kiwi")
	mustSee(t, w, "Sterk")
	test.Type(e[1], "appel peer banaan kers")
	tap(t, w, "Veranderen")
	mustSee(t, w, "niet hetzelfde")
	e[1].SetText("appel peer banaan kiwi")
	tap(t, w, "Veranderen")
	mustSee(t, w, "Uw wachtwoord is veranderd")

	tap(t, w, "Vergrendelen")
	test.Type(entries(w)[0], "molen sneeuw thee herfst")
	tap(t, w, "Openen")
	if u.vault() != nil {
		t.Fatal("the old passphrase still opens the vault")
	}
	test.Type(entries(w)[0], "appel peer banaan kiwi")
	tap(t, w, "Openen")
	if u.vault() == nil {
		t.Fatal("the new passphrase does not open the vault")
	}
}

func TestExportEverythingWarnsFirst(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openSettings(t, u)
	tap(t, w, "Alles exporteren")
	mustSee(t, w, "NIET versleuteld")
	tap(t, w, "Annuleren")

	parent := t.TempDir()
	u.deps.Now = func() time.Time { return time.Date(2026, 11, 25, 10, 4, 0, 0, time.Local) }
	os.Mkdir(filepath.Join(parent, "Kluis-export-2026-11-25"), 0o700) // an earlier export
	p.exportTo(parent)
	dir := filepath.Join(parent, "Kluis-export-2026-11-25 (2)")
	if _, err := os.Stat(filepath.Join(dir, "vault.json")); err != nil {
		t.Fatalf("no export in %s: %v", dir, err)
	}
	mustSee(t, w, "Export klaar")
}

func TestRestoreFromSettingsAndBack(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	openSettings(t, u)
	tap(t, w, "Back-up terugzetten")
	mustSee(t, w, "Kluis gooit niets weg")
	tap(t, w, "Ja")
	mustSee(t, w, "Kluis terugzetten uit back-up")
	tap(t, w, "Terug")
	if _, ok := u.shell.current.(*settingsPage); !ok || u.vault() == nil {
		t.Fatalf("back did not return to the open vault's settings (%T)", u.shell.current)
	}
}

func TestDemoVaultKeepsItsPassphrase(t *testing.T) {
	u, w := newTestUI(t)
	tap(t, w, "Probeer het met voorbeeldgegevens")
	openSettings(t, u)
	if !button(t, w, "Wachtwoord veranderen").Disabled() {
		t.Error("the example vault's passphrase can be changed")
	}
	mustSee(t, w, "In de voorbeeldkluis blijft het wachtwoord hetzelfde")
}

func TestCompactFromSettings(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	openSettings(t, u)
	tap(t, w, "Kluis kleiner maken")
	mustSee(t, w, "Het kluisbestand is van")
	events, _ := u.vault().Log()
	if events[len(events)-1].Action != "vault.compacted" {
		t.Fatalf("last log entry %v", events[len(events)-1].Action)
	}
}
