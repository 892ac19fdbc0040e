package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/errcode"
)

// The processing log (verwerkingslog) is the municipality's account of
// what it did with citizens' data: every import, view, download, export,
// receipt, revocation, deletion and purge, who did it, when, which import
// and for which purpose. It holds ids, purposes, account names and
// actions — never a value of a citizen's record or document. It is
// append-only and hash-chained; purge and compaction keep it whole.
//
//	log/          sequence number (8 bytes, big-endian, from 1) → sealed LogEntry (JSON)
//	meta/loghead  sealed {"seq":N,"hash":"…"}: the last entry, written in the
//	              same transaction as it, so a cut-off end is found
//
// Each entry's Hash is SHA-256 over a canonical encoding of its other
// fields, Prev (the hash of the entry before) among them; docs/FORMAT.md
// §11 gives it byte for byte. Every value is sealed and bound to its key
// like every other value of the store, so an entry cannot be read, altered
// or moved without the data key; VerifyLog finds one that was, one that is
// missing, and entries cut off the end. What the chain cannot show: a
// whole store put back to an older copy (the log and its head together),
// and, in a store made before the log existed, the removal of the whole
// log with its head.
//
// Who writes: the store itself writes an entry, in the same transaction,
// for what it changes of citizens' data — Import (ActImport), Revoke and
// RevokeBy (ActRevoke), Delete (ActDelete), and Purge (ActPurge, one entry
// per import removed and per tally closed). Callers write the rest with
// Log: the desk for every view, download, export, receipt, login, logout
// and account change, and for the data requests and indexes it makes;
// kluis-intake for show, export, receipt and its user verbs.
//
// The User of an entry is the desk account that acted, or, for the
// command line and for the desk's own purge, the program: "kluis-intake"
// followed by ":" and the name of the operating-system account it runs
// as ("kluis-intake:beheer"), or "kluis-intake" alone when that name is
// unknown. Account names may not start with "kluis-intake"
// (CheckUserName), so no account can pass for the program.
var (
	bucketLog  = []byte("log")
	keyLogHead = []byte("loghead")
)

// Actions of the processing log.
const (
	ActImport   = "import"   // a bundle was imported
	ActView     = "view"     // a case (import) was shown
	ActDownload = "download" // a document was downloaded or viewed
	ActExport   = "export"   // a case was exported for the case system
	ActReceipt  = "receipt"  // a receipt was made
	ActRevoke   = "revoke"   // a citizen's revocation was applied: the import is gone
	ActDelete   = "delete"   // a caseworker deleted an import before its time
	ActPurge    = "purge"    // an import past its time was removed, or a tally closed
	ActLogin    = "login"
	ActLogout   = "logout"
	ActUser     = "user"    // an account was added, removed, or got another password or role
	ActRequest  = "request" // the organisation made a data request
	ActIndex    = "index"   // the organisation defined a neighbourhood index
)

// Program is the User of entries the program writes for itself, when it
// knows no operating-system account to add (see the layout above).
const Program = "kluis-intake"

// A LogEntry is one entry of the processing log.
type LogEntry struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"` // UTC, in milliseconds
	User    string    `json:"user"`
	Action  string    `json:"action"`
	Import  string    `json:"import,omitempty"`  // the bundle id concerned
	Purpose string    `json:"purpose,omitempty"` // the purpose the citizen shared it for
	Detail  string    `json:"detail,omitempty"`  // what else is worth knowing; never a citizen's value
	Prev    string    `json:"prev"`              // hex SHA-256 of the entry before (64 zeros for the first)
	Hash    string    `json:"hash"`              // hex SHA-256 of this entry (see logHash)
}

// ErrLogBroken is what every *LogError is (errors.Is): the processing log
// does not check out.
var ErrLogBroken = errcode.New("intake.log_broken", "the processing log is broken")

// A LogError says where the processing log's chain breaks.
type LogError struct {
	Seq    uint64 // the first entry that does not check out
	Reason string // in English, for the log and the service desk
}

func (e *LogError) Error() string {
	return fmt.Sprintf("processing log broken at entry %d: %s", e.Seq, e.Reason)
}

// ErrorCode is "intake.log_broken_at"; the sentence names Seq, and the
// command line adds Reason.
func (e *LogError) ErrorCode() string         { return "intake.log_broken_at" }
func (e *LogError) ErrorArgs() map[string]any { return map[string]any{"Seq": e.Seq} }
func (e *LogError) ErrorDetail() string       { return e.Reason }
func (e *LogError) Is(target error) bool      { return target == ErrLogBroken }

