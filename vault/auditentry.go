package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"kluis/sync/hlc"
)

// How an activity-log entry is kept (sealed) in the audit bucket. Kluis
// before 2026-12-06 wrote each entry as its JSON (form 1, first byte '{');
// it now writes form 2, a compact binary encoding of the same Event, and
// reads both. The hash chain is the same for both forms: an entry's hash is
// always hashEvent over its JSON (see docs/FORMAT.md, "The activity log"),
// so old and new entries chain into one log and an export verifies the
// same way whatever form each entry was kept in.
//
// Form 2 (all integers unsigned LEB128 varints unless said otherwise):
//
//	0x02                      form
//	flags (1 byte)            bit 0: time is the clock's wall time (left out)
//	                          bit 1: subject is a UUID (16 bytes)
//	                          bit 2: device is a UUID (16 bytes)
//	seq                       ≥ 1
//	clock (8 bytes, big-endian) the hybrid logical clock timestamp
//	[time]                    zigzag varint, Unix milliseconds, unless bit 0
//	person                    length ‖ UTF-8
//	device                    16 bytes if bit 2, else length ‖ UTF-8
//	action                    1 byte code (auditActionCodes); 0: length ‖ UTF-8
//	subject                   16 bytes if bit 1, else length ‖ UTF-8
//	category                  length ‖ UTF-8
//	detail                    length ‖ UTF-8
//	hash (32 bytes)           SHA-256 of this entry (hashEvent)
//
// The previous entry's hash (Event.Prev) is not kept in form 2: it is the
// Hash of the entry before, which the reader has just read. There is
// exactly one encoding of each Event: decodeEntry refuses anything that does
// not encode back to the same bytes (non-minimal varints, a UUID or action
// spelled out that has a short form, unknown flags, bytes left over).
const (
	entryFormJSON   = '{'
	entryFormBinary = 0x02
)

// maxEntrySize caps an entry's plain bytes: the audit bucket holds sealed
// values of at most 64 KiB (precheck.go).
const maxEntrySize = 1<<16 - sealOverhead

const (
	flagClockTime   = 1 << 0
	flagSubjectUUID = 1 << 1
	flagDeviceUUID  = 1 << 2
	knownFlags      = flagClockTime | flagSubjectUUID | flagDeviceUUID
)

// auditActionCodes numbers the vault's own actions for form 2. The table
// only grows: a code, once given, keeps its meaning. Actions of other
// packages are written out.
var auditActionCodes = []Action{
	1: ActionVaultCreated, ActionUnlockFailed, ActionRecoveryKeyUsed, ActionPassphraseChanged,
	ActionRecordCreated, ActionRecordUpdated, ActionRecordReverted, ActionRecordDeleted,
	ActionRecordRestored, ActionDocumentAdded, ActionDocumentExported, ActionDocumentDeleted,
	ActionDocumentRestored, ActionBackupMade, ActionBackupRestored, ActionVaultExported,
	ActionVaultCompacted, ActionShareCreated, ActionShareRevoked, ActionReceiptImported,
	ActionRecordMerged, ActionDocumentMerged, ActionRecordPurged, ActionDocumentPurged,
}

var auditActionCode = func() map[Action]byte {
	m := make(map[Action]byte, len(auditActionCodes))
	for i, a := range auditActionCodes[1:] {
		m[a] = byte(i + 1)
	}
	return m
}()

// JSON can only write times from year 0 to 9999 (hashEvent needs it).
var (
	minEntryMillis = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxEntryMillis = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()
)

var errEntry = errors.New("malformed activity log entry")

// encodeEntry writes e in form 2. e.Prev is not written; e.Hash must be a
// SHA-256 in lower-case hex.
func encodeEntry(e Event) ([]byte, error) {
	hash, err := hex.DecodeString(e.Hash)
	if err != nil || len(hash) != 32 || hex.EncodeToString(hash) != e.Hash {
		return nil, fmt.Errorf("%w: hash %q", errEntry, e.Hash)
	}
	ms := e.Time.UnixMilli()
	if ms < minEntryMillis || ms > maxEntryMillis || !e.Time.Equal(time.UnixMilli(ms)) {
		return nil, fmt.Errorf("%w: time %v", errEntry, e.Time)
	}
	for _, s := range []string{e.Person, e.Device, string(e.Action), e.Subject, e.Category, e.Detail} {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%w: text is not UTF-8", errEntry)
		}
	}
	var flags byte
	if e.Time.Equal(e.Clock.Time()) {
		flags |= flagClockTime
	}
	subject, subjectUUID := packUUID(e.Subject)
	if subjectUUID {
		flags |= flagSubjectUUID
	}
	device, deviceUUID := packUUID(e.Device)
	if deviceUUID {
		flags |= flagDeviceUUID
	}
	b := make([]byte, 0, 96+len(e.Person)+len(e.Category)+len(e.Detail))
	b = append(b, entryFormBinary, flags)
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Clock))
	if flags&flagClockTime == 0 {
		b = binary.AppendVarint(b, ms)
	}
	b = appendText(b, e.Person)
	if deviceUUID {
		b = append(b, device[:]...)
	} else {
		b = appendText(b, e.Device)
	}
	if code, ok := auditActionCode[e.Action]; ok {
		b = append(b, code)
	} else {
		b = appendText(append(b, 0), string(e.Action))
	}
	if subjectUUID {
		b = append(b, subject[:]...)
	} else {
		b = appendText(b, e.Subject)
	}
	b = appendText(b, e.Category)
	b = appendText(b, e.Detail)
	b = append(b, hash...)
	if len(b) > maxEntrySize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", errEntry, len(b), maxEntrySize)
	}
	return b, nil
}

