package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for the preview
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/internal/atomicfile"
	"kluis/sync/schema"
	"kluis/vault"
)

// Limits for the image preview: the file is decrypted into memory only up
// to maxPreviewBytes, and decoded only up to maxPreviewPixels (a small
// JPEG can unpack to a huge picture).
const (
	maxPreviewBytes  = 20 << 20
	maxPreviewPixels = 40_000_000
)

var (
	errPreviewTooBig = errors.New("image too big to preview")
	errIsFolder      = errors.New("a folder cannot be added as a document")
)

// documentsPage lists the documents in the vault, newest first, and adds,
// shows, saves and deletes them.
type documentsPage struct {
	u      *UI
	docs   []vault.Document
	titles map[string]string // record id → "Category: title"

	list                    *keyList
	empty, hint             *widget.Label
	add, view, save, remove *widget.Button
	selected                int // index in docs, -1 for none
}

func newDocumentsPage(u *UI) page { return &documentsPage{u: u, selected: -1} }

func (p *documentsPage) content() fyne.CanvasObject {
	p.add = &widget.Button{Text: lang.L("app.documents.add"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: p.onAdd}
	p.view = &widget.Button{Text: lang.L("app.documents.view"), Icon: theme.VisibilityIcon(), OnTapped: p.onView}
	p.save = &widget.Button{Text: lang.L("app.documents.save"), Icon: theme.DocumentSaveIcon(), OnTapped: p.onSave}
	p.remove = &widget.Button{Text: lang.L("app.documents.delete"), Icon: theme.DeleteIcon(), OnTapped: p.onDelete}
	p.empty = paragraph(lang.L("app.documents.empty"))
	p.hint = paragraph(lang.L("app.documents.choose_first"))
	p.list = newKeyList(func() int { return len(p.docs) },
		func() fyne.CanvasObject {
			name := &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
			details := &widget.Label{Truncation: fyne.TextTruncateEllipsis}
			return container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), nil,
				container.New(&tightVBox{}, name, details))
		}, p.updateItem)
	p.list.OnSelected = func(i widget.ListItemID) {
		p.selected = i
		p.u.touch()
		p.updateButtons()
	}
	p.list.OnUnselected = func(widget.ListItemID) {
		p.selected = -1
		p.updateButtons()
	}
	p.updateButtons()
	p.reload()

	top := container.NewVBox(
		titleLabel(lang.L("app.documents.title")),
		paragraph(lang.L("app.documents.intro")),
		container.NewHBox(p.add),
	)
	// The buttons go on a second line in a narrow window, the hint wraps.
	actions := container.NewVBox(flowRow(p.view, p.save, p.remove), p.hint)
	// In screen order, not NewBorder's (middle first): Tab goes from the
	// list on to what can be done with the chosen document.
	list := container.NewStack(p.list, p.empty)
	return container.New(layout.NewBorderLayout(top, actions, nil, nil), top, list, actions)
}

func (p *documentsPage) updateItem(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(p.docs) {
		return
	}
	d := p.docs[i]
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	texts.Objects[0].(*widget.Label).SetText(d.Name)
	texts.Objects[1].(*widget.Label).SetText(p.details(d))
	icon := theme.FileIcon()
	switch {
	case isImage(d):
		icon = theme.FileImageIcon()
	case d.MediaType == "application/pdf" || strings.HasPrefix(d.MediaType, "text/"):
		icon = theme.FileTextIcon()
	}
	row.Objects[1].(*widget.Icon).SetResource(icon)
}

// details is the second line of a document in the list: size, date added
// and the record it belongs to.
func (p *documentsPage) details(d vault.Document) string {
	parts := []string{
		formatSize(d.Size, p.u.lang),
		t("app.documents.added_on", map[string]any{"Date": formatDate(d.Added.Time())}),
	}
	if title, ok := p.titles[d.Record]; ok {
		parts = append(parts, t("app.documents.belongs_to", map[string]any{"Record": title}))
	}
	return strings.Join(parts, "  ·  ")
}

// docsAndTitles is what the page loads in the background.
type docsAndTitles struct {
	docs   []vault.Document
	titles map[string]string
}

