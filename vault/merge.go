package vault

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"kluis/internal/boltfile"
	"kluis/internal/errcode"
	"kluis/sync/hlc"
	"kluis/sync/schema"
)

// Sync between replicas of one vault (the owner's and a delegate's) is
// state-based: a replica sends the current version of every record changed
// since the last point the other side acknowledged, and the receiver
// merges. The merge is per field: the value with the later stamp wins, and
// equal stamps (two devices in the same millisecond and counter) are broken
// by the larger value, so every replica picks the same. The recycle-bin
// state is merged the same way by DeletedAt, a delete winning a tie. The
// result does not depend on the order in which changes arrive, and merging
// the same change twice changes nothing. A record deleted for good travels
// as its tombstone, which wins over every other change (see purge.go).
//
// Nothing is lost, short of deleting for good: the version a merge replaces goes into the history as
// any edit's would, and when an incoming value loses to a local one, the
// incoming version is kept in the history too, under its own author.

// ActionRecordMerged is logged for each record a merge added or changed,
// under the author of the incoming version.
const ActionRecordMerged Action = "record.merged"

// Changes returns the current version of every record changed after since
// (Modified later than since), oldest change first, and the latest Modified
// among them (since itself when nothing changed). A sync pack carries these.
// The tombstone of a record deleted for good is among them (Purged), so
// that the other replicas delete it for good too.
func (v *Vault) Changes(since hlc.Timestamp) ([]Record, hlc.Timestamp, error) {
	return v.ChangesWhere(since, nil)
}

