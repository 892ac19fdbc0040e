package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kluis/sync/hlc"
)

// Action names what happened, in stable English ids that the GUI and the
// CLI translate.
type Action string

// Actions recorded in the activity log.
const (
	ActionVaultCreated      Action = "vault.created"
	ActionUnlockFailed      Action = "unlock.failed"
	ActionRecoveryKeyUsed   Action = "recovery_key.used"
	ActionPassphraseChanged Action = "passphrase.changed"
	ActionRecordCreated     Action = "record.created"
	ActionRecordUpdated     Action = "record.updated"
	ActionRecordReverted    Action = "record.reverted"
	ActionRecordDeleted     Action = "record.deleted"
	ActionRecordRestored    Action = "record.restored"
	ActionDocumentAdded     Action = "document.added"
	ActionDocumentExported  Action = "document.exported"
	ActionDocumentDeleted   Action = "document.deleted"
	ActionDocumentRestored  Action = "document.restored"
	ActionBackupMade        Action = "backup.made"
	ActionBackupRestored    Action = "backup.restored"
	ActionVaultExported     Action = "vault.exported"
	ActionVaultCompacted    Action = "vault.compacted"
	ActionShareCreated      Action = "share.created"
	ActionShareRevoked      Action = "share.revoked"
	ActionReceiptImported   Action = "receipt.imported"
)

// An Event is one entry of the append-only activity log. It says what
// happened, when, by whom and to which item — never the values themselves.
// Each entry's hash covers the hash of the one before, so removing,
// reordering or altering entries is detected by VerifyLog. The vault keeps
// entries in a compact binary form (auditentry.go) and still reads the JSON
// entries of older vaults; the JSON below is the form that is hashed and
// exported.
type Event struct {
	Seq      uint64        `json:"seq"`
	Time     time.Time     `json:"time"`
	Clock    hlc.Timestamp `json:"hlc"`
	Person   string        `json:"person"`
	Device   string        `json:"device"`
	Action   Action        `json:"action"`
	Subject  string        `json:"subject,omitempty"`  // record or document id
	Category string        `json:"category,omitempty"` // the subject's category
	Detail   string        `json:"detail,omitempty"`   // e.g. names of changed fields; never values
	Prev     string        `json:"prev"`               // hex SHA-256 of the previous entry
	Hash     string        `json:"hash"`               // hex SHA-256 of this entry
}

