package app

import (
	"bufio"
	"cmp"
	"kluis/internal/filename"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// chooser is Kluis's own file and folder chooser. Fyne's file dialog names
// its places in English whatever the language ("Home"), and cannot be told
// otherwise; this one speaks the person's language, shows the folders they
// know (their own folder, Bureaublad, Documenten, Downloads, the whole
// computer), and works with the keyboard: Tab between the places, the list,
// the name and the buttons; arrows and Space in the list.
type chooser struct {
	u      *UI
	mode   chooseMode
	chosen func(path string)

	dir      string
	entries  []chooserEntry
	selected string // a file chosen in the list (open mode)

	where   *widget.Label
	list    *keyList
	name    *keyEntry // save mode
	problem *widget.Label
	ok      *widget.Button
	d       dialog.Dialog
}

type chooseMode int

const (
	chooseOpen chooseMode = iota
	chooseSave
	chooseFolder
)

type chooserEntry struct {
	name string
	dir  bool
}

// newChooser builds and shows the chooser, starting in the home folder.
func (u *UI) newChooser(mode chooseMode, title, name string, chosen func(path string)) *chooser {
	c := &chooser{u: u, mode: mode, chosen: chosen}
	c.where = &widget.Label{Wrapping: fyne.TextWrapBreak, TextStyle: fyne.TextStyle{Bold: true}}
	c.problem = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	c.list = newKeyList(func() int { return len(c.entries) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.FolderIcon()), widget.NewLabel("bestandsnaam.pdf"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			e := c.entries[i]
			icon := theme.FileIcon()
			if e.dir {
				icon = theme.FolderIcon()
			}
			row.Objects[0].(*widget.Icon).SetResource(icon)
			row.Objects[1].(*widget.Label).SetText(e.name)
		})
	c.list.OnSelected = c.onSelected
	up := &widget.Button{Text: lang.L("app.chooser.up"), Icon: theme.MoveUpIcon(), OnTapped: c.onUp}
	var places []fyne.CanvasObject
	for _, p := range knownPlaces() {
		places = append(places, &widget.Button{Text: p.label, Icon: p.icon, Alignment: widget.ButtonAlignLeading,
			OnTapped: func() { c.open(p.path) }})
	}
	okText := lang.L("app.chooser.open")
	switch mode {
	case chooseSave:
		okText = lang.L("app.chooser.save")
	case chooseFolder:
		okText = lang.L("app.chooser.this_folder")
	}
	c.ok = &widget.Button{Text: okText, Importance: widget.HighImportance, OnTapped: c.onOK}
	cancel := &widget.Button{Text: lang.L("app.action.cancel"), OnTapped: func() { c.d.Hide() }}
	var bottom fyne.CanvasObject = container.NewVBox(c.problem, container.NewGridWithColumns(2, cancel, c.ok))
	if mode == chooseSave {
		c.name = newKeyEntry()
		c.name.SetText(name)
		c.name.OnSubmitted = func(string) { c.onOK() }
		bottom = container.NewVBox(
			widget.NewLabelWithStyle(lang.L("app.chooser.name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			c.name, bottom)
	}
	top := container.NewBorder(nil, nil, nil, up, c.where)
	left := container.NewVBox(places...)
	body := container.NewBorder(top, bottom, left, nil, c.list)
	c.d = dialog.NewCustomWithoutButtons(title, body, u.window)
	size := u.window.Canvas().Size()
	c.d.Resize(fyne.NewSize(max(size.Width*0.85, 600), max(size.Height*0.85, 450)))
	home, err := os.UserHomeDir()
	if err != nil {
		home = string(filepath.Separator)
	}
	c.open(home)
	c.d.Show()
	if c.name != nil {
		u.focus(c.name)
	} else {
		u.focus(c.list)
	}
	return c
}

// open shows the folder dir.
func (c *chooser) open(dir string) {
	c.u.touch()
	items, err := os.ReadDir(dir)
	if err != nil {
		c.problem.SetText(lang.L("app.chooser.cannot_read"))
		return
	}
	c.dir, c.selected = dir, ""
	c.entries = c.entries[:0]
	for _, it := range items {
		if strings.HasPrefix(it.Name(), ".") {
			continue // hidden files: not what people look for
		}
		isDir := it.IsDir()
		if it.Type()&os.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(dir, it.Name())); err == nil {
				isDir = fi.IsDir()
			}
		}
		if c.mode == chooseFolder && !isDir {
			continue
		}
		c.entries = append(c.entries, chooserEntry{name: it.Name(), dir: isDir})
	}
	slices.SortFunc(c.entries, func(a, b chooserEntry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		return cmp.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	c.where.SetText(dir)
	c.problem.SetText("")
	c.list.UnselectAll()
	c.list.focusRow(0) // another folder: the keyboard starts at the top
	c.list.Refresh()
	c.list.ScrollToTop()
	c.updateOK()
}

func (c *chooser) onUp() { c.open(filepath.Dir(c.dir)) }

func (c *chooser) onSelected(i widget.ListItemID) {
	e := c.entries[i]
	if e.dir {
		c.open(filepath.Join(c.dir, e.name))
		return
	}
	c.selected = e.name
	if c.name != nil {
		c.name.SetText(e.name)
	}
	c.updateOK()
}

func (c *chooser) updateOK() {
	if c.mode == chooseOpen && c.selected == "" {
		c.ok.Disable()
		return
	}
	c.ok.Enable()
}

func (c *chooser) onOK() {
	c.u.touch()
	switch c.mode {
	case chooseFolder:
		c.done(c.dir)
	case chooseOpen:
		if c.selected != "" {
			c.done(filepath.Join(c.dir, c.selected))
		}
	case chooseSave:
		name := strings.TrimSpace(c.name.Text)
		if name == "" || strings.ContainsRune(name, filepath.Separator) {
			c.problem.SetText(lang.L("app.chooser.bad_name"))
			return
		}
		// What Windows forbids in a name (a ":" would write a hidden
		// stream) is replaced, the same on every system.
		name = filename.Safe(name)
		path := filepath.Join(c.dir, name)
		if _, err := os.Stat(path); err == nil {
			c.u.confirm(lang.L("app.chooser.exists_title"), t("app.chooser.exists", map[string]any{"Name": name}), func() { c.done(path) })
			return
		}
		c.done(path)
	}
}

func (c *chooser) done(path string) {
	c.d.Hide()
	c.chosen(path)
}

// place is a folder offered on the left of the chooser.
type place struct {
	label, path string
	icon        fyne.Resource
}

// knownPlaces are the person's own folder, the desktop, documents and
// downloads folders as their desktop names them (XDG user dirs, so
// "Bureaublad" and "Documenten" on a Dutch system), and the whole computer.
func knownPlaces() []place {
	home, err := os.UserHomeDir()
	if err != nil {
		return []place{{lang.L("app.chooser.computer"), "/", theme.ComputerIcon()}}
	}
	out := []place{{lang.L("app.chooser.home"), home, theme.HomeIcon()}}
	dirs := userDirs(home)
	for _, k := range []struct {
		key, fallback, label string
		icon                 fyne.Resource
	}{
		{"XDG_DESKTOP_DIR", "Desktop", lang.L("app.chooser.desktop"), theme.DesktopIcon()},
		{"XDG_DOCUMENTS_DIR", "Documents", lang.L("app.chooser.documents"), theme.DocumentIcon()},
		{"XDG_DOWNLOAD_DIR", "Downloads", lang.L("app.chooser.downloads"), theme.DownloadIcon()},
	} {
		p := dirs[k.key]
		if p == "" {
			p = filepath.Join(home, k.fallback)
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() && p != home {
			out = append(out, place{k.label, p, k.icon})
		}
	}
	return append(out, place{lang.L("app.chooser.computer"), "/", theme.ComputerIcon()})
}

// userDirs reads ~/.config/user-dirs.dirs (lines like
// XDG_DOCUMENTS_DIR="$HOME/Documenten").
func userDirs(home string) map[string]string {
	out := map[string]string{}
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		cfg = filepath.Join(home, ".config")
	}
	f, err := os.Open(filepath.Join(cfg, "user-dirs.dirs"))
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		v = strings.Trim(v, `"`)
		v = strings.Replace(v, "$HOME", home, 1)
		if filepath.IsAbs(v) {
			out[k] = v
		}
	}
	return out
}
