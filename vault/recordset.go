package vault

import "fmt"

// A RecordSet holds the records of another replica until they are merged
// (MergeSet), each in the binary layout the vault stores records in: about
// 200 bytes a record of three or four fields, where a decoded Record with
// its maps takes over a kilobyte. Sync reads a pack's records into one, as
// they stream past, so a pack of 100,000 records costs about 20 MiB, not
// hundreds (docs/PERFORMANCE.md, "Sync packs").
//
// A record that a merge would refuse as malformed is held as it came, so
// that MergeSet refuses it with the same error Merge gives. The zero value
// is an empty set.
type RecordSet struct {
	enc   [][]byte       // in arrival order; nil for a record in bad
	bad   map[int]Record // malformed records, by position
	block []byte         // where the next encodings go
}

// setBlock is the size of the blocks a RecordSet keeps its encodings in,
// so that it grows without copying what it holds.
const setBlock = 1 << 20

// Add adds r at the end of the set.
func (s *RecordSet) Add(r Record) {
	var b []byte
	err := checkIncoming(r)
	if err == nil {
		b, err = marshalRecord(&r)
	}
	if err != nil {
		if s.bad == nil {
			s.bad = map[int]Record{}
		}
		s.bad[len(s.enc)] = r
		s.enc = append(s.enc, nil)
		return
	}
	if len(s.block)+len(b) > cap(s.block) {
		s.block = make([]byte, 0, max(setBlock, len(b)))
	}
	start := len(s.block)
	s.block = append(s.block, b...)
	s.enc = append(s.enc, s.block[start:len(s.block):len(s.block)])
}

// Len is the number of records in the set.
func (s *RecordSet) Len() int { return len(s.enc) }

// at returns the record at position i, decoded.
func (s *RecordSet) at(i int) (Record, error) {
	if s.enc[i] == nil {
		return s.bad[i], nil
	}
	r, err := unmarshalRecord(s.enc[i])
	if err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	return r, nil
}

// Each calls fn with every record of the set, in the order they were
// added (an id in capitals comes back in lower case), until fn returns an
// error.
func (s *RecordSet) Each(fn func(Record) error) error {
	for i := range s.enc {
		r, err := s.at(i)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Keep removes from the set the records for which keep is false, keeping
// the order of the others; an error from keep stops it, with the set
// unchanged.
func (s *RecordSet) Keep(keep func(Record) (bool, error)) error {
	kept := make([]bool, len(s.enc))
	for i := range s.enc {
		r, err := s.at(i)
		if err != nil {
			return err
		}
		if kept[i], err = keep(r); err != nil {
			return err
		}
	}
	var bad map[int]Record
	n := 0
	for i, b := range s.enc {
		if !kept[i] {
			continue
		}
		if b == nil {
			if bad == nil {
				bad = map[int]Record{}
			}
			bad[n] = s.bad[i]
		}
		s.enc[n] = b
		n++
	}
	clear(s.enc[n:])
	s.enc, s.bad = s.enc[:n], bad
	return nil
}

// MergeSet is Merge of the records in s, decoding each only when it is
// merged.
func (v *Vault) MergeSet(s *RecordSet, opts MergeOptions) (MergeResult, error) {
	for i := range s.enc {
		if r, bad := s.bad[i]; bad {
			if err := checkIncoming(r); err != nil {
				return MergeResult{}, err
			}
			// Checked, yet not encoded: refused below by its encoding.
			if _, err := marshalRecord(&r); err != nil {
				return MergeResult{}, fmt.Errorf("%w: %v", ErrBadRecord, err)
			}
		}
	}
	keys := make([][16]byte, len(s.enc))
	for i, b := range s.enc {
		copy(keys[i][:], b[2:18])
	}
	return v.merge(func(i int32) (Record, error) { return s.at(int(i)) }, keys, opts)
}
