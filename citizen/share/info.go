package share

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"kluis/internal/errcode"
	"kluis/sync/bundle"
	"kluis/vault"
)

// Info is what the vault keeps about a share made. It holds no field
// values: only what was shared with whom, for what, until when, and what
// happened since (revoked, receipts).
type Info struct {
	ID             string     `json:"id"` // the bundle id
	Created        time.Time  `json:"created"`
	NotAfter       time.Time  `json:"not_after"`
	Purpose        string     `json:"purpose"`
	CaseReference  string     `json:"case_reference,omitempty"`
	RequestID      string     `json:"request_id,omitempty"` // the data request answered
	Recipient      Recipient  `json:"recipient"`
	Categories     []string   `json:"categories"`
	Records        []string   `json:"records"` // ids of every record shared
	ExcludedFields []string   `json:"excluded_fields"`
	Documents      []string   `json:"documents"` // ids of every document shared
	ManifestSHA256 string     `json:"manifest_sha256"`
	File           string     `json:"file"` // where the bundle was saved, if known
	Revoked        *time.Time `json:"revoked,omitempty"`
	Receipts       []Receipt  `json:"receipts,omitempty"`
}

// Recipient is who a share is for: an organisation's card, or whoever
// holds the share code.
type Recipient struct {
	Kind        string `json:"kind"` // bundle.RecipientCard or bundle.RecipientShareCode
	Org         string `json:"org,omitempty"`
	OIN         string `json:"oin,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"` // the card's full fingerprint
	Ed25519     string `json:"ed25519,omitempty"`     // the card's key, which signs receipts
}

// A Receipt is an organisation's receipt for a share, as kept.
type Receipt struct {
	Org        string    `json:"org"`
	ImportedAt time.Time `json:"imported_at"`
	KeptUntil  time.Time `json:"kept_until"`
	Verified   bool      `json:"verified"` // signed by the card's key the share was made for
	Receipt    string    `json:"receipt"`  // the signed file, as it came
}

// Status is the state of a share.
type Status string

// The states of a share.
const (
	Active  Status = "active"
	Expired Status = "expired"
	Revoked Status = "revoked"
)

// Status is the share's state at now: revoked wins over expired.
func (i *Info) Status(now time.Time) Status {
	switch {
	case i.Revoked != nil:
		return Revoked
	case !now.Before(i.NotAfter):
		return Expired
	}
	return Active
}

// Received reports whether the organisation sent a receipt.
func (i *Info) Received() bool { return len(i.Receipts) > 0 }

// ByCode reports whether the share was made with a share code.
func (i *Info) ByCode() bool { return i.Recipient.Kind == bundle.RecipientShareCode }

// A DamagedError means a share kept in the vault cannot be read. It wraps
// vault.ErrDamaged.
type DamagedError struct{ ID string }

func (e *DamagedError) Error() string { return fmt.Sprintf("share %s: %v", e.ID, vault.ErrDamaged) }

// Unwrap returns vault.ErrDamaged.
func (e *DamagedError) Unwrap() error { return vault.ErrDamaged }

// List returns every share made, newest first.
func List(v *vault.Vault) ([]Info, error) {
	objs, err := v.Objects(ObjectShare)
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(objs))
	for id, b := range objs {
		var s Info
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, &DamagedError{ID: id}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Info) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return b.NotAfter.Compare(a.NotAfter)
	})
	return out, nil
}

// Get returns the share with bundle id, or an error wrapping
// vault.ErrNotFound.
func Get(v *vault.Vault, id string) (Info, error) {
	b, err := v.Object(ObjectShare, id)
	if err != nil {
		return Info{}, fmt.Errorf("share %s: %w", id, err)
	}
	var s Info
	if err := json.Unmarshal(b, &s); err != nil {
		return Info{}, &DamagedError{ID: id}
	}
	return s, nil
}

// SetFile notes where a share's bundle was saved. It is not logged: the
// share itself was.
func SetFile(v *vault.Vault, id, file string) error {
	s, err := Get(v, id)
	if err != nil {
		return err
	}
	s.File = file
	return put(v, s, vault.Event{})
}