func appendText(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeEntry reads an entry in either form. prev is the hash of the entry
// before it (genesis for the first, "" when that entry is missing): form 2
// takes its Prev from it, form 1 carries its own.
func decodeEntry(b []byte, prev string) (Event, error) {
	if len(b) > 0 && b[0] == entryFormJSON {
		var e Event
		if err := json.Unmarshal(b, &e); err != nil {
			return Event{}, err
		}
		return e, nil
	}
	e, err := decodeBinaryEntry(b)
	if err != nil {
		return Event{}, err
	}
	e.Prev = prev
	return e, nil
}

// entryReader reads form 2's fields, remembering the first fault.
type entryReader struct {
	b   []byte
	err error
}

func (r *entryReader) fail() {
	if r.err == nil {
		r.err = errEntry
	}
	r.b = nil
}

func (r *entryReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.fail()
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *entryReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *entryReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *entryReader) text() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := r.bytes(int(n))
	if !utf8.Valid(s) {
		r.fail()
		return ""
	}
	return string(s)
}

func (r *entryReader) uuid() string {
	var u [16]byte
	copy(u[:], r.bytes(16))
	return unpackUUID(u)
}

// decodeBinaryEntry reads form 2, strictly: see the comment at the top.
func decodeBinaryEntry(in []byte) (Event, error) {
	if len(in) > maxEntrySize {
		return Event{}, fmt.Errorf("%w: %d bytes, more than %d", errEntry, len(in), maxEntrySize)
	}
	if len(in) < 2 || in[0] != entryFormBinary || in[1]&^knownFlags != 0 {
		return Event{}, fmt.Errorf("%w: unknown form", errEntry)
	}
	flags := in[1]
	r := &entryReader{b: in[2:]}
	var e Event
	e.Seq = r.uvarint()
	if c := r.bytes(8); len(c) == 8 {
		e.Clock = hlc.Timestamp(binary.BigEndian.Uint64(c))
	}
	ms := e.Clock.WallMillis()
	if flags&flagClockTime == 0 {
		ms = r.varint()
	}
	if ms < minEntryMillis || ms > maxEntryMillis {
		r.fail()
	}
	e.Time = time.UnixMilli(ms).UTC()
	e.Person = r.text()
	if flags&flagDeviceUUID != 0 {
		e.Device = r.uuid()
	} else {
		e.Device = r.text()
	}
	if code := r.bytes(1); len(code) == 1 && code[0] != 0 {
		if int(code[0]) >= len(auditActionCodes) {
			r.fail()
		} else {
			e.Action = auditActionCodes[code[0]]
		}
	} else {
		e.Action = Action(r.text())
	}
	if flags&flagSubjectUUID != 0 {
		e.Subject = r.uuid()
	} else {
		e.Subject = r.text()
	}
	e.Category = r.text()
	e.Detail = r.text()
	e.Hash = hex.EncodeToString(r.bytes(32))
	if r.err != nil || len(r.b) != 0 || e.Seq == 0 {
		return Event{}, errEntry
	}
	// One encoding per entry: whatever does not write back the same way
	// (a long varint, a UUID or action written out, a time that is the
	// clock's) is refused.
	again, err := encodeEntry(e)
	if err != nil || !bytes.Equal(again, in) {
		return Event{}, fmt.Errorf("%w: not in its one encoding", errEntry)
	}
	return e, nil
}

// packUUID returns the 16 bytes of a UUID in its canonical lower-case
// form (8-4-4-4-12 hex digits), and false for any other string.
func packUUID(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return u, false
		}
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, false
	}
	return u, true
}

func unpackUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
