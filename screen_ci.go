//go:build ci

package main

import "fyne.io/fyne/v2"

// workArea is not known with the headless driver of the ci tag.
func workArea() fyne.Size { return fyne.Size{} }
