package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"kluis/intake/tally"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/errcode"
	"kluis/sync/index"
)

// Buckets of the wijkonderzoek (formats in sync/index, counting in intake/tally):
//
//	indexes/  index id (16 bytes) → sealed StoredIndex (JSON): the signed
//	          definition file the organisation made
//	tallies/  index id (16 bytes) → sealed tally.Tally (JSON): the counts per
//	          wijk × question × answer, and per pseudonym its wijk and answer
//	          ids (only to take them out again when that donor donates anew)
//	          until the tally is closed; then only the counts and the number
//	          of donors
//
// A donation file is never stored: ImportDonation decrypts it in memory,
// folds it into the tally and forgets it. No pseudonym, key or file name is
// ever a bucket key or plaintext: a pseudonym exists only inside the
// sealed tally. Stores made before indexes existed lack both buckets; they
// are created by the first SaveIndex.
//
// The per-pseudonym entries are needed only while a donor can still donate
// again. When the index's period has ended and tally.CloseGrace has passed
// as well (index.Period.ClosesAt), the store closes the tally
// (tally.Tally.Close): Purge, which runs daily, closes every such tally,
// and ImportDonation, IndexReport and CloseTallies close them first too.
// Closing rewrites the sealed tally without the entries and then compacts
// the store like Purge does (see compact), so the old value survives
// neither as a live value nor in the file's free pages. A closed tally
// refuses every donation with index.CodeClosed; reports come from its
// counts as before. Tallies stored before closing existed have no closed
// marker and load as open ones.
var (
	bucketIndexes = []byte("indexes")
	bucketTallies = []byte("tallies")
)