// hashEvent is SHA-256 over a domain-separation line and the entry's JSON
// with Hash empty, whatever form the entry is kept in. encoding/json writes
// struct fields in declaration order, so the bytes are stable.
func hashEvent(e Event) string {
	e.Hash = ""
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	h := sha256.New()
	h.Write([]byte("kluis-audit/v1\n"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// genesis is the Prev of the first entry.
var genesis = hex.EncodeToString(make([]byte, sha256.Size))

// log appends e to the activity log in this transaction, filling in the
// sequence, time, author and chain hashes.
func (t *txn) log(e Event) error {
	head := auditHead{Hash: genesis}
	if t.head != nil {
		head = *t.head
	} else if b, err := t.getSealed(bucketMeta, keyAuditHead); err == nil {
		if err := json.Unmarshal(b, &head); err != nil {
			return damaged(PartLog, "the activity log head", err)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	e.Seq = head.Seq + 1
	if e.Clock == 0 {
		e.Clock = t.clock.Now()
	}
	if e.Time.IsZero() {
		e.Time = e.Clock.Time()
	}
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	if e.Person == "" {
		e.Person, e.Device = t.author.Person, t.author.Device
	}
	// Form 2 keeps text as UTF-8 exactly; JSON (the hash's input and the
	// export) would replace bad bytes, so they are replaced here first.
	for _, s := range []*string{&e.Person, &e.Device, &e.Subject, &e.Category, &e.Detail} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
	}
	e.Action = Action(strings.ToValidUTF8(string(e.Action), "\uFFFD"))
	e.Prev = head.Hash
	e.Hash = hashEvent(e)
	b, err := encodeEntry(e)
	if err != nil {
		return err
	}
	if err := t.putSealed(bucketAudit, u64(e.Seq), b); err != nil {
		return err
	}
	next := auditHead{Seq: e.Seq, Hash: e.Hash}
	hb, _ := json.Marshal(next)
	if err := t.putSealed(bucketMeta, keyAuditHead, hb); err != nil {
		return err
	}
	t.head = &next
	return nil
}

// logFailedUnlocks moves the failed unlocks noted while locked into the log.
func (t *txn) logFailedUnlocks() error {
	b := t.tx.Bucket(bucketFailed)
	var keys [][]byte
	var times []time.Time
	if err := b.ForEach(func(k, v []byte) error {
		keys = append(keys, bytes.Clone(k))
		if len(v) == 8 {
			times = append(times, time.UnixMilli(int64(beUint64(v))))
		} else {
			times = append(times, time.Time{})
		}
		return nil
	}); err != nil {
		return err
	}
	for i, k := range keys {
		if err := t.log(Event{Action: ActionUnlockFailed, Time: times[i], Person: "-", Device: "-"}); err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Log returns the activity log, oldest first.
func (v *Vault) Log() ([]Event, error) {
	var out []Event
	err := v.view(func(t *txn) error {
		prev, last := genesis, uint64(0)
		return t.tx.Bucket(bucketAudit).ForEach(func(k, val []byte) error {
			plain, err := t.openSealed(bucketAudit, k, val)
			if err != nil {
				return err
			}
			seq := uint64(0)
			if len(k) == 8 {
				seq = beUint64(k)
			}
			if seq != last+1 {
				prev = "" // the entry before is missing: VerifyLog says so
			}
			e, err := decodeEntry(plain, prev)
			if err != nil {
				return damaged(PartLog, "activity log entry", err)
			}
			out = append(out, e)
			prev, last = e.Hash, seq
			return nil
		})
	})
	return out, err
}

// LogError says where the activity log's chain breaks.
type LogError struct {
	Seq    uint64 // the first entry that does not check out
	Reason string
}

func (e *LogError) Error() string {
	return fmt.Sprintf("activity log broken at entry %d: %s", e.Seq, e.Reason)
}

// ErrorCode is "vault.log_broken"; the sentence names Seq, not Reason.
func (e *LogError) ErrorCode() string         { return "vault.log_broken" }
func (e *LogError) ErrorArgs() map[string]any { return map[string]any{"Seq": e.Seq} }

// VerifyLog walks the whole hash chain and returns a *LogError at the first
// entry that was altered, removed, reordered or cannot be read, or when
// entries were cut off the end. It returns the number of entries checked.
func (v *Vault) VerifyLog() (int, error) {
	n := 0
	err := v.view(func(t *txn) error {
		prev := genesis
		var want uint64 = 1
		c := t.tx.Bucket(bucketAudit).Cursor()
		for k, val := c.First(); k != nil; k, val = c.Next() {
			if len(k) != 8 {
				return &LogError{Seq: want, Reason: "an entry has a malformed key"}
			}
			seq := beUint64(k)
			if seq != want {
				return &LogError{Seq: want, Reason: "entry is missing"}
			}
			plain, err := t.seal.Open(nil, bucketAudit, k, val)
			if err != nil {
				return &LogError{Seq: seq, Reason: "entry is damaged or was moved"}
			}
			e, err := decodeEntry(plain, prev)
			if err != nil || e.Seq != seq {
				return &LogError{Seq: seq, Reason: "entry cannot be read"}
			}
			if e.Prev != prev {
				return &LogError{Seq: seq, Reason: "entry does not follow the one before it"}
			}
			if hashEvent(e) != e.Hash {
				if plain[0] == entryFormBinary {
					// Form 2 takes Prev from the entry before, so the
					// two cases look the same.
					return &LogError{Seq: seq, Reason: "entry was altered or does not follow the one before it"}
				}
				return &LogError{Seq: seq, Reason: "entry was altered"}
			}
			prev, want = e.Hash, want+1
			n++
		}
		var head auditHead
		hb, err := t.getSealed(bucketMeta, keyAuditHead)
		if err != nil {
			return &LogError{Seq: want, Reason: "the log's last-entry marker is missing or damaged"}
		}
		if err := json.Unmarshal(hb, &head); err != nil || head.Seq != want-1 || head.Hash != prev {
			return &LogError{Seq: want, Reason: "entries were removed from the end"}
		}
		return nil
	})
	return n, err
}
