// Package replica defines a record version as it travels between replicas
// of one vault: the owner's vault, a helper's copy of it and the owner's
// second computer exchange these in sync packs (package sync/delegate), and
// the vault stores them (package vault, which names this type vault.Record).
//
// A Record carries, besides its fields, everything a state-based merge
// needs: a hybrid logical clock stamp per field and for the recycle-bin
// state, the version number and the author. Its JSON form is part of the
// sync pack format (docs/FORMAT.md).
//
// The package holds types only: no I/O, no keys, no vault. It must never
// import package vault or any citizen-side use case.
package replica

import "kluis/sync/hlc"

// A Record is one version of one item in a category: an income, a debt, a
// household member. Field values are in the canonical form of the schema
// (money in cents, dates in ISO form, …); the schema package formats them
// for people.
type Record struct {
	ID       string            `json:"id"`       // random UUID v4
	Category string            `json:"category"` // schema category id
	Fields   map[string]string `json:"fields"`   // field id → canonical value
	Version  uint64            `json:"version"`  // 1 for the first version, +1 per change
	Created  hlc.Timestamp     `json:"created"`  // when version 1 was made
	Modified hlc.Timestamp     `json:"modified"` // when this version was made
	Author   Author            `json:"author"`   // who made this version
	Deleted  bool              `json:"deleted"`  // in the recycle bin
	// DeletedAt is when Deleted last changed (0: never deleted). Sync
	// merges the recycle-bin state by it, like a field.
	DeletedAt hlc.Timestamp `json:"deleted_at,omitempty"`
	// Purged marks a record deleted for good: what is left is a tombstone
	// (id, category, times, author; Deleted true, DeletedAt when it was
	// deleted for good; no fields, stamps or authors) so that no replica
	// brings the record back. A purge wins over every other change.
	Purged bool `json:"purged,omitempty"`
	// Stamps holds, per field, when its value last changed. Sync merges
	// concurrent edits field by field with these.
	Stamps map[string]hlc.Timestamp `json:"stamps"`
	// Authors names, per field, who set its current value when that is
	// not Author: a version that merges two replicas' edits holds values
	// by several people, and each keeps its own author.
	Authors map[string]Author `json:"authors,omitempty"`
}

// FieldAuthor returns who set the current value of field k.
func (r *Record) FieldAuthor(k string) Author {
	if a, ok := r.Authors[k]; ok {
		return a
	}
	return r.Author
}

// SetFieldAuthors sets Authors from by (field → author), leaving out the
// fields whose author is Author.
func (r *Record) SetFieldAuthors(by map[string]Author) {
	r.Authors = nil
	for k, a := range by {
		if a != r.Author {
			if r.Authors == nil {
				r.Authors = map[string]Author{}
			}
			r.Authors[k] = a
		}
	}
}

// Author says who made a change: a person and the device they used.
type Author struct {
	Person string `json:"person"`
	Device string `json:"device"`
}
