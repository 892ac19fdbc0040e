package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kluis/internal/errcode"
	"kluis/sync/request"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	"kluis/vault"
)

// ObjectThread is the vault object kind of a case thread: its id is
// Thread.ID, its value a Thread as JSON.
const ObjectThread = "thread"

// Activity-log actions of data requests. The log names the request and
// the organisation, never a value.
const (
	ActionReceived vault.Action = "request.received"
	ActionAnswered vault.Action = "request.answered"
	ActionRefused  vault.Action = "request.refused"
)

// Kinds of thread entries.
const (
	KindRequest = "request" // from the organisation
	KindAnswer  = "answer"  // the citizen's share bundle
	KindRefusal = "refusal" // the citizen said no
	KindReceipt = "receipt" // the organisation's receipt for an answer
	// KindShare is a share made for the organisation without a request
	// (its thread is keyed by the share's case reference or bundle id).
	KindShare = "share"
	// KindMessage is a message, to the organisation (Direction Out) or
	// from it (In).
	KindMessage = "message"
	// KindRevocation is the citizen's revocation of a share in the thread.
	KindRevocation = "revocation"
)

// Directions of a message entry.
const (
	In  = "in"  // from the organisation
	Out = "out" // from the citizen
)

// ErrAnswered means a request was answered already, so it is not refused.
var ErrAnswered = errcode.New("cases.answered", "this request was answered already")

// ErrRefused means a request was refused already, so it is not answered.
var ErrRefused = errcode.New("cases.refused", "this request was refused already")

// A Thread is one case conversation with an organisation: every request
// with one case reference, and what the citizen did with them, in time
// order. It lives in the vault as an object of kind ObjectThread.
type Thread struct {
	ID            string `json:"id"`
	Org           string `json:"org"`
	OIN           string `json:"oin,omitempty"`
	Fingerprint   string `json:"fingerprint"` // the organisation card's full fingerprint
	CaseReference string `json:"case_reference,omitempty"`
	// BundleID is set on the thread of a share made without a request or
	// case reference: the thread is keyed by the share's bundle id.
	BundleID string  `json:"bundle_id,omitempty"`
	Entries  []Entry `json:"entries"`
}

// An Entry is one step of a thread. It holds no record values: what was
// shared is named by category and counted, the messages are the people's
// own words.
type Entry struct {
	Kind       string     `json:"kind"`
	At         time.Time  `json:"at"`
	RequestID  string     `json:"request_id"`
	BundleID   string     `json:"bundle_id,omitempty"`
	Purpose    string     `json:"purpose,omitempty"`
	Message    string     `json:"message,omitempty"`
	Categories []string   `json:"categories,omitempty"`
	Records    int        `json:"records,omitempty"`
	Documents  int        `json:"documents,omitempty"`
	AnswerBy   *time.Time `json:"answer_by,omitempty"`
	KeptUntil  *time.Time `json:"kept_until,omitempty"`
	Verified   bool       `json:"verified,omitempty"` // request: from a known card; receipt: signed by that card
	File       string     `json:"file,omitempty"`     // request: the signed request file, to open it again; message: its signed file
	// A message entry's own fields. Message holds its text.
	Direction string `json:"direction,omitempty"`  // In or Out
	MessageID string `json:"message_id,omitempty"` // the message's id, for dedupe
	From      string `json:"from,omitempty"`       // the sender's name as they gave it
	Refuses   string `json:"refuses,omitempty"`    // the request an outgoing message refuses
	// Delivery says how an outgoing message left: "desk" (posted to the
	// organisation's inbox) or "file" (kept as a file to send another way).
	Delivery string `json:"delivery,omitempty"`
}

// ThreadID is the id of the thread of an organisation (by full card
// fingerprint) and case reference: 32 hex digits.
func ThreadID(fingerprint, caseReference string) string {
	h := sha256.Sum256([]byte("kluis-thread/v1\x00" + fingerprint + "\x00" + caseReference))
	return hex.EncodeToString(h[:16])
}

// Last is when something last happened in the thread.
func (t *Thread) Last() time.Time {
	var last time.Time
	for _, e := range t.Entries {
		if e.At.After(last) {
			last = e.At
		}
	}
	return last
}

