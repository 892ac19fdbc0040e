package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// busyBars returns the infinite progress bars in the window's overlays.
func busyBars(w fyne.Window) []*widget.ProgressBarInfinite {
	var bars []*widget.ProgressBarInfinite
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.ProgressBarInfinite:
			bars = append(bars, v)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	return bars
}

// A task's busy bar animates only while the task runs: a hidden dialog
// whose infinite bar kept running made the idle window redraw without end
// (a third of a core under software OpenGL).
func TestTaskBusyBarStopsWhenDone(t *testing.T) {
	for _, withFraction := range []bool{false, true} {
		u, w := newTestUI(t)
		var seen []*widget.ProgressBarInfinite
		finished := false
		u.run("Bezig met testen", true, func(ctx context.Context, progress Progress) error {
			seen = busyBars(w)
			if len(seen) != 1 || !seen[0].Running() {
				t.Fatalf("while the task runs: %d busy bars", len(seen))
			}
			if withFraction {
				progress(0.5)
				if seen[0].Running() {
					t.Error("the busy bar still runs after a fraction replaced it")
				}
			}
			return nil
		}, func(err error) { finished = err == nil })
		if !finished {
			t.Fatal("done was not called")
		}
		if seen[0].Running() {
			t.Errorf("fraction %v: the busy bar still runs after the task", withFraction)
		}
	}
}