// ChangesWhere is Changes keeping only the records for which keep (when
// not nil) is true; upTo is still the latest Modified of every record
// changed after since, kept or not. A replica leaves out this way what
// came from the replica it sends to (citizen/delegation), so the scan
// holds only what it keeps. The pages of the vault file the scan touches
// are let go every recordsPerRelease records (boltfile.Mapping), so a
// scan of 100,000 records does not make the whole file resident.
func (v *Vault) ChangesWhere(since hlc.Timestamp, keep func(Record) bool) ([]Record, hlc.Timestamp, error) {
	var out []Record
	upTo := since
	err := v.view(func(t *txn) error {
		// Nothing changed after since: no need to read every record.
		if mark, ok, err := t.changeMark(); err != nil || (ok && mark <= since) {
			return err
		}
		mapping := boltfile.MappingOf(t.tx)
		n := 0
		defer mapping.Release()
		return t.eachStored(func(r Record) error {
			if n++; n%recordsPerRelease == 0 {
				mapping.Release()
			}
			if r.Modified > since {
				upTo = max(upTo, r.Modified)
				if keep == nil || keep(r) {
					out = append(out, r)
				}
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Modified, b.Modified), strings.Compare(a.ID, b.ID))
	})
	return out, upTo, err
}

// recordsPerRelease is how many records a scan reads between two releases
// of the pages it touched: about 4 MiB of the vault file.
const recordsPerRelease = 4096

// MergeOptions guard and describe a merge.
type MergeOptions struct {
	// Allow is asked about every incoming record, with the local version
	// (nil when there is none), before anything is written. An error
	// refuses the whole merge: this is where sync enforces a delegate's
	// role, categories and validity.
	Allow func(incoming Record, local *Record) error
	// Batched commits the merge in transactions of mergeBatch records
	// instead of one, so that memory stays bounded however many records
	// arrive. Every record is first checked and Allow asked, in one
	// read-only pass, before anything is written; a merge cut short after
	// that (a crash, a full disk) leaves the records of the batches
	// committed so far merged and the others not. Because merging is
	// idempotent and does not depend on the order of arrival, merging the
	// same records again completes it to the state one transaction would
	// have made. A caller that sets Batched must therefore merge the same
	// records again until a merge returns without error (sync does: a pack
	// counts as handled only after its merge; docs/ARCHITECTURE.md).
	Batched bool
}

// mergeBatch is how many records a batched merge commits at a time: a
// few megabytes of dirty bbolt pages.
var mergeBatch = 4096 // tests lower it (setMergeBatch)

// MergeResult says what a merge did.
type MergeResult struct {
	Added     []string   // ids of records new here
	Updated   []string   // ids of records whose state changed
	Unchanged int        // incoming records already known in this state
	Conflicts []Conflict // fields on which the two sides differed
	// By names who made the changes the merge brought (of each added or
	// changed record, the author of its newest change), once each.
	By []Author
}

func (r *MergeResult) by(a Author) {
	if !slices.Contains(r.By, a) {
		r.By = append(r.By, a)
	}
}

// A Conflict is a field both sides had set differently; Kept is the value
// now current, Lost the other one (kept in the history).
type Conflict struct {
	Record, Category, Field string
	Kept, Lost              string
	KeptBy, LostBy          Author
}

// ErrBadRecord means an incoming record is malformed: an unknown category,
// a value not in canonical form, a field without a stamp, or an id that
// belongs to a record of another category.
var ErrBadRecord = errcode.New("vault.bad_record", "incoming record is not valid")

// Merge applies records from another replica, all in one transaction: all
// of them or, on any error, none (see MergeOptions.Batched for merges
// too large for one transaction). The records are applied in the order of
// their ids, so that bbolt appends to its pages instead of shifting them;
// the result lists them in that order.
func (v *Vault) Merge(incoming []Record, opts MergeOptions) (MergeResult, error) {
	for _, r := range incoming {
		if err := checkIncoming(r); err != nil {
			return MergeResult{}, err
		}
	}
	keys := make([][16]byte, len(incoming))
	for i, r := range incoming {
		keys[i], _ = parseID(r.ID)
	}
	return v.merge(func(i int32) (Record, error) { return incoming[i], nil }, keys, opts)
}

// merge merges the records at returns, whose ids are keys, in the order
// of their ids.
func (v *Vault) merge(at func(int32) (Record, error), keys [][16]byte, opts MergeOptions) (MergeResult, error) {
	order := idOrder(keys)
	if opts.Batched {
		return v.mergeBatched(at, keys, order, opts)
	}
	var res MergeResult
	err := v.update(func(t *txn) error {
		res = MergeResult{}
		return t.mergeAll(at, order, opts, &res)
	})
	if err != nil {
		return MergeResult{}, err
	}
	return res, nil
}

// mergeAll merges the records at returns in the order given, into res.
func (t *txn) mergeAll(at func(int32) (Record, error), order []int32, opts MergeOptions, res *MergeResult) error {
	t.bulk(len(order))
	for _, i := range order {
		r, err := at(i)
		if err != nil {
			return err
		}
		if err := t.mergeOne(r, opts, res); err != nil {
			return err
		}
	}
	return nil
}

// idOrder returns the indices of keys sorted by key (a record's id as
// stored), equal keys in their order in keys.
func idOrder(keys [][16]byte) []int32 {
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return bytes.Compare(keys[a][:], keys[b][:]) })
	return order
}

