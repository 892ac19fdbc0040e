package intake

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kluis/sync/bundle"
	"kluis/sync/post"
)

// The direct route (kluis-intake serve with a card that names its inbox;
// package sync/post): the conversation of each case, the messages waiting
// for citizens, and what a citizen may learn of what was done with their
// data.
//
//	conv/      case id (16 bytes: the import's bundle id, or the data
//	           request's id for a citizen who has not shared yet) ‖ u64
//	           number → sealed Message (JSON): both sides of the
//	           conversation, as the desk shows it
//	msgids/    message id (16 bytes) → sealed case id: every message
//	           the store holds, so none is taken twice
//	mailbox/   citizen tag (16 bytes) ‖ message id (16 bytes) → sealed
//	           mailItem: a message to a citizen, only as its ciphertext,
//	           until 30 days after the citizen first picked it up
//	citizens/  citizen tag ‖ bundle id → sealed {"kept_until"}: which
//	           bundles a citizen's key made, so their access statements
//	           reach them (until 30 days after the import's end)
//	logidx/    bundle id ‖ u64 log sequence number → empty: the
//	           processing log's entries about each import (LogFor)
//	meta/postkey  sealed 32 random bytes: the key of citizen tags and of
//	           caseworkers' pseudonyms
//
// A citizen tag is HMAC-SHA256(postkey, "citizen" ‖ Ed25519 key)[:16], so
// the file's keys do not show a citizen's public key.
var (
	bucketConv      = []byte("conv")
	bucketMsgIDs    = []byte("msgids")
	bucketMailbox   = []byte("mailbox")
	bucketCitizens  = []byte("citizens")
	bucketLogIndex  = []byte("logidx")
	keyPostKey      = []byte("postkey")
	postBuckets     = [][]byte{bucketConv, bucketMsgIDs, bucketMailbox, bucketCitizens, bucketLogIndex}
	errNoCitizenKey = errors.New("intake: the bundle's issuer has no usable key")
)

// How long the desk keeps what waits for a citizen.
const (
	// MailKeptAfterPickup: a message to a citizen is deleted this long
	// after the citizen's Kluis first picked it up.
	MailKeptAfterPickup = 30 * 24 * time.Hour
	// MailKeptUnpicked: a message never picked up is deleted this long
	// after it was written.
	MailKeptUnpicked = 180 * 24 * time.Hour
	// AccessKeptAfter: a citizen's Kluis can fetch the access statement
	// of a bundle until this long after the bundle's kept-until time.
	AccessKeptAfter = 30 * 24 * time.Hour
)

// ActMessage is the processing-log action of a message in a case's
// conversation, either way.
const ActMessage = "message"

// Errors of the direct route.
var (
	ErrUnknownCase = &post.Error{Code: post.CodeUnknownCase, Detail: "no case from this citizen's key"}
	ErrReplayed    = &post.Error{Code: post.CodeReplayed, Detail: "this message was received before"}
	ErrWrongSender = &post.Error{Code: post.CodeWrongSender, Detail: "the message is not from a citizen"}
)

// DetailFromCitizen starts the processing-log detail of a citizen's
// message, so a reader of the log (the desk's case list) can tell.
const DetailFromCitizen = "message from the citizen"

// Directions of a conversation message.
const (
	ToCitizen   = "out"
	FromCitizen = "in"
)

// A Message is one message of a case's conversation as the desk keeps
// it: the text both sides read, who wrote it and when.
type Message struct {
	ID      string     `json:"id"`
	At      time.Time  `json:"at"`
	Dir     string     `json:"dir"`            // ToCitizen or FromCitizen
	User    string     `json:"user,omitempty"` // the caseworker who wrote it (ToCitizen)
	Citizen post.Party `json:"citizen"`        // the citizen it went to or came from
	Case    post.Case  `json:"case"`
	Refuses string     `json:"refuses,omitempty"` // a data request the citizen refused with it
	Text    string     `json:"text"`
}

type mailItem struct {
	ID       string     `json:"id"`
	File     []byte     `json:"file"` // the encrypted message file
	Created  time.Time  `json:"created"`
	PickedUp *time.Time `json:"picked_up,omitempty"`
}

type citizenBundle struct {
	KeptUntil time.Time `json:"kept_until"`
}

