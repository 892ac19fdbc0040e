package cases

import (
	"errors"
	"slices"
	"time"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	"kluis/vault"
)

// Threads and shares. A share made for a request lives in the request's
// thread. A share made for an organisation without a request has a thread
// of its own, keyed by its case reference, or by its bundle id when it has
// none (ShareThreadID); messages about it go there.

// ShareThreadID is the id of the thread a share made for a card belongs
// in: its case reference's, the request's (a request without a case
// reference), or its own bundle id's.
func ShareThreadID(s share.Info) string {
	switch {
	case s.CaseReference != "":
		return ThreadID(s.Recipient.Fingerprint, s.CaseReference)
	case s.RequestID != "":
		return ThreadID(s.Recipient.Fingerprint, "")
	}
	return ThreadID(s.Recipient.Fingerprint, s.ID)
}

// NewThread returns an empty thread with the organisation of card about
// a case reference (stored by PutThread).
func NewThread(card *bundle.Card, caseReference string) *Thread {
	return &Thread{ID: ThreadID(card.Fingerprint(), caseReference), Org: card.Org, OIN: card.OIN,
		Fingerprint: card.Fingerprint(), CaseReference: caseReference, Entries: []Entry{}}
}

// ShareThread returns the thread of share s, made for card, with the share
// in it: the stored thread, or a new one (not yet stored). The bool
// reports whether it changed.
func ShareThread(v *vault.Vault, s share.Info, card *bundle.Card) (*Thread, bool, error) {
	id := ShareThreadID(s)
	t, err := GetThread(v, id)
	if errors.Is(err, vault.ErrNotFound) {
		t = NewThread(card, s.CaseReference)
		if s.CaseReference == "" && s.RequestID == "" {
			t.ID, t.BundleID = id, s.ID
		}
	} else if err != nil {
		return nil, false, err
	}
	return t, t.AddShare(s), nil
}

// AddShare puts share s in the thread (as an answer when it answers a
// request of the thread, else as a share), unless it is there; it reports
// whether it added it.
func (t *Thread) AddShare(s share.Info) bool {
	if slices.ContainsFunc(t.Entries, func(e Entry) bool {
		return e.BundleID == s.ID && (e.Kind == KindAnswer || e.Kind == KindShare)
	}) {
		return false
	}
	kind := KindShare
	if _, ok := t.Request(s.RequestID); ok && s.RequestID != "" {
		kind = KindAnswer
	}
	notAfter := s.NotAfter
	t.Entries = append(t.Entries, Entry{Kind: kind, At: s.Created, RequestID: s.RequestID, BundleID: s.ID,
		Purpose: s.Purpose, Categories: s.Categories, Records: len(s.Records), Documents: len(s.Documents), KeptUntil: &notAfter})
	t.sort()
	return true
}

// HasMessage reports whether the thread holds the message with id.
func (t *Thread) HasMessage(id string) bool {
	return slices.ContainsFunc(t.Entries, func(e Entry) bool { return e.Kind == KindMessage && e.MessageID == id })
}

// AddMessage puts a message entry in the thread, in time order, unless a
// message with its id is there; it reports whether it added it.
func (t *Thread) AddMessage(e Entry) bool {
	if e.Kind != KindMessage || e.MessageID == "" || t.HasMessage(e.MessageID) {
		return false
	}
	t.Entries = append(t.Entries, e)
	t.sort()
	return true
}

// Messages counts the thread's messages from the organisation.
func (t *Thread) Messages() (in, out int) {
	for _, e := range t.Entries {
		if e.Kind == KindMessage {
			if e.Direction == In {
				in++
			} else {
				out++
			}
		}
	}
	return in, out
}

// LastBundle is the newest share or answer in the thread, "" if none;
// LastRequest the newest request. A message about the thread names them,
// so the organisation finds its case.
func (t *Thread) LastBundle() string {
	return t.last(func(e Entry) string {
		if e.Kind == KindAnswer || e.Kind == KindShare {
			return e.BundleID
		}
		return ""
	})
}

// LastRequest is the newest request of the thread, "" if none.
func (t *Thread) LastRequest() string {
	return t.last(func(e Entry) string {
		if e.Kind == KindRequest {
			return e.RequestID
		}
		return ""
	})
}

func (t *Thread) last(pick func(Entry) string) string {
	var id string
	var at time.Time
	for _, e := range t.Entries {
		if x := pick(e); x != "" && !e.At.Before(at) {
			id, at = x, e.At
		}
	}
	return id
}

// PutThread stores t (its entries in time order) with the activity-log
// event e, in one transaction; e may be empty.
func PutThread(v *vault.Vault, t *Thread, e vault.Event) error { return putThread(v, t, e) }