// mergeBatched is Merge with MergeOptions.Batched: a read-only pass that
// refuses what the merge would refuse, then one transaction per batch.
// Records with the same id stay in one batch. The read-only pass lets go
// of the pages of the vault file it touched every recordsPerRelease
// records (boltfile.Mapping), so checking a pack against a large vault
// does not make the whole file resident.
func (v *Vault) mergeBatched(at func(int32) (Record, error), keys [][16]byte, order []int32, opts MergeOptions) (MergeResult, error) {
	err := v.view(func(t *txn) error {
		t.dry = true
		var res MergeResult
		mapping := boltfile.MappingOf(t.tx)
		defer mapping.Release()
		for part := order; len(part) > 0; {
			n := min(recordsPerRelease, len(part))
			if err := t.mergeAll(at, part[:n], opts, &res); err != nil {
				return err
			}
			part = part[n:]
			mapping.Release()
		}
		return nil
	})
	if err != nil {
		return MergeResult{}, err
	}
	var res MergeResult
	for len(order) > 0 {
		n := min(mergeBatch, len(order))
		// An id in capitals names the same key as in lower case.
		for n < len(order) && keys[order[n]] == keys[order[n-1]] {
			n++
		}
		batch := order[:n]
		order = order[n:]
		var part MergeResult
		err := v.update(func(t *txn) error {
			part = MergeResult{}
			return t.mergeAll(at, batch, opts, &part)
		})
		if err != nil {
			return MergeResult{}, err
		}
		res.Added = append(res.Added, part.Added...)
		res.Updated = append(res.Updated, part.Updated...)
		res.Unchanged += part.Unchanged
		res.Conflicts = append(res.Conflicts, part.Conflicts...)
		for _, a := range part.By {
			res.by(a)
		}
	}
	return res, nil
}

func checkIncoming(r Record) error {
	if _, err := parseID(r.ID); err != nil {
		return fmt.Errorf("%w: id %q", ErrBadRecord, r.ID)
	}
	cat, ok := schema.Lookup(r.Category)
	if !ok {
		return fmt.Errorf("%w: unknown category %q", ErrBadRecord, r.Category)
	}
	if r.Modified == 0 || r.Author.Device == "" {
		return fmt.Errorf("%w: no time or author", ErrBadRecord)
	}
	if r.Purged {
		return checkPurged(r)
	}
	if err := cat.CheckCanonical(r.Fields); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	for k := range r.Fields {
		if r.Stamps[k] == 0 {
			return fmt.Errorf("%w: field %s has no stamp", ErrBadRecord, k)
		}
	}
	for k := range r.Stamps {
		if _, ok := cat.Field(k); !ok {
			return fmt.Errorf("%w: unknown field %s", ErrBadRecord, k)
		}
	}
	for k, a := range r.Authors {
		if r.Stamps[k] == 0 || a.Device == "" {
			return fmt.Errorf("%w: author of field %s", ErrBadRecord, k)
		}
	}
	return nil
}

