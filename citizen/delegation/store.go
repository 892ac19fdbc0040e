package delegation

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kluis/sync/delegate"
	"kluis/sync/hlc"
	"kluis/vault"
)

// What this package keeps in a vault, as objects (vault.PutObject):
//
//	contact.pinned     vault id → contact code of someone whose keys we trust
//	delegate.cert      certificate id → signed certificate (we are the owner)
//	delegate.revoked   certificate id → signed revocation
//	sync.peer          delegate's vault id → peerState (we are the owner)
//	managed            owner's vault id → managedState (we are the delegate)
//	managed.peer       owner's vault id → peerState (we are the delegate)
//	sync.files         "seen" → names of pack files already handled
const (
	kindPinned    = "contact.pinned"
	kindCert      = "delegate.cert"
	kindRevoked   = "delegate.revoked"
	kindPeer      = "sync.peer"
	kindManaged   = "managed"
	kindManPeer   = "managed.peer"
	kindFiles     = "sync.files"
	filesSeenID   = "seen"
	maxSeenNames  = 100_000
	maxSeenSeqs   = 4096
	maxQueuedReps = 256
)

// Activity-log actions of delegation and sync.
const (
	ActionContactPinned     vault.Action = "contact.pinned"
	ActionDelegateGranted   vault.Action = "delegate.granted"
	ActionDelegateRevoked   vault.Action = "delegate.revoked"
	ActionSyncSent          vault.Action = "sync.sent"
	ActionSyncReceived      vault.Action = "sync.received"
	ActionSyncRefused       vault.Action = "sync.refused"
	ActionSyncReported      vault.Action = "sync.reported"
	ActionManagedAdded      vault.Action = "managed.added"
	ActionManagedRevoked    vault.Action = "managed.revoked"
	ActionEmergencyAnswered vault.Action = "emergency.answered"
)

// peerState is the sync bookkeeping with one counterpart.
type peerState struct {
	NextSeq  uint64                   `json:"next_seq"` // last sequence number sent
	Acked    hlc.Timestamp            `json:"acked"`    // they have our changes up to this
	Sent     map[uint64]hlc.Timestamp `json:"sent"`     // packs not yet acknowledged: seq → up to
	Received hlc.Timestamp            `json:"received"` // we have their changes up to this…
	RecvSeq  uint64                   `json:"recv_seq"` // …as set by their pack with this number
	AckedTo  delegate.Ack             `json:"ack_sent"` // the last acknowledgement we sent
	Seen     []uint64                 `json:"seen"`     // their packs handled, sorted
	Reports  []delegate.Report        `json:"reports"`  // to send them
	Told     []string                 `json:"told"`     // statements already sent (their text)
	Stmts    []string                 `json:"stmts"`    // emergency statements received or made
	Devices  []string                 `json:"devices"`  // device ids seen in their records
	LastSync time.Time                `json:"last_sync,omitzero"`
	LastSent time.Time                `json:"last_sent,omitzero"`
	Done     bool                     `json:"done"` // revoked and told so: nothing more is sent
}

func (st *peerState) seen(seq uint64) bool {
	_, found := slices.BinarySearch(st.Seen, seq)
	return found
}

func (st *peerState) markSeen(seq uint64) {
	if i, found := slices.BinarySearch(st.Seen, seq); !found {
		st.Seen = slices.Insert(st.Seen, i, seq)
	}
	if len(st.Seen) > maxSeenSeqs {
		st.Seen = st.Seen[len(st.Seen)-maxSeenSeqs:]
	}
}

// capAck makes sure records changed after floor go to this counterpart
// again: it lowers what they acknowledged, also for packs still in flight.
func (st *peerState) capAck(floor hlc.Timestamp) {
	st.Acked = min(st.Acked, floor)
	for s, up := range st.Sent {
		st.Sent[s] = min(up, floor)
	}
}

// applyAck takes the counterpart's acknowledgement of our pack a.Seq.
func (st *peerState) applyAck(a *delegate.Ack) {
	if a == nil {
		return
	}
	up, ok := st.Sent[a.Seq]
	if !ok {
		return
	}
	st.Acked = max(st.Acked, min(up, a.UpTo))
	for s := range st.Sent {
		if s <= a.Seq {
			delete(st.Sent, s)
		}
	}
}