// ensurePost creates the buckets of the direct route in a store made
// before it, and fills the indexes from what the store holds.
func (s *Store) ensurePost() error {
	complete := false
	s.view(func(tx *bolt.Tx) error {
		complete = tx.Bucket(bucketMeta).Get(keyPostKey) != nil
		for _, b := range postBuckets {
			complete = complete && tx.Bucket(b) != nil
		}
		return nil
	})
	if complete {
		return nil // nothing to write: a store is only written when asked to
	}
	return s.update(func(tx *bolt.Tx) error {
		fillLog := tx.Bucket(bucketLogIndex) == nil
		fillCitizens := tx.Bucket(bucketCitizens) == nil
		for _, b := range postBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if _, err := s.get(tx, bucketMeta, keyPostKey); errors.Is(err, ErrNotFound) {
			k := make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return err
			}
			if err := s.put(tx, bucketMeta, keyPostKey, k); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if fillLog {
			var entries []LogEntry
			if err := s.eachLog(tx, 1, func(e *LogEntry) bool {
				if e.Import != "" {
					entries = append(entries, *e)
				}
				return false
			}); err != nil {
				return err
			}
			for _, e := range entries {
				if err := indexLog(tx, e.Import, e.Seq); err != nil {
					return err
				}
			}
		}
		if fillCitizens {
			var imps []*Import
			c := tx.Bucket(bucketImports).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				imp, err := s.getImport(tx, uuid.UUID(k).String())
				if err != nil {
					return err
				}
				imps = append(imps, imp)
			}
			for _, imp := range imps {
				if err := s.indexCitizen(tx, imp); err != nil && !errors.Is(err, errNoCitizenKey) {
					return err
				}
			}
		}
		return nil
	})
}

// indexLog notes that log entry seq is about import id.
func indexLog(tx *bolt.Tx, id string, seq uint64) error {
	k, err := idKey(id)
	if err != nil {
		return nil // not a bundle id: nothing to find it by
	}
	b, err := tx.CreateBucketIfNotExists(bucketLogIndex)
	if err != nil {
		return err
	}
	return b.Put(append(k, seqKey(seq)...), nil)
}

func (s *Store) postKey(tx *bolt.Tx) ([]byte, error) {
	k, err := s.get(tx, bucketMeta, keyPostKey)
	if err != nil || len(k) != 32 {
		return nil, errors.Join(ErrDamaged, err)
	}
	return k, nil
}

// citizenTag is the key prefix of a citizen's Ed25519 key (base64).
func (s *Store) citizenTag(tx *bolt.Tx, ed string) ([]byte, error) {
	pub, err := bundle.ParseCardKey(ed)
	if err != nil {
		return nil, errNoCitizenKey
	}
	k, err := s.postKey(tx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("citizen\x00"))
	m.Write(pub)
	return m.Sum(nil)[:16], nil
}

// indexCitizen notes, inside the import's transaction, that imp's issuer
// made it.
func (s *Store) indexCitizen(tx *bolt.Tx, imp *Import) error {
	m, err := imp.ParsedManifest()
	if err != nil {
		return err
	}
	tag, err := s.citizenTag(tx, m.Issuer.Ed25519)
	if err != nil {
		return err
	}
	id, _ := idKey(imp.ID)
	val, _ := json.Marshal(citizenBundle{KeptUntil: imp.KeptUntil})
	return s.put(tx, bucketCitizens, append(tag, id...), val)
}

// Pseudonym is how the access statements name an account: "M-" and five
// letters and digits, the same for one account in one store, and telling
// nothing of the name.
func (s *Store) Pseudonym(user string) (string, error) {
	var out string
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = s.pseudonym(tx, user)
		return err
	})
	return out, err
}

func (s *Store) pseudonym(tx *bolt.Tx, user string) (string, error) {
	k, err := s.postKey(tx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("actor\x00" + user))
	return "M-" + base32.StdEncoding.EncodeToString(m.Sum(nil))[:5], nil
}

// caseKey is the conv/ prefix of a case.
func caseKey(id string) ([]byte, error) { return idKey(id) }