// Request returns the request entry with id, if the thread has it.
func (t *Thread) Request(id string) (Entry, bool) {
	for _, e := range t.Entries {
		if e.Kind == KindRequest && e.RequestID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// State says what became of a request in the thread: "answered",
// "refused" or "open".
func (t *Thread) State(requestID string) string {
	for _, e := range t.Entries {
		if e.RequestID == requestID {
			switch e.Kind {
			case KindAnswer:
				return "answered"
			case KindRefusal:
				return "refused"
			}
		}
	}
	return "open"
}

func (t *Thread) has(kind, requestID, bundleID string) bool {
	return slices.ContainsFunc(t.Entries, func(e Entry) bool {
		return e.Kind == kind && e.RequestID == requestID && e.BundleID == bundleID
	})
}

func (t *Thread) sort() {
	slices.SortStableFunc(t.Entries, func(a, b Entry) int { return a.At.Compare(b.At) })
}

// thread loads the thread of p's organisation and case, or a new one.
func thread(v *vault.Vault, p *request.Parsed) (*Thread, error) {
	id := ThreadID(p.Card.Fingerprint(), p.Request.CaseReference)
	t, err := GetThread(v, id)
	if errors.Is(err, vault.ErrNotFound) {
		return &Thread{ID: id, Org: p.Card.Org, OIN: p.Card.OIN, Fingerprint: p.Card.Fingerprint(),
			CaseReference: p.Request.CaseReference, Entries: []Entry{}}, nil
	}
	return t, err
}

func putThread(v *vault.Vault, t *Thread, e vault.Event) error {
	t.sort()
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return v.PutObject(ObjectThread, t.ID, b, e)
}

func requestEvent(a vault.Action, p *request.Parsed, extra string) vault.Event {
	detail := p.Card.Org + " (" + p.Fingerprint() + ")"
	if p.Request.CaseReference != "" {
		detail += "; case " + p.Request.CaseReference
	}
	if extra != "" {
		detail += "; " + extra
	}
	return vault.Event{Action: a, Subject: p.Request.ID, Detail: detail}
}

// Receive keeps an opened request in its thread, so the citizen can come
// back to it. Receiving the same request again changes nothing, except
// whether it counts as from a known organisation (the citizen may have
// kept its card since).
func Receive(v *vault.Vault, o *request.Opened) (*Thread, error) {
	t, err := thread(v, o.Parsed)
	if err != nil {
		return nil, err
	}
	for i, e := range t.Entries {
		if e.Kind == KindRequest && e.RequestID == o.Request.ID {
			if known := o.Trust == request.Known; e.Verified != known {
				// The citizen kept (or lost) the card since: say so.
				t.Entries[i].Verified = known
				return t, putThread(v, t, vault.Event{})
			}
			return t, nil
		}
	}
	answerBy, keep := o.Request.AnswerBy, o.Request.KeepUntil
	t.Entries = append(t.Entries, Entry{Kind: KindRequest, At: o.Request.Created, RequestID: o.Request.ID,
		Purpose: o.Request.Purpose, Message: o.Request.Message, Categories: o.Request.Categories(),
		AnswerBy: &answerBy, KeptUntil: &keep, Verified: o.Trust == request.Known, File: string(o.File)})
	return t, putThread(v, t, requestEvent(ActionReceived, o.Parsed, "trust "+o.Trust.String()))
}

// RecordAnswer keeps, in the request's thread, that the bundle with
// manifest m answered it (with records and documents counted).
func RecordAnswer(v *vault.Vault, o *request.Opened, m *bundle.Manifest, records, documents int) (*Thread, error) {
	if _, err := Receive(v, o); err != nil {
		return nil, err
	}
	t, err := thread(v, o.Parsed)
	if err != nil {
		return nil, err
	}
	if t.has(KindAnswer, o.Request.ID, m.ID) {
		return t, nil
	}
	notAfter := m.NotAfter
	t.Entries = append(t.Entries, Entry{Kind: KindAnswer, At: m.Created, RequestID: o.Request.ID, BundleID: m.ID,
		Purpose: m.Purpose, Message: m.Message, Categories: m.Scope.Categories, Records: records, Documents: documents,
		KeptUntil: &notAfter})
	return t, putThread(v, t, requestEvent(ActionAnswered, o.Parsed, "bundle "+m.ID))
}

// Refuse keeps, in the request's thread and the activity log, that the
// citizen refused the request. Refusing again changes nothing; a request
// answered already is not refused (ErrAnswered).
func Refuse(v *vault.Vault, o *request.Opened, now time.Time) (*Thread, error) {
	if _, err := Receive(v, o); err != nil {
		return nil, err
	}
	t, err := thread(v, o.Parsed)
	if err != nil {
		return nil, err
	}
	switch t.State(o.Request.ID) {
	case "refused":
		return t, nil
	case "answered":
		return nil, ErrAnswered
	}
	t.Entries = append(t.Entries, Entry{Kind: KindRefusal, At: now.UTC().Truncate(time.Second), RequestID: o.Request.ID})
	return t, putThread(v, t, requestEvent(ActionRefused, o.Parsed, ""))
}

// Threads returns every thread, the most recently active first.
func Threads(v *vault.Vault) ([]*Thread, error) {
	objs, err := v.Objects(ObjectThread)
	if err != nil {
		return nil, err
	}
	out := make([]*Thread, 0, len(objs))
	for id, b := range objs {
		var t Thread
		if err := json.Unmarshal(b, &t); err != nil || t.ID != id {
			return nil, fmt.Errorf("thread %s: %w", id, vault.ErrDamaged)
		}
		out = append(out, &t)
	}
	slices.SortFunc(out, func(a, b *Thread) int {
		if c := b.Last().Compare(a.Last()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// GetThread returns one thread by its full id.
func GetThread(v *vault.Vault, id string) (*Thread, error) {
	b, err := v.Object(ObjectThread, id)
	if err != nil {
		return nil, err
	}
	var t Thread
	if err := json.Unmarshal(b, &t); err != nil || t.ID != id {
		return nil, fmt.Errorf("thread %s: %w", id, vault.ErrDamaged)
	}
	return &t, nil
}

// Timeline is the thread's entries, with the shares made for its
// requests or its case (from share.List) woven in: an answer the thread
// missed (its entry is written just after the share), every receipt an
// organisation sent for a share, and the revocation of a share, all in
// time order.
func (t *Thread) Timeline(shares []share.Info) []Entry {
	out := slices.Clone(t.Entries)
	for _, s := range shares {
		if s.Recipient.Fingerprint != t.Fingerprint {
			continue
		}
		_, asked := t.Request(s.RequestID)
		asked = asked && s.RequestID != ""
		inThread := slices.ContainsFunc(t.Entries, func(e Entry) bool {
			return e.BundleID == s.ID && (e.Kind == KindAnswer || e.Kind == KindShare)
		})
		if !asked && !inThread && ShareThreadID(s) != t.ID {
			continue
		}
		if !inThread {
			kind := KindShare
			if asked {
				kind = KindAnswer
			}
			notAfter := s.NotAfter
			out = append(out, Entry{Kind: kind, At: s.Created, RequestID: s.RequestID, BundleID: s.ID,
				Purpose: s.Purpose, Categories: s.Categories, Records: len(s.Records), Documents: len(s.Documents), KeptUntil: &notAfter})
		}
		for _, r := range s.Receipts {
			kept := r.KeptUntil
			out = append(out, Entry{Kind: KindReceipt, At: r.ImportedAt, RequestID: s.RequestID, BundleID: s.ID,
				KeptUntil: &kept, Verified: r.Verified})
		}
		if s.Revoked != nil && !slices.ContainsFunc(t.Entries, func(e Entry) bool { return e.Kind == KindRevocation && e.BundleID == s.ID }) {
			out = append(out, Entry{Kind: KindRevocation, At: *s.Revoked, RequestID: s.RequestID, BundleID: s.ID})
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.At.Compare(b.At) })
	return out
}

// KnownCards are the organisation cards the citizen loaded (share.Cards).
func KnownCards(v *vault.Vault) ([]*bundle.Card, error) {
	kc, err := share.Cards(v)
	if err != nil {
		return nil, err
	}
	out := make([]*bundle.Card, 0, len(kc))
	for _, c := range kc {
		out = append(out, c.Card)
	}
	return out, nil
}