func (st *peerState) queue(r delegate.Report) {
	st.Reports = append(st.Reports, r)
	if len(st.Reports) > maxQueuedReps {
		st.Reports = st.Reports[len(st.Reports)-maxQueuedReps:]
	}
}

func loadJSON[T any](v *vault.Vault, kind, id string) (*T, error) {
	b, err := v.Object(kind, id)
	if errors.Is(err, vault.ErrNotFound) {
		return new(T), nil
	}
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, nil
}

func saveJSON(v *vault.Vault, kind, id string, val any, e vault.Event) error {
	b, err := json.Marshal(val)
	if err != nil {
		return err
	}
	return v.PutObject(kind, id, b, e)
}

// Pin stores a contact whose keys we trust (compared by fingerprint), so
// its packs and certificates are accepted.
func Pin(v *vault.Vault, c *delegate.Contact, code string) error {
	return v.PutObject(kindPinned, c.Fingerprint(), []byte(strings.TrimSpace(code)),
		vault.Event{Action: ActionContactPinned, Subject: c.Fingerprint()[:16], Detail: c.Name})
}

// Pinned returns the pinned contacts by vault id.
func Pinned(v *vault.Vault) (map[string]*delegate.Contact, error) {
	objs, err := v.Objects(kindPinned)
	if err != nil {
		return nil, err
	}
	out := map[string]*delegate.Contact{}
	for id, b := range objs {
		if c, err := delegate.ParseContact(string(b)); err == nil && c.Fingerprint() == id {
			out[id] = c
		}
	}
	return out, nil
}

// A Delegation is one certificate this vault granted, with its state.
type Delegation struct {
	Cert     *delegate.Certificate
	Signed   []byte
	Revoked  *delegate.Revocation
	LastSync time.Time // last pack received from the delegate
	Devices  []string  // the delegate's devices seen in their records
	Open     error     // nil when access is open now

	emergency *EmergencyState
}

// Grant signs a certificate, stores it and logs it. It travels to the
// delegate with the next sync.
func GrantTo(v *vault.Vault, g delegate.Grant, now time.Time) (*delegate.Certificate, error) {
	cert, signed, err := delegate.NewCertificate(v, g, now)
	if err != nil {
		return nil, err
	}
	err = v.PutObject(kindCert, cert.ID, signed, vault.Event{Action: ActionDelegateGranted, Subject: cert.ID,
		Detail: cert.Delegate.Name + " " + cert.Role + " " + strings.Join(cert.Categories, ",")})
	return cert, err
}

// Delegations returns every certificate this vault granted, newest first.
func Delegations(v *vault.Vault, now time.Time) ([]Delegation, error) {
	certs, err := v.Objects(kindCert)
	if err != nil {
		return nil, err
	}
	revs, err := v.Objects(kindRevoked)
	if err != nil {
		return nil, err
	}
	var out []Delegation
	for _, b := range certs {
		c, err := delegate.ParseCertificate(b)
		if err != nil {
			return nil, err
		}
		d := Delegation{Cert: c, Signed: b}
		if rb, ok := revs[c.ID]; ok {
			if r, err := delegate.ParseRevocation(rb); err == nil && r.Revokes(c) {
				d.Revoked = r
			}
		}
		st, err := loadJSON[peerState](v, kindPeer, c.Delegate.Fingerprint())
		if err != nil {
			return nil, err
		}
		d.LastSync, d.Devices = st.LastSync, st.Devices
		d.Open = c.Open(now, revList(d.Revoked), parseEmergencies(st.Stmts))
		d.emergency = emergencyState(c, st.Stmts)
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Delegation) int {
		return cmp.Or(b.Cert.Issued.Compare(a.Cert.Issued), strings.Compare(a.Cert.ID, b.Cert.ID))
	})
	return out, nil
}

func revList(r *delegate.Revocation) []*delegate.Revocation {
	if r == nil {
		return nil
	}
	return []*delegate.Revocation{r}
}

func parseEmergencies(stmts []string) []*delegate.Emergency {
	var out []*delegate.Emergency
	for _, s := range stmts {
		if e, err := delegate.ParseEmergency([]byte(s)); err == nil {
			out = append(out, e)
		}
	}
	return out
}

// ErrUnknownDelegation means no certificate has the given id (or prefix).
var ErrUnknownDelegation = errors.New("no delegation with that id")