// reload fetches the documents and the titles of their records.
func (p *documentsPage) reload() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (docsAndTitles, error) {
		docs, err := v.Documents(false)
		if err != nil {
			return docsAndTitles{}, err
		}
		slices.Reverse(docs) // newest first
		titles := map[string]string{}
		for _, d := range docs {
			if d.Record == "" {
				continue
			}
			if _, done := titles[d.Record]; done {
				continue
			}
			if r, err := v.Get(d.Record); err == nil && !r.Deleted {
				titles[d.Record] = recordLabel(u, r)
			}
		}
		return docsAndTitles{docs, titles}, nil
	}, func(res docsAndTitles, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		p.docs, p.titles = res.docs, res.titles
		p.selected = -1
		p.list.UnselectAll()
		p.list.Refresh()
		if len(p.docs) == 0 {
			p.empty.Show()
		} else {
			p.empty.Hide()
		}
		p.updateButtons()
		if id := u.showDoc; id != "" {
			u.showDoc = ""
			if i := slices.IndexFunc(p.docs, func(d vault.Document) bool { return d.ID == id }); i >= 0 {
				p.list.Select(i)
				p.list.focusRow(i)
				u.focus(p.list)
			}
		}
	})
}

// showDocument shows the documents page with document id chosen, so that
// its buttons (view, save a copy, delete) act on it: where a search result
// that is a document leads.
func (u *UI) showDocument(id string) {
	if u.shell == nil {
		return
	}
	u.showDoc = id
	u.shell.select_("documents")
}

func (p *documentsPage) updateButtons() {
	d, ok := p.current()
	for _, b := range []*widget.Button{p.save, p.remove} {
		if ok {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if ok && isImage(d) {
		p.view.Enable()
	} else {
		p.view.Disable()
	}
	if ok || len(p.docs) == 0 {
		p.hint.Hide()
	} else {
		p.hint.Show()
	}
}

// current is the selected document.
func (p *documentsPage) current() (vault.Document, bool) {
	if p.selected < 0 || p.selected >= len(p.docs) {
		return vault.Document{}, false
	}
	return p.docs[p.selected], true
}

func (p *documentsPage) onAdd() {
	if !p.u.mayChange() {
		return
	}
	u := p.u
	u.touch()
	u.pickFile(lang.L("app.documents.choose_file"), func(path string) {
		p.onFilesChosen([]string{path})
	})
}

// onFilesChosen asks which record the files belong to, then adds them.
func (p *documentsPage) onFilesChosen(paths []string) {
	p.u.askLinkAndAdd(paths, p.reload)
}

func (p *documentsPage) onView() {
	u := p.u
	d, ok := p.current()
	v := u.vault()
	if !ok || v == nil {
		return
	}
	u.touch()
	if d.Size > maxPreviewBytes {
		u.inform(d.Name, lang.L("app.documents.preview_too_big"))
		return
	}
	runQuiet(u, func() (image.Image, error) { return decodePreview(v, d.ID) },
		func(img image.Image, err error) {
			switch {
			case errors.Is(err, errPreviewTooBig):
				u.inform(d.Name, lang.L("app.documents.preview_too_big"))
			case errors.Is(err, image.ErrFormat):
				u.inform(d.Name, lang.L("app.documents.preview_unknown"))
			case err != nil:
				u.showError(err)
			default:
				u.showPreview(d.Name, img)
			}
		})
}

// decodePreview decrypts a document into memory and decodes it as an
// image, refusing pictures too large to show.
func decodePreview(v *vault.Vault, id string) (image.Image, error) {
	var b bytes.Buffer
	defer func() { clear(b.Bytes()) }()
	if _, err := v.ReadDocument(context.Background(), id, &b); err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b.Bytes()))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPreviewPixels {
		return nil, errPreviewTooBig
	}
	img, _, err := image.Decode(bytes.NewReader(b.Bytes()))
	return img, err
}

// showPreview shows an image in a dialog, as large as the window allows.
func (u *UI) showPreview(name string, img image.Image) {
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScaleSmooth
	win := u.window.Canvas().Size()
	maxW, maxH := max(win.Width*0.8, 300), max(win.Height*0.7, 240)
	b := img.Bounds()
	scale := min(maxW/float32(b.Dx()), maxH/float32(b.Dy()), 1)
	c.SetMinSize(fyne.NewSize(float32(b.Dx())*scale, float32(b.Dy())*scale))
	u.showDialog(name, lang.L("app.documents.close"), c)
}

func (p *documentsPage) onSave() {
	u := p.u
	doc, ok := p.current()
	if !ok {
		return
	}
	u.touch()
	u.pickSaveFile(lang.L("app.documents.choose_place"), doc.Name, func(path string) {
		u.saveDocumentCopy(doc, path, nil)
	})
}

