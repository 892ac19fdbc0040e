// Package youth holds the age rule for young people with a vault of their
// own. From 16 a young person decides alone what they share or donate;
// from 12 to 15 only while a parent helps with their vault (a delegate
// whose access is open — Kluis cannot check that the helper is a parent:
// whoever set up the delegation vouches for that); under 12 a child does
// not share or donate themselves (a parent with manage access can share on
// their behalf). The age comes from the vault's personal birth date; with
// no birth date the rule does not apply.
package youth

import (
	"strconv"
	"time"

	"kluis/citizen/delegation"

	"kluis/internal/errcode"
	"kluis/vault"
)

// Ages of the rule.
const (
	MinAge         = 12
	IndependentAge = 16
)

var (
	// ErrTooYoung refuses anyone under MinAge.
	ErrTooYoung = errcode.New("youth.too_young", "under 12: a parent acts on their behalf")
	// ErrNeedsParent refuses someone from MinAge to IndependentAge-1
	// without a helper.
	ErrNeedsParent = errcode.New("youth.needs_parent", "12 to 15: only with a parent who helps with the vault")
)

// Check applies the rule to an age (-1: unknown) and whether the vault has
// a helper whose access is open.
func Check(age int, hasHelper bool) error {
	switch {
	case age < 0 || age >= IndependentAge:
		return nil
	case age < MinAge:
		return ErrTooYoung
	case !hasHelper:
		return ErrNeedsParent
	}
	return nil
}

// Apply reads the owner's age and helpers from v and applies the rule.
func Apply(v *vault.Vault, now time.Time) error {
	age, err := AgeOf(v, now)
	if err != nil || age < 0 || age >= IndependentAge {
		return err
	}
	helper, err := HasHelper(v, now)
	if err != nil {
		return err
	}
	return Check(age, helper)
}

// Lister is the part of a vault AgeOf reads.
type Lister interface {
	List(category string) ([]vault.Record, error)
}

// AgeOf is the owner's age from the first personal record with a birth
// date, or -1 when there is none.
func AgeOf(v Lister, now time.Time) (int, error) {
	recs, err := v.List("personal")
	if err != nil {
		return -1, err
	}
	for _, r := range recs {
		if age, ok := AgeOn(r.Fields["birth_date"], now); ok {
			return age, nil
		}
	}
	return -1, nil
}

// HasHelper reports whether v has a delegate whose access is open now.
func HasHelper(v *vault.Vault, now time.Time) (bool, error) {
	ds, err := delegation.Delegations(v, now)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Open == nil {
			return true, nil
		}
	}
	return false, nil
}

// AgeOn is the age in whole years on now of a birth date in the schema's
// canonical form (YYYY-MM-DD, YYYY-MM or YYYY; a partial date counts from
// its first day, so the age may be a year too high near a birthday).
func AgeOn(date string, now time.Time) (int, bool) {
	if len(date) < 4 {
		return 0, false
	}
	y, err := strconv.Atoi(date[:4])
	if err != nil {
		return 0, false
	}
	m, day := 1, 1
	if len(date) >= 7 {
		m, _ = strconv.Atoi(date[5:7])
	}
	if len(date) >= 10 {
		day, _ = strconv.Atoi(date[8:10])
	}
	age := now.Year() - y
	if now.Month() < time.Month(m) || (now.Month() == time.Month(m) && now.Day() < day) {
		age--
	}
	return age, age >= 0
}
