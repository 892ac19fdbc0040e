package vault

import (
	"bytes"
	"errors"
	"fmt"

	"kluis/sync/hlc"
)

// Deleting for good (purging) takes an item out of the recycle bin for
// ever: a record loses every version in its history, a document its
// content. It cannot be undone, and only what is in the recycle bin can be
// deleted for good.
//
// What stays is a tombstone: for a record its id, category, times and
// author (Record.Purged, stored with deleted state 2, see record.go), for a
// document its id, link, times and author (Document.Purged). Lists,
// search, Get, History and Document never show a tombstone; Changes and
// DocumentChanges do, so that a sync pack tells the other replicas, which
// delete the item for good too. A purge wins over every other change: a
// replica that still holds the item, or edits it at the same time, does not
// bring it back, because merging anything into a tombstone changes nothing.
//
// The sealed bytes of what was deleted leave the file's live data at once;
// bbolt keeps them in free pages until they are reused or the file is
// compacted (Compact), and backups made before still hold them. A document
// file is removed as a whole once the tombstone is committed (the file
// system may keep its blocks until they are reused).

// Activity-log actions of deleting for good.
const (
	ActionRecordPurged   Action = "record.purged"
	ActionDocumentPurged Action = "document.purged"
)

// Purge deletes a record in the recycle bin for good, with its history.
// A record not in the recycle bin gives ErrNotDeleted.
func (v *Vault) Purge(id string) error {
	if err := v.checkRecordEdit(id); err != nil {
		return err
	}
	return v.update(func(t *txn) error {
		cur, err := t.getRecord(id)
		if err != nil {
			return err
		}
		if !cur.Deleted {
			return ErrNotDeleted
		}
		return t.purgeRecord(cur)
	})
}

// PurgeDocument deletes a document in the recycle bin for good, with its
// content. A document not in the recycle bin gives ErrNotDeleted.
func (v *Vault) PurgeDocument(id string) error {
	if d, err := v.Document(id); err == nil {
		if err := v.checkDocEdit(d.Record); err != nil {
			return err
		}
	}
	err := v.update(func(t *txn) error {
		d, err := t.getDoc(id)
		if err != nil {
			return err
		}
		if !d.Deleted {
			return ErrNotDeleted
		}
		return t.purgeDoc(d)
	})
	if err != nil {
		return err
	}
	key, _ := parseID(id)
	v.removeContent(key)
	return nil
}

