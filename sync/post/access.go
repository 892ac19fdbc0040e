package post

import (
	"crypto/ed25519"
	"time"

	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/signed"
)

// MaxAccess bounds an access statement; MaxAccessEntries its entries.
const (
	MaxAccess        = 4 << 20
	MaxAccessEntries = 10_000
)

// Roles of an access entry.
const (
	RoleCaseworker = "caseworker"
	RoleAdmin      = "admin"
	RoleProgram    = "program" // the desk or kluis-intake itself: import, purge
)

// An Access statement is the organisation's signed account of what it did
// with one bundle: the entries of its processing log for that bundle, in
// order. Each entry keeps the log's own sequence number and hash, so an
// auditor holding the whole log can match them.
type Access struct {
	Format      string        `json:"format"`
	BundleID    string        `json:"bundle_id"`
	Org         string        `json:"org"`
	Fingerprint string        `json:"fingerprint"` // the card's full fingerprint
	Issued      time.Time     `json:"issued"`      // UTC, whole seconds
	Entries     []AccessEntry `json:"entries"`
}

// An AccessEntry is one thing the organisation did with the bundle.
type AccessEntry struct {
	Seq     uint64    `json:"seq"`  // the processing log's sequence number
	Hash    string    `json:"hash"` // the processing log entry's hash
	At      time.Time `json:"at"`   // UTC, in milliseconds
	Role    string    `json:"role"`
	Actor   string    `json:"actor"`  // a pseudonym, or the name when the organisation chooses so
	Action  string    `json:"action"` // the log's action: import, view, download, export, receipt, revoke, delete, purge, message
	Purpose string    `json:"purpose,omitempty"`
}

func (a *Access) check() error {
	if a.Format != AccessFormat {
		return refuse(CodeBadAccess, "format")
	}
	if !signed.IsUUIDv4(a.BundleID) || len(a.Fingerprint) != 64 || !isHex(a.Fingerprint) {
		return refuse(CodeBadAccess, "bundle_id or fingerprint")
	}
	if err := signed.CheckLine(a.Org, 1, 200); err != nil {
		return refuseErr(CodeBadAccess, err, "org")
	}
	if !signed.IsCanonicalTime(a.Issued) {
		return refuse(CodeBadAccess, "issued")
	}
	if len(a.Entries) > MaxAccessEntries {
		return refuse(CodeBadAccess, "more than %d entries", MaxAccessEntries)
	}
	var last uint64
	for _, e := range a.Entries {
		if e.Seq <= last {
			return refuse(CodeBadAccess, "entries out of order at %d", e.Seq)
		}
		last = e.Seq
		if len(e.Hash) != 64 || !isHex(e.Hash) {
			return refuse(CodeBadAccess, "entry %d: hash", e.Seq)
		}
		if e.At.IsZero() || e.At.Location() != time.UTC || e.At.Nanosecond()%int(time.Millisecond) != 0 {
			return refuse(CodeBadAccess, "entry %d: at", e.Seq)
		}
		switch e.Role {
		case RoleCaseworker, RoleAdmin, RoleProgram:
		default:
			return refuse(CodeBadAccess, "entry %d: role", e.Seq)
		}
		if err := signed.CheckLine(e.Actor, 1, 100); err != nil {
			return refuseErr(CodeBadAccess, err, "actor")
		}
		if err := signed.CheckLine(e.Action, 1, 40); err != nil {
			return refuseErr(CodeBadAccess, err, "action")
		}
		if e.Purpose != "" {
			if err := signed.CheckLine(e.Purpose, 1, 200); err != nil {
				return refuseErr(CodeBadAccess, err, "purpose")
			}
		}
	}
	return nil
}

// SignAccess signs an access statement with the organisation's key.
func SignAccess(s sign.Signer, a *Access) ([]byte, error) {
	a.Format = AccessFormat
	if a.Entries == nil {
		a.Entries = []AccessEntry{}
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	return signed.Sign(s, DomainAccess, a)
}

// VerifyAccess checks an access statement made by the organisation of
// card about bundleID.
func VerifyAccess(file []byte, card *bundle.Card, bundleID string) (*Access, error) {
	var a Access
	err := signed.Read(file, MaxAccess, AccessFormat, DomainAccess, &a, func() (ed25519.PublicKey, error) {
		if err := a.check(); err != nil {
			return nil, err
		}
		if a.Fingerprint != card.Fingerprint() {
			return nil, refuse(CodeBadAccess, "made for another organisation's card")
		}
		return card.PublicKey(), nil
	})
	if err != nil {
		return nil, readErr(err, CodeBadAccess, CodeBadAccess)
	}
	if a.BundleID != bundleID {
		return nil, refuse(CodeBadAccess, "about another bundle")
	}
	return &a, nil
}

// Extends reports, as a CodeBrokenChain error, whether a later statement
// a leaves out or changes an entry of the earlier statement old: each of
// old's entries must be in a, the same, and in the same place.
func (a *Access) Extends(old *Access) error {
	if old == nil {
		return nil
	}
	if a.BundleID != old.BundleID || a.Fingerprint != old.Fingerprint {
		return refuse(CodeBrokenChain, "about another bundle or organisation")
	}
	if a.Issued.Before(old.Issued) {
		return refuse(CodeBrokenChain, "older than the statement kept")
	}
	if len(a.Entries) < len(old.Entries) {
		return refuse(CodeBrokenChain, "%d entries, %d before", len(a.Entries), len(old.Entries))
	}
	for i, e := range old.Entries {
		n := a.Entries[i]
		if n.Seq != e.Seq || n.Hash != e.Hash || !n.At.Equal(e.At) || n.Action != e.Action || n.Actor != e.Actor || n.Role != e.Role || n.Purpose != e.Purpose {
			return refuse(CodeBrokenChain, "entry %d differs", e.Seq)
		}
	}
	return nil
}
