package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"kluis/sync/replica"

	"kluis/sync/hlc"
)

// A Record is one version of one item in a category. It is the record
// type of package sync/replica, the form in which versions travel between
// replicas; this package stores it in the binary layout below.
type Record = replica.Record

// Binary layout of a record (all integers unsigned varints):
//
//	'R' 0x01 ‖ id (16 bytes) ‖ str category ‖ version ‖ created ‖ modified ‖
//	str person ‖ str device ‖ deleted (1 byte: 0, 1 or 2) ‖ deleted-at ‖ count ‖
//	count × (str field ‖ str value ‖ stamp)
//
// where str is a length followed by UTF-8 bytes. Deleted 2 is a record
// deleted for good (Record.Purged): a tombstone with no fields (count 0). Fields are sorted by id and
// unique, so every record has exactly one encoding. A record whose fields
// were set by several people (Record.Authors) is written as layout 2: the
// same, with 0x02 in place of 0x01, followed by
//
//	count ‖ count × (str field ‖ str person ‖ str device)
//
// sorted by field, each field one the record holds; a record without one
// keeps layout 1, byte for byte.
const recordMagic, recordVersion, recordVersionAuthors = 'R', 1, 2

// maxRecordStr bounds every string in a record on decode.
const maxRecordStr = 1 << 16

var errRecordEncoding = errors.New("malformed record")

func marshalRecord(r *Record) ([]byte, error) {
	id, err := parseID(r.ID)
	if err != nil {
		return nil, err
	}
	size := 32 + len(r.Category) + len(r.Author.Person) + len(r.Author.Device)
	for k, v := range r.Fields {
		size += len(k) + len(v) + 16
	}
	b := make([]byte, 0, size)
	if len(r.Authors) > 0 {
		b = append(b, recordMagic, recordVersionAuthors)
	} else {
		b = append(b, recordMagic, recordVersion)
	}
	b = append(b, id[:]...)
	b = appendStr(b, r.Category)
	b = binary.AppendUvarint(b, r.Version)
	b = binary.AppendUvarint(b, uint64(r.Created))
	b = binary.AppendUvarint(b, uint64(r.Modified))
	b = appendStr(b, r.Author.Person)
	b = appendStr(b, r.Author.Device)
	switch {
	case r.Purged:
		if !r.Deleted || len(r.Fields) > 0 || len(r.Stamps) > 0 || len(r.Authors) > 0 {
			return nil, fmt.Errorf("%w: a record deleted for good keeps no values", errRecordEncoding)
		}
		b = append(b, 2)
	case r.Deleted:
		b = append(b, 1)
	default:
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(r.DeletedAt))
	// A field that was cleared keeps its stamp with an empty value, so a
	// merge can tell "cleared later" from "never set".
	var keys []string
	for k := range r.Fields {
		if r.Fields[k] != "" || r.Stamps[k] != 0 {
			keys = append(keys, k)
		}
	}
	for k := range r.Stamps {
		if _, ok := r.Fields[k]; !ok && r.Stamps[k] != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendStr(b, k)
		b = appendStr(b, r.Fields[k])
		b = binary.AppendUvarint(b, uint64(r.Stamps[k]))
	}
	if len(r.Authors) > 0 {
		ks := slices.Sorted(maps.Keys(r.Authors))
		b = binary.AppendUvarint(b, uint64(len(ks)))
		for _, k := range ks {
			if !slices.Contains(keys, k) {
				return nil, fmt.Errorf("%w: author of field %s, which the record does not hold", errRecordEncoding, k)
			}
			b = appendStr(b, k)
			b = appendStr(b, r.Authors[k].Person)
			b = appendStr(b, r.Authors[k].Device)
		}
	}
	return b, nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	// An overlong form (a value padded with 0x80 bytes) decodes too, but
	// would give the record a second encoding: only the shortest counts.
	if n <= 0 || n != len(binary.AppendUvarint(nil, v)) {
		d.err = errRecordEncoding
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errRecordEncoding
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > maxRecordStr {
		d.err = errRecordEncoding
	}
	return string(d.bytes(n))
}

// unmarshalRecord decodes the binary form. It refuses anything that would
// not marshal back to the same bytes.
func unmarshalRecord(b []byte) (Record, error) {
	var r Record
	if len(b) < 2 || b[0] != recordMagic || (b[1] != recordVersion && b[1] != recordVersionAuthors) {
		return r, errRecordEncoding
	}
	d := &decoder{b: b[2:]}
	id := d.bytes(16)
	r.Category = d.str()
	r.Version = d.uvarint()
	r.Created = hlc.Timestamp(d.uvarint())
	r.Modified = hlc.Timestamp(d.uvarint())
	r.Author.Person = d.str()
	r.Author.Device = d.str()
	switch del := d.bytes(1); {
	case d.err != nil:
	case del[0] == 1:
		r.Deleted = true
	case del[0] == 2:
		r.Deleted, r.Purged = true, true
	case del[0] != 0:
		d.err = errRecordEncoding
	}
	r.DeletedAt = hlc.Timestamp(d.uvarint())
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each field takes at least one byte
		d.err = errRecordEncoding
	}
	if d.err == nil {
		r.Fields = make(map[string]string, n)
		r.Stamps = make(map[string]hlc.Timestamp, n)
	}
	prev := ""
	for i := uint64(0); i < n && d.err == nil; i++ {
		k, v, stamp := d.str(), d.str(), d.uvarint()
		if i > 0 && k <= prev {
			d.err = errRecordEncoding
		}
		prev = k
		switch {
		case v == "" && stamp == 0:
			d.err = errRecordEncoding
		case v != "":
			r.Fields[k] = v
		}
		if stamp != 0 {
			r.Stamps[k] = hlc.Timestamp(stamp)
		}
	}
	if d.err == nil && b[1] == recordVersionAuthors {
		n := d.uvarint()
		if n == 0 || n > uint64(len(d.b)) {
			d.err = errRecordEncoding
		}
		prev := ""
		for i := uint64(0); i < n && d.err == nil; i++ {
			k, person, device := d.str(), d.str(), d.str()
			_, held := r.Stamps[k]
			if (i > 0 && k <= prev) || !held {
				d.err = errRecordEncoding
			}
			prev = k
			if r.Authors == nil {
				r.Authors = map[string]Author{}
			}
			r.Authors[k] = Author{Person: person, Device: device}
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errRecordEncoding
	}
	if d.err == nil && r.Purged && (n != 0 || b[1] != recordVersion) {
		d.err = errRecordEncoding
	}
	if d.err != nil {
		return Record{}, d.err
	}
	r.ID = formatID(id)
	return r, nil
}

func parseID(s string) ([16]byte, error) {
	u, err := uuidParse(s)
	if err != nil {
		return [16]byte{}, fmt.Errorf("%w: %q is not an id", ErrNotFound, s)
	}
	return u, nil
}
