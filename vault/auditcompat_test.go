package vault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// testdata/log-v1.kluis is a vault written by Kluis before the activity log
// had a binary entry form (commit c096bad): every entry in it is JSON. It
// was made with the test KDF and testPass by creating a vault for "Fatima",
// adding an income and a goals record, updating the first, deleting and
// restoring the second, adding a document, logging a share.created event
// and unlocking once with a wrong passphrase. The test opens a copy, so the
// checked-in file never changes.
const logV1Fixture = "testdata/log-v1.kluis"

// The fixture's log as that version wrote it.
var logV1Actions = []Action{ActionVaultCreated, ActionRecordCreated, ActionRecordCreated,
	ActionRecordUpdated, ActionRecordDeleted, ActionRecordRestored, ActionDocumentAdded,
	ActionShareCreated, ActionUnlockFailed}

const logV1LastHash = "9497142dcc97c7a86201275195a0268752267d33c3aae20bf7ce46c00494e746"

// openFixture copies a checked-in vault to a temporary folder, opens and
// unlocks it.
func openFixture(t *testing.T, name string) *Vault {
	t.Helper()
	src, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), filepath.Base(name))
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	v, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		v.Close()
		checkFile(t, path)
	})
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	return v
}

func TestLogOfAnEarlierVersionStillReadsAndVerifies(t *testing.T) {
	v := openFixture(t, logV1Fixture)
	err := v.db.View(func(tx *bolt.Tx) error {
		if f, err := formatOf(tx); err != nil || f != currentFormat() || f < 4 {
			t.Errorf("layout after opening %d (%v), want %d", f, err, currentFormat())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(logV1Actions) {
		t.Fatalf("%d entries, want %d", len(events), len(logV1Actions))
	}
	for i, e := range events {
		if e.Seq != uint64(i+1) || e.Action != logV1Actions[i] {
			t.Fatalf("entry %d: seq %d action %q, want %q", i+1, e.Seq, e.Action, logV1Actions[i])
		}
		if hashEvent(e) != e.Hash {
			t.Fatalf("entry %d does not hash to its own hash", e.Seq)
		}
	}
	if events[3].Detail != "amount,period" || events[0].Person != "Fatima" || events[8].Person != "-" {
		t.Fatalf("entries read back wrong: %+v", events)
	}
	if got := events[len(events)-1].Hash; got != logV1LastHash {
		t.Fatalf("last hash %s, want %s", got, logV1LastHash)
	}
	if n, err := v.VerifyLog(); err != nil || n != len(logV1Actions) {
		t.Fatalf("VerifyLog = %d, %v", n, err)
	}

	// New entries follow the old ones in one chain.
	rec, err := v.Add("goals", map[string]string{"title": "nieuw"})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Delete(rec.ID); err != nil {
		t.Fatal(err)
	}
	v = reopen(t, v)
	events, err = v.Log()
	if err != nil {
		t.Fatal(err)
	}
	n := len(logV1Actions)
	if len(events) != n+2 || events[n].Action != ActionRecordCreated || events[n+1].Action != ActionRecordDeleted ||
		events[n].Prev != logV1LastHash || events[n].Subject != rec.ID {
		b, _ := json.MarshalIndent(events[n-1:], "", " ")
		t.Fatalf("after two new entries: %s", b)
	}
	if got, err := v.VerifyLog(); err != nil || got != n+2 {
		t.Fatalf("VerifyLog after new entries = %d, %v", got, err)
	}
}

// A log of both forms still shows where it was tampered with: the fixture's
// JSON entries followed by two new ones, edited by someone holding the data
// key (see tamper).
func TestMixedLogSaysWhereItBreaks(t *testing.T) {
	n := uint64(len(logV1Actions))
	cases := []struct {
		name    string
		edit    func(t *testing.T, tx *bolt.Tx, s *sealer)
		wantSeq uint64
	}{
		{"old entry altered", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			e := readEntry(t, tx, s, 4)
			e.Detail = "iban"
			writeJSONEntry(t, tx, s, 4, e)
		}, 4},
		{"last old entry altered and rehashed", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			e := readEntry(t, tx, s, n)
			e.Person = "someone else"
			e.Hash = hashEvent(e)
			writeJSONEntry(t, tx, s, n, e)
		}, n + 1},
		{"new entry altered", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			e := readEntry(t, tx, s, n+1)
			e.Category = "debts"
			writeEntry(t, tx, s, n+1, e)
		}, n + 1},
		{"new entry rewritten in the old form", func(t *testing.T, tx *bolt.Tx, s *sealer) {
			writeJSONEntry(t, tx, s, n+1, readEntry(t, tx, s, n+1))
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := openFixture(t, logV1Fixture)
			if _, err := v.Add("goals", map[string]string{"title": "nieuw"}); err != nil {
				t.Fatal(err)
			}
			s, path := v.seal, v.Path()
			v.Close()
			rawUpdate(t, path, func(tx *bolt.Tx) error { c.edit(t, tx, s); return nil })
			v2, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer v2.Close()
			v2.mu.Lock()
			v2.seal = s // unlock without a new log entry
			v2.mu.Unlock()
			_, err = v2.VerifyLog()
			if c.wantSeq == 0 {
				if err != nil {
					t.Fatalf("VerifyLog = %v, want no fault", err)
				}
				return
			}
			var le *LogError
			if !errors.As(err, &le) || le.Seq != c.wantSeq {
				t.Fatalf("VerifyLog = %v, want a break at %d", err, c.wantSeq)
			}
		})
	}
}

func writeJSONEntry(t *testing.T, tx *bolt.Tx, s *sealer, key uint64, e Event) {
	b, _ := json.Marshal(e)
	if err := tx.Bucket(bucketAudit).Put(u64(key), s.Seal(bucketAudit, u64(key), b)); err != nil {
		t.Fatal(err)
	}
}

// The export of a log of both forms checks out from activity-log.json
// alone: every prev is the hash before, every hash the hash of the JSON.
func TestExportedMixedLogChecksOut(t *testing.T) {
	v := openFixture(t, logV1Fixture)
	if _, err := v.Add("goals", map[string]string{"title": "nieuw"}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	if err := v.Export(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "activity-log.json"))
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	if err := json.Unmarshal(b, &events); err != nil {
		t.Fatal(err)
	}
	// The fixture's entries and the new record (the export is logged after it is written).
	if len(events) < len(logV1Actions)+1 {
		t.Fatalf("%d entries exported", len(events))
	}
	prev := genesis
	for i, e := range events {
		if e.Seq != uint64(i+1) || e.Prev != prev || hashEvent(e) != e.Hash {
			t.Fatalf("exported entry %d does not check out: %+v", i+1, e)
		}
		prev = e.Hash
	}
}
