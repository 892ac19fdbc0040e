package delegate

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"filippo.io/age"

	"kluis/internal/atomicfile"
	"kluis/sync/hlc"
	"kluis/sync/replica"
)

// PackFormat is the format id inside a sync pack.
const PackFormat = "kluis-pack/v1"

// Limits on a pack's signed statement (documents that follow it are
// limited by the sizes it declares) and its content.
const (
	MaxPackSize    = 256 << 20
	maxPackRecords = 200_000
	// maxPackStatements leaves room for an owner's every certificate to a
	// delegate, their revocations and emergency statements.
	maxPackStatements = 512
)

// A Pack is what one vault sends another in one file: the record versions
// changed since the point the receiver last acknowledged, its own
// acknowledgement of what it received, signed statements (certificate,
// revocations, emergency requests and answers) and reports of what it
// refused.
type Pack struct {
	Format  string        `json:"format"` // PackFormat
	From    string        `json:"from"`   // sender's vault id (fingerprint)
	To      string        `json:"to"`     // receiver's vault id
	Seq     uint64        `json:"seq"`    // 1, 2, … per sender and receiver
	Created time.Time     `json:"created"`
	Since   hlc.Timestamp `json:"since"` // the records are those changed after this…
	UpTo    hlc.Timestamp `json:"up_to"` // …up to and including this, in the sender's clock
	// Ack says the sender has everything the receiver sent up to UpTo, as
	// of the receiver's pack Seq.
	Ack        *Ack             `json:"ack,omitempty"`
	Statements []string         `json:"statements,omitempty"`
	Reports    []Report         `json:"reports,omitempty"`
	Records    []replica.Record `json:"records"`
	// Documents changed in the same span, in scope; their content follows
	// the signed statement as a tar archive (see docs.go).
	Documents []PackDocument `json:"documents,omitempty"`
	// Shares, from a delegate only: what the sender's vault keeps about
	// each share it made on the owner's behalf (its id, recipient,
	// purpose, expiry and the ids it held; never values), once, so the
	// owner sees it in her own list and can revoke it.
	Shares []json.RawMessage `json:"shares,omitempty"`
}

// An Ack acknowledges the counterpart's changes up to UpTo (in the
// counterpart's clock), as set by its pack Seq.
type Ack struct {
	Seq  uint64        `json:"seq"`
	UpTo hlc.Timestamp `json:"up_to"`
}

// A Report tells the counterpart what was refused of one of its packs.
type Report struct {
	Seq     uint64   `json:"seq"`               // the refused pack's sequence number (0 if unknown)
	Code    Code     `json:"code"`              // why
	Records []string `json:"records,omitempty"` // ids refused, when only some were
	// Documents refused, by id, when only some were.
	Documents []string  `json:"documents,omitempty"`
	At        time.Time `json:"at"`
}

// Code says in a stable English id why a pack or a record in it was
// refused. Translated with the key "error.sync.<code>".
type Code string

// Refusal codes.
const (
	CodeNotPack       Code = "not_pack"         // decrypts, but is not a well-formed pack
	CodeOtherVault    Code = "other_vault"      // signed for another vault
	CodeUnknownSender Code = "unknown_sender"   // from a vault we have no pinned contact or certificate for
	CodeBadSignature  Code = "bad_signature"    // the signature does not verify with the pinned key
	CodeNoCertificate Code = "no_certificate"   // the owner's pack carries no valid certificate for us
	CodeRevoked       Code = "revoked"          // the delegation was revoked
	CodeExpired       Code = "expired"          // outside the delegation's validity
	CodeEmergency     Code = "emergency_closed" // emergency access has not opened
	CodeViewOnly      Code = "view_only"        // edits from a delegate who may only view
	CodeOutOfScope    Code = "out_of_scope"     // edits in a category outside the delegation
	CodeBadRecord     Code = "bad_record"       // a record that does not follow the schema
	CodeBadDocument   Code = "bad_document"     // a document damaged, cut short or not matching its hash
)

// A RefusedError is a pack refused as a whole.
type RefusedError struct {
	Code Code
	Err  error
}

func (e *RefusedError) Error() string {
	if e.Err != nil {
		return "sync pack refused: " + string(e.Code) + ": " + e.Err.Error()
	}
	return "sync pack refused: " + string(e.Code)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// ErrorCode is "sync.<code>" (package errcode): i18n says it with the
// message "error.sync.<code>".
func (e *RefusedError) ErrorCode() string { return "sync." + string(e.Code) }

func refused(code Code, err error) error { return &RefusedError{Code: code, Err: err} }

// packName matches the name of a finished pack file:
// kluis-<first 16 hex digits of the sender's id>-<seq>-<random>.kluispack.
var packName = regexp.MustCompile(`^kluis-([0-9a-f]{16})-([0-9]{1,19})-([0-9a-f]{16})\.kluispack$`)

// PackName parses a file name; ok is false for anything that is not a
// finished pack (temporary and partial files of sync programs included).
func PackName(name string) (from string, seq uint64, ok bool) {
	m := packName.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(m[2], 10, 64)
	return m[1], seq, err == nil
}

// SealPack signs p with s and encrypts it to the receiver; for packs
// without documents.
func SealPack(s Signer, to age.Recipient, p *Pack) ([]byte, error) {
	var out bytes.Buffer
	if err := StreamPack(&out, s, to, p, nil); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// StreamPack writes p to out: signed by s, encrypted to the receiver, and
// followed by the archive of p.Documents' content that documents writes
// (with WriteDocuments).
func StreamPack(out io.Writer, s Signer, to age.Recipient, p *Pack, documents func(io.Writer) error) error {
	signed, err := signStatementLarge(s, p)
	if err != nil {
		return err
	}
	w, err := age.Encrypt(out, to)
	if err != nil {
		return err
	}
	if _, err := w.Write(signed); err != nil {
		return err
	}
	if len(p.Documents) > 0 {
		if documents == nil {
			return errors.New("no source for the documents")
		}
		if err := documents(w); err != nil {
			return err
		}
	}
	return w.Close()
}

func signStatementLarge(s Signer, p *Pack) ([]byte, error) { return signStatement(s, DomainPack, p) }

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// WritePack writes an encrypted pack into dir under a new unique name.
func WritePack(dir, from string, seq uint64, data []byte) (string, error) {
	return WritePackWith(dir, from, seq, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WritePackWith writes what fill writes into dir under a new unique name,
// atomically (package atomicfile): a hidden temporary file that sync
// programs ignore, synced, then renamed.
func WritePackWith(dir, from string, seq uint64, fill func(io.Writer) error) (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	name := fmt.Sprintf("kluis-%s-%d-%x.kluispack", from[:16], seq, r)
	if err := atomicfile.Write(filepath.Join(dir, name), fill); err != nil {
		return "", err
	}
	return name, nil
}