func (t *txn) mergeOne(in Record, opts MergeOptions, res *MergeResult) error {
	for _, s := range in.Stamps {
		t.clock.Observe(s)
	}
	t.clock.Observe(in.Modified)
	local, err := t.getStored(in.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		if opts.Allow != nil {
			if err := opts.Allow(in, nil); err != nil {
				return err
			}
		}
		if t.dry {
			return nil
		}
		in.Version = 1
		if err := t.putRecord(&in); err != nil {
			return err
		}
		if in.Purged {
			// Kept, so that the record cannot arrive later from a
			// replica that has not heard of it yet.
			return t.log(Event{Action: ActionRecordPurged, Subject: in.ID, Category: in.Category,
				Person: in.Author.Person, Device: in.Author.Device})
		}
		res.Added = append(res.Added, in.ID)
		res.by(in.Author)
		return t.log(Event{Action: ActionRecordMerged, Subject: in.ID, Category: in.Category,
			Detail: fieldNames(in.Fields), Person: in.Author.Person, Device: in.Author.Device})
	case err != nil:
		return err
	}
	if local.Category != in.Category {
		return fmt.Errorf("%w: record %s is %s here, %s there", ErrBadRecord, in.ID, local.Category, in.Category)
	}
	if local.Purged || in.Purged {
		return t.mergePurge(local, in, opts, res)
	}
	merged, conflicts := mergeRecords(local, in)
	changed := !sameState(merged, local)
	// An incoming value that lost is kept in the history, once, so both
	// sides end up showing the other's value there.
	keepIncoming := false
	for _, c := range conflicts {
		if c.Lost == in.Fields[c.Field] {
			keepIncoming = true
		}
	}
	if keepIncoming {
		known, err := t.hasVersion(in)
		if err != nil {
			return err
		}
		keepIncoming = !known
	}
	if !changed && !keepIncoming {
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
	next := local.Version
	if keepIncoming {
		lost := in
		lost.Version = next
		if err := t.putVersion(&lost); err != nil {
			return err
		}
		next++
	}
	if !changed {
		// The current state stays; it only moves up past the kept version.
		merged = local
	} else {
		local.Version = next
		if err := t.putVersion(&local); err != nil {
			return err
		}
		next++
	}
	// The version the merge makes, its log entry and the history name
	// who made the change it brings, not who made the last version of
	// the record on either side.
	who := in.Author
	if changed {
		by := map[string]Author{}
		for k := range merged.Stamps {
			by[k] = merged.FieldAuthor(k)
		}
		who = mergedBy(local, merged, in.Author)
		merged.Author = who
		merged.SetFieldAuthors(by)
	}
	merged.Version = next
	if err := t.putRecord(&merged); err != nil {
		return err
	}
	res.Conflicts = append(res.Conflicts, conflicts...)
	if !changed {
		res.Unchanged++
		return nil
	}
	res.Updated = append(res.Updated, in.ID)
	res.by(who)
	return t.log(Event{Action: ActionRecordMerged, Subject: in.ID, Category: in.Category,
		Detail: strings.Join(changedFields(local.Fields, merged.Fields), ","), Person: who.Person, Device: who.Device})
}

// hasVersion reports whether the history of r's record already holds a
// version made at the same moment by the same device with the same values.
func (t *txn) hasVersion(r Record) (bool, error) {
	key, _ := parseID(r.ID)
	c := t.tx.Bucket(bucketVersions).Cursor()
	for k, val := c.Seek(key[:]); bytes.HasPrefix(k, key[:]); k, val = c.Next() {
		h, err := t.decodeRecord(bucketVersions, k, val)
		if err != nil {
			return false, err
		}
		if h.Modified == r.Modified && h.Author.Device == r.Author.Device && maps.Equal(h.Fields, r.Fields) {
			return true, nil
		}
	}
	return false, nil
}

// mergeRecords combines two versions of one record field by field. It is
// commutative: mergeRecords(a, b) and mergeRecords(b, a) hold the same
// fields, stamps and recycle-bin state.
func mergeRecords(a, b Record) (Record, []Conflict) {
	out := Record{ID: a.ID, Category: a.Category, Created: min(a.Created, b.Created),
		Fields: map[string]string{}, Stamps: map[string]hlc.Timestamp{}}
	keys := map[string]bool{}
	for _, m := range []map[string]hlc.Timestamp{a.Stamps, b.Stamps} {
		for k := range m {
			keys[k] = true
		}
	}
	var conflicts []Conflict
	by := map[string]Author{}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		sa, sb := a.Stamps[k], b.Stamps[k]
		va, vb := a.Fields[k], b.Fields[k]
		useB := sb > sa || (sb == sa && vb > va)
		v, s, who := va, sa, a.FieldAuthor(k)
		if useB {
			v, s, who = vb, sb, b.FieldAuthor(k)
		}
		if s != 0 {
			out.Stamps[k] = s
			by[k] = who
		}
		if v != "" {
			out.Fields[k] = v
		}
		if va != vb && sa != 0 && sb != 0 {
			// Each value is named by who set it, not by who made the
			// version that carries it.
			c := Conflict{Record: a.ID, Category: a.Category, Field: k, Kept: va, Lost: vb, KeptBy: a.FieldAuthor(k), LostBy: b.FieldAuthor(k)}
			if useB {
				c.Kept, c.Lost, c.KeptBy, c.LostBy = vb, va, b.FieldAuthor(k), a.FieldAuthor(k)
			}
			conflicts = append(conflicts, c)
		}
	}
	out.Deleted, out.DeletedAt = a.Deleted, a.DeletedAt
	if b.DeletedAt > a.DeletedAt || (b.DeletedAt == a.DeletedAt && b.Deleted && !a.Deleted) {
		out.Deleted, out.DeletedAt = b.Deleted, b.DeletedAt
	}
	// The newest version names the author; a tie goes to the larger device
	// id, the same on every replica.
	latest := a
	if b.Modified > a.Modified || (b.Modified == a.Modified && b.Author.Device > a.Author.Device) {
		latest = b
	}
	out.Modified, out.Author = latest.Modified, latest.Author
	out.SetFieldAuthors(by)
	return out, conflicts
}

