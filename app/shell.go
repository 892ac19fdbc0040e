package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/schema"
)

// A page is what the main window shows right of the navigation: a
// category's records, a form, the documents, the settings…
type page interface {
	// content builds the page's widgets; it is called each time the page
	// is shown.
	content() fyne.CanvasObject
}

// A leaveGuard is a page that may hold unsaved changes: before another
// page replaces it, the shell calls confirmLeave, which calls proceed when
// leaving is fine (nothing changed, or the person chose to discard).
type leaveGuard interface {
	confirmLeave(proceed func())
}

// A lockSaver is a page that may hold unsaved changes when the vault locks
// by itself (auto-lock): saveBeforeLock keeps them if they are valid and
// then calls done. A person walking away must not lose what they typed;
// what cannot be saved (invalid input) is dropped, since the screen must
// not keep personal data on show while locked.
type lockSaver interface {
	saveBeforeLock(done func())
}

// navItem is one entry of the navigation list.
type navItem struct {
	id    string // category id, or "documents", "search", …
	icon  fyne.Resource
	label func(counts map[string]int) string
	bold  func() bool // set in bold (something new); nil: never
	open  func() page
}

// shell is the main window while the vault is unlocked: navigation on the
// left, the current page on the right, lock button on top.
type shell struct {
	u       *UI
	items   []navItem
	counts  map[string]int
	nav     *keyList
	body    *fyne.Container
	current page
	lock    *widget.Button
	banner  *widget.Label
}