// Errors of the wijkonderzoek.
var (
	// ErrNotOurIndex means an index definition signed with another card.
	ErrNotOurIndex = errcode.New("intake.index.not_ours", "the index definition is not made with this organisation's card")
	// ErrIndexConflict means a different definition with an id already kept.
	ErrIndexConflict = errcode.New("intake.index.conflict", "a different index definition with the same id was made before")
	// ErrNoIndex means the store holds no (such) index.
	ErrNoIndex = errcode.New("intake.index.none", "no index with that id in the intake store")
	// ErrNoPredecessor means a definition continues one the store does not keep.
	ErrNoPredecessor = errcode.New("intake.index.no_predecessor", "the index continues a definition this store does not keep")
	// ErrNoDomains means a scored report was asked of an index without domains.
	ErrNoDomains = errcode.New("intake.index.no_domains", "the index has no domains: its report has counts only")
	// ErrScored means the report of counts without noise was asked of an
	// index with domains, whose only report is IndexScores.
	ErrScored = errcode.New("intake.index.scored", "the index has domains: its report is made with IndexScores, once it is closed")
	// ErrWhichIndex means the store holds several indexes and none was named.
	ErrWhichIndex = errcode.New("intake.index.which", "the intake store holds several indexes: name one")
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
	if pre := p.Definition.Predecessor; pre != nil {
		// The period before must be this organisation's own, kept here,
		// and ask the same: else no trend can be shown.
		prev, err := s.Index(pre.ID)
		if errors.Is(err, ErrNoIndex) {
			return nil, ErrNoPredecessor
		}
		if err != nil {
			return nil, err
		}
		if err := index.CheckPredecessor(p.Definition, s.org.Card().Fingerprint(), prev); err != nil {
			return nil, err
		}
	}
	key, _ := idKey(p.Definition.ID)
	val, err := json.Marshal(StoredIndex{ID: p.Definition.ID, File: p.File, Saved: s.now().UTC().Truncate(time.Second)})
	if err != nil {
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
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
	err := s.view(func(tx *bolt.Tx) error {
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
	Outcome tally.Outcome
}

// ImportDonation decrypts and checks a donation file against the kept
// definitions and folds it into its index's tally in one transaction. The
// file itself is not kept. A second donation with the same pseudonym
// replaces the first; the same donation again changes nothing. It first
// closes the tallies that are due (see CloseTallies); a donation for an
// index whose tally is closed is refused with index.CodeClosed and
// changes nothing.
func (s *Store) ImportDonation(file []byte) (*DonationResult, error) {
	if _, err := s.closeDue(true); err != nil {
		return nil, err
	}
	var res *DonationResult
	err := s.update(func(tx *bolt.Tx) error {
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
		if closesBy(def, s.now()) && !t.Closed {
			// The moment passed since closeDue looked: refuse all the same,
			// the next call closes it.
			return errClosed()
		}
		out, err := t.Add(d)
		if err != nil {
			return err
		}
		res = &DonationResult{Index: def.ID, Period: def.Period.Name, Wijk: d.Wijk, Outcome: out}
		if out == tally.Same {
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

func (s *Store) tally(tx *bolt.Tx, key []byte) (*tally.Tally, error) {
	if tx.Bucket(bucketTallies) == nil {
		return tally.NewTally(), nil
	}
	plain, err := s.get(tx, bucketTallies, key)
	if errors.Is(err, ErrNotFound) {
		return tally.NewTally(), nil
	}
	if err != nil {
		return nil, err
	}
	t := tally.NewTally()
	if err := json.Unmarshal(plain, t); err != nil || !t.Consistent() {
		return nil, fmt.Errorf("%w: tally", ErrDamaged)
	}
	return t, nil
}

// closesBy reports whether the tally of def is due to be closed at now.
func closesBy(def *index.Definition, now time.Time) bool {
	at, err := tally.ClosesAt(def.Period)
	return err == nil && !now.Before(at)
}

func errClosed() error {
	return &index.Error{Code: index.CodeClosed, Detail: "the index's period and its grace for late donations are over"}
}

// CloseTallies closes the tally of every index whose period and grace are
// over (index.Period.ClosesAt) and that is not closed yet, and then
// compacts the store so the dropped per-pseudonym entries do not remain in
// the file's free pages. It returns the tallies it closed, with Reason
// ReasonClosed; nothing when none was due. Purge does the same as part of
// its run, as do ImportDonation and IndexReport before they start.
//
// Like Purge it replaces the store's file; other calls on the same Store
// wait while it does (see Store). Should the compaction
// fail after the tally was closed, the entries are no longer readable
// through the store, and the next Purge, which always compacts, removes
// what is left of them in free pages.
func (s *Store) CloseTallies() ([]Purged, error) { return s.closeDue(true) }

// closeDue closes the due tallies in one transaction and, with compact and
// when it closed any, compacts the store.
func (s *Store) closeDue(compact bool) ([]Purged, error) {
	// Look first without writing: usually nothing is due.
	due, _, err := s.dueTallies()
	if err != nil || len(due) == 0 {
		return nil, err
	}
	return s.closeTallies(due, compact)
}

// dueTallies returns the indexes whose tally is due to close now and is
// not closed yet, with the number of donors each counts. It only reads.
func (s *Store) dueTallies() ([]*index.Parsed, []int, error) {
	now := s.now()
	var due []*index.Parsed
	var donors []int
	err := s.view(func(tx *bolt.Tx) error {
		parsed, err := s.indexes(tx)
		if err != nil {
			return err
		}
		for _, p := range parsed {
			if !closesBy(p.Definition, now) {
				continue
			}
			key, _ := idKey(p.Definition.ID)
			t, err := s.tally(tx, key)
			if err != nil {
				return err
			}
			if !t.Closed {
				due = append(due, p)
				donors = append(donors, t.Donations())
			}
		}
		return nil
	})
	return due, donors, err
}

// closeTallies closes the tallies of due in one transaction and, with
// compact and when it closed any, compacts the store.
func (s *Store) closeTallies(due []*index.Parsed, compact bool) ([]Purged, error) {
	var out []Purged
	err := s.update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketTallies); err != nil {
			return err
		}
		for _, p := range due {
			key, _ := idKey(p.Definition.ID)
			t, err := s.tally(tx, key)
			if err != nil {
				return err
			}
			if !t.Close() {
				continue
			}
			val, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := s.put(tx, bucketTallies, key, val); err != nil {
				return err
			}
			if _, err := s.appendLog(tx, LogEntry{Action: ActPurge, Detail: fmt.Sprintf(
				"tally of index %s (%s) closed: answers per donor removed, %d donors stay counted",
				p.Definition.ID, p.Definition.Period.Name, t.Donations())}); err != nil {
				return err
			}
			out = append(out, Purged{ID: p.Definition.ID, Reason: ReasonClosed, Period: p.Definition.Period.Name, Donations: t.Donations()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if compact && len(out) > 0 {
		return out, s.compact()
	}
	return out, nil
}

// IndexReport returns the publishable report of an index (see
// tally.MakeReport) and the number of donors counted. The number of donors
// is for the organisation's own use; it is not part of the report. It
// first closes the tallies that are due (see CloseTallies); a closed
// tally reports from its counts exactly as before.
func (s *Store) IndexReport(id string, minGroup int) (*tally.Report, int, error) {
	if _, err := s.closeDue(true); err != nil {
		return nil, 0, err
	}
	p, err := s.Index(id)
	if err != nil {
		return nil, 0, err
	}
	if p.Definition.HasDomains() {
		// Its counts are published with noise only, once: never as they are.
		return nil, 0, ErrScored
	}
	key, _ := idKey(p.Definition.ID)
	var t *tally.Tally
	err = s.view(func(tx *bolt.Tx) error {
		t, err = s.tally(tx, key)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return tally.MakeReport(p.Definition, t, minGroup), t.Donations(), nil
}

// IndexScores returns the council's report of an index with domains
// (tally.MakeScores), with the changes since its predecessor when the
// store keeps that one. It first closes the tallies that are due (see
// CloseTallies); an index whose tally is still open is refused with a
// tally.NotClosedError that says when it closes: each period has one
// report, made when no donation can change it any more.
func (s *Store) IndexScores(id string, minGroup int) (*tally.Scores, error) {
	if _, err := s.closeDue(true); err != nil {
		return nil, err
	}
	p, err := s.Index(id)
	if err != nil {
		return nil, err
	}
	if !p.Definition.HasDomains() {
		return nil, ErrNoDomains
	}
	now := tally.Period{Def: p.Definition}
	var before *tally.Period
	err = s.view(func(tx *bolt.Tx) error {
		key, _ := idKey(p.Definition.ID)
		if now.Tally, err = s.tally(tx, key); err != nil {
			return err
		}
		pre := p.Definition.Predecessor
		if pre == nil {
			return nil
		}
		all, err := s.indexes(tx)
		if err != nil {
			return err
		}
		for _, q := range all {
			if q.Definition.ID != pre.ID {
				continue
			}
			key, _ := idKey(q.Definition.ID)
			t, err := s.tally(tx, key)
			if err != nil {
				return err
			}
			before = &tally.Period{Def: q.Definition, Tally: t}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tally.MakeScores(now, before, minGroup)
}

// IndexDonations returns the number of donors counted for an index, for
// the organisation's own use (it is not part of any report).
func (s *Store) IndexDonations(id string) (int, error) {
	p, err := s.Index(id)
	if err != nil {
		return 0, err
	}
	key, _ := idKey(p.Definition.ID)
	var n int
	err = s.view(func(tx *bolt.Tx) error {
		t, err := s.tally(tx, key)
		if err == nil {
			n = t.Donations()
		}
		return err
	})
	return n, err
}
