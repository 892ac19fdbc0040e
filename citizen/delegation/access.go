package delegation

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"kluis/sync/delegate"
	"kluis/sync/schema"
)

// An owner may give one helper several grants (certificates) at once: say
// manage on income and debts, and view on care and household. Each keeps
// its own role, categories, validity and emergency wait, and is revoked on
// its own. What the helper may do is the union of the grants open now.

// Access is what a helper may do in an owner's vault at one moment: the
// union of the grants open then.
type Access struct {
	View   []string // categories the helper receives (of every open grant), sorted
	Manage []string // categories the helper may also change (of open manage grants), sorted
}

// Sees reports whether the helper receives category.
func (a Access) Sees(category string) bool { return slices.Contains(a.View, category) }

// Manages reports whether the helper may change records of category.
func (a Access) Manages(category string) bool { return slices.Contains(a.Manage, category) }

// SeesAll reports whether the helper receives every category of the schema:
// only then do documents linked to no record travel to them.
func (a Access) SeesAll() bool { return coversAll(a.Sees) }

// ManagesAll reports whether the helper may change every category.
func (a Access) ManagesAll() bool { return coversAll(a.Manages) }

// accessOf is the union of the certificates open at now. When none is, the
// error says why the newest one is closed (ErrRevoked only when all are
// revoked).
func accessOf(certs []*delegate.Certificate, now time.Time, revs []*delegate.Revocation, em []*delegate.Emergency) (Access, error) {
	var a Access
	var why error
	var newest *delegate.Certificate
	allRevoked := len(certs) > 0
	for _, c := range certs {
		err := c.Open(now, revs, em)
		if !errors.Is(err, delegate.ErrRevoked) {
			allRevoked = false
			if newest == nil || c.Issued.After(newest.Issued) {
				newest, why = c, err
			}
		}
		if err != nil {
			continue
		}
		a.View = append(a.View, c.Categories...)
		if c.Role == delegate.RoleManage {
			a.Manage = append(a.Manage, c.Categories...)
		}
	}
	slices.Sort(a.View)
	slices.Sort(a.Manage)
	a.View, a.Manage = slices.Compact(a.View), slices.Compact(a.Manage)
	switch {
	case len(a.View) > 0:
		return a, nil
	case allRevoked:
		return a, delegate.ErrRevoked
	case why == nil:
		return a, delegate.ErrExpired
	}
	return a, why
}

// EditRefusedError is a helper's change refused in their copy of the
// owner's vault, before it goes anywhere: the open grants do not let them
// change this category (Code CodeViewOnly or CodeOutOfScope).
type EditRefusedError struct {
	Owner    string // the owner's name
	Category string // "" for a document linked to no record
	Code     delegate.Code
}

// ErrorCode gives the refusal its sentence (package errcode): the
// message "error.delegation.<why>", the same in the app and kluisctl.
func (e *EditRefusedError) ErrorCode() string {
	switch {
	case e.Category == "":
		return "delegation.unlinked"
	case e.Code == delegate.CodeViewOnly:
		return "delegation.view_only"
	}
	return "delegation.out_of_scope"
}

// ErrorArgs names the owner and the category (by its label).
func (e *EditRefusedError) ErrorArgs() map[string]any {
	return map[string]any{"Name": e.Owner, "Category": categoryLabel(e.Category)}
}

// categoryLabel is a category shown by its label (errcode.Label).
type categoryLabel string

func (c categoryLabel) LabelKey() (key, id string) { return "category." + string(c), string(c) }

func (e *EditRefusedError) Error() string {
	if e.Category == "" {
		return fmt.Sprintf("%s's grants do not allow changing documents linked to no record (%s)", e.Owner, e.Code)
	}
	return fmt.Sprintf("%s's grants do not allow changing %s (%s)", e.Owner, e.Category, e.Code)
}

// checkEdit says whether a helper with access a may change records of
// category ("" for a document linked to no record).
func (a Access) checkEdit(owner, category string) error {
	if category == "" {
		if a.ManagesAll() {
			return nil
		}
		code := delegate.CodeOutOfScope
		if len(a.Manage) == 0 {
			code = delegate.CodeViewOnly
		}
		return &EditRefusedError{Owner: owner, Code: code}
	}
	if _, ok := schema.Lookup(category); ok && a.Manages(category) {
		return nil
	}
	code := delegate.CodeOutOfScope
	if a.Sees(category) || len(a.Manage) == 0 {
		code = delegate.CodeViewOnly
	}
	return &EditRefusedError{Owner: owner, Category: category, Code: code}
}

// refusalCode is the code a record of category gets when a helper with
// access a changes it without being allowed to ("" when allowed).
func (a Access) refusalCode(category string) delegate.Code {
	if a.Manages(category) {
		return ""
	}
	if a.Sees(category) || len(a.Manage) == 0 {
		return delegate.CodeViewOnly
	}
	return delegate.CodeOutOfScope
}