// mergedBy returns who made what a merge changed from local to merged: the
// author of the newest changed value (or of the recycle-bin change), or
// fallback when nothing changed.
func mergedBy(local, merged Record, fallback Author) Author {
	who, at := fallback, hlc.Timestamp(0)
	for _, k := range changedFields(local.Fields, merged.Fields) {
		if s := merged.Stamps[k]; s >= at {
			who, at = merged.FieldAuthor(k), s
		}
	}
	if local.Deleted != merged.Deleted && merged.DeletedAt >= at {
		who = fallback
	}
	return who
}

// sameState reports whether two versions hold the same fields, stamps and
// recycle-bin state (version numbers and authors aside).
func sameState(a, b Record) bool {
	return maps.Equal(a.Fields, b.Fields) && maps.Equal(a.Stamps, b.Stamps) &&
		a.Deleted == b.Deleted && a.DeletedAt == b.DeletedAt
}

// ActionDocumentMerged is logged for a document taken over from another
// replica, under the author who added it there.
const ActionDocumentMerged Action = "document.merged"

// ErrDocumentConflict means a document arrived under an id this vault
// already uses for different content. Document content never changes, so
// this is damage or tampering, not an edit.
var ErrDocumentConflict = errcode.New("vault.document_conflict", "a different document already has this id")

// DocumentChanges returns the metadata of every document (in the recycle
// bin or not, and the tombstones of those deleted for good) changed after
// since, oldest change first, and the latest Modified among them (since
// itself when nothing changed).
func (v *Vault) DocumentChanges(since hlc.Timestamp) ([]Document, hlc.Timestamp, error) {
	upTo := since
	out, err := v.documents(func(d Document) bool {
		if d.Modified > since {
			upTo = max(upTo, d.Modified)
			return true
		}
		return false
	})
	if err != nil {
		return nil, since, err
	}
	slices.SortFunc(out, func(a, b Document) int {
		return cmp.Or(cmp.Compare(a.Modified, b.Modified), strings.Compare(a.ID, b.ID))
	})
	return out, upTo, nil
}

