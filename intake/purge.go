package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
	"kluis/sync/bundle"
)

// Purged says what a purge or revocation removed: an import ("expired" or
// "revoked"; ID is the bundle id), or the per-pseudonym entries of an
// index's tally ("closed"; ID is the index id).
type Purged struct {
	ID     string `json:"id"`
	Reason string `json:"reason"` // "expired", "revoked", "deleted" or "closed"
	// Of a closed tally only: the index's period name and the number of
	// donors whose answers stay counted (absent when there were none).
	Period    string `json:"period,omitempty"`
	Donations int    `json:"donations,omitempty"`
}

// Reasons in Purged.
const (
	ReasonExpired = "expired" // an import past its kept-until time
	ReasonRevoked = "revoked" // an import the citizen revoked
	ReasonDeleted = "deleted" // an import a caseworker deleted before its time (see Delete)
	ReasonClosed  = "closed"  // a tally whose period and grace are over (see CloseTallies)
)

// Revoke applies a citizen's revocation notice: it checks the notice's
// signature and that it was made with the key that signed the bundle,
// then removes the import as Purge does and remembers that the bundle was
// revoked, so it is never imported again. The processing log gets an
// ActRevoke entry by the store's Actor; RevokeBy names a desk account.
func (s *Store) Revoke(noticeFile []byte) (*Purged, error) { return s.RevokeBy("", noticeFile) }

