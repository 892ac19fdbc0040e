package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"kluis/sync/bundle"
)

// formatHash is the entry hash written again from docs/FORMAT.md §11,
// apart from the code, so the two cannot drift together.
func formatHash(e LogEntry) string {
	var b bytes.Buffer
	b.WriteString("kluis-intake-log/v1\x00")
	binary.Write(&b, binary.BigEndian, e.Seq)
	binary.Write(&b, binary.BigEndian, e.Time.UnixMilli())
	for _, s := range []string{e.User, e.Action, e.Import, e.Purpose, e.Detail, e.Prev} {
		binary.Write(&b, binary.BigEndian, uint32(len(s)))
		b.WriteString(s)
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// TestLogChain: entries get their sequence numbers, time and chain, read
// back in order and by import, survive reopening, and verify.
func TestLogChain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const imp = "3f2a9c10-1111-4000-8000-000000000001"
	in := []LogEntry{
		{User: "mira", Action: ActLogin},
		{User: "mira", Action: ActView, Import: imp, Purpose: "Aanvraag schuldhulp"},
		{User: "mira", Action: ActDownload, Import: imp, Purpose: "Aanvraag schuldhulp", Detail: "loonstrook.pdf"},
		{Action: ActPurge, Detail: "no one named: the store's actor"},
		{User: "jan", Action: ActExport, Import: "3f2a9c10-2222-4000-8000-000000000002"},
		{User: "mira\xff", Action: ActLogout, Detail: strings.Repeat("\x01<é>", 3000)},
	}
	for i, e := range in {
		w.clock.set(start.Add(time.Duration(i)*time.Minute + 1234567*time.Nanosecond))
		got, err := w.store.Log(e)
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq != uint64(i+1) || !got.Time.Equal(w.clock.now().Truncate(time.Millisecond)) || got.Hash != formatHash(got) {
			t.Errorf("entry %d: %+v", i, got)
		}
	}
	if _, err := w.store.Log(LogEntry{User: "x"}); err == nil {
		t.Error("an entry without an action was written")
	}
	w.reopen(t)
	all, err := w.store.LogEntries(0, 0)
	if err != nil || len(all) != len(in) {
		t.Fatalf("entries: %d, %v", len(all), err)
	}
	prev := strings.Repeat("0", 64)
	for i, e := range all {
		if e.Seq != uint64(i+1) || e.Prev != prev || e.Hash != formatHash(e) || e.Action != in[i].Action {
			t.Errorf("entry %d after reopening: %+v", i+1, e)
		}
		prev = e.Hash
	}
	if all[3].User != Program {
		t.Errorf("an entry without a user says %q, want %q", all[3].User, Program)
	}
	if all[5].User != "mira\uFFFD" || len(all[5].Detail) > maxLogField || !strings.HasSuffix(all[5].Detail, "…") {
		t.Errorf("text not UTF-8 or too long: user %q, detail of %d bytes", all[5].User, len(all[5].Detail))
	}
	page, err := w.store.LogEntries(2, 2)
	if err != nil || len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
		t.Errorf("LogEntries(2, 2) = %+v, %v", page, err)
	}
	if rest, _ := w.store.LogEntries(6, 10); len(rest) != 1 {
		t.Errorf("LogEntries(6, 10) = %d entries", len(rest))
	}
	about, err := w.store.LogFor(imp)
	if err != nil || len(about) != 2 || about[0].Action != ActView || about[1].Action != ActDownload {
		t.Errorf("LogFor = %+v, %v", about, err)
	}
	if n, err := w.store.VerifyLog(); n != len(in) || err != nil {
		t.Errorf("VerifyLog = %d, %v", n, err)
	}
	// What the log holds is sealed.
	db, _ := os.ReadFile(w.store.Path())
	for _, needle := range []string{"Aanvraag schuldhulp", "loonstrook", imp} {
		if bytes.Contains(db, []byte(needle)) {
			t.Errorf("the store file holds %q in plaintext", needle)
		}
	}
}

func (w *world) reopen(t *testing.T) {
	t.Helper()
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(w.dir, w.org, &Options{Now: w.clock.now, Actor: w.store.opt.Actor})
	if err != nil {
		t.Fatal(err)
	}
	w.store = s
}

// TestStoreLogsItsOwnChanges: import, revocation, deletion and purge
// write their entries themselves, by the account named or the store's
// actor; a replay and a refused bundle write none; purge and compaction
// keep the whole log, also the entries about what they removed.
func TestStoreLogsItsOwnChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store.opt.Actor = "kluis-intake:beheer"
	b := w.build(w.share(nil))
	imp, _, err := w.importBytes(b, ImportOptions{User: "mira"})
	if err != nil {
		t.Fatal(err)
	}
	w.importBytes(b, ImportOptions{User: "mira"})                         // a replay
	w.importBytes(append(bytes.Clone(b), 0), ImportOptions{User: "mira"}) // refused
	gone, _, err := w.importBytes(w.build(w.share(nil)), ImportOptions{}) // by the actor
	if err != nil {
		t.Fatal(err)
	}
	late, _, err := w.importBytes(w.build(w.share(func(s *bundle.Share) { s.NotAfter = start.Add(90 * 24 * time.Hour) })), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Delete(gone.ID, "jan"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Delete(gone.ID, "jan"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	n, _ := bundle.NewNotice(w.who, w.who.public(), late.ID, start)
	if _, err := w.store.RevokeBy("mira", n); err != nil {
		t.Fatal(err)
	}
	w.clock.set(imp.KeptUntil)
	if p, err := w.store.Purge(); err != nil || len(p) != 1 {
		t.Fatalf("purge: %+v, %v", p, err)
	}
	if p, err := w.store.Purge(); err != nil || len(p) != 0 {
		t.Fatalf("second purge: %+v, %v", p, err)
	}
	all, err := w.store.LogEntries(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ user, action, id string }{
		{"mira", ActImport, imp.ID}, {"kluis-intake:beheer", ActImport, gone.ID}, {"kluis-intake:beheer", ActImport, late.ID},
		{"jan", ActDelete, gone.ID}, {"mira", ActRevoke, late.ID}, {"kluis-intake:beheer", ActPurge, imp.ID},
	}
	if len(all) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(all), len(want), all)
	}
	for i, e := range all {
		if e.User != want[i].user || e.Action != want[i].action || e.Import != want[i].id || e.Purpose != "Aanvraag schuldhulp" {
			t.Errorf("entry %d: %+v, want %+v", i+1, e, want[i])
		}
	}
	if n, err := w.store.VerifyLog(); n != len(want) || err != nil {
		t.Errorf("after purge and compaction: VerifyLog = %d, %v", n, err)
	}
	if about, _ := w.store.LogFor(imp.ID); len(about) != 2 {
		t.Errorf("entries about the purged import: %+v", about)
	}
	// Deleting leaves no tombstone: the bundle can be imported again.
	if _, err := w.store.Get(gone.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted import: %v", err)
	}
}