// Find returns the delegation whose id starts with prefix (at least 4
// characters), if exactly one does.
func Find(ds []Delegation, prefix string) (Delegation, error) {
	var found []Delegation
	for _, d := range ds {
		if len(prefix) >= 4 && strings.HasPrefix(d.Cert.ID, strings.ToLower(prefix)) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return Delegation{}, ErrUnknownDelegation
	}
	return found[0], nil
}

// Revoke signs and stores a revocation of the certificate. The delegate's
// packs are refused from now on; the next sync tells them, and sends them
// nothing more.
func Revoke(v *vault.Vault, cert *delegate.Certificate, now time.Time) error {
	signed, err := delegate.NewRevocation(v, cert, now)
	if err != nil {
		return err
	}
	return v.PutObject(kindRevoked, cert.ID, signed, vault.Event{Action: ActionDelegateRevoked, Subject: cert.ID, Detail: cert.Delegate.Name})
}

// Managed is a vault this vault helps with, as its delegate.
type Managed struct {
	Owner       delegate.Party `json:"owner"`
	Certificate string         `json:"certificate"`          // the newest signed certificate
	Revocation  string         `json:"revocation,omitempty"` // set once revoked
	Replica     string         `json:"replica"`              // file name under managed/ next to our vault
	Passphrase  string         `json:"passphrase"`           // of the replica: random, kept only here
	LastSync    time.Time      `json:"last_sync,omitzero"`
}

// ID is the owner's vault id.
func (m *Managed) ID() string { return m.Owner.Fingerprint() }

// Cert returns the parsed certificate.
func (m *Managed) Cert() *delegate.Certificate {
	c, _ := delegate.ParseCertificate([]byte(m.Certificate))
	return c
}

// ManagedVaults returns the vaults this vault helps with, by owner id.
func ManagedVaults(v *vault.Vault) (map[string]*Managed, error) {
	objs, err := v.Objects(kindManaged)
	if err != nil {
		return nil, err
	}
	out := map[string]*Managed{}
	for id, b := range objs {
		var m Managed
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		out[id] = &m
	}
	return out, nil
}

// FindManaged returns the managed vault whose owner id or owner name
// matches arg (an id prefix of at least 4 digits, or the name exactly).
func FindManaged(v *vault.Vault, arg string) (*Managed, error) {
	all, err := ManagedVaults(v)
	if err != nil {
		return nil, err
	}
	var found []*Managed
	for id, m := range all {
		if (len(arg) >= 4 && strings.HasPrefix(id, strings.ToLower(arg))) || strings.EqualFold(m.Owner.Name, arg) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		return nil, ErrUnknownManaged
	}
	return found[0], nil
}

// ErrUnknownManaged means no managed vault matches.
var ErrUnknownManaged = errors.New("no managed vault with that id or name")

// ReplicaPath is where the replica of a managed vault lives: in managed/
// next to the delegate's own vault file.
func ReplicaPath(own *vault.Vault, m *Managed) string {
	return filepath.Join(filepath.Dir(own.Path()), "managed", m.Replica)
}

// OpenReplica opens and unlocks the replica of a managed vault. The
// replica's passphrase is kept inside the delegate's own vault, so the
// replica is as safe as that vault. The caller closes it.
func OpenReplica(own *vault.Vault, m *Managed) (*vault.Vault, error) {
	rv, err := vault.Open(ReplicaPath(own, m), nil)
	if err != nil {
		return nil, err
	}
	if err := rv.Unlock([]byte(m.Passphrase)); err != nil {
		rv.Close()
		return nil, err
	}
	return rv, nil
}

// createReplica makes the replica file of a newly managed vault; its
// author is the delegate, so every change made in it says who made it.
func createReplica(own *vault.Vault, m *Managed) (*vault.Vault, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	m.Passphrase = base64.RawURLEncoding.EncodeToString(key[:])
	m.Replica = m.ID()[:16] + ".kluis"
	path := ReplicaPath(own, m)
	if _, err := os.Stat(path); err == nil {
		// A replica left from before (say, the managed entry was lost):
		// move it aside rather than overwrite anything.
		if err := os.Rename(path, path+".old-"+time.Now().UTC().Format("20060102T150405")); err != nil {
			return nil, err
		}
	}
	rv, _, err := vault.Create(path, []byte(m.Passphrase), own.Author().Person, nil)
	return rv, err
}