// logGenesis is the Prev of the first entry.
var logGenesis = strings.Repeat("0", 64)

// maxLogField bounds each text of an entry (in bytes); a longer one is
// cut at a character boundary and ends in "…".
const maxLogField = 4096

// logDomain starts the bytes an entry's hash is taken over.
const logDomain = "kluis-intake-log/v1"

// logHash is the hex SHA-256 of
//
//	"kluis-intake-log/v1" ‖ 0x00 ‖ u64(Seq) ‖ i64(Time in Unix milliseconds) ‖
//	str(User) ‖ str(Action) ‖ str(Import) ‖ str(Purpose) ‖ str(Detail) ‖ str(Prev)
//
// where u64 and i64 are 8 bytes big-endian and str(s) is the length of s
// in bytes as 4 bytes big-endian followed by s in UTF-8.
func logHash(e *LogEntry) string {
	h := sha256.New()
	h.Write([]byte(logDomain))
	h.Write([]byte{0})
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.Time.UnixMilli()))
	h.Write(n[:])
	for _, s := range []string{e.User, e.Action, e.Import, e.Purpose, e.Detail, e.Prev} {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		h.Write(n[:4])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

type logHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Log appends an entry to the processing log and returns it as stored: it
// sets Seq, Time (the store's clock), Prev and Hash, in one transaction
// with the log's head. Action is required; an empty User is the store's
// Actor (Options.Actor). Text that is not UTF-8 is mended and text over
// 4 KiB cut short, so what is stored is what the hash covers.
func (s *Store) Log(e LogEntry) (LogEntry, error) {
	var out LogEntry
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		out, err = s.appendLog(tx, e)
		return err
	})
	return out, err
}

// errNoAction refuses an entry without an action: a programming error.
var errNoAction = errors.New("intake: a log entry needs an action")

// appendLog appends e to the log inside tx. It refuses to write over an
// entry: when the log holds entries past its head (the head was lost), it
// returns a *LogError rather than go on.
func (s *Store) appendLog(tx *bolt.Tx, e LogEntry) (LogEntry, error) {
	if e.Action == "" {
		return e, errNoAction
	}
	b, err := tx.CreateBucketIfNotExists(bucketLog)
	if err != nil {
		return e, err
	}
	head := logHead{Hash: logGenesis}
	switch hb, err := s.get(tx, bucketMeta, keyLogHead); {
	case err == nil:
		if json.Unmarshal(hb, &head) != nil || len(head.Hash) != 64 {
			return e, &LogError{Seq: head.Seq + 1, Reason: "the log's last-entry marker does not decode"}
		}
	case !errors.Is(err, ErrNotFound):
		return e, &LogError{Seq: 1, Reason: "the log's last-entry marker does not authenticate"}
	}
	if k, _ := b.Cursor().Last(); k != nil && (len(k) != 8 || binary.BigEndian.Uint64(k) > head.Seq) {
		return e, &LogError{Seq: head.Seq + 1, Reason: "the log holds entries past its last-entry marker"}
	}
	if e.User == "" {
		e.User = s.actor()
	}
	for _, f := range []*string{&e.User, &e.Action, &e.Import, &e.Purpose, &e.Detail} {
		*f = logText(*f)
	}
	e.Seq = head.Seq + 1
	e.Time = s.now().UTC().Truncate(time.Millisecond)
	e.Prev = head.Hash
	e.Hash = logHash(&e)
	val, err := json.Marshal(e)
	if err != nil {
		return e, err
	}
	if err := s.put(tx, bucketLog, seqKey(e.Seq), val); err != nil {
		return e, err
	}
	if e.Import != "" {
		if err := indexLog(tx, e.Import, e.Seq); err != nil {
			return e, err
		}
	}
	hv, _ := json.Marshal(logHead{Seq: e.Seq, Hash: e.Hash})
	return e, s.put(tx, bucketMeta, keyLogHead, hv)
}

// logText makes s valid UTF-8 of at most maxLogField bytes, so that it
// comes back from JSON exactly as hashed.
func logText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLogField {
		return s
	}
	cut := maxLogField - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// LogEntries returns at most limit entries (all when limit <= 0) from
