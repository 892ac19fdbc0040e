package app

import (
	"context"

	"kluis/citizen/delegation"

	"fyne.io/fyne/v2/lang"

	"kluis/vault"
)

// A delegate works in the vault they help with (a replica kept next to
// their own, see citizen/delegation) in the same window, with a banner saying
// whose vault it is and a way back. Their own vault stays open underneath;
// locking closes the replica and locks both.

// openManaged switches the window to the replica of m.
func (u *UI) openManaged(m *delegation.Managed) {
	home := u.session
	if home == nil || home.home != nil || u.vault() == nil {
		return
	}
	var rv *vault.Vault
	u.run(t("app.helping.opening", map[string]any{"Name": m.Owner.Name}), false, func(context.Context, Progress) error {
		var err error
		if rv, err = delegation.OpenReplica(home.v, m); err != nil {
			return err
		}
		guard, err := delegation.EditGuard(home.v, m, u.deps.Now())
		if err != nil {
			rv.Close()
			return err
		}
		rv.SetEditGuard(guard) // its refusals say themselves what the owner allows
		return nil
	}, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		// Read-only unless some open grant lets them change something; the
		// replica itself refuses changes outside the grants (OpenReplica).
		readOnly := true
		if acc, err := m.Access(home.v, u.deps.Now()); err == nil && len(acc.Manage) > 0 && m.Revocation == "" {
			readOnly = false
		}
		s := newSession(rv, false, u.deps.Now)
		s.home, s.helping, s.readOnly = home, m.Owner.Name, readOnly
		u.session = s
		u.startAutoLock(s)
		u.showMain()
	})
}

// backHome closes the replica and shows the person's own vault again.
func (u *UI) backHome() {
	s := u.session
	if s == nil || s.home == nil {
		return
	}
	leave := func() {
		s.stopAutoLock()
		s.v.Close()
		u.session = s.home
		u.session.touch()
		u.showMain()
		u.shell.select_("people")
	}
	if g, ok := u.shell.current.(leaveGuard); ok {
		g.confirmLeave(leave)
		return
	}
	leave()
}

// helpingBanner is the text above the main window while helping.
func (u *UI) helpingBanner() string {
	s := u.session
	if s.readOnly {
		return t("app.helping.banner_view", map[string]any{"Name": s.helping})
	}
	return t("app.helping.banner", map[string]any{"Name": s.helping})
}

// mayChange tells whether the open vault may be changed here, and says so
// plainly when not.
func (u *UI) mayChange() bool {
	if s := u.session; s != nil && s.readOnly {
		u.showErrorText(lang.L("app.helping.read_only"))
		return false
	}
	return true
}
