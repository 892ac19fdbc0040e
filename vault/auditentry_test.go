package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"kluis/sync/hlc"
)

// testEntries are events as t.log leaves them (UTC, whole milliseconds,
// hashed), covering each choice form 2 makes.
func testEntries() []Event {
	clock := hlc.New(time.Date(2026, 12, 6, 1, 2, 3, 456e6, time.UTC).UnixMilli(), 7)
	es := []Event{
		{Seq: 1, Clock: clock, Person: "Fatima", Device: "28349c6a-a5e4-42c3-8e3c-bd6606877376",
			Action: ActionRecordCreated, Subject: "1757d657-42d1-4b32-a613-d88b1b27b754", Category: "income", Detail: "amount,source"},
		{Seq: 2, Clock: clock + 1, Person: "Fatima", Device: "28349c6a-a5e4-42c3-8e3c-bd6606877376",
			Action: ActionPassphraseChanged},
		// A failed unlock: its time is not the clock's.
		{Seq: 300, Clock: clock + 2, Time: time.UnixMilli(1_700_000_000_123).UTC(), Person: "-", Device: "-", Action: ActionUnlockFailed},
		{Seq: 1 << 40, Clock: 0, Time: time.Time{}, Action: ActionUnlockFailed},
		// Another package's action, a subject that is no UUID, an upper-case UUID.
		{Seq: 5, Clock: clock, Person: "Jan de Vries", Device: "1757D657-42D1-4B32-A613-D88B1B27B754",
			Action: "share.delivered", Subject: "Gemeente Zwolle", Detail: "income; tot 2027-01-01 <&>"},
		{Seq: 6, Clock: ^hlc.Timestamp(0) >> 20, Person: "Yılmaz ✓", Device: "d", Action: "x",
			Subject: "1757d657-42d1-4b32-a613-d88b1b27b75", Category: strings.Repeat("c", 200), Detail: strings.Repeat("é", 5000)},
	}
	prev := genesis
	for i := range es {
		if es[i].Time.IsZero() && es[i].Seq != 1<<40 {
			es[i].Time = es[i].Clock.Time()
		}
		es[i].Time = es[i].Time.UTC().Truncate(time.Millisecond)
		es[i].Prev = prev
		es[i].Hash = hashEvent(es[i])
		prev = es[i].Hash
	}
	return es
}

func TestEntryRoundTrip(t *testing.T) {
	for _, e := range testEntries() {
		b, err := encodeEntry(e)
		if err != nil {
			t.Fatalf("encode %d: %v", e.Seq, err)
		}
		if b[0] != entryFormBinary {
			t.Fatalf("entry %d starts with %#x", e.Seq, b[0])
		}
		got, err := decodeEntry(b, e.Prev)
		if err != nil {
			t.Fatalf("decode %d: %v", e.Seq, err)
		}
		want, _ := json.Marshal(e)
		if have, _ := json.Marshal(got); !bytes.Equal(have, want) {
			t.Fatalf("entry %d came back as\n%s\nwant\n%s", e.Seq, have, want)
		}
		if hashEvent(got) != e.Hash {
			t.Fatalf("entry %d no longer hashes to its hash", e.Seq)
		}
	}
	// The form 1 entries of older vaults read as before.
	e := testEntries()[0]
	j, _ := json.Marshal(e)
	got, err := decodeEntry(j, "ignored")
	if err != nil || got.Prev != e.Prev || hashEvent(got) != e.Hash {
		t.Fatalf("JSON entry: %+v, %v", got, err)
	}
}

func TestEntryIsSmall(t *testing.T) {
	e := testEntries()[0]
	b, _ := encodeEntry(e)
	j, _ := json.Marshal(e)
	// form and flags 2, seq 1, clock 8, person 7, device 16, action 1, subject 16,
	// category 7, detail 14, hash 32
	if len(b) != 104 {
		t.Errorf("a record.created entry takes %d bytes in form 2 (JSON: %d), want 104", len(b), len(j))
	}
}