// saveDocumentCopy writes a document to path outside the vault, through a
// temporary file next to it that only takes the name when the whole
// document was read and checked, and notes the export in the log.
func (u *UI) saveDocumentCopy(doc vault.Document, path string, done func(error)) {
	v := u.vault()
	if v == nil {
		return
	}
	u.run(t("app.documents.saving", map[string]any{"Name": doc.Name}), true, func(ctx context.Context, progress Progress) error {
		err := writeFileSafely(path, func(w io.Writer) error {
			pw := &progressWriter{w: w, total: doc.Size, progress: progress}
			_, err := v.ReadDocument(ctx, doc.ID, pw)
			return err
		})
		if err != nil {
			return err
		}
		return v.LogDocumentExported(doc.ID)
	}, func(err error) {
		if done != nil {
			defer done(err)
		}
		switch {
		case isCanceled(err):
			u.showStopped()
			return
		case err != nil:
			u.showError(err)
			return
		}
		u.inform(lang.L("app.documents.saved_title"),
			t("app.documents.saved", map[string]any{"Path": path}))
	})
}

func (p *documentsPage) onDelete() {
	if !p.u.mayChange() {
		return
	}
	u := p.u
	doc, ok := p.current()
	v := u.vault()
	if !ok || v == nil {
		return
	}
	u.touch()
	u.confirm(lang.L("app.documents.delete_title"),
		t("app.documents.delete_question", map[string]any{"Name": doc.Name}), func() {
			runQuiet(u, func() (struct{}, error) { return struct{}{}, v.DeleteDocument(doc.ID) },
				func(_ struct{}, err error) {
					if err != nil {
						u.showError(err)
					}
					p.reload()
				})
		})
}

// onDropped receives files dropped on the window: they are added as
// documents (after asking which record they belong to), and the documents
// page is shown. Before the vault is unlocked a drop does nothing.
func (u *UI) onDropped(_ fyne.Position, uris []fyne.URI) {
	if u.vault() == nil || !u.mayChange() {
		return
	}
	if u.vault() == nil || u.shell == nil {
		return
	}
	u.touch()
	var paths []string
	for _, uri := range uris {
		if uri.Scheme() == "file" {
			paths = append(paths, uri.Path())
		}
	}
	if len(paths) == 0 {
		return
	}
	// A form with unsaved changes stays open; the documents are added
	// anyway, and the page shows them when the person goes there.
	if _, busy := u.shell.current.(leaveGuard); !busy {
		u.shell.select_("documents")
	}
	u.askLinkAndAdd(paths, func() {
		if u.shell != nil {
			if p, ok := u.shell.current.(*documentsPage); ok {
				p.reload()
			}
		}
	})
}

// linkChoice is one option of "which record does this belong to".
type linkChoice struct {
	label, id string
}