// EmptyBin deletes everything in the recycle bin for good, in one
// transaction, and says how many records and documents that was. When the
// edit guard refuses one of them, nothing is deleted.
func (v *Vault) EmptyBin() (records, documents int, err error) {
	recs, err := v.RecycleBin()
	if err != nil {
		return 0, 0, err
	}
	docs, err := v.Documents(true)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range recs {
		if err := v.checkEdit(r.Category); err != nil {
			return 0, 0, err
		}
	}
	for _, d := range docs {
		if err := v.checkDocEdit(d.Record); err != nil {
			return 0, 0, err
		}
	}
	var purgedDocs [][16]byte
	err = v.update(func(t *txn) error {
		records, documents, purgedDocs = 0, 0, nil
		for _, r := range recs {
			cur, err := t.getRecord(r.ID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !cur.Deleted {
				continue // restored meanwhile
			}
			if err := t.purgeRecord(cur); err != nil {
				return err
			}
			records++
		}
		for _, d := range docs {
			cur, err := t.getDoc(d.ID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !cur.Deleted {
				continue
			}
			if err := t.purgeDoc(cur); err != nil {
				return err
			}
			key, _ := parseID(cur.ID)
			purgedDocs = append(purgedDocs, key)
			documents++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, key := range purgedDocs {
		v.removeContent(key)
	}
	return records, documents, nil
}

// purgeRecord replaces cur by its tombstone, made now by this vault's
// author, and removes its history.
func (t *txn) purgeRecord(cur Record) error {
	now := t.clock.Now()
	tomb := Record{ID: cur.ID, Category: cur.Category, Version: cur.Version + 1, Created: cur.Created,
		Modified: now, Author: t.author, Deleted: true, DeletedAt: now, Purged: true}
	if err := t.putTombstone(tomb); err != nil {
		return err
	}
	return t.log(Event{Action: ActionRecordPurged, Subject: cur.ID, Category: cur.Category})
}

// putTombstone stores tomb as the current version of its record and
// removes every earlier version.
func (t *txn) putTombstone(tomb Record) error {
	key, err := parseID(tomb.ID)
	if err != nil {
		return err
	}
	c := t.tx.Bucket(bucketVersions).Cursor()
	for k, _ := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]); k, _ = c.Seek(key[:]) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return t.putRecord(&tomb)
}

// purgeDoc replaces d's metadata by its tombstone, made now by this
// vault's author, and marks its content (document file or chunks) for
// removal: the caller removes it after the transaction (removeContent),
// and should that not happen, the next unlock does (the pending marker).
func (t *txn) purgeDoc(d Document) error {
	return t.putDocTombstone(docTombstone(d, t.clock.Now(), t.author), t.author)
}

func docTombstone(d Document, at hlc.Timestamp, by Author) Document {
	return Document{ID: d.ID, Record: d.Record, Added: d.Added, Modified: at, Author: by, Deleted: true, Purged: true}
}

// putDocTombstone stores tomb, marks the document's content for removal and
// logs it under by.
func (t *txn) putDocTombstone(tomb Document, by Author) error {
	key, err := parseID(tomb.ID)
	if err != nil {
		return err
	}
	if err := t.putDoc(tomb); err != nil {
		return err
	}
	if err := t.putSealed(bucketPending, key[:], nil); err != nil {
		return err
	}
	return t.log(Event{Action: ActionDocumentPurged, Subject: tomb.ID, Person: by.Person, Device: by.Device})
}

// mergePurge merges records of which one side (at least) was deleted for
// good: a tombstone stays a tombstone, and an incoming tombstone deletes
// the local record for good. Of two tombstones the earlier one is kept (a
// tie goes to the larger device id), so every replica ends with the same.
func (t *txn) mergePurge(local, in Record, opts MergeOptions, res *MergeResult) error {
	if local.Purged {
		if !t.dry && in.Purged && (in.DeletedAt < local.DeletedAt ||
			(in.DeletedAt == local.DeletedAt && in.Author.Device > local.Author.Device)) {
			in.Version = local.Version
			if err := t.putRecord(&in); err != nil {
				return err
			}
		}
		res.Unchanged++
		return nil
	}
	if opts.Allow != nil {
		if err := opts.Allow(in, &local); err != nil {
			return err
		}
	}
	if t.dry {
		return nil
	}
	in.Version = local.Version + 1
	in.Created = min(in.Created, local.Created)
	if err := t.putTombstone(in); err != nil {
		return err
	}
	res.Updated = append(res.Updated, in.ID)
	res.by(in.Author)
	return t.log(Event{Action: ActionRecordPurged, Subject: in.ID, Category: in.Category,
		Person: in.Author.Person, Device: in.Author.Device})
}

// checkPurged checks the tombstone of a record deleted for good that came
// from another replica.
func checkPurged(r Record) error {
	if !r.Deleted || r.DeletedAt == 0 || len(r.Fields) > 0 || len(r.Stamps) > 0 || len(r.Authors) > 0 {
		return fmt.Errorf("%w: record %s is deleted for good but keeps values", ErrBadRecord, r.ID)
	}
	return nil
}

// importPurgedDocument takes over the tombstone of a document deleted for
// good on another replica (see ImportDocument).
func (v *Vault) importPurgedDocument(key [16]byte, meta Document) (Document, bool, error) {
	if meta.Modified == 0 || meta.Author.Device == "" {
		return Document{}, false, fmt.Errorf("%w: document %s has no time or author", ErrBadRecord, meta.ID)
	}
	if meta.Record != "" {
		if _, err := parseID(meta.Record); err != nil {
			return Document{}, false, fmt.Errorf("%w: document %s is linked to %q", ErrBadRecord, meta.ID, meta.Record)
		}
	}
	tomb := docTombstone(meta, meta.Modified, meta.Author)
	changed := false
	err := v.update(func(t *txn) error {
		changed = false
		t.clock.Observe(meta.Modified)
		local, err := t.getStoredDoc(meta.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		case local.Purged:
			// Keep the earlier tombstone, as mergePurge does.
			if tomb.Modified < local.Modified || (tomb.Modified == local.Modified && tomb.Author.Device > local.Author.Device) {
				return t.putDoc(tomb)
			}
			return nil
		}
		changed = true
		return t.putDocTombstone(tomb, meta.Author)
	})
	if err != nil {
		return Document{}, false, err
	}
	if changed {
		v.removeContent(key)
	}
	return tomb, changed, nil
}

// storedDocument is Document that also returns the tombstone of a document
// deleted for good.
func (v *Vault) storedDocument(id string) (Document, error) {
	var d Document
	err := v.view(func(t *txn) error {
		var err error
		d, err = t.getStoredDoc(id)
		return err
	})
	return d, err
}

// RecordCategory returns the category of a record, also of one in the
// recycle bin or deleted for good: what a document linked to it is about,
// for deciding who may see or change that document.
func (v *Vault) RecordCategory(id string) (string, error) {
	var cat string
	err := v.view(func(t *txn) error {
		r, err := t.getStored(id)
		cat = r.Category
		return err
	})
	return cat, err
}
