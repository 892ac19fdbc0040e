package app

import (
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"kluis/vault"
)

// session is one open vault file with its auto-lock state.
type session struct {
	v    *vault.Vault
	demo bool

	// While helping in someone else's vault (a delegate's replica), home
	// is the person's own session, kept open and unlocked underneath;
	// helping names the owner and readOnly is set for a view-only role.
	home     *session
	helping  string
	readOnly bool

	mu          sync.Mutex
	lastActive  time.Time
	leftAt      time.Time // when the app went to the background; zero while in front
	now         func() time.Time
	stopTicking chan struct{}
	trimmedAt   time.Time // when memory was last handed back to the system

	post postState // picking up messages (UI goroutine only)
}

func newSession(v *vault.Vault, demo bool, now func() time.Time) *session {
	return &session{v: v, demo: demo, now: now, lastActive: now()}
}

func (s *session) touch() {
	s.mu.Lock()
	s.lastActive = s.now()
	s.mu.Unlock()
}

// idleFor is how long nothing happened.
func (s *session) idleFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Sub(s.lastActive)
}

// awayFor is how long the app has been in the background (0 when in front).
func (s *session) awayFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leftAt.IsZero() {
		return 0
	}
	return s.now().Sub(s.leftAt)
}

// trimAfter is how long the app must have been quiet before the memory
// that work since the last trim left behind goes back to the system.
const trimAfter = 5 * time.Second

// dueForTrim reports whether something happened since the last trim and
// the app has been quiet for trimAfter since; it then counts as trimmed.
func (s *session) dueForTrim() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.lastActive.After(s.trimmedAt) || now.Sub(s.lastActive) < trimAfter {
		return false
	}
	s.trimmedAt = now
	return true
}

// autoLockAfter is the chosen inactivity time; 0 means never.
func (u *UI) autoLockAfter() time.Duration {
	m := u.app.Preferences().IntWithFallback(prefAutoLock, defaultAutoLockMinutes)
	if m <= 0 {
		return 0
	}
	return time.Duration(m) * time.Minute
}

// checkAutoLock locks the vault when it was idle, or in the background,
// for longer than the chosen time. It runs on the UI goroutine.
func (u *UI) checkAutoLock() {
	s := u.session
	limit := u.autoLockAfter()
	if s == nil || s.v.Locked() || limit == 0 {
		return
	}
	if s.idleFor() >= limit || s.awayFor() >= limit {
		if sh := u.shell; sh != nil {
			if ls, ok := sh.current.(lockSaver); ok {
				ls.saveBeforeLock(u.lockNow)
				return
			}
		}
		u.lockNow()
	}
}

// startAutoLock checks for inactivity every few seconds until stop.
func (u *UI) startAutoLock(s *session) {
	s.stopTicking = make(chan struct{})
	if u.sync {
		return // tests call checkAutoLock themselves
	}
	go func(stop chan struct{}) {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				onUI(u.checkAutoLock)
				// An open vault sits idle most of the time: hand back
				// what unlocking, loading a list or a search left as
				// garbage, instead of keeping it for the next one.
				if s.dueForTrim() {
					debug.FreeOSMemory()
				}
			}
		}
	}(s.stopTicking)
}

func (u *UI) onBackground() {
	if s := u.session; s != nil {
		s.mu.Lock()
		s.leftAt = s.now()
		s.mu.Unlock()
	}
}

func (u *UI) onForeground() {
	u.checkAutoLock()
	if s := u.session; s != nil {
		s.mu.Lock()
		s.leftAt = time.Time{}
		s.mu.Unlock()
	}
}

// onStopped wipes the keys and releases the vault when the app ends.
func (u *UI) onStopped() { u.closeSession() }

// lockNow wipes the keys and shows the unlock screen. A replica being
// helped in is closed first: the unlock screen is always the person's own.
// Every dialog is closed: none may stay over the unlock screen, with what
// it shows (a document, a name) or a button that acts on the vault.
func (u *UI) lockNow() {
	if u.session == nil {
		return
	}
	overlays := u.window.Canvas().Overlays()
	for top := overlays.Top(); top != nil; top = overlays.Top() {
		overlays.Remove(top)
	}
	if s := u.session; s.home != nil {
		s.stopAutoLock()
		s.v.Close()
		u.session = s.home
	}
	u.session.v.Lock()
	u.session.stopFetching()
	u.shell = nil
	u.showUnlock()
}

// closeSession locks and closes the open vault, if any.
func (u *UI) closeSession() {
	s := u.session
	if s == nil {
		return
	}
	for ; s != nil; s = s.home {
		s.stopAutoLock()
		s.v.Close()
	}
	u.session, u.shell = nil, nil
}

// stopAutoLock ends the session's inactivity checks.
func (s *session) stopAutoLock() {
	if s.stopTicking != nil {
		close(s.stopTicking)
		s.stopTicking = nil
	}
}

// demoPathFor puts the example vault next to the real one.
func demoPathFor(vaultPath string) string {
	dir := filepath.Dir(vaultPath)
	base := strings.TrimSuffix(filepath.Base(vaultPath), filepath.Ext(vaultPath))
	return filepath.Join(dir, base+"-voorbeeld.kluis")
}