func (u *UI) showMain() {
	s := &shell{u: u, counts: map[string]int{}}
	u.shell = s
	for _, c := range schema.Categories() {
		c := c
		s.items = append(s.items, navItem{
			id: c.ID, icon: theme.FolderIcon(),
			label: func(counts map[string]int) string {
				return fmt.Sprintf("%s (%d)", u.cat.Category(c.ID), counts[c.ID])
			},
			open: func() page { return newCategoryPage(u, c) },
		})
	}
	helping := u.session.home != nil
	fixed := func(id string, icon fyne.Resource, key string, open func() page) {
		// In someone else's vault only their data: sharing, requests,
		// people and settings belong to the person's own vault.
		if helping && (id == "shares" || id == "requests" || id == "people" || id == "settings") {
			return
		}
		s.items = append(s.items, navItem{id: id, icon: icon, label: func(map[string]int) string { return lang.L(key) }, open: open})
	}
	fixed("documents", theme.FileIcon(), "app.nav.documents", func() page { return newDocumentsPage(u) })
	fixed("shares", theme.MailSendIcon(), "app.nav.shares", func() page { return newSharesPage(u) })
	fixed("requests", theme.MailComposeIcon(), "app.nav.requests", func() page { return newRequestsPage(u) })
	if it := &s.items[len(s.items)-1]; it.id == "requests" {
		// With the number of messages picked up since unlock and not read
		// yet, in bold, as a mail program shows its inbox.
		it.bold = func() bool { return u.session.post.unreadTotal() > 0 }
		it.label = func(map[string]int) string {
			if n := u.session.post.unreadTotal(); n > 0 {
				return tn("app.nav.requests_new", n, nil)
			}
			return lang.L("app.nav.requests")
		}
	}
	fixed("people", theme.AccountIcon(), "app.nav.people", func() page { return newPeoplePage(u) })
	fixed("search", theme.SearchIcon(), "app.nav.search", func() page { return newSearchPage(u) })
	fixed("bin", theme.DeleteIcon(), "app.nav.bin", func() page { return newBinPage(u) })
	fixed("activity", theme.ListIcon(), "app.nav.activity", func() page { return newActivityPage(u) })
	fixed("settings", theme.SettingsIcon(), "app.nav.settings", func() page { return newSettingsPage(u) })

	// The navigation's items are set a little closer than elsewhere, so
	// that all of them are in view in a window 600 high. Each row lays out
	// its icon and text itself (newNavRow): a theme override, on the rows
	// (88 MiB) or on the whole list (8 MB), makes Fyne load every font
	// again for the text under it.
	s.nav = newKeyList(func() int { return len(s.items) },
		func() fyne.CanvasObject { return newNavRow(theme.FolderIcon(), "Persoonlijke gegevens (000)") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(s.items[i].icon)
			text := row.Objects[1].(*canvas.Text)
			text.Text = s.items[i].label(s.counts)
			text.TextStyle.Bold = s.items[i].bold != nil && s.items[i].bold()
			text.Color = theme.Color(theme.ColorNameForeground)
			text.TextSize = theme.TextSize()
			row.Refresh()
		})
	s.nav.OnSelected = s.onNavSelected
	s.lock = &widget.Button{Text: lang.L("app.lock"), Icon: theme.LogoutIcon(), OnTapped: s.onLock}
	s.banner = &widget.Label{Wrapping: fyne.TextWrapWord}
	right := fyne.CanvasObject(s.lock)
	switch {
	case u.session.demo:
		s.banner.SetText(lang.L("app.demo.banner"))
		leave := &widget.Button{Text: lang.L("app.demo.close"), Icon: theme.NavigateBackIcon(), OnTapped: u.leaveDemo}
		right = container.NewHBox(leave, s.lock)
	case u.session.home != nil:
		s.banner.SetText(u.helpingBanner())
		s.banner.TextStyle = fyne.TextStyle{Bold: true}
		back := &widget.Button{Text: lang.L("app.helping.back"), Icon: theme.NavigateBackIcon(), Importance: widget.HighImportance, OnTapped: u.backHome}
		right = container.NewHBox(back, s.lock)
	}
	s.body = container.NewStack()
	// The navigation has the window's whole height, so that all its items
	// are in view in a window 600 high; the bar with the lock button is
	// above the page only.
	// The banner (the example vault, helping someone) goes under the
	// buttons, across the page's whole width: beside them it would have
	// next to no width in a small window, and a text that wraps one
	// letter per line makes the window grow far beyond the screen.
	s.banner.Hidden = s.banner.Text == ""
	top := container.NewVBox(container.NewBorder(nil, nil, nil, right), s.banner)
	split := container.NewHSplit(s.nav, container.NewBorder(top, nil, nil, nil, container.NewPadded(s.body)))
	split.Offset = 0.27
	u.window.SetContent(split)

	// The keyboard shortcuts (Ctrl+L, Ctrl+S, Ctrl+F, Ctrl+D) are the
	// window's: see windowShortcuts.
	s.refreshCounts()
	s.nav.Select(0)
	u.window.Canvas().Focus(s.nav)
	u.openPending()
	// Messages waiting at the desks of kept cards: picked up in the
	// background, never in the way.
	u.startFetching()
}

// select_ shows the navigation item with id.
func (s *shell) select_(id string) {
	for i, it := range s.items {
		if it.id == id {
			s.nav.Select(i)
			return
		}
	}
}

func (s *shell) onNavSelected(i widget.ListItemID) {
	s.u.touch()
	s.open(s.items[i].open())
}

// open shows p, first asking the current page whether it may be left.
func (s *shell) open(p page) {
	show := func() {
		s.current = p
		s.body.Objects = []fyne.CanvasObject{p.content()}
		s.body.Refresh()
	}
	if g, ok := s.current.(leaveGuard); ok {
		g.confirmLeave(show)
		return
	}
	show()
}

// refreshCounts reloads the number of records per category in the
// navigation.
func (s *shell) refreshCounts() {
	u := s.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, v.Counts, func(c map[string]int, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		s.counts = c
		s.nav.Refresh()
	})
}

func (s *shell) onLock() {
	lock := func() { s.u.lockNow() }
	if g, ok := s.current.(leaveGuard); ok {
		g.confirmLeave(lock)
		return
	}
	lock()
}

// confirm asks a yes/no question; yes runs on confirmation.
func (u *UI) confirm(title, text string, yes func()) {
	d := dialog.NewConfirm(title, text, func(ok bool) {
		if ok {
			yes()
		}
	}, u.window)
	d.Show()
}
