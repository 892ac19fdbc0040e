package post

import (
	"context"
	"errors"
	"os"
	"time"

	"kluis/citizen/cases"
	"kluis/citizen/share"
	"kluis/internal/errcode"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/vault"
)

// Activity-log actions of the direct route. The log names the share or
// message and the organisation, never a value or a message's text.
const (
	ActionDelivered       vault.Action = "share.delivered"  // a share or answer posted to the desk
	ActionRevocationSent  vault.Action = "revocation.sent"  // a revocation notice posted to the desk
	ActionMessageSent     vault.Action = "message.sent"     // a message to the organisation, posted or kept as a file
	ActionMessageReceived vault.Action = "message.received" // messages from the organisation picked up
	ActionAccessReceived  vault.Action = "access.received"  // new entries of an organisation's access statement
	ActionAccessBroken    vault.Action = "access.broken"    // an access statement that leaves out or changes what was kept
	ActionPostRefused     vault.Action = "post.refused"     // messages or statements picked up that did not check out
)

// Errors of this package.
var (
	// ErrOtherCard means a share was not made for the card given (or for
	// any card: it was made with a share code).
	ErrOtherCard = errcode.New("post.other_card", "the share was not made for this organisation's card")
	// ErrNoCard means no kept card matches the share's organisation.
	ErrNoCard = errcode.New("post.no_card", "no kept card of the share's organisation")
)

// now is the clock; tests move it.
var now = time.Now

// newClient makes the desk's client; tests may replace it.
var newClient = wire.NewClient

// Delivered is what Deliver did: the receipt kept with its share, and the
// share's thread.
type Delivered struct {
	share.ReceiptResult
	Thread *cases.Thread
}

// Deliver posts the bundle of share shareID — the file it was saved to
// (share.Info.File) — to the inbox of card, the organisation it was made
// for, and keeps the signed receipt the desk answers with, as
// share.ImportReceipt does: in the share list and the activity log. card
// may be nil: then the kept card of the share's organisation is used.
//
// When the desk cannot be reached the error is a *KeptError naming the
// bundle's file: nothing was sent and nothing is lost. A refusal by the
// desk is a *sync/post.RemoteError with the desk's code; a receipt that
// is not for this bundle is share.ErrOtherBundle or share.ErrOtherOrg.
func Deliver(ctx context.Context, v *vault.Vault, shareID string, card *bundle.Card) (Delivered, error) {
	s, err := share.Get(v, shareID)
	if err != nil {
		return Delivered{}, err
	}
	if card, err = cardFor(v, s, card); err != nil {
		return Delivered{}, err
	}
	c, err := newClient(card)
	if err != nil {
		return Delivered{}, err
	}
	defer c.Close()
	if s.File == "" {
		return Delivered{}, &os.PathError{Op: "open", Path: "", Err: os.ErrNotExist}
	}
	f, err := os.Open(s.File)
	if err != nil {
		return Delivered{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Delivered{}, err
	}
	receipt, err := c.Deliver(ctx, f, st.Size())
	if err != nil {
		return Delivered{}, kept(err, s.File)
	}
	// The desk stored the bundle: note it in the share's thread, then keep
	// the receipt, checked against the bundle sent.
	t, _, err := cases.ShareThread(v, s, card)
	if err != nil {
		return Delivered{}, err
	}
	if err := cases.PutThread(v, t, vault.Event{Action: ActionDelivered, Subject: s.ID, Detail: orgDetail(card)}); err != nil {
		return Delivered{}, err
	}
	r, err := bundle.ParseReceipt(receipt)
	if err != nil {
		return Delivered{Thread: t}, badAnswer("receipt", err)
	}
	if r.BundleID != s.ID {
		return Delivered{Thread: t}, share.ErrOtherBundle
	}
	res, err := share.ImportReceipt(v, receipt)
	return Delivered{ReceiptResult: res, Thread: t}, err
}

// cardFor checks that share s was made for card, or finds its kept card
// when card is nil.
func cardFor(v *vault.Vault, s share.Info, card *bundle.Card) (*bundle.Card, error) {
	if s.Recipient.Kind != bundle.RecipientCard {
		return nil, ErrOtherCard
	}
	if card != nil {
		if card.Fingerprint() != s.Recipient.Fingerprint {
			return nil, ErrOtherCard
		}
		return card, nil
	}
	kept, err := share.Cards(v)
	if err != nil {
		return nil, err
	}
	for _, k := range kept {
		if k.Card.Fingerprint() == s.Recipient.Fingerprint {
			return k.Card, nil
		}
	}
	return nil, ErrNoCard
}

// SendRevocation posts the revocation notice of share shareID (as
// share.Revoke made it) to the inbox of card (nil: the share's kept card)
// and notes the revocation in the share's thread. When the desk cannot be
// reached the error is a *KeptError naming file, where the caller keeps
// the notice ("" when it holds it itself).
func SendRevocation(ctx context.Context, v *vault.Vault, shareID string, notice []byte, file string, card *bundle.Card) error {
	s, err := share.Get(v, shareID)
	if err != nil {
		return err
	}
	if card, err = cardFor(v, s, card); err != nil {
		return err
	}
	c, err := newClient(card)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Revoke(ctx, notice); err != nil {
		return kept(err, file)
	}
	t, _, err := cases.ShareThread(v, s, card)
	if err != nil {
		return err
	}
	at := now()
	if s.Revoked != nil {
		at = *s.Revoked
	}
	if !hasRevocation(t, s.ID) {
		t.Entries = append(t.Entries, cases.Entry{Kind: cases.KindRevocation, At: at.UTC().Truncate(time.Second),
			RequestID: s.RequestID, BundleID: s.ID, Delivery: "desk"})
	}
	return cases.PutThread(v, t, vault.Event{Action: ActionRevocationSent, Subject: s.ID, Detail: orgDetail(card)})
}

func hasRevocation(t *cases.Thread, id string) bool {
	for _, e := range t.Entries {
		if e.Kind == cases.KindRevocation && e.BundleID == id {
			return true
		}
	}
	return false
}

// orgDetail names an organisation in the activity log.
func orgDetail(card *bundle.Card) string {
	return card.Org + " (" + bundle.ShortFingerprint(card.Fingerprint()) + ")"
}

// IsRemote reports whether err is the desk's own refusal.
func IsRemote(err error) bool {
	var re *wire.RemoteError
	return errors.As(err, &re)
}