// TestVerifyLogFindsDamage alters the log in each way that matters and
// checks that VerifyLog names the first entry that does not check out.
func TestVerifyLogFindsDamage(t *testing.T) {
	t.Parallel()
	raw := func(w *world, fn func(b, meta *bolt.Bucket) error) {
		t.Helper()
		if err := w.store.db.Update(func(tx *bolt.Tx) error {
			return fn(tx.Bucket(bucketLog), tx.Bucket(bucketMeta))
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		damage func(w *world)
		seq    uint64
		reason string
	}{
		{"a byte flipped in entry 3", func(w *world) {
			raw(w, func(b, _ *bolt.Bucket) error {
				v := bytes.Clone(b.Get(seqKey(3)))
				v[40] ^= 1
				return b.Put(seqKey(3), v)
			})
		}, 3, "authenticate"},
		{"entry 3 deleted", func(w *world) {
			raw(w, func(b, _ *bolt.Bucket) error { return b.Delete(seqKey(3)) })
		}, 3, "missing"},
		{"entries 4 and 5 cut off", func(w *world) {
			raw(w, func(b, _ *bolt.Bucket) error { b.Delete(seqKey(4)); return b.Delete(seqKey(5)) })
		}, 4, "removed from the end"},
		{"entries 2 and 3 swapped", func(w *world) {
			raw(w, func(b, _ *bolt.Bucket) error {
				two, three := bytes.Clone(b.Get(seqKey(2))), bytes.Clone(b.Get(seqKey(3)))
				b.Put(seqKey(2), three)
				return b.Put(seqKey(3), two)
			})
		}, 2, "authenticate"},
		{"entry 3 rewritten with a wrong hash", func(w *world) {
			raw(w, func(b, _ *bolt.Bucket) error {
				e, _ := w.store.openLog(seqKey(3), b.Get(seqKey(3)))
				e.Detail = "changed afterwards"
				return w.store.put(b.Tx(), bucketLog, seqKey(3), mustJSON(t, e))
			})
		}, 3, "hash is wrong"},
		{"entry 3 rewritten with its hash made again", func(w *world) {
			raw(w, func(b, _ *bolt.Bucket) error {
				e, _ := w.store.openLog(seqKey(3), b.Get(seqKey(3)))
				e.Detail = "changed afterwards"
				e.Hash = logHash(e)
				return w.store.put(b.Tx(), bucketLog, seqKey(3), mustJSON(t, e))
			})
		}, 4, "does not follow"},
		{"the head removed", func(w *world) {
			raw(w, func(_, meta *bolt.Bucket) error { return meta.Delete(keyLogHead) })
		}, 6, "marker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			for i := range 5 {
				if _, err := w.store.Log(LogEntry{User: "mira", Action: ActView, Detail: string(rune('a' + i))}); err != nil {
					t.Fatal(err)
				}
			}
			tc.damage(w)
			w.reopen(t) // the structure check reads no values: the store opens
			n, err := w.store.VerifyLog()
			var le *LogError
			if !errors.As(err, &le) || !errors.Is(err, ErrLogBroken) || le.Seq != tc.seq || !strings.Contains(le.Reason, tc.reason) {
				t.Fatalf("VerifyLog = %d, %v; want entry %d, %q", n, err, tc.seq, tc.reason)
			}
		})
	}
	// With its head gone, the log is not written over from entry 1.
	w := newWorld(t)
	for range 3 {
		w.store.Log(LogEntry{Action: ActView})
	}
	raw(w, func(_, meta *bolt.Bucket) error { return meta.Delete(keyLogHead) })
	if _, err := w.store.Log(LogEntry{Action: ActView}); !errors.Is(err, ErrLogBroken) {
		t.Errorf("appending without a head: %v", err)
	}
	if all, _ := w.store.LogEntries(1, 0); len(all) != 3 || all[0].Detail != "" {
		t.Errorf("the log was written over: %+v", all)
	}
}

// TestLogEntryFitsLayout: the largest entry Log writes (five texts of
// 4 KiB, each byte a six-byte JSON escape) is under the log's bound in
// the structure check, so the store opens again after writing it.
func TestLogEntryFitsLayout(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	worst := strings.Repeat("\x01", 10000)
	if _, err := w.store.Log(LogEntry{User: worst, Action: worst, Import: worst, Purpose: worst, Detail: worst}); err != nil {
		t.Fatal(err)
	}
	w.reopen(t)
	if n, err := w.store.VerifyLog(); n != 1 || err != nil {
		t.Errorf("VerifyLog = %d, %v", n, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
