package vault

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"kluis/internal/boltfile"
	"kluis/sync/hlc"
	"kluis/sync/schema"
)

// NewRecord is what a person fills in for a new record.
type NewRecord struct {
	Category string
	Fields   map[string]string
}

// Add validates fields against the category's schema and stores a new
// record. Invalid input returns a *schema.FieldError naming the field;
// nothing is stored then.
func (v *Vault) Add(category string, fields map[string]string) (Record, error) {
	recs, err := v.AddMany([]NewRecord{{Category: category, Fields: fields}})
	if err != nil {
		return Record{}, err
	}
	return recs[0], nil
}

// AddMany stores several new records in one transaction: all or none.
func (v *Vault) AddMany(items []NewRecord) ([]Record, error) {
	recs := make([]Record, 0, len(items))
	for _, it := range items {
		clean, err := schema.ValidateRecord(it.Category, it.Fields)
		if err != nil {
			return nil, err
		}
		if err := v.checkEdit(it.Category); err != nil {
			return nil, err
		}
		recs = append(recs, Record{Category: it.Category, Fields: clean})
	}
	err := v.update(func(t *txn) error {
		t.bulk(len(recs))
		for i := range recs {
			r := &recs[i]
			_, r.ID = newID()
			now := t.clock.Now()
			r.Version, r.Created, r.Modified, r.Author = 1, now, now, t.author
			r.Stamps = make(map[string]hlc.Timestamp, len(r.Fields))
			for k := range r.Fields {
				r.Stamps[k] = now
			}
			if err := t.putRecord(r); err != nil {
				return err
			}
			if err := t.log(Event{Action: ActionRecordCreated, Subject: r.ID, Category: r.Category,
				Detail: fieldNames(r.Fields)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// Update changes some fields of a record; an empty value clears a field.
// The earlier version stays in the history. A change that changes nothing
// makes no new version.
func (v *Vault) Update(id string, changes map[string]string) (Record, error) {
	var out Record
	if err := v.checkRecordEdit(id); err != nil {
		return Record{}, err
	}
	err := v.update(func(t *txn) error {
		cur, err := t.getRecord(id)
		if err != nil {
			return err
		}
		if cur.Deleted {
			return ErrDeleted
		}
		// Validation reads input as a person types it, so stored values go
		// back to their edit form first (money "45000" cents is "450,00").
		cat, ok := schema.Lookup(cur.Category)
		if !ok {
			return damagedItem(PartRecord, id, fmt.Errorf("unknown category %q", cur.Category))
		}
		input := make(map[string]string, len(cur.Fields)+len(changes))
		for k, val := range cur.Fields {
			if f, ok := cat.Field(k); ok {
				val = f.EditValue(val)
			}
			input[k] = val
		}
		maps.Copy(input, changes)
		clean, err := cat.Validate(input)
		if err != nil {
			return err
		}
		out, err = t.newVersion(cur, clean, false, ActionRecordUpdated)
		return err
	})
	return out, err
}

// Revert makes the fields of an earlier version the current ones, as a new
// version; nothing in the history is lost.
func (v *Vault) Revert(id string, version uint64) (Record, error) {
	var out Record
	if err := v.checkRecordEdit(id); err != nil {
		return Record{}, err
	}
	err := v.update(func(t *txn) error {
		cur, err := t.getRecord(id)
		if err != nil {
			return err
		}
		if cur.Deleted {
			return ErrDeleted
		}
		old, err := t.getVersion(id, version)
		if err != nil {
			return err
		}
		out, err = t.newVersion(cur, old.Fields, false, ActionRecordReverted)
		return err
	})
	return out, err
}

// Delete moves a record to the recycle bin. Restore brings it back.
func (v *Vault) Delete(id string) error {
	if err := v.checkRecordEdit(id); err != nil {
		return err
	}
	return v.update(func(t *txn) error {
		cur, err := t.getRecord(id)
		if err != nil {
			return err
		}
		if cur.Deleted {
			return ErrDeleted
		}
		_, err = t.newVersion(cur, cur.Fields, true, ActionRecordDeleted)
		return err
	})
}

// Restore takes a record out of the recycle bin.
func (v *Vault) Restore(id string) error {
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
		_, err = t.newVersion(cur, cur.Fields, false, ActionRecordRestored)
		return err
	})
}

// newVersion stores fields as the next version of cur, moving cur into the
// history. Fields whose value did not change keep their stamps.
func (t *txn) newVersion(cur Record, fields map[string]string, deleted bool, action Action) (Record, error) {
	changed := changedFields(cur.Fields, fields)
	if len(changed) == 0 && deleted == cur.Deleted {
		return cur, nil
	}
	now := t.clock.Now()
	next := Record{
		ID: cur.ID, Category: cur.Category, Fields: fields, Version: cur.Version + 1,
		Created: cur.Created, Modified: now, Author: t.author, Deleted: deleted,
		Stamps: maps.Clone(cur.Stamps),
	}
	if next.Stamps == nil {
		next.Stamps = map[string]hlc.Timestamp{}
	}
	for _, k := range changed {
		next.Stamps[k] = now
	}
	// Values left as they were keep who set them.
	by := map[string]Author{}
	for k := range next.Stamps {
		if !slices.Contains(changed, k) {
			by[k] = cur.FieldAuthor(k)
		}
	}
	next.SetFieldAuthors(by)
	next.DeletedAt = cur.DeletedAt
	if deleted != cur.Deleted {
		next.DeletedAt = now
	}
	if err := t.putVersion(&cur); err != nil {
		return Record{}, err
	}
	if err := t.putRecord(&next); err != nil {
		return Record{}, err
	}
	return next, t.log(Event{Action: action, Subject: cur.ID, Category: cur.Category,
		Detail: strings.Join(changed, ",")})
}

func changedFields(old, new map[string]string) []string {
	var out []string
	for k, v := range new {
		if old[k] != v {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func fieldNames(fields map[string]string) string {
	return strings.Join(slices.Sorted(maps.Keys(fields)), ",")
}

func (t *txn) putRecord(r *Record) error {
	b, err := marshalRecord(r)
	if err != nil {
		return err
	}
	key, _ := parseID(r.ID)
	if err := t.markChanged(r.Modified); err != nil {
		return err
	}
	return t.putSealed(bucketRecords, key[:], b)
}

// markChanged keeps the records' change mark at least at, the latest
// modification time of any record: Changes answers "nothing new" from it
// without reading every record. A vault without the mark (made before it
// existed) gets it here, from every record, the first time one is put.
func (t *txn) markChanged(modified hlc.Timestamp) error {
	if t.changed == nil {
		mark, ok, err := t.changeMark()
		if err != nil {
			return err
		}
		if !ok {
			err := t.eachStored(func(r Record) error {
				mark = max(mark, r.Modified)
				return nil
			})
			if err != nil {
				return err
			}
		}
		t.changed = &mark
		if !ok {
			if err := t.putSealed(bucketMeta, keyRecordsChanged, u64(uint64(mark))); err != nil {
				return err
			}
		}
	}
	if modified <= *t.changed {
		return nil
	}
	*t.changed = modified
	return t.putSealed(bucketMeta, keyRecordsChanged, u64(uint64(modified)))
}

// changeMark reads the records' change mark; ok is false when the vault
// has none yet.
func (t *txn) changeMark() (mark hlc.Timestamp, ok bool, err error) {
	b, err := t.getSealed(bucketMeta, keyRecordsChanged)
	if errors.Is(err, ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if len(b) != 8 {
		return 0, false, damagedAt(bucketMeta, keyRecordsChanged, errors.New("the change mark is not 8 bytes"))
	}
	return hlc.Timestamp(beUint64(b)), true, nil
}

func (t *txn) putVersion(r *Record) error {
	b, err := marshalRecord(r)
	if err != nil {
		return err
	}
	id, _ := parseID(r.ID)
	return t.putSealed(bucketVersions, append(id[:], u64(r.Version)...), b)
}

// getRecord returns the current version of a record; a record deleted for
// good is not found.
func (t *txn) getRecord(id string) (Record, error) {
	r, err := t.getStored(id)
	if err == nil && r.Purged {
		return Record{}, ErrNotFound
	}
	return r, err
}

// getStored is getRecord that also returns the tombstone of a record
// deleted for good: merges must see it.
func (t *txn) getStored(id string) (Record, error) {
	key, err := parseID(id)
	if err != nil {
		return Record{}, err
	}
	return t.decodeRecord(bucketRecords, key[:], nil)
}

func (t *txn) getVersion(id string, version uint64) (Record, error) {
	key, err := parseID(id)
	if err != nil {
		return Record{}, err
	}
	r, err := t.decodeRecord(bucketVersions, append(key[:], u64(version)...), nil)
	if errors.Is(err, ErrNotFound) {
		if cur, err := t.getRecord(id); err == nil && cur.Version == version {
			return cur, nil
		}
	}
	return r, err
}

// decodeRecord opens and decodes the record at bucket/key; sealed may be
// given when a cursor already has it.
func (t *txn) decodeRecord(bucket, key, sealed []byte) (Record, error) {
	r, _, err := t.decodeRecordBuf(bucket, key, sealed, nil)
	return r, err
}

// decodeRecordBuf is decodeRecord opening into buf, which it returns for
// reuse: a scan over many records then allocates no plaintext buffers.
func (t *txn) decodeRecordBuf(bucket, key, sealed, buf []byte) (Record, []byte, error) {
	if sealed == nil {
		sealed = t.tx.Bucket(bucket).Get(key)
		if sealed == nil {
			return Record{}, buf, ErrNotFound
		}
	}
	plain, err := t.seal.Open(buf[:0], bucket, key, sealed)
	if err != nil {
		return Record{}, buf, damagedAt(bucket, key, err)
	}
	r, err := unmarshalRecord(plain)
	if err != nil {
		return Record{}, plain, damagedItem(PartRecord, formatID(key[:16]), err)
	}
	if len(plain) < 18 || !bytes.Equal(plain[2:18], key[:16]) {
		return Record{}, plain, damagedItem(PartRecord, formatID(key[:16]), errors.New("stored under another id"))
	}
	return r, plain, nil
}

func mustID(s string) []byte {
	id, _ := parseID(s)
	return id[:]
}

// Get returns the current version of a record, also when it is in the
// recycle bin (then Deleted is true). A record deleted for good (Purge) is
// not found.
func (v *Vault) Get(id string) (Record, error) {
	var r Record
	err := v.view(func(t *txn) error {
		var err error
		r, err = t.getRecord(id)
		return err
	})
	return r, err
}

// History returns every version of a record, oldest first, the current one
// last.
func (v *Vault) History(id string) ([]Record, error) {
	var out []Record
	err := v.view(func(t *txn) error {
		cur, err := t.getRecord(id)
		if err != nil {
			return err
		}
		key, _ := parseID(id)
		c := t.tx.Bucket(bucketVersions).Cursor()
		for k, val := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]); k, val = c.Next() {
			r, err := t.decodeRecord(bucketVersions, k, val)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		out = append(out, cur)
		return nil
	})
	return out, err
}

// each calls fn with every current record, in id order; records deleted
// for good are left out.
func (t *txn) each(fn func(r Record) error) error {
	return t.eachStored(func(r Record) error {
		if r.Purged {
			return nil
		}
		return fn(r)
	})
}

// eachStored is each with the tombstones of records deleted for good.
//
// A walk over every record touches every page of the records in bbolt's
// mapping of the file, and those pages would stay in the process's
// resident set (3 MiB at 10,000 records, for an app that lists a category
// and then sits idle): they are released when the walk ends, and stay in
// the page cache for the next one.
func (t *txn) eachStored(fn func(r Record) error) error {
	defer boltfile.MappingOf(t.tx).Release()
	c := t.tx.Bucket(bucketRecords).Cursor()
	var buf []byte
	for k, val := c.First(); k != nil; k, val = c.Next() {
		var r Record
		var err error
		r, buf, err = t.decodeRecordBuf(bucketRecords, k, val, buf)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// List returns the records of a category ("" for all), not those in the
// recycle bin, oldest first.
func (v *Vault) List(category string) ([]Record, error) {
	return v.collect(func(r Record) bool { return !r.Deleted && (category == "" || r.Category == category) })
}

// RecycleBin returns the records that were deleted, most recent first.
func (v *Vault) RecycleBin() ([]Record, error) {
	out, err := v.collect(func(r Record) bool { return r.Deleted })
	slices.Reverse(out)
	return out, err
}

// Search returns the records (not those in the recycle bin) in which every
// word of query occurs in some field value, ignoring case and accents.
func (v *Vault) Search(query string) ([]Record, error) {
	words := strings.Fields(foldText(query))
	if len(words) == 0 {
		return nil, nil
	}
	return v.collect(func(r Record) bool { return !r.Deleted && matches(r, words) })
}

// SearchDocuments returns the documents (not those in the recycle bin)
// whose file name holds every word of query, ignoring case and accents,
// oldest first: "loonstrook maart" finds "Loonstrook_maart_2024.pdf".
func (v *Vault) SearchDocuments(query string) ([]Document, error) {
	words := strings.Fields(foldText(query))
	if len(words) == 0 {
		return nil, nil
	}
	return v.documents(func(d Document) bool {
		return !d.Purged && !d.Deleted && containsAll(foldText(d.Name), words)
	})
}

func (v *Vault) collect(keep func(Record) bool) ([]Record, error) {
	var out []Record
	err := v.view(func(t *txn) error {
		return t.each(func(r Record) error {
			if keep(r) {
				out = append(out, r)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Created, b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// Counts returns how many records each category holds (recycle bin not
// counted).
func (v *Vault) Counts() (map[string]int, error) {
	counts := map[string]int{}
	err := v.view(func(t *txn) error {
		return t.each(func(r Record) error {
			if !r.Deleted {
				counts[r.Category]++
			}
			return nil
		})
	})
	return counts, err
}

func matches(r Record, words []string) bool {
	buf := make([]byte, 0, 256)
	buf = appendFolded(buf, r.Category)
	cat, _ := schema.Lookup(r.Category)
	for k, val := range r.Fields {
		buf = append(buf, ' ')
		buf = appendFolded(buf, val)
		if cat == nil {
			continue
		}
		// Also match the form people see: "80,50" finds 8050 cents.
		if f, ok := cat.Field(k); ok && !f.Sensitive && displayDiffers(f.Type) {
			buf = append(buf, ' ')
			buf = appendFolded(buf, f.Display(val))
		}
	}
	return containsAll(string(buf), words)
}

// containsAll reports whether every word occurs in hay.
func containsAll(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func displayDiffers(t schema.Type) bool {
	switch t {
	case schema.Money, schema.IBAN, schema.Date, schema.Phone:
		return true
	}
	return false
}

// foldText lower-cases s and removes common accents, so "Café" finds "cafe".
func foldText(s string) string { return string(appendFolded(nil, s)) }

func appendFolded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size - 1
		r = unicode.ToLower(r)
		if f, ok := accentFolds[r]; ok {
			dst = append(dst, f...)
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

var accentFolds = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ĳ': "ij", 'ı': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u",
	'ç': "c", 'ñ': "n", 'ß': "ss", 'ş': "s", 'ğ': "g",
}
