package post

import (
	"errors"

	"kluis/citizen/cases"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/vault"
)

// A book is the vault's threads and shares, read once, for filing
// messages: which thread a case belongs in, and which message ids are
// known already.
type book struct {
	v       *vault.Vault
	threads map[string]*cases.Thread
	shares  map[string]share.Info
	seen    map[string]bool // message ids in any thread
	changed map[string]bool // thread ids to store
}

func openBook(v *vault.Vault) (*book, error) {
	ts, err := cases.Threads(v)
	if err != nil {
		return nil, err
	}
	list, err := share.List(v)
	if err != nil {
		return nil, err
	}
	b := &book{v: v, threads: map[string]*cases.Thread{}, shares: map[string]share.Info{},
		seen: map[string]bool{}, changed: map[string]bool{}}
	for _, t := range ts {
		b.threads[t.ID] = t
		for _, e := range t.Entries {
			if e.Kind == cases.KindMessage {
				b.seen[e.MessageID] = true
			}
		}
	}
	for _, s := range list {
		b.shares[s.ID] = s
	}
	return b, nil
}

// thread returns the thread a message about c with the organisation of
// card belongs in: the thread holding the request c names, else the
// thread of the share c names, else the thread of c's case reference —
// or, when c names nothing this vault knows, a new thread keyed by what
// it names. A new thread is marked changed.
func (b *book) thread(card *bundle.Card, c wire.Case) *cases.Thread {
	fp := card.Fingerprint()
	if c.RequestID != "" {
		for _, t := range b.threads {
			if _, ok := t.Request(c.RequestID); ok && t.Fingerprint == fp {
				return t
			}
		}
	}
	if c.BundleID != "" {
		if s, ok := b.shares[c.BundleID]; ok && s.Recipient.Kind == bundle.RecipientCard && s.Recipient.Fingerprint == fp {
			id := cases.ShareThreadID(s)
			t, ok := b.threads[id]
			if !ok {
				t = cases.NewThread(card, s.CaseReference)
				if s.CaseReference == "" && s.RequestID == "" {
					t.ID, t.BundleID = id, s.ID
				}
				b.threads[id] = t
				b.changed[id] = true
			}
			if t.AddShare(s) {
				b.changed[id] = true
			}
			return t
		}
	}
	ref, byBundle := c.CaseReference, false
	if ref == "" {
		ref, byBundle = c.BundleID, c.BundleID != ""
		if ref == "" {
			ref = c.RequestID
		}
	}
	id := cases.ThreadID(fp, ref)
	if t, ok := b.threads[id]; ok {
		return t
	}
	t := cases.NewThread(card, ref)
	if byBundle || ref == c.RequestID {
		t.CaseReference = ""
		if byBundle {
			t.BundleID = ref
		}
	}
	b.threads[id] = t
	b.changed[id] = true
	return t
}

// store keeps every changed thread, each with event e of it (made by
// event; nil for none).
func (b *book) store(event func(t *cases.Thread) vault.Event) error {
	var errs []error
	for id := range b.changed {
		var e vault.Event
		if event != nil {
			e = event(b.threads[id])
		}
		if err := cases.PutThread(b.v, b.threads[id], e); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(b.changed, id)
	}
	return errors.Join(errs...)
}
