package i18n

import (
	"errors"
	"io/fs"

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
// (*fs.PathError) names the file. Anything else becomes a general message
// that carries the error's own (English) text, so nothing is hidden.
// Error(nil) is "".
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
	if errors.As(err, &pe) {
		data := map[string]any{"Path": pe.Path}
		switch {
		case errors.Is(pe.Err, fs.ErrNotExist):
			return c.T("error.vault.file_missing", data)
		case errors.Is(pe.Err, fs.ErrPermission):
			return c.T("error.vault.file_permission", data)
		case errors.Is(pe.Err, fs.ErrExist):
			return c.T("error.vault.file_exists", data)
		}
		data["Detail"] = pe.Err.Error()
		return c.T("error.vault.file", data)
	}
	return c.T("error.vault.unknown", map[string]any{"Detail": err.Error()})
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
