//go:build !ci

package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// workArea is the part of the primary screen that windows may use (the
// screen less panels and docks), in Fyne's units, or the zero size when it
// cannot be told. Call it on the main goroutine after the app is made:
// Fyne's driver has started GLFW on the main thread by then.
func workArea() (area fyne.Size) {
	defer func() {
		if recover() != nil { // GLFW reports its errors by panicking
			area = fyne.Size{}
		}
	}()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	_, _, w, h := m.GetWorkarea()
	if w <= 0 || h <= 0 {
		if mode := m.GetVideoMode(); mode != nil {
			w, h = mode.Width, mode.Height
		}
	}
	scale, _ := m.GetContentScale()
	if scale < 1 {
		scale = 1
	}
	return fyne.NewSize(float32(w)/scale, float32(h)/scale)
}
