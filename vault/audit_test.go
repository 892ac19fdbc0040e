package vault

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestLogRecordsActionsWithoutValues(t *testing.T) {
	v, _ := newTestVault(t)
	rec, err := v.Add("personal", map[string]string{"surname": "Yılmaz", "bsn": "123456782"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Update(rec.ID, map[string]string{"phone": "0612345678"}); err != nil {
		t.Fatal(err)
	}
	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	var actions []Action
	for _, e := range events {
		actions = append(actions, e.Action)
		b, _ := json.Marshal(e)
		for _, secret := range []string{"Yılmaz", "123456782", "0612345678"} {
			if strings.Contains(string(b), secret) {
				t.Fatalf("log entry %d holds the value %q: %s", e.Seq, secret, b)
			}
		}
	}
	want := []Action{ActionVaultCreated, ActionRecordCreated, ActionRecordUpdated}
	if len(actions) != len(want) {
		t.Fatalf("actions %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("actions %v, want %v", actions, want)
		}
	}
	if events[2].Detail != "phone" || events[2].Subject != rec.ID || events[2].Person != "Fatima" {
		t.Fatalf("update entry: %+v", events[2])
	}
	if n, err := v.VerifyLog(); err != nil || n != 3 {
		t.Fatalf("VerifyLog = %d, %v", n, err)
	}
}

// tamper builds a vault with five log entries, closes it, applies edit to
// the raw file with the data key at hand (the strongest attacker: one who
// can re-seal), reopens it and returns VerifyLog's error.
func tamper(t *testing.T, edit func(t *testing.T, tx *bolt.Tx, s *sealer)) error {
	v, path := newTestVault(t)
	for _, title := range []string{"a", "b", "c", "d"} {
		if _, err := v.Add("goals", map[string]string{"title": title}); err != nil {
			t.Fatal(err)
		}
	}
	s := v.seal
	v.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error { edit(t, tx, s); return nil })
	v2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v2.Close() })
	v2.mu.Lock()
	v2.seal = s // unlock without a new log entry, so the chain is seen as the attacker left it
	v2.mu.Unlock()
	_, err = v2.VerifyLog()
	return err
}

func readEntry(t *testing.T, tx *bolt.Tx, s *sealer, seq uint64) Event {
	plain, err := s.Open(nil, bucketAudit, u64(seq), tx.Bucket(bucketAudit).Get(u64(seq)))
	if err != nil {
		t.Fatal(err)
	}
	prev := genesis
	if seq > 1 {
		prev = readEntry(t, tx, s, seq-1).Hash
	}
	e, err := decodeEntry(plain, prev)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func writeEntry(t *testing.T, tx *bolt.Tx, s *sealer, key uint64, e Event) {
	b, err := encodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Bucket(bucketAudit).Put(u64(key), s.Seal(bucketAudit, u64(key), b)); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyLogSaysWhereItBreaks(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(t *testing.T, tx *bolt.Tx, s *sealer)
		wantSeq uint64
	}{
		{"altered entry", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			e := readEntry(t, tx, s, 3)
			e.Action = ActionRecordDeleted
			writeEntry(t, tx, s, 3, e)
		}, 3},
		{"altered and rehashed entry", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			e := readEntry(t, tx, s, 2)
			e.Person = "someone else"
			e.Hash = hashEvent(e)
			writeEntry(t, tx, s, 2, e)
		}, 3},
		{"entry removed from the middle", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			tx.Bucket(bucketAudit).Delete(u64(4))
		}, 4},
		{"entry removed from the end", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			tx.Bucket(bucketAudit).Delete(u64(5))
		}, 5},
		{"entries swapped", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			e2, e3 := readEntry(t, tx, s, 2), readEntry(t, tx, s, 3)
			writeEntry(t, tx, s, 2, e3)
			writeEntry(t, tx, s, 3, e2)
		}, 2},
		{"bytes flipped", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			b := append([]byte(nil), tx.Bucket(bucketAudit).Get(u64(1))...)
			b[len(b)/2] ^= 0x40
			tx.Bucket(bucketAudit).Put(u64(1), b)
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tamper(t, c.edit)
			var le *LogError
			if !errors.As(err, &le) {
				t.Fatalf("VerifyLog = %v, want a *LogError", err)
			}
			if le.Seq != c.wantSeq {
				t.Fatalf("broken at %d (%s), want %d", le.Seq, le.Reason, c.wantSeq)
			}
		})
	}
	if err := tamper(t, func(*testing.T, *bolt.Tx, *sealer) {}); err != nil {
		t.Fatalf("an untouched log fails to verify: %v", err)
	}
}
