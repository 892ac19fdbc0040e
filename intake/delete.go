package intake

import "kluis/internal/errcode"

// ReasonDeleted is the reason in Purged of an import a caseworker deleted
// before its kept-until time.
const ReasonDeleted = "deleted"

// ErrDeleted means a bundle was deleted by the organisation before and is
// not imported again.
var ErrDeleted = errcode.New("intake.deleted", "this bundle was deleted here before; it is not imported again")

// Delete removes one import now, before its kept-until time, as Purge
// removes an expired one: the import and its document files go, a
// tombstone keeps the bundle from being imported again, and the store is
// compacted.
func (s *Store) Delete(id string) (*Purged, error) {
	if _, err := s.Get(id); err != nil {
		return nil, err
	}
	out, err := s.remove(func(imp *Import) string {
		if imp.ID == id {
			return ReasonDeleted
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}
