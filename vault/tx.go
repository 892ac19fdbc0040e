package vault

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"kluis/sync/hlc"
)

// txn is one user action: a bbolt transaction plus the keys and the author
// it acts with. Every change and its log entry commit together or not at
// all.
type txn struct {
	tx     *bolt.Tx
	seal   *sealer
	author Author
	clock  *hlc.Clock
	// dry: a read-only pass of a batched merge, which stops each record's
	// merge where it would start writing (merge.go).
	dry bool
	// head caches the activity log's head once this transaction has read
	// or written it, so that a merge of many records does not open and
	// decode it again for every entry.
	head *auditHead
	// changed caches the records' change mark (keyRecordsChanged) once
	// this transaction has read or written it.
	changed *hlc.Timestamp
}

// update runs fn in one read-write transaction with the keys. The clock is
// persisted with the change so timestamps never repeat after a restart.
func (v *Vault) update(fn func(t *txn) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.seal == nil {
		return ErrLocked
	}
	if err := v.checkStructure(); err != nil {
		return err
	}
	err := guard(func() error {
		return v.db.Update(func(tx *bolt.Tx) error {
			// Writers are one at a time: the commit after fn reads this.
			tx.DB().AllocSize = growStep
			t := &txn{tx: tx, seal: v.seal, author: v.author, clock: v.clock}
			// The activity log only ever appends (its keys ascend): bbolt
			// may fill its pages whole instead of splitting them in half.
			if b := tx.Bucket(bucketAudit); b != nil {
				b.FillPercent = 1
			}
			if err := fn(t); err != nil {
				return err
			}
			return t.putSealed(bucketMeta, keyClock, u64(uint64(v.clock.Last())))
		})
	})
	return diskError(err)
}

// bulk prepares a writable transaction that puts n records. bbolt splits
// the pages it writes at half full, which suits keys that arrive one at a
// time in random order; for many records at once (a list added in one go,
// a pack merged) that leaves the file twice its size, so such a
// transaction splits at 90 % instead.
func (t *txn) bulk(n int) {
	if n < bulkRecords || !t.tx.Writable() {
		return
	}
	for _, name := range [][]byte{bucketRecords, bucketVersions} {
		if b := t.tx.Bucket(name); b != nil {
			b.FillPercent = 0.9
		}
	}
}

// bulkRecords is from how many records on a transaction counts as bulk.
const bulkRecords = 256

// view runs fn in one read-only transaction with the keys.
func (v *Vault) view(fn func(t *txn) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.seal == nil {
		return ErrLocked
	}
	return guard(func() error {
		return v.db.View(func(tx *bolt.Tx) error {
			return fn(&txn{tx: tx, seal: v.seal, author: v.author, clock: v.clock})
		})
	})
}

func (t *txn) putSealed(bucket, key, plaintext []byte) error {
	if len(plaintext) > maxValueSize-sealOverhead {
		return fmt.Errorf("%w: a value of %d bytes", ErrTooLarge, len(plaintext))
	}
	return t.tx.Bucket(bucket).Put(key, t.seal.Seal(bucket, key, plaintext))
}

// getSealed returns the opened value at bucket/key, ErrNotFound when absent
// and ErrDamaged when it does not authenticate.
func (t *txn) getSealed(bucket, key []byte) ([]byte, error) {
	sealed := t.tx.Bucket(bucket).Get(key)
	if sealed == nil {
		return nil, ErrNotFound
	}
	return t.openSealed(bucket, key, sealed)
}

func (t *txn) openSealed(bucket, key, sealed []byte) ([]byte, error) {
	plain, err := t.seal.Open(nil, bucket, key, sealed)
	if err != nil {
		return nil, damagedAt(bucket, key, err)
	}
	return plain, nil
}

func beUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
