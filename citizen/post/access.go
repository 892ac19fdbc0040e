package post

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/signed"
	"kluis/vault"
)

// ObjectAccess is the vault object kind of what an organisation said it
// did with a share: its id is the share's bundle id, its value an
// AccessRecord as JSON.
const ObjectAccess = "access"

// An AccessRecord is the organisation's account of who at the
// organisation did what with one share, as picked up from its desk: the
// signed statement kept (the newest that repeats every entry of the ones
// before) and its entries.
type AccessRecord struct {
	BundleID    string             `json:"bundle_id"`
	Org         string             `json:"org"`
	Fingerprint string             `json:"fingerprint"` // the card's full fingerprint
	Issued      time.Time          `json:"issued"`      // when the organisation signed the statement kept
	Entries     []wire.AccessEntry `json:"entries"`
	Statement   string             `json:"statement"` // the signed statement, as it came
	Checked     time.Time          `json:"checked"`   // when a statement was last picked up
	// Broken is when a statement first came that leaves out or changes an
	// entry of the one kept: the organisation's account cannot be trusted
	// to be whole. It stays set; the statement kept stays too.
	Broken *time.Time `json:"broken,omitempty"`
}

// Access returns what the organisation said it did with share bundleID,
// or an error wrapping vault.ErrNotFound when no statement came yet.
func Access(v *vault.Vault, bundleID string) (*AccessRecord, error) {
	b, err := v.Object(ObjectAccess, bundleID)
	if err != nil {
		return nil, fmt.Errorf("access %s: %w", bundleID, err)
	}
	var r AccessRecord
	if err := json.Unmarshal(b, &r); err != nil || r.BundleID != bundleID {
		return nil, fmt.Errorf("access %s: %w", bundleID, vault.ErrDamaged)
	}
	return &r, nil
}

// An AccessChange is what one pickup changed in a share's account.
type AccessChange struct {
	BundleID string
	Org      string
	New      int  // entries not seen before
	Broken   bool // the statement broke the chain (now, or before)
}

// statementBundle reads the bundle id a statement is about, before it is
// checked (the check needs it).
func statementBundle(file []byte) string {
	body, _, err := signed.Split(file, wire.MaxAccess)
	if err != nil {
		return ""
	}
	var head struct {
		BundleID string `json:"bundle_id"`
	}
	if json.Unmarshal(body, &head) != nil {
		return ""
	}
	return head.BundleID
}

// keepAccess checks statement file from card's desk and keeps it with
// its share when it adds entries. ok is false when the statement does not
// check out (not signed by card, not about a share of this vault for
// card): it is dropped.
func keepAccess(v *vault.Vault, shares map[string]share.Info, card *bundle.Card, file []byte, at time.Time) (ch *AccessChange, ok bool, err error) {
	id := statementBundle(file)
	s, known := shares[id]
	if !known || s.Recipient.Kind != bundle.RecipientCard || s.Recipient.Fingerprint != card.Fingerprint() {
		return nil, false, nil
	}
	a, err := wire.VerifyAccess(file, card, id)
	if err != nil {
		return nil, false, nil
	}
	old, err := Access(v, id)
	switch {
	case err == nil:
	case errors.Is(err, vault.ErrNotFound):
		old = nil
	default:
		return nil, true, err
	}
	rec := &AccessRecord{BundleID: id, Org: card.Org, Fingerprint: card.Fingerprint(), Issued: a.Issued,
		Entries: a.Entries, Statement: string(file), Checked: at}
	fresh := a.Entries
	if old != nil {
		prev := &wire.Access{BundleID: old.BundleID, Fingerprint: old.Fingerprint, Issued: old.Issued, Entries: old.Entries}
		if err := a.Extends(prev); err != nil {
			if old.Broken != nil {
				return nil, true, nil // said before
			}
			old.Broken, old.Checked = &at, at
			e := vault.Event{Action: ActionAccessBroken, Subject: id, Detail: orgDetail(card)}
			return &AccessChange{BundleID: id, Org: card.Org, Broken: true}, true, putAccess(v, old, e)
		}
		rec.Broken = old.Broken
		fresh = a.Entries[len(old.Entries):]
		if len(fresh) == 0 {
			return nil, true, nil
		}
	}
	e := vault.Event{Action: ActionAccessReceived, Subject: id, Detail: orgDetail(card) + "; " + accessDetail(fresh)}
	return &AccessChange{BundleID: id, Org: card.Org, New: len(fresh), Broken: rec.Broken != nil}, true, putAccess(v, rec, e)
}

func putAccess(v *vault.Vault, r *AccessRecord, e vault.Event) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return v.PutObject(ObjectAccess, r.BundleID, b, e)
}

// accessDetail says, for the activity log, who did what when: the first
// entries, then how many more.
func accessDetail(entries []wire.AccessEntry) string {
	const show = 10
	var parts []string
	for i, e := range entries {
		if i == show {
			parts = append(parts, fmt.Sprintf("and %d more", len(entries)-show))
			break
		}
		p := e.At.UTC().Format("2006-01-02 15:04") + " " + e.Role + " " + e.Actor + " " + e.Action
		if e.Purpose != "" {
			p += " (" + e.Purpose + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