// ImportDocument takes over a document from another replica: its content
// from r, its id, name, link, times, author and recycle-bin state from
// meta. The content must match meta's size and SHA-256, else nothing is
// kept. A document already here with the same content only has its
// metadata merged (the later Modified wins; a tie goes to the larger device
// id), and its content is not read at all: r may then be nil. It reports
// whether anything changed.
//
// A document deleted for good stays so: metadata arriving for it changes
// nothing. The tombstone of a document deleted for good on the other side
// (meta.Purged, no content: r is not read) deletes it for good here too.
func (v *Vault) ImportDocument(ctx context.Context, meta Document, r io.Reader) (Document, bool, error) {
	idb, err := parseID(meta.ID)
	if err != nil {
		return Document{}, false, fmt.Errorf("%w: document id %q", ErrBadRecord, meta.ID)
	}
	if meta.Purged {
		return v.importPurgedDocument(idb, meta)
	}
	if meta.Modified == 0 || meta.Author.Device == "" || len(meta.SHA256) != 64 || meta.Size < 0 {
		return Document{}, false, fmt.Errorf("%w: document %s has no time, author or hash", ErrBadRecord, meta.ID)
	}
	name, err := cleanDocName(meta.Name)
	if err != nil {
		return Document{}, false, err
	}
	meta.Name = name
	local, err := v.storedDocument(meta.ID)
	if err == nil && local.Purged {
		return local, false, nil
	}
	switch {
	case err == nil:
		if local.SHA256 != meta.SHA256 || local.Size != meta.Size {
			return Document{}, false, fmt.Errorf("%w: %s", ErrDocumentConflict, meta.ID)
		}
		newer := meta.Modified > local.Modified ||
			(meta.Modified == local.Modified && meta.Author.Device > local.Author.Device)
		if !newer {
			return local, false, nil
		}
		merged := local
		merged.Name, merged.MediaType, merged.Record = meta.Name, meta.MediaType, meta.Record
		merged.Deleted, merged.Modified, merged.Author = meta.Deleted, meta.Modified, meta.Author
		err := v.update(func(t *txn) error {
			t.clock.Observe(meta.Modified)
			if err := t.putDoc(merged); err != nil {
				return err
			}
			return t.log(Event{Action: ActionDocumentMerged, Subject: meta.ID, Person: meta.Author.Person, Device: meta.Author.Device})
		})
		return merged, err == nil, err
	case !errors.Is(err, ErrNotFound):
		return Document{}, false, err
	}
	if r == nil {
		return Document{}, false, fmt.Errorf("%w: the content of document %s is missing", ErrBadRecord, meta.ID)
	}
	doc, err := v.storeDocument(ctx, idb, meta, r, nil, func(t *txn, got *Document) error {
		if got.Size != meta.Size || got.SHA256 != meta.SHA256 {
			return fmt.Errorf("%w: document %s does not match its hash", ErrBadRecord, meta.ID)
		}
		t.clock.Observe(meta.Modified)
		got.Added, got.Modified, got.Author, got.Deleted = meta.Added, meta.Modified, meta.Author, meta.Deleted
		return t.log(Event{Action: ActionDocumentMerged, Subject: meta.ID, Detail: meta.MediaType, Person: meta.Author.Person, Device: meta.Author.Device})
	})
	return doc, err == nil, err
}

// RollBack undoes changes to a record that another replica refused (a
// helper's edit the owner did not accept). The newest version for which
// keep returns true — the current one or one in the history — becomes
// current again with its own fields, stamps and time, so the rollback is
// not itself a new change to send; the versions after it stay in the
// history, nothing is lost. When no version qualifies (the record was made
// here and refused there), the record goes to the recycle bin at the time
// of its current version. It reports whether anything changed; a record
// not found changes nothing.
func (v *Vault) RollBack(id string, keep func(Record) bool) (bool, error) {
	changed := false
	err := v.update(func(t *txn) error {
		cur, err := t.getRecord(id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil || keep(cur) {
			return err
		}
		key, _ := parseID(id)
		var back *Record
		c := t.tx.Bucket(bucketVersions).Cursor()
		for k, val := c.Seek(key[:]); bytes.HasPrefix(k, key[:]); k, val = c.Next() {
			h, err := t.decodeRecord(bucketVersions, k, val)
			if err != nil {
				return err
			}
			if keep(h) && (back == nil || h.Version > back.Version) {
				back = &h
			}
		}
		next := cur
		detail := "rolled back"
		if back != nil {
			next = *back
			detail = fmt.Sprintf("rolled back to version %d", back.Version)
		} else if cur.Deleted {
			return nil
		} else {
			next.Deleted, next.DeletedAt = true, max(cur.DeletedAt, cur.Modified)
			next.Fields, next.Stamps = maps.Clone(cur.Fields), maps.Clone(cur.Stamps)
			detail = "rolled back: moved to the recycle bin"
		}
		if err := t.putVersion(&cur); err != nil {
			return err
		}
		next.Version = cur.Version + 1
		if err := t.putRecord(&next); err != nil {
			return err
		}
		changed = true
		return t.log(Event{Action: ActionRecordReverted, Subject: id, Category: cur.Category, Detail: detail})
	})
	return changed, err
}