// RevokeBy is Revoke with user, the desk account that applies the notice,
// in the processing log.
func (s *Store) RevokeBy(user string, noticeFile []byte) (*Purged, error) {
	n, err := bundle.ParseNotice(noticeFile)
	if err != nil {
		return nil, err
	}
	imp, err := s.Get(n.BundleID)
	if err != nil {
		return nil, err
	}
	m, err := imp.ParsedManifest()
	if err != nil {
		return nil, err
	}
	if m.Issuer.Ed25519 != n.Issuer {
		return nil, ErrNotIssuer
	}
	out, err := s.remove(user, func(imp *Import) string {
		if imp.ID == n.BundleID {
			return ReasonRevoked
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound // removed in between
	}
	return &out[0], nil
}

// Delete removes an import before its time, at a caseworker's choice (the
// desk's "delete now"): its documents are overwritten and the store is
// compacted, as Purge does, and the processing log gets an ActDelete entry
// by user (a desk account; the store's Actor when empty). Unlike a
// revocation it leaves no tombstone: the citizen's bundle stays valid
// until it expires, and importing it again is a new, deliberate import.
func (s *Store) Delete(id, user string) (*Purged, error) {
	if _, err := s.Get(id); err != nil {
		return nil, err
	}
	out, err := s.remove(user, func(imp *Import) string {
		if imp.ID == id {
			return ReasonDeleted
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// Purge removes every import past its kept-until time, closes the tally
// of every index whose period and grace are over (see CloseTallies), and
// compacts the store so nothing of either remains in the file's free
// pages. It returns the imports removed, then the tallies closed.
func (s *Store) Purge() ([]Purged, error) {
	closed, err := s.closeDue(false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out, err := s.remove("", func(imp *Import) string {
		if !now.Before(imp.KeptUntil) {
			return ReasonExpired
		}
		return ""
	})
	return append(out, closed...), err
}

// PurgePlan says what Purge would do now, and changes nothing: the
// imports it would remove (past their kept-until time), then the tallies
// it would close, in Purge's order and form. It neither writes nor
// compacts the store.
func (s *Store) PurgePlan() ([]Purged, error) {
	now := s.now()
	imps, err := s.List()
	if err != nil {
		return nil, err
	}
	var out []Purged
	for _, imp := range imps {
		if !now.Before(imp.KeptUntil) {
			out = append(out, Purged{ID: imp.ID, Reason: ReasonExpired})
		}
	}
	due, donors, err := s.dueTallies()
	if err != nil {
		return nil, err
	}
	for i, p := range due {
		out = append(out, Purged{ID: p.Definition.ID, Reason: ReasonClosed, Period: p.Definition.Period.Name, Donations: donors[i]})
	}
	return out, nil
}

// remove deletes the imports for which why returns a reason, in one
// transaction that also writes their tombstones (not for ReasonDeleted)
// and their entries in the processing log, by user; then it deletes their
// document files and compacts the store into a new file that replaces the
// old one. It compacts even when nothing was removed, so an interrupted
// earlier purge is finished. The log is kept whole.
func (s *Store) remove(user string, why func(*Import) string) ([]Purged, error) {
	imps, err := s.List()
	if err != nil {
		return nil, err
	}
	var out []Purged
	var files []string
	err = s.update(func(tx *bolt.Tx) error {
		for _, imp := range imps {
			reason := why(imp)
			if reason == "" {
				continue
			}
			key, _ := idKey(imp.ID)
			if tx.Bucket(bucketImports).Get(key) == nil {
				continue // removed since List
			}
			if err := tx.Bucket(bucketImports).Delete(key); err != nil {
				return err
			}
			if reason != ReasonDeleted {
				t, _ := json.Marshal(tombstone{Status: reason, At: s.now().UTC().Truncate(time.Second)})
				if err := s.put(tx, bucketGone, key, t); err != nil {
					return err
				}
			}
			if _, err := s.appendLog(tx, removalEntry(user, imp, reason)); err != nil {
				return err
			}
			for _, d := range imp.Documents {
				files = append(files, filepath.Join(s.dir, docsDir, d.File))
			}
			out = append(out, Purged{ID: imp.ID, Reason: reason})
		}
		removed := make([]string, len(out))
		for i, p := range out {
			removed[i] = p.ID
		}
		return s.purgePost(tx, removed)
	})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := overwriteAndRemove(f); err != nil {
			return out, err
		}
	}
	if err := atomicfile.SyncDir(filepath.Join(s.dir, docsDir)); err != nil {
		return out, err
	}
	return out, s.compact()
}

// removalEntry is the processing-log entry for removing imp.
func removalEntry(user string, imp *Import, reason string) LogEntry {
	e := LogEntry{User: user, Import: imp.ID}
	if m, err := imp.ParsedManifest(); err == nil {
		e.Purpose = m.Purpose
	}
	switch reason {
	case ReasonRevoked:
		e.Action, e.Detail = ActRevoke, "revoked by the citizen: data removed"
	case ReasonDeleted:
		e.Action, e.Detail = ActDelete, "deleted before its time: data removed"
	default:
		e.Action, e.Detail = ActPurge, "expired (kept until "+imp.KeptUntil.UTC().Format(time.RFC3339)+"): data removed"
	}
	return e
}

// overwriteAndRemove overwrites a document file with zeros before removing
// it. The file is encrypted to a key that no longer exists anywhere once
// the store is compacted; the overwrite is extra care for file systems that
// keep freed blocks readable.
func overwriteAndRemove(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	err = zeroFile(f)
	f.Close()
	if err != nil {
		return err
	}
	return os.Remove(path)
}

// compact copies the live data into a new file with bbolt.Compact, syncs
// it and renames it over the store, so deleted values do not survive in
// free pages. The store stays open on the new file. It holds mu for
// writing, so no other call runs meanwhile.
func (s *Store) compact() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := s.Path()
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: s.opt.Timeout})
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, s.db, 0); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("failed to compact the intake store: %w", err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		os.Remove(tmp)
		return err
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	// Keep the old file open across the rename, then overwrite it with
	// zeros: its free pages held the removed values.
	old, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer old.Close()
	if err := atomicfile.Rename(tmp, path); err != nil {
		return err
	}
	if err := zeroFile(old); err != nil {
		return err
	}
	return s.openDB()
}

func zeroFile(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, 256<<10)
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	for left := fi.Size(); left > 0; {
		n := min(left, int64(len(zeros)))
		if _, err := f.Write(zeros[:n]); err != nil {
			return err
		}
		left -= n
	}
	return f.Sync()
}

// sealedValue returns the sealed bytes stored for an import, for tests
// that check a purge leaves none of them in the file.
func (s *Store) sealedValue(id string) []byte {
	key, _ := idKey(id)
	var out []byte
	s.view(func(tx *bolt.Tx) error {
		out = bytes.Clone(tx.Bucket(bucketImports).Get(key))
		return nil
	})
	return out
}