func TestEntryDecodeRefuses(t *testing.T) {
	e := testEntries()[0]
	good, err := encodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in good: form, flags, seq (1), clock (8), person (1+6).
	const personAt = 2 + 1 + 8
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"empty":           {},
		"form only":       {entryFormBinary},
		"unknown form":    edit(func(b []byte) []byte { b[0] = 0x03; return b }),
		"unknown flag":    edit(func(b []byte) []byte { b[1] |= 0x80; return b }),
		"byte appended":   append(bytes.Clone(good), 0),
		"long varint":     edit(func(b []byte) []byte { return append(append(b[:2:2], 0x81, 0x00), b[3:]...) }),
		"seq zero":        edit(func(b []byte) []byte { b[2] = 0; return b }),
		"length too long": edit(func(b []byte) []byte { b[personAt] = 0x7f; return b }),
		"length overflows": edit(func(b []byte) []byte {
			return append(append(b[:personAt:personAt], bytes.Repeat([]byte{0xff}, 10)...), b[personAt+1:]...)
		}),
		"not UTF-8": edit(func(b []byte) []byte { b[personAt+1] = 0xff; return b }),
		"time spelled out": edit(func(b []byte) []byte {
			b[1] &^= flagClockTime
			return append(binary.AppendVarint(b[:personAt:personAt], e.Clock.Time().UnixMilli()), b[personAt:]...)
		}),
		"unknown action code": edit(func(b []byte) []byte { b[personAt+7+16] = byte(len(auditActionCodes)); return b }),
		"known action spelled out": edit(func(b []byte) []byte {
			at := personAt + 7 + 16
			return append(appendText(append(b[:at:at], 0), string(e.Action)), b[at+1:]...)
		}),
		"UUID spelled out": edit(func(b []byte) []byte {
			b[1] &^= flagDeviceUUID
			return append(appendText(b[:personAt+7:personAt+7], e.Device), b[personAt+7+16:]...)
		}),
		"too large": append(bytes.Clone(good), make([]byte, maxEntrySize)...),
	}
	for i := range good {
		cases[fmt.Sprintf("cut at %d", i)] = good[:i]
	}
	for name, b := range cases {
		if _, err := decodeEntry(b, genesis); err == nil {
			t.Errorf("%s: accepted", name)
		} else if len(b) > 0 && b[0] == entryFormBinary && !errors.Is(err, errEntry) {
			t.Errorf("%s: %v, want errEntry", name, err)
		}
	}
	// A time JSON cannot write is refused, so hashEvent never fails.
	far := e
	far.Clock = hlc.New(maxEntryMillis+1, 0)
	far.Time = far.Clock.Time()
	if _, err := encodeEntry(far); err == nil {
		t.Error("a time after year 9999 was encoded")
	}
}

// FuzzEventDecode: decoding any bytes never panics, and whatever decodes
// encodes back to the same bytes and can be hashed.
func FuzzEventDecode(f *testing.F) {
	for _, e := range testEntries() {
		b, err := encodeEntry(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		j, _ := json.Marshal(e)
		f.Add(j)
	}
	f.Add([]byte{entryFormBinary, knownFlags, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b, genesis)
		if err != nil {
			return
		}
		hashEvent(e)
		if len(b) > 0 && b[0] == entryFormJSON {
			return
		}
		again, err := encodeEntry(e)
		if err != nil {
			t.Fatalf("decoded but does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the bytes:\n%x\n%x", b, again)
		}
	})
}

func TestLogWritesTheCompactForm(t *testing.T) {
	v, _ := newTestVault(t)
	// Text that is not UTF-8 is written as JSON would show it.
	if err := v.LogEvent(Event{Action: "test.bad", Detail: "a\xffb"}); err != nil {
		t.Fatal(err)
	}
	err := v.view(func(t2 *txn) error {
		return t2.tx.Bucket(bucketAudit).ForEach(func(k, val []byte) error {
			plain, err := t2.openSealed(bucketAudit, k, val)
			if err != nil {
				return err
			}
			if plain[0] != entryFormBinary {
				t.Errorf("entry %d is kept in form %#x", beUint64(k), plain[0])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	if got := events[len(events)-1].Detail; got != "a\uFFFDb" {
		t.Errorf("detail %q", got)
	}
	if n, err := v.VerifyLog(); err != nil || n != 2 {
		t.Fatalf("VerifyLog = %d, %v", n, err)
	}
}