// askLinkAndAdd asks which record the files at paths belong to (none is
// fine), then adds them. done runs afterwards, also when nothing was added.
func (u *UI) askLinkAndAdd(paths []string, done func()) {
	v := u.vault()
	if v == nil || len(paths) == 0 {
		return
	}
	runQuiet(u, func() ([]linkChoice, error) { return linkChoices(u, v) }, func(choices []linkChoice, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		none := lang.L("app.documents.link_none")
		options := []string{none}
		ids := map[string]string{}
		for _, c := range choices {
			options = append(options, c.label)
			ids[c.label] = c.id
		}
		sel := &widget.Select{Options: options, Selected: none}
		var what string
		if len(paths) == 1 {
			what = t("app.documents.adding_one", map[string]any{"Name": filepath.Base(paths[0])})
		} else {
			what = tn("app.documents.adding_many", len(paths), nil)
		}
		body := container.NewVBox(paragraph(what),
			widget.NewLabelWithStyle(lang.L("app.documents.link_label"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			sel, paragraph(lang.L("app.documents.link_hint")))
		d := dialog.NewCustomConfirm(lang.L("app.documents.add_title"), lang.L("app.documents.add_confirm"),
			lang.L("app.documents.add_cancel"), body, func(ok bool) {
				if !ok {
					return
				}
				u.addDocuments(paths, ids[sel.Selected], func(int, error) {
					if done != nil {
						done()
					}
				})
			}, u.window)
		d.Resize(fyne.NewSize(560, d.MinSize().Height))
		d.Show()
	})
}

// linkChoices lists every current record as "Category: title", in the
// order of the categories.
func linkChoices(u *UI, v *vault.Vault) ([]linkChoice, error) {
	recs, err := v.List("")
	if err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, c := range schema.Categories() {
		order[c.ID] = i
	}
	slices.SortStableFunc(recs, func(a, b vault.Record) int { return order[a.Category] - order[b.Category] })
	out := make([]linkChoice, 0, len(recs))
	seen := map[string]int{}
	for _, r := range recs {
		label := recordLabel(u, r)
		// Two records with the same title stay distinguishable.
		if n := seen[label]; n > 0 {
			seen[label]++
			label = fmt.Sprintf("%s (%d)", label, n+1)
		} else {
			seen[label] = 1
		}
		out = append(out, linkChoice{label: label, id: r.ID})
	}
	return out, nil
}

// recordLabel is "Category: title" for a record.
func recordLabel(u *UI, r vault.Record) string {
	title := ""
	if c, ok := schema.Lookup(r.Category); ok {
		title = c.TitleOf(r.Fields)
	}
	return u.cat.Category(r.Category) + ": " + title
}

// addDocuments adds the files at paths as documents linked to record (""
// for none), with a progress bar and a Stop button. Files added before a
// stop or an error are kept; the one being added is not. done gets the
// number added and the error.
func (u *UI) addDocuments(paths []string, record string, done func(added int, err error)) {
	v := u.vault()
	if v == nil {
		return
	}
	title := lang.L("app.documents.adding")
	if len(paths) == 1 {
		title = t("app.documents.adding_name", map[string]any{"Name": filepath.Base(paths[0])})
	}
	var added int
	u.run(title, true, func(ctx context.Context, progress Progress) error {
		var err error
		added, err = addFiles(ctx, v, paths, record, progress)
		return err
	}, func(err error) {
		switch {
		case err == nil:
		case isCanceled(err) && added == 0:
			u.showStopped()
		case added > 0:
			u.inform(lang.L("app.error.title"), u.errorText(err)+"\n\n"+
				tn("app.documents.partly", added, map[string]any{"Total": len(paths)}))
		case errors.Is(err, errIsFolder):
			u.inform(lang.L("app.error.title"), lang.L("app.documents.folder"))
		default:
			u.showError(err)
		}
		if done != nil {
			done(added, err)
		}
	})
}

// addFiles is the work of addDocuments: it streams each file into the
// vault, reporting progress over all bytes together.
func addFiles(ctx context.Context, v *vault.Vault, paths []string, record string, progress Progress) (int, error) {
	var total int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return 0, err
		}
		if fi.IsDir() {
			return 0, errIsFolder
		}
		total += fi.Size()
	}
	var before int64
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return i, err
		}
		doc, err := v.AddDocument(ctx, filepath.Base(p), f, vault.DocumentOptions{
			Record: record,
			Progress: func(done int64) {
				if total > 0 {
					progress(float64(before+done) / float64(total))
				}
			},
		})
		f.Close()
		if err != nil {
			return i, err
		}
		before += doc.Size
	}
	return len(paths), nil
}

// progressWriter reports how much of total was written.
type progressWriter struct {
	w        io.Writer
	done     int64
	total    int64
	progress Progress
	last     float64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.total > 0 {
		// Report whole percents only: no need to wake the UI per chunk.
		if f := float64(p.done) / float64(p.total); f-p.last >= 0.01 || p.done == p.total {
			p.last = f
			p.progress(f)
		}
	}
	return n, err
}

// writeFileSafely writes path atomically (package atomicfile): the file
// takes the name only when write succeeded and the data is on disk. On
// failure the temporary file is removed; so is an empty file at path,
// which the save dialog leaves behind. Temporary files an earlier,
// interrupted save left in the folder are removed first.
func writeFileSafely(path string, write func(w io.Writer) error) (err error) {
	defer func() {
		if err != nil {
			removeIfEmpty(path)
		}
	}()
	atomicfile.CleanTemp(filepath.Dir(path))
	return atomicfile.Write(path, write)
}

// showStopped confirms that work the person stopped left nothing behind.
func (u *UI) showStopped() {
	u.inform(lang.L("app.documents.stopped_title"), u.errorText(vault.ErrCanceled))
}

func isImage(d vault.Document) bool { return strings.HasPrefix(d.MediaType, "image/") }

// formatSize writes a file size the way people read it: "340 KB",
// "1,2 MB" (with a decimal point in English).
func formatSize(n int64, language string) string {
	const k, m, g = 1 << 10, 1 << 20, 1 << 30
	var s string
	switch {
	case n < m:
		s = fmt.Sprintf("%d KB", (n+k-1)/k)
	case n < g:
		s = fmt.Sprintf("%.1f MB", float64(n)/m)
	default:
		s = fmt.Sprintf("%.1f GB", float64(n)/g)
	}
	if language == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// tightVBox stacks objects vertically without padding between them, for a
// title line with a detail line under it.
type tightVBox struct{}

func (tightVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
	}
	return fyne.NewSize(s.Width, s.Height-theme.Padding()*float32(len(objs)-1))
}

func (tightVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - theme.Padding()
	}
}
