package app

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// This file is the one bridge between goroutines and widgets: the only
// place in Kluis that calls fyne.Do. Everything that can take time (a key
// derivation, a big document, a backup) runs through run or runQuiet, on
// its own goroutine, and hands its result back to the UI goroutine here.

// onUI runs f on the UI goroutine. Call it from a background goroutine
// only; on the UI goroutine just call f.
func onUI(f func()) { fyne.Do(f) }

// Progress reports how far a long task is, from 0 to 1; a negative value
// means "busy, no estimate".
type Progress func(fraction float64)

// task is a running background job with its progress dialog.
type task struct {
	cancel context.CancelFunc
	once   sync.Once
}

// run does work on its own goroutine while a modal dialog shows title, a
// progress bar and a Cancel button (when cancelable). done is called on the
// UI goroutine with work's error (nil on success, context.Canceled when the
// person canceled). The window stays responsive throughout.
func (u *UI) run(title string, cancelable bool, work func(ctx context.Context, progress Progress) error, done func(err error)) {
	u.touch()
	ctx, cancel := context.WithCancel(context.Background())
	t := &task{cancel: cancel}
	bar := widget.NewProgressBarInfinite()
	var fraction *widget.ProgressBar
	// One line, never wrapped: a wrapped label in a dialog with no width
	// of its own would stack one word per line.
	label := widget.NewLabel(title)
	content := container.NewVBox(label, bar)
	var d dialog.Dialog
	if cancelable {
		cancelBtn := widget.NewButton(lang.L("app.action.cancel"), func() {
			label.SetText(lang.L("app.task.canceling"))
			t.cancel()
		})
		content.Add(cancelBtn)
	}
	d = dialog.NewCustomWithoutButtons(lang.L("app.task.busy"), content, u.window)
	d.Show()

	progress := func(f float64) {
		if f < 0 {
			return
		}
		onUI(func() {
			if fraction == nil {
				bar.Stop()
				fraction = widget.NewProgressBar()
				content.Objects[1] = fraction
				content.Refresh()
			}
			fraction.SetValue(f)
		})
	}
	u.background(func() {
		err := work(ctx, progress)
		onUI(func() {
			t.once.Do(cancel)
			// A hidden infinite bar keeps animating (and the window
			// redrawing) until it is stopped.
			bar.Stop()
			d.Hide()
			u.touch()
			if done != nil {
				done(err)
			}
		})
	})
}

// runQuiet does work on its own goroutine without a dialog, for short
// things (a list load, a search) where a dialog would only flicker. done
// runs on the UI goroutine with the result.
func runQuiet[T any](u *UI, work func() (T, error), done func(T, error)) {
	u.background(func() {
		v, err := work()
		onUI(func() { done(v, err) })
	})
}

// background starts f on its own goroutine. Tests replace it with a
// synchronous call (see newTestUI), so that what a tap starts has finished
// when the tap returns; the test driver's fyne.Do runs inline.
func (u *UI) background(f func()) {
	if u.sync {
		f()
		return
	}
	go f()
}

// focus gives an entry the keyboard focus once the key press that led to
// this screen is over. A key press arrives as a key event and then as a
// typed character: focusing straight away would hand the Space that
// pressed a button on the previous screen to the new entry as a leading
// space — a passphrase that then silently differs from what was typed.
func (u *UI) focus(o fyne.Focusable) {
	if u.sync {
		u.window.Canvas().Focus(o)
		return
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		onUI(func() { u.window.Canvas().Focus(o) })
	}()
}
