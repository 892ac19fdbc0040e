package vault

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
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
