package app

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/citizen/share"
	"kluis/internal/writeback"
	"kluis/sync/bundle"
)

// madeStep is the wizard's result: the share made, to save as a file, or
// to copy as a link or show as a QR code when it is small enough, with its
// share code when it has one.
type madeStep struct {
	w        *shareWizard
	result   *share.Result
	tempPath string // the bundle, until the person saves it
	saved    string // where it was saved
	data     []byte // the bundle's bytes when small enough for a link
	left     bool   // leave without asking
	// direct sends the share to the organisation's desk, when its card
	// names one; nil otherwise.
	direct *directSend
}

func (s *madeStep) content() fyne.CanvasObject {
	u, res := s.w.u, s.result
	col := container.NewVBox(
		&widget.Label{Text: lang.L("app.wizard.made_title"), SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}},
	)
	if res.Code != "" {
		col.Add(paragraph(t("app.wizard.made_code_intro", map[string]any{"Date": formatUntil(res.Manifest.NotAfter)})))
	} else {
		intro := "app.wizard.made_intro"
		if s.direct != nil {
			intro = "app.wizard.made_intro_direct" // the next lines say how to send it
		}
		col.Add(paragraph(t(intro, map[string]any{"Org": res.Manifest.Recipient.Org,
			"Date": formatUntil(res.Manifest.NotAfter)})))
	}
	scroll := container.NewVScroll(container.New(&formColumn{width: 680}, col))
	// What can be done with the share comes first, side by side: saving
	// it, and copying the link when it is small enough for one.
	save := &widget.Button{Text: lang.L("app.wizard.save_file"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: s.onSaveFile}
	savedLabel := paragraph("")
	if s.saved != "" {
		savedLabel.SetText(t("app.wizard.saved", map[string]any{"Path": s.saved}))
	} else {
		savedLabel.Hide()
	}
	if s.direct != nil {
		// Straight to the organisation first: the easiest way, when it has one.
		col.Add(s.direct.view())
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: s.direct.otherWay(), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	}
	uri := s.link()
	var qr *qrCode
	if uri == "" {
		col.Add(paragraph(lang.L("app.wizard.too_big_for_link")))
		col.Add(flowRow(save))
		col.Add(savedLabel)
	} else {
		copied := paragraph(lang.L("app.wizard.link_copied"))
		copied.Hide()
		copyBtn := &widget.Button{Text: lang.L("app.wizard.copy_link"), Icon: theme.ContentCopyIcon(), OnTapped: func() {
			u.touch()
			u.copyForAWhile(uri)
			copied.Show()
		}}
		col.Add(paragraph(lang.L("app.wizard.link_intro")))
		col.Add(flowRow(save, copyBtn))
		col.Add(savedLabel)
		col.Add(copied)
		qr = newQRCode(uri)
	}
	if res.Code != "" {
		col.Add(widget.NewSeparator())
		col.Add(&widget.Label{Text: lang.L("app.wizard.code_label"), TextStyle: fyne.TextStyle{Bold: true}})
		col.Add(&widget.Label{Text: res.Code.String(), SizeName: theme.SizeNameHeadingText,
			TextStyle: fyne.TextStyle{Monospace: true, Bold: true}, Selectable: true})
		col.Add(notice(theme.WarningIcon(), lang.L("app.wizard.code_warning")))
	}
	if qr != nil {
		// As large as fits where it scrolls, so it can be scanned whole.
		qr.view = scroll
		col.Add(widget.NewSeparator())
		col.Add(paragraph(lang.L("app.wizard.qr_intro")))
		col.Add(qr)
	}
	s.w.focusFirst = save
	return scroll
}

func (s *madeStep) done() string { return "" }

// link is the kluis: link of a small bundle, or "" when it does not fit.
func (s *madeStep) link() string {
	if s.data == nil {
		return ""
	}
	uri := bundle.BundleURI(s.data)
	if len(uri) > bundle.MaxURILength {
		return ""
	}
	return uri
}

func (s *madeStep) onSaveFile() {
	u := s.w.u
	u.touch()
	if s.tempPath == "" || s.result == nil {
		return
	}
	u.pickSaveFile(lang.L("app.wizard.save_place"), shareFileName(u.deps.Now()), s.saveTo)
}

// saveTo copies the made bundle to path and notes the place with the share.
func (s *madeStep) saveTo(path string) {
	if s.w.u.vault() == nil {
		return
	}
	s.w.u.saveShareFile(s.tempPath, s.result.Info.ID, path, func() {
		s.saved = path
		s.w.show()
	})
}

// cleanUp removes the temporary bundle.
func (s *madeStep) cleanUp() {
	if s.tempPath != "" {
		os.Remove(s.tempPath)
		s.tempPath = ""
	}
	s.data = nil
}

// A signedFile is a bundle signed into a temporary file: the share made
// (its manifest set once it is recorded), the file, and its bytes when it
// is small enough for a link.
type signedFile struct {
	res  share.Result
	path string
	data []byte
}

// signToTempFile has sign write a bundle into a new temporary file named
// after pattern, buffered and forced to disk by flush before the share is
// recorded, with progress. A bundle that was not recorded is removed; once
// it is recorded, a failure after that only loses the link, so the result
// is returned with the error.
func signToTempFile(pattern string, progress Progress,
	sign func(w io.Writer, flush func() error, progress share.Progress) (share.Result, error)) (signedFile, error) {
	var out signedFile
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return out, err
	}
	out.path = f.Name()
	// Writeback starts every few MiB, so the sync in flush waits for
	// little (internal/writeback).
	bw := bufio.NewWriterSize(writeback.NewWriter(f), 128<<10)
	flush := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return f.Sync()
	}
	out.res, err = sign(bw, flush, func(done, total int64) {
		if total > 0 {
			progress(float64(done) / float64(total))
		}
	})
	if out.res.Manifest != nil {
		out.data, _ = readIfSmall(f) // without it, only the link is lost
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if out.res.Manifest == nil {
		os.Remove(out.path)
	}
	return out, err
}

// readIfSmall reads the bundle back when it fits in a link.
func readIfSmall(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, bundle.MaxURILength+1))
	if err != nil || len(b) > bundle.MaxURILength {
		return nil, err
	}
	return b, nil
}

// saveShareFile copies a made bundle (or answer) from its temporary file
// src to path, through a temporary file there, with progress and Stop, and
// notes the place with share id. saved runs on the UI goroutine when done.
func (u *UI) saveShareFile(src, id, path string, saved func()) {
	v := u.vault()
	if v == nil || src == "" {
		return
	}
	u.run(lang.L("app.wizard.saving"), true, func(ctx context.Context, progress Progress) error {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		fi, err := in.Stat()
		if err != nil {
			return err
		}
		err = writeFileSafely(path, func(out io.Writer) error {
			pw := &progressWriter{w: out, total: fi.Size(), progress: progress}
			_, err := io.Copy(pw, &ctxReader{ctx: ctx, r: in})
			return err
		})
		if err != nil {
			return err
		}
		return share.SetFile(v, id, path)
	}, func(err error) {
		switch {
		case isCanceled(err) || errors.Is(err, context.Canceled):
			u.showStopped()
		case err != nil:
			u.showError(err)
		default:
			saved()
		}
	})
}

// ctxReader stops reading when ctx is canceled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