// sequence number from on, in order. An entry that does not open is a
// *LogError.
func (s *Store) LogEntries(from uint64, limit int) ([]LogEntry, error) {
	var out []LogEntry
	err := s.view(func(tx *bolt.Tx) error {
		return s.eachLog(tx, max(from, 1), func(e *LogEntry) bool {
			out = append(out, *e)
			return limit > 0 && len(out) >= limit
		})
	})
	return out, err
}

// LogFor returns the entries about one import, in order, through the
// log's index by import (logidx/, post.go).
func (s *Store) LogFor(importID string) ([]LogEntry, error) {
	var out []LogEntry
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = s.logFor(tx, importID)
		return err
	})
	return out, err
}

func (s *Store) logFor(tx *bolt.Tx, importID string) ([]LogEntry, error) {
	var out []LogEntry
	idx, log := tx.Bucket(bucketLogIndex), tx.Bucket(bucketLog)
	prefix, err := idKey(importID)
	if idx == nil || log == nil || err != nil {
		return nil, nil
	}
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		sk := k[len(prefix):]
		e, err := s.openLog(sk, log.Get(sk))
		if err != nil {
			return nil, err
		}
		if e.Import != importID {
			return nil, &LogError{Seq: e.Seq, Reason: "the log's index names an entry about another import"}
		}
		out = append(out, *e)
	}
	return out, nil
}

// eachLog calls fn with every entry from sequence number from on until fn
// says stop.
func (s *Store) eachLog(tx *bolt.Tx, from uint64, fn func(*LogEntry) (stop bool)) error {
	b := tx.Bucket(bucketLog)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Seek(seqKey(from)); k != nil; k, v = c.Next() {
		e, err := s.openLog(k, v)
		if err != nil {
			return err
		}
		if fn(e) {
			return nil
		}
	}
	return nil
}

// openLog opens the entry at key k.
func (s *Store) openLog(k, v []byte) (*LogEntry, error) {
	if len(k) != 8 {
		return nil, &LogError{Reason: "an entry has a malformed key"}
	}
	seq := binary.BigEndian.Uint64(k)
	plain, err := s.seal.Open(nil, bucketLog, k, v)
	if err != nil {
		return nil, &LogError{Seq: seq, Reason: "the entry does not authenticate: it was altered, damaged or moved"}
	}
	var e LogEntry
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Seq != seq {
		return nil, &LogError{Seq: seq, Reason: "the entry does not decode"}
	}
	return &e, nil
}

// VerifyLog walks the whole processing log and checks that every entry
// opens (so was neither altered nor moved), the sequence numbers run from
// 1 without a gap, each entry names the hash of the one before and its
// own hash is right, and the last entry is the one the log's head names,
// so no entry was cut off the end. It returns the number of entries
// checked, and a *LogError (errors.Is ErrLogBroken) at the first entry
// that does not check out.
func (s *Store) VerifyLog() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		prev, want := logGenesis, uint64(1)
		if b := tx.Bucket(bucketLog); b != nil {
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(k) != 8 {
					return &LogError{Seq: want, Reason: "an entry has a malformed key"}
				}
				if seq := binary.BigEndian.Uint64(k); seq != want {
					return &LogError{Seq: want, Reason: "the entry is missing"}
				}
				e, err := s.openLog(k, v)
				if err != nil {
					return err
				}
				if e.Prev != prev {
					return &LogError{Seq: want, Reason: "the entry does not follow the one before it"}
				}
				if logHash(e) != e.Hash {
					return &LogError{Seq: want, Reason: "the entry's hash is wrong"}
				}
				prev, want = e.Hash, want+1
				n++
			}
		}
		hb, err := s.get(tx, bucketMeta, keyLogHead)
		switch {
		case errors.Is(err, ErrNotFound) && n == 0:
			return nil // no log yet
		case err != nil:
			return &LogError{Seq: want, Reason: "the log's last-entry marker is missing or does not authenticate"}
		}
		var head logHead
		if json.Unmarshal(hb, &head) != nil {
			return &LogError{Seq: want, Reason: "the log's last-entry marker does not decode"}
		}
		if head.Seq != want-1 || head.Hash != prev {
			if head.Seq >= want {
				return &LogError{Seq: want, Reason: fmt.Sprintf("entries %d to %d were removed from the end", want, head.Seq)}
			}
			return &LogError{Seq: head.Seq + 1, Reason: "the log's last-entry marker does not name the last entry"}
		}
		return nil
	})
	return n, err
}
