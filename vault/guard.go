package vault

// An EditGuard is asked before every change a person makes in this vault
// (adding, editing, reverting, deleting, restoring or deleting for good a
// record; adding, deleting, restoring or deleting for good a document)
// with the category of the record — for a document, of the record it is
// linked to, "" when it is linked to none.
// An error refuses the change and is returned as is; nothing is written.
// Merge and ImportDocument, which take over another replica's changes,
// and RollBack are not guarded.
//
// A helper's copy of someone else's vault sets one, so that a change the
// owner's grants do not allow is refused at once, not only by the owner
// later.
type EditGuard func(category string) error

// SetEditGuard sets (or, with nil, removes) the vault's edit guard.
func (v *Vault) SetEditGuard(g EditGuard) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.guard = g
}

// checkEdit asks the edit guard, if any, about a change in category.
func (v *Vault) checkEdit(category string) error {
	v.mu.RLock()
	g := v.guard
	v.mu.RUnlock()
	if g == nil {
		return nil
	}
	return g(category)
}

// checkRecordEdit asks the edit guard about a change to record id (its
// category read first, also of a record deleted for good; a record not
// found is left to the change itself).
func (v *Vault) checkRecordEdit(id string) error {
	v.mu.RLock()
	g := v.guard
	v.mu.RUnlock()
	if g == nil {
		return nil
	}
	cat, err := v.RecordCategory(id)
	if err != nil {
		return nil
	}
	return g(cat)
}

// checkDocEdit asks the edit guard about a change to a document linked to
// record ("" for none).
func (v *Vault) checkDocEdit(record string) error {
	if record == "" {
		return v.checkEdit("")
	}
	return v.checkRecordEdit(record)
}