// putMessage adds m to the conversation of case id inside tx.
func (s *Store) putMessage(tx *bolt.Tx, caseID string, m *Message) error {
	ck, err := caseKey(caseID)
	if err != nil {
		return err
	}
	mk, err := idKey(m.ID)
	if err != nil {
		return err
	}
	if tx.Bucket(bucketMsgIDs).Get(mk) != nil {
		return ErrReplayed
	}
	if err := s.put(tx, bucketMsgIDs, mk, ck); err != nil {
		return err
	}
	n := uint64(1)
	c := tx.Bucket(bucketConv).Cursor()
	k, _ := c.Seek(append(bytes.Clone(ck), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if k != nil && bytes.HasPrefix(k, ck) && len(k) == len(ck)+8 {
		n = binary.BigEndian.Uint64(k[len(ck):]) + 1
	}
	val, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.put(tx, bucketConv, append(ck, seqKey(n)...), val)
}

// Conversation returns the messages of a case (an import's bundle id, or
// a data request's id), oldest first.
func (s *Store) Conversation(caseID string) ([]Message, error) {
	var out []Message
	ck, err := caseKey(caseID)
	if err != nil {
		return nil, ErrNotFound
	}
	err = s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConv)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(ck); k != nil && bytes.HasPrefix(k, ck); k, v = c.Next() {
			m, err := openJSON[Message](s, bucketConv, k, v)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// WriteToCitizen is a caseworker's message to the citizen of an import:
// signed with the organisation's key, encrypted to the citizen's key from
// the bundle's signed manifest, kept as ciphertext in the citizen's
// mailbox and as text in the case's conversation, and logged — in one
// transaction.
func (s *Store) WriteToCitizen(importID, user, text string) (*Message, error) {
	imp, err := s.Get(importID)
	if err != nil {
		return nil, err
	}
	m, err := imp.ParsedManifest()
	if err != nil {
		return nil, err
	}
	c := post.Case{BundleID: imp.ID, RequestID: m.RequestID, CaseReference: m.CaseReference}
	return s.writeTo(imp.ID, user, post.PartyOfIssuer(m.Issuer), c, m.Purpose, text)
}

// WriteOnRequest is a caseworker's message in the conversation of a data
// request that a citizen refused or wrote about before sharing anything:
// it goes to the citizen who wrote there last.
func (s *Store) WriteOnRequest(requestID, user, text string) (*Message, error) {
	conv, err := s.Conversation(requestID)
	if err != nil {
		return nil, err
	}
	var to *post.Party
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Dir == FromCitizen {
			to = &conv[i].Citizen
			break
		}
	}
	if to == nil {
		return nil, ErrUnknownCase
	}
	sr, err := s.Request(requestID)
	if err != nil {
		return nil, err
	}
	p, err := sr.Parsed()
	if err != nil {
		return nil, err
	}
	c := post.Case{RequestID: requestID, CaseReference: p.Request.CaseReference}
	return s.writeTo(requestID, user, *to, c, p.Request.Purpose, text)
}

func (s *Store) writeTo(caseID, user string, to post.Party, c post.Case, purpose, text string) (*Message, error) {
	pm := post.NewMessage(post.PartyOfCard(s.org.Card()), to, c, text, s.now())
	file, _, err := post.Seal(s.org, pm)
	if err != nil {
		return nil, err
	}
	msg := &Message{ID: pm.ID, At: pm.Created, Dir: ToCitizen, User: user, Citizen: to, Case: c, Text: pm.Text}
	err = s.update(func(tx *bolt.Tx) error {
		if err := s.putMessage(tx, caseID, msg); err != nil {
			return err
		}
		tag, err := s.citizenTag(tx, to.Ed25519)
		if err != nil {
			return err
		}
		mk, _ := idKey(pm.ID)
		val, _ := json.Marshal(mailItem{ID: pm.ID, File: file, Created: pm.Created})
		if err := s.put(tx, bucketMailbox, append(tag, mk...), val); err != nil {
			return err
		}
		_, err = s.appendLog(tx, LogEntry{User: user, Action: ActMessage, Import: c.BundleID, Purpose: purpose,
			Detail: "message to the citizen " + pm.ID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// Receive takes a citizen's message file: it must decrypt with the
// organisation's key, be addressed to its card, be signed by a citizen,
// and belong to a case of theirs — a bundle they made (by its id, or by
// the case number of one), or a data request this store made. A message
// taken before is ErrReplayed. It returns the message as kept and the
// case it went to.
func (s *Store) Receive(file []byte) (*Message, string, error) {
	pm, _, err := post.Open(file, s.org.AgeIdentity(), post.PartyOfCard(s.org.Card()))
	if err != nil {
		return nil, "", err
	}
	if pm.From.Kind != post.Citizen {
		return nil, "", ErrWrongSender
	}
	msg := &Message{ID: pm.ID, At: s.now().UTC().Truncate(time.Second), Dir: FromCitizen, Citizen: pm.From,
		Case: pm.Case, Refuses: pm.Refuses, Text: pm.Text}
	var caseID, purpose string
	err = s.update(func(tx *bolt.Tx) error {
		var err error
		caseID, purpose, err = s.caseOf(tx, pm)
		if err != nil {
			return err
		}
		if pm.Refuses != "" {
			if err := s.markRefused(tx, pm.Refuses, msg.At); err != nil {
				return err
			}
		}
		if err := s.putMessage(tx, caseID, msg); err != nil {
			return err
		}
		bundleID := ""
		if caseID == pm.Case.BundleID {
			bundleID = caseID
		}
		detail := DetailFromCitizen + " " + pm.ID
		if pm.Refuses != "" {
			detail = DetailFromCitizen + " " + pm.ID + ", refusing data request " + pm.Refuses
		}
		_, err = s.appendLog(tx, LogEntry{User: s.actor(), Action: ActMessage, Import: bundleID, Purpose: purpose, Detail: detail})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return msg, caseID, nil
}

// caseOf finds the case of a citizen's message, in this order: the
// bundle it names, when that citizen made it; a bundle of theirs with the
// case number it names; the data request it names, when this store made
// it.
func (s *Store) caseOf(tx *bolt.Tx, pm *post.Message) (id, purpose string, err error) {
	mine := func(imp *Import) (string, bool) {
		m, err := imp.ParsedManifest()
		return m.Purpose, err == nil && post.PartyOfIssuer(m.Issuer).Same(pm.From)
	}
	if pm.Case.BundleID != "" {
		if imp, err := s.getImport(tx, pm.Case.BundleID); err == nil {
			if p, ok := mine(imp); ok {
				return imp.ID, p, nil
			}
		}
	}
	if pm.Case.CaseReference != "" {
		tag, err := s.citizenTag(tx, pm.From.Ed25519)
		if err != nil {
			return "", "", ErrUnknownCase
		}
		c := tx.Bucket(bucketCitizens).Cursor()
		var best *Import
		for k, _ := c.Seek(tag); k != nil && bytes.HasPrefix(k, tag); k, _ = c.Next() {
			imp, err := s.getImport(tx, uuid.UUID(k[len(tag):]).String())
			if err != nil {
				continue // gone
			}
			if m, err := imp.ParsedManifest(); err == nil && m.CaseReference == pm.Case.CaseReference && (best == nil || imp.ImportedAt.After(best.ImportedAt)) {
				best = imp
			}
		}
		if best != nil {
			p, _ := mine(best)
			return best.ID, p, nil
		}
	}
	for _, rid := range []string{pm.Refuses, pm.Case.RequestID} {
		if rid == "" {
			continue
		}
		sr, err := s.getRequest(tx, rid)
		if err != nil {
			continue
		}
		if sr.AnswerID != "" {
			if imp, err := s.getImport(tx, sr.AnswerID); err == nil {
				if p, ok := mine(imp); ok {
					return imp.ID, p, nil
				}
			}
		}
		if p, err := sr.Parsed(); err == nil {
			return sr.ID, p.Request.Purpose, nil
		}
	}
	return "", "", ErrUnknownCase
}

// Waiting is what a pickup hands a citizen: the messages to them and the
// bundles they made that access statements are kept for.
type Waiting struct {
	Messages [][]byte
	Bundles  []string
}

// Pickup returns what waits for the citizen with Ed25519 key ed, and
// notes the first pickup of each message (from then on it is kept
// MailKeptAfterPickup).
func (s *Store) Pickup(ed ed25519.PublicKey) (*Waiting, error) {
	w := &Waiting{}
	now := s.now().UTC().Truncate(time.Second)
	err := s.update(func(tx *bolt.Tx) error {
		tag, err := s.citizenTag(tx, bundle.EncodeKey(ed))
		if err != nil {
			return err
		}
		type picked struct {
			k    []byte
			item mailItem
		}
		var first []picked
		var all []mailItem
		c := tx.Bucket(bucketMailbox).Cursor()
		for k, v := c.Seek(tag); k != nil && bytes.HasPrefix(k, tag); k, v = c.Next() {
			it, err := openJSON[mailItem](s, bucketMailbox, k, v)
			if err != nil {
				return err
			}
			all = append(all, it)
			if it.PickedUp == nil {
				it.PickedUp = &now
				first = append(first, picked{bytes.Clone(k), it})
			}
		}
		slicesSortMail(all)
		for _, it := range all {
			w.Messages = append(w.Messages, it.File)
		}
		for _, p := range first {
			val, _ := json.Marshal(p.item)
			if err := s.put(tx, bucketMailbox, p.k, val); err != nil {
				return err
			}
		}
		cc := tx.Bucket(bucketCitizens).Cursor()
		for k, _ := cc.Seek(tag); k != nil && bytes.HasPrefix(k, tag); k, _ = cc.Next() {
			w.Bundles = append(w.Bundles, uuid.UUID(k[len(tag):]).String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

func slicesSortMail(items []mailItem) {
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].Created.Before(items[j-1].Created); j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
}

// AccessStatement signs the access statement of a bundle: the processing
// log's entries about it, each account named by its role and pseudonym,
// or by its name when names is set.
func (s *Store) AccessStatement(bundleID string, names bool) ([]byte, error) {
	a := &post.Access{BundleID: bundleID, Org: s.org.Card().Org, Fingerprint: s.org.Card().Fingerprint(),
		Issued: s.now().UTC().Truncate(time.Second), Entries: []post.AccessEntry{}}
	err := s.view(func(tx *bolt.Tx) error {
		entries, err := s.logFor(tx, bundleID)
		if err != nil {
			return err
		}
		roles := map[string]string{}
		s.eachUser(tx, func(_ []byte, u *storedUser) (bool, error) {
			roles[u.Name] = string(u.Role)
			return false, nil
		})
		for _, e := range entries {
			ae := post.AccessEntry{Seq: e.Seq, Hash: e.Hash, At: e.Time.UTC(), Action: e.Action, Purpose: e.Purpose}
			switch {
			case e.User == Program || strings.HasPrefix(e.User, Program+":"):
				ae.Role, ae.Actor = post.RoleProgram, Program
			default:
				ae.Role = roles[e.User]
				if ae.Role != post.RoleAdmin {
					ae.Role = post.RoleCaseworker // removed accounts too
				}
				ae.Actor = e.User
				if !names {
					if ae.Actor, err = s.pseudonym(tx, e.User); err != nil {
						return err
					}
				}
			}
			if len(ae.Purpose) > 200 || strings.ContainsAny(ae.Purpose, "\n") {
				ae.Purpose = ""
			}
			a.Entries = append(a.Entries, ae)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(a.Entries) > post.MaxAccessEntries {
		a.Entries = a.Entries[len(a.Entries)-post.MaxAccessEntries:]
	}
	return post.SignAccess(s.org, a)
}

// purgePost removes, inside the purge's transaction, the mail picked up
// more than MailKeptAfterPickup ago or never picked up after
// MailKeptUnpicked, the citizens' bundles past AccessKeptAfter, and the
// conversations of the imports removed (ids).
func (s *Store) purgePost(tx *bolt.Tx, removed []string) error {
	now := s.now()
	var drop [][]byte
	mb := tx.Bucket(bucketMailbox)
	if mb == nil {
		return nil
	}
	err := mb.ForEach(func(k, v []byte) error {
		it, err := openJSON[mailItem](s, bucketMailbox, k, v)
		if err != nil {
			return err
		}
		if (it.PickedUp != nil && now.Sub(*it.PickedUp) > MailKeptAfterPickup) || (it.PickedUp == nil && now.Sub(it.Created) > MailKeptUnpicked) {
			drop = append(drop, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		if err := mb.Delete(k); err != nil {
			return err
		}
	}
	drop = drop[:0]
	cb := tx.Bucket(bucketCitizens)
	err = cb.ForEach(func(k, v []byte) error {
		plain, err := s.open(bucketCitizens, k, v)
		if err != nil {
			return err
		}
		var cbv citizenBundle
		if json.Unmarshal(plain, &cbv) == nil && now.Sub(cbv.KeptUntil) > AccessKeptAfter {
			drop = append(drop, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		if err := cb.Delete(k); err != nil {
			return err
		}
	}
	conv := tx.Bucket(bucketConv)
	for _, id := range removed {
		ck, err := caseKey(id)
		if err != nil {
			continue
		}
		var keys [][]byte
		c := conv.Cursor()
		for k, _ := c.Seek(ck); k != nil && bytes.HasPrefix(k, ck); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := conv.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}
