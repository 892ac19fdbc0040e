package post

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"

	"kluis/citizen/cases"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/vault"
)

// Fetched is what Fetch picked up.
type Fetched struct {
	Cards   int            // kept cards with an inbox that were asked
	New     []Arrival      // new messages, oldest first
	Access  []AccessChange // shares whose account got new entries or broke
	Refused int            // messages and statements that did not check out: dropped, not kept
	Failed  []CardFailure  // desks that could not be asked; the others were
}

// An Arrival is one new message and the thread it was kept in.
type Arrival struct {
	Thread string // the thread's id
	Org    string
	Entry  cases.Entry
}

// A CardFailure is a desk that could not be asked, and why.
type CardFailure struct {
	Org, Fingerprint string
	Err              error
}

// PerThread counts the new messages by thread id.
func (f *Fetched) PerThread() map[string]int {
	out := map[string]int{}
	for _, a := range f.New {
		out[a.Thread]++
	}
	return out
}

// Fetch picks up what waits at the desk of every kept card with an inbox
// (FetchFrom), one after the other. A desk that cannot be asked is noted
// in Failed and the others are asked still; the error is the vault's
// (locked, damaged), or the context's when it ended.
func Fetch(ctx context.Context, v *vault.Vault) (Fetched, error) {
	kept, err := share.Cards(v)
	if err != nil {
		return Fetched{}, err
	}
	var out Fetched
	for _, k := range kept {
		if k.Card.Inbox == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		f, err := FetchFrom(ctx, v, k.Card)
		out.Cards++
		out.New = append(out.New, f.New...)
		out.Access = append(out.Access, f.Access...)
		out.Refused += f.Refused
		if err != nil {
			if isVaultErr(err) {
				return out, err
			}
			out.Failed = append(out.Failed, CardFailure{Org: k.Card.Org, Fingerprint: k.Card.Fingerprint(), Err: err})
		}
	}
	slices.SortStableFunc(out.New, func(a, b Arrival) int { return a.Entry.At.Compare(b.Entry.At) })
	return out, nil
}

func isVaultErr(err error) bool {
	return errors.Is(err, vault.ErrLocked) || errors.Is(err, vault.ErrDamaged) || errors.Is(err, vault.ErrDiskFull)
}

// FetchFrom picks up what waits for this vault at the desk of card: it
// signs a pickup with the vault's key, opens every message (addressed to
// this vault's keys and signed by card's organisation, or dropped and
// counted in Refused), keeps the new ones in their case's thread (a
// message seen before is skipped), and keeps each access statement with
// its share (keepAccess). Each thread and each share's account is stored
// with its activity-log entry, which names the organisation and the
// message or share, never a text.
func FetchFrom(ctx context.Context, v *vault.Vault, card *bundle.Card) (Fetched, error) {
	keys, err := v.PublicKeys()
	if err != nil {
		return Fetched{}, err
	}
	me, err := Me(v)
	if err != nil {
		return Fetched{}, err
	}
	c, err := newClient(card)
	if err != nil {
		return Fetched{}, err
	}
	defer c.Close()
	pickup, err := wire.NewPickup(v, keys.Ed25519, card.Fingerprint(), now())
	if err != nil {
		return Fetched{}, err
	}
	reply, err := c.Pickup(ctx, pickup)
	if err != nil {
		return Fetched{}, err
	}
	b, err := openBook(v)
	if err != nil {
		return Fetched{}, err
	}
	out := Fetched{Cards: 1}
	org := wire.PartyOfCard(card)
	fresh := map[string]int{} // new messages by thread
	for _, file := range reply.Messages {
		m, signedFile, err := openMessage(v, file, me, org)
		if err != nil {
			if isVaultErr(err) {
				return out, err
			}
			out.Refused++
			continue
		}
		if b.seen[m.ID] {
			continue // handed out again, or a replay: kept already
		}
		b.seen[m.ID] = true
		t := b.thread(card, m.Case)
		e := cases.Entry{Kind: cases.KindMessage, At: m.Created, Direction: cases.In, MessageID: m.ID, From: m.From.Name,
			Message: m.Text, RequestID: m.Case.RequestID, BundleID: m.Case.BundleID, File: string(signedFile)}
		if t.AddMessage(e) {
			b.changed[t.ID] = true
			fresh[t.ID]++
			out.New = append(out.New, Arrival{Thread: t.ID, Org: t.Org, Entry: e})
		}
	}
	if err := b.store(func(t *cases.Thread) vault.Event {
		if n := fresh[t.ID]; n > 0 {
			return vault.Event{Action: ActionMessageReceived, Subject: t.ID, Detail: orgDetail(card) + "; " + plural(n, "message")}
		}
		return vault.Event{}
	}); err != nil {
		return out, err
	}
	at := now()
	refusedStatements := 0
	for _, st := range reply.Access {
		ch, ok, err := keepAccess(v, b.shares, card, []byte(st), at)
		if err != nil {
			return out, err
		}
		if !ok {
			refusedStatements++
		}
		if ch != nil {
			out.Access = append(out.Access, *ch)
		}
	}
	out.Refused += refusedStatements
	if out.Refused > 0 {
		// Said in the log, so the citizen can see a desk sent what did not
		// check out; what it was is not kept.
		if err := v.LogEvent(vault.Event{Action: ActionPostRefused, Detail: orgDetail(card) + "; " + plural(out.Refused, "item")}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// openMessage decrypts a message file with the vault's key and checks it
// whole: its signature, that it is addressed to me and that it comes from
// org.
func openMessage(v *vault.Vault, file []byte, me, org wire.Party) (*wire.Message, []byte, error) {
	if len(file) > wire.MaxMessageFile {
		return nil, nil, &wire.Error{Code: wire.CodeTooLarge}
	}
	r, err := v.Decrypt(bytes.NewReader(file))
	if err != nil {
		if errors.Is(err, vault.ErrLocked) {
			return nil, nil, err
		}
		return nil, nil, &wire.Error{Code: wire.CodeNotMessage, Err: err}
	}
	plain, err := io.ReadAll(io.LimitReader(r, wire.MaxMessageSigned+1))
	if err != nil {
		return nil, nil, &wire.Error{Code: wire.CodeNotMessage, Err: err}
	}
	if len(plain) > wire.MaxMessageSigned {
		return nil, nil, &wire.Error{Code: wire.CodeTooLarge}
	}
	m, err := wire.ReadSigned(plain)
	if err != nil {
		return nil, nil, err
	}
	if !m.To.Same(me) {
		return nil, nil, &wire.Error{Code: wire.CodeNotForYou}
	}
	if !m.From.Same(org) {
		return nil, nil, &wire.Error{Code: wire.CodeWrongSender}
	}
	return m, plain, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