// Revoke signs a revocation notice for the share with bundle id, marks
// the share revoked (keeping the first revocation time when it was revoked
// before) and logs it, and returns the notice for the organisation. Calling
// it again for the same share gives a fresh notice for the same share.
func Revoke(v *vault.Vault, id string, now time.Time) ([]byte, Info, error) {
	s, err := Get(v, id)
	if err != nil {
		return nil, Info{}, err
	}
	keys, err := v.PublicKeys()
	if err != nil {
		return nil, Info{}, err
	}
	notice, err := bundle.NewNotice(v, keys.Ed25519, s.ID, now)
	if err != nil {
		return nil, Info{}, err
	}
	if s.Revoked == nil {
		t := now.UTC().Truncate(time.Second)
		s.Revoked = &t
	}
	if err := put(v, s, vault.Event{Action: vault.ActionShareRevoked, Subject: s.ID}); err != nil {
		return nil, Info{}, err
	}
	return notice, s, nil
}

// Errors of ImportReceipt.
var (
	// ErrOtherBundle means a receipt names a share's id but not the manifest
	// that was sent: it is for another bundle with the same id.
	ErrOtherBundle = errcode.New("share.other_bundle", "the receipt is for another version of the bundle")
	// ErrOtherOrg means a receipt for a share made for a card is not signed
	// by that card's organisation.
	ErrOtherOrg = errcode.New("share.other_org", "the receipt is not signed by the organisation the share was made for")
)

// A ReceiptResult says what ImportReceipt did.
type ReceiptResult struct {
	Share    Info            // the share, with the receipt added
	Receipt  *bundle.Receipt // the receipt as read
	Verified bool            // signed by the organisation of the share's card
	Already  bool            // this very receipt was kept before; nothing changed
	// CardKept says whether the card the receipt is verified against is
	// among the kept cards (RememberCard). A receipt never keeps a card:
	// it shows only that whoever holds the card's key answered — after a
	// request from an impostor, the impostor — not who that is. So an
	// organisation stays unknown until the citizen keeps its card after
	// comparing the fingerprint (docs/ARCHITECTURE.md).
	CardKept bool
}

// ImportReceipt checks an organisation's receipt (a file made by
// kluis-intake receipt) and keeps it with the share it names, logged. The
// receipt must name the manifest that was sent and, for a share made for a
// card, be signed by that card's key; for a share made with a code Kluis
// cannot know who signed it, and Verified is false. Importing the same
// receipt again changes nothing. A receipt for a share this vault does not
// know gives an error wrapping vault.ErrNotFound.
func ImportReceipt(v *vault.Vault, file []byte) (ReceiptResult, error) {
	r, err := bundle.ParseReceipt(file)
	if err != nil {
		return ReceiptResult{}, err
	}
	s, err := Get(v, r.BundleID)
	if err != nil {
		return ReceiptResult{}, err
	}
	if r.ManifestSHA256 != s.ManifestSHA256 {
		return ReceiptResult{}, ErrOtherBundle
	}
	verified := false
	if s.Recipient.Kind == bundle.RecipientCard {
		key, err := bundle.ParseCardKey(s.Recipient.Ed25519)
		if err != nil || !r.FromCard(s.Recipient.Fingerprint, key) {
			return ReceiptResult{}, ErrOtherOrg
		}
		verified = true
	}
	res := ReceiptResult{Share: s, Receipt: r, Verified: verified}
	if verified {
		kept, err := Cards(v)
		if err != nil {
			return ReceiptResult{}, err
		}
		for _, k := range kept {
			res.CardKept = res.CardKept || k.Card.Fingerprint() == s.Recipient.Fingerprint
		}
	}
	for _, old := range s.Receipts {
		if bytes.Equal([]byte(old.Receipt), file) {
			res.Already = true
			return res, nil
		}
	}
	s.Receipts = append(s.Receipts, Receipt{Org: r.Org, ImportedAt: r.ImportedAt, KeptUntil: r.KeptUntil,
		Verified: verified, Receipt: string(file)})
	detail := "kept until " + r.KeptUntil.Format(time.DateOnly)
	if !verified {
		detail += "; organisation not verified (share code)"
	}
	if err := put(v, s, vault.Event{Action: vault.ActionReceiptImported, Subject: s.ID, Detail: detail}); err != nil {
		return ReceiptResult{}, err
	}
	res.Share = s
	return res, nil
}
