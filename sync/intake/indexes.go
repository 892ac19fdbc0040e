package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"kluis/sync/index"
)

// Buckets of the wijkonderzoek (sync/index):
//
//	indexes/  index id (16 bytes) → sealed StoredIndex (JSON): the signed
//	          definition file the organisation made
//	tallies/  index id (16 bytes) → sealed index.Tally (JSON): the counts per
//	          wijk × question × answer, and per pseudonym its wijk and answer
//	          ids (only to take them out again when that donor donates anew)
//
// A donation file is never stored: ImportDonation decrypts it in memory,
// folds it into the tally and forgets it. No pseudonym, key or file name is
// ever a bucket key or plaintext: a pseudonym exists only inside the
// sealed tally. Stores made before indexes existed lack both buckets; they
// are created by the first SaveIndex.
var (
	bucketIndexes = []byte("indexes")
	bucketTallies = []byte("tallies")
)

// Errors of the wijkonderzoek.
var (
	// ErrNotOurIndex means an index definition signed with another card.
	ErrNotOurIndex = errors.New("the index definition is not made with this organisation's card")
	// ErrIndexConflict means a different definition with an id already kept.
	ErrIndexConflict = errors.New("a different index definition with the same id was made before")
	// ErrNoIndex means the store holds no (such) index.
	ErrNoIndex = errors.New("no index with that id in the intake store")
	// ErrWhichIndex means the store holds several indexes and none was named.
	ErrWhichIndex = errors.New("the intake store holds several indexes: name one")
)

// A StoredIndex is an index definition the organisation made.
type StoredIndex struct {
	ID    string    `json:"id"`
	File  []byte    `json:"file"`
	Saved time.Time `json:"saved"`
}

// SaveIndex keeps an index definition the organisation made, so donations
// to it can be checked and counted. Saving the same file again changes
// nothing.
func (s *Store) SaveIndex(file []byte) (*index.Parsed, error) {
	p, err := index.Parse(file)
	if err != nil {
		return nil, err
	}
	if p.Card.Fingerprint() != s.org.Card().Fingerprint() {
		return nil, ErrNotOurIndex
	}
	key, _ := idKey(p.Definition.ID)
	val, err := json.Marshal(StoredIndex{ID: p.Definition.ID, File: p.File, Saved: s.now().UTC().Truncate(time.Second)})
	if err != nil {
		return nil, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketIndexes, bucketTallies} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if old, err := s.get(tx, bucketIndexes, key); err == nil {
			var si StoredIndex
			if json.Unmarshal(old, &si) != nil || !bytes.Equal(si.File, p.File) {
				return ErrIndexConflict
			}
			return nil
		}
		return s.put(tx, bucketIndexes, key, val)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Indexes returns the index definitions kept, oldest period first.
func (s *Store) Indexes() ([]*index.Parsed, error) {
	var out []*index.Parsed
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.indexes(tx)
		return err
	})
	return out, err
}

func (s *Store) indexes(tx *bolt.Tx) ([]*index.Parsed, error) {
	b := tx.Bucket(bucketIndexes)
	if b == nil {
		return nil, nil
	}
	var out []*index.Parsed
	err := b.ForEach(func(k, v []byte) error {
		plain, err := s.open(bucketIndexes, k, v)
		if err != nil {
			return err
		}
		var si StoredIndex
		if err := json.Unmarshal(plain, &si); err != nil {
			return fmt.Errorf("%w: index", ErrDamaged)
		}
		p, err := index.Parse(si.File)
		if err != nil {
			return fmt.Errorf("%w: index %s: %v", ErrDamaged, si.ID, err)
		}
		out = append(out, p)
		return nil
	})
	slices.SortFunc(out, func(a, b *index.Parsed) int {
		if c := cmpString(a.Definition.Period.Start, b.Definition.Period.Start); c != 0 {
			return c
		}
		return cmpString(a.Definition.ID, b.Definition.ID)
	})
	return out, err
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Index returns the kept definition with id, or the only one when id is
// empty.
func (s *Store) Index(id string) (*index.Parsed, error) {
	all, err := s.Indexes()
	if err != nil {
		return nil, err
	}
	if id == "" {
		switch len(all) {
		case 0:
			return nil, ErrNoIndex
		case 1:
			return all[0], nil
		}
		return nil, ErrWhichIndex
	}
	for _, p := range all {
		if p.Definition.ID == id {
			return p, nil
		}
	}
	return nil, ErrNoIndex
}

// A DonationResult says what importing one donation did. It names the
// index, never the donor.
type DonationResult struct {
	Index   string
	Period  string
	Wijk    string
	Outcome index.Outcome
}

// ImportDonation decrypts and checks a donation file against the kept
// definitions and folds it into its index's tally in one transaction. The
// file itself is not kept. A second donation with the same pseudonym
// replaces the first; the same donation again changes nothing.
func (s *Store) ImportDonation(file []byte) (*DonationResult, error) {
	var res *DonationResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		parsed, err := s.indexes(tx)
		if err != nil {
			return err
		}
		defs := make([]*index.Definition, 0, len(parsed))
		for _, p := range parsed {
			defs = append(defs, p.Definition)
		}
		d, def, err := index.OpenDonationFor(file, s.org, defs)
		if err != nil {
			return err
		}
		key, _ := idKey(def.ID)
		t, err := s.tally(tx, key)
		if err != nil {
			return err
		}
		out := t.Add(d)
		res = &DonationResult{Index: def.ID, Period: def.Period.Name, Wijk: d.Wijk, Outcome: out}
		if out == index.Same {
			return nil
		}
		val, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return s.put(tx, bucketTallies, key, val)
	})
	return res, err
}

func (s *Store) tally(tx *bolt.Tx, key []byte) (*index.Tally, error) {
	if tx.Bucket(bucketTallies) == nil {
		return index.NewTally(), nil
	}
	plain, err := s.get(tx, bucketTallies, key)
	if errors.Is(err, ErrNotFound) {
		return index.NewTally(), nil
	}
	if err != nil {
		return nil, err
	}
	t := index.NewTally()
	if err := json.Unmarshal(plain, t); err != nil {
		return nil, fmt.Errorf("%w: tally", ErrDamaged)
	}
	return t, nil
}

// IndexReport returns the publishable report of an index (see
// index.MakeReport) and the number of donors counted. The number of donors
// is for the organisation's own use; it is not part of the report.
func (s *Store) IndexReport(id string, minGroup int) (*index.Report, int, error) {
	p, err := s.Index(id)
	if err != nil {
		return nil, 0, err
	}
	key, _ := idKey(p.Definition.ID)
	var t *index.Tally
	err = s.db.View(func(tx *bolt.Tx) error {
		t, err = s.tally(tx, key)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return index.MakeReport(p.Definition, t, minGroup), t.Donations(), nil
}
