package i18n

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"kluis/internal/errcode"
)

// Error turns an error into a sentence for a person, saying what went wrong
// and, where there is one, what to do. It is the one place where an error
// of any Kluis package becomes words, so the app and both command lines say
// the same thing.
//
// An error with a code (package errcode; wrapping is fine) is said with the
// message "error.<code>", filled in with the error's arguments: a vault
// sentinel error ("error.vault.locked"), a schema error (naming the
// category and field by their labels), a refusal of a bundle, data
// request, index or sync pack, an intake store's refusal. A file error
// (*fs.PathError) names the file and says what is wrong with it (missing,
// no permission, a folder, a full disk, …) in words, never the system's
// English text; a cause it does not know is said with its number. Anything
// else becomes a general message that carries the error's own (English)
// text, marked as the technical message for whoever helps, so nothing is
// hidden. Error(nil) is "".
//
// The messages never contain a refused value: coded errors do not carry
// one in their arguments, and none is added here.
func (c *Catalog) Error(err error) string {
	if err == nil {
		return ""
	}
	if coded := errcode.Of(err); coded != nil {
		var data map[string]any
		if a, ok := coded.(errcode.Args); ok {
			data = c.labels(a.ErrorArgs())
		}
		return c.T("error."+coded.ErrorCode(), data)
	}
	var pe *fs.PathError
	if le := (*os.LinkError)(nil); errors.As(err, &le) {
		// A rename or link: the file it was to become is what people named.
		pe = &fs.PathError{Op: le.Op, Path: le.New, Err: le.Err}
	}
	if pe != nil || errors.As(err, &pe) {
		data := map[string]any{"Path": pe.Path}
		switch {
		case errors.Is(pe.Err, fs.ErrNotExist):
			return c.T("error.vault.file_missing", data)
		case errors.Is(pe.Err, fs.ErrPermission):
			return c.T("error.vault.file_permission", data)
		case errors.Is(pe.Err, fs.ErrExist):
			return c.T("error.vault.file_exists", data)
		}
		for _, f := range fileErrnos {
			if errors.Is(pe.Err, f.errno) {
				return c.T(f.key, data)
			}
		}
		var errno syscall.Errno
		if errors.As(pe.Err, &errno) {
			data["Errno"] = int(errno)
			return c.T("error.vault.file_errno", data)
		}
		return c.T("error.vault.file", data)
	}
	return c.T("error.vault.unknown", map[string]any{"Detail": err.Error()})
}

// fileErrnos are the causes of a file error said in words of their own.
var fileErrnos = []struct {
	errno syscall.Errno
	key   string
}{
	{syscall.EISDIR, "error.vault.file_is_folder"},
	{syscall.ENOTDIR, "error.vault.file_not_in_folder"},
	{syscall.EROFS, "error.vault.file_read_only"},
	{syscall.ENOSPC, "error.vault.file_disk_full"},
	{syscall.EDQUOT, "error.vault.file_disk_full"},
	{syscall.EFBIG, "error.vault.file_disk_full"},
	{syscall.ENAMETOOLONG, "error.vault.file_name_too_long"},
	{syscall.ELOOP, "error.vault.file_loop"},
	{syscall.EIO, "error.vault.file_io"},
}

// FileKeys lists the messages Error says file errors with, for the test
// that every message is said by some error.
func FileKeys() []string {
	keys := []string{"error.vault.file", "error.vault.file_errno", "error.vault.file_exists",
		"error.vault.file_missing", "error.vault.file_permission"}
	for _, f := range fileErrnos {
		keys = append(keys, f.key)
	}
	return keys
}

// labels returns args with every errcode.Label replaced by its message, or
// by its id quoted when the catalog has none.
func (c *Catalog) labels(args map[string]any) map[string]any {
	out := make(map[string]any, len(args))
	for name, v := range args {
		if l, ok := v.(errcode.Label); ok {
			key, id := l.LabelKey()
			if id == "" {
				v = c.T(key, nil)
			} else {
				v = c.label(key, id)
			}
		}
		out[name] = v
	}
	return out
}
