package boltfile

import (
	"fmt"
	"runtime/debug"
)

// A DamageError says a store's file is damaged, and where.
type DamageError struct {
	What string // "the file's index", "the list of free space", …
	Err  error  // the cause, if any
	// NotBolt is set when the file shows no sign of being a bbolt file at
	// all (empty, shorter than a meta page, no valid meta page): it may be
	// some other file rather than a damaged store.
	NotBolt bool
}

func (e *DamageError) Error() string {
	if e.Err == nil {
		return "damaged: " + e.What
	}
	return "damaged: " + e.What + ": " + e.Err.Error()
}

func (e *DamageError) Unwrap() error { return e.Err }

func damaged(what string, err error) error { return &DamageError{What: what, Err: err} }

// notBolt is a DamageError for a file that is no bbolt file at all.
func notBolt(what string, err error) error { return &DamageError{What: what, Err: err, NotBolt: true} }

// Guard runs f, turning a panic or a memory fault inside bbolt (which a
// damaged file can cause) into a *DamageError.
func Guard(f func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = damaged("the file structure", fmt.Errorf("%v", r))
		}
	}()
	return f()
}
