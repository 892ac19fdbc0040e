//go:build windows

package instance

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// unsafePointer turns the start of an access entry's SID into a pointer.
func unsafePointer(p *uint32) *windows.SID { return (*windows.SID)(unsafe.Pointer(p)) }
