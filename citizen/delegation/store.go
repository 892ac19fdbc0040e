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

	"kluis/internal/errcode"
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
	// SharesTold: shares made on the owner's behalf already sent to her
	// (we are the helper).
	SharesTold []string `json:"shares_told,omitempty"`
	// Scope holds the categories whose every record the counterpart has
	// (as acknowledged): a category that comes into scope is sent in full
	// once. SentScope is the scope of each pack not yet acknowledged.
	Scope     []string            `json:"scope,omitempty"`
	SentScope map[uint64][]string `json:"sent_scope,omitempty"`
	LastSync  time.Time           `json:"last_sync,omitzero"`
	LastSent  time.Time           `json:"last_sent,omitzero"`
	Done      bool                `json:"done"` // revoked and told so: nothing more is sent
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
	if sc, ok := st.SentScope[a.Seq]; ok && a.UpTo >= up {
		// Once it has that pack, it has every record of its scope.
		for _, c := range sc {
			if !slices.Contains(st.Scope, c) {
				st.Scope = append(st.Scope, c)
			}
		}
		slices.Sort(st.Scope)
	}
	for s := range st.Sent {
		if s <= a.Seq {
			delete(st.Sent, s)
		}
	}
	for s := range st.SentScope {
		if s <= a.Seq {
			delete(st.SentScope, s)
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
var ErrUnknownDelegation = errcode.New("delegation.unknown", "no delegation with that id")

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

// Managed is a vault this vault helps with, as its delegate. The owner may
// have given several grants; each arrives with a pack and is kept, and each
// can be revoked on its own.
type Managed struct {
	Owner       delegate.Party `json:"owner"`
	Certificate string         `json:"certificate"`            // the newest signed certificate
	Grants      []string       `json:"certificates,omitempty"` // every signed certificate received, oldest first
	Revocations []string       `json:"revocations,omitempty"`  // signed revocations received
	Revocation  string         `json:"revocation,omitempty"`   // set once every grant is revoked
	Replica     string         `json:"replica"`                // file name under managed/ next to our vault
	Passphrase  string         `json:"passphrase"`             // of the replica: random, kept only here
	LastSync    time.Time      `json:"last_sync,omitzero"`
}

// ID is the owner's vault id.
func (m *Managed) ID() string { return m.Owner.Fingerprint() }

// Cert returns the newest certificate.
func (m *Managed) Cert() *delegate.Certificate {
	c, _ := delegate.ParseCertificate([]byte(m.Certificate))
	return c
}

// Certs returns every certificate received from the owner, oldest first.
func (m *Managed) Certs() []*delegate.Certificate {
	var out []*delegate.Certificate
	signed := m.Grants
	if m.Certificate != "" && !slices.Contains(signed, m.Certificate) {
		signed = append([]string{m.Certificate}, signed...)
	}
	for _, s := range signed {
		if c, err := delegate.ParseCertificate([]byte(s)); err == nil && c.Owner.Ed25519 == m.Owner.Ed25519 {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *delegate.Certificate) int { return a.Issued.Compare(b.Issued) })
	return out
}

// Revs returns the revocations received from the owner.
func (m *Managed) Revs() []*delegate.Revocation {
	var out []*delegate.Revocation
	for _, s := range append(slices.Clone(m.Revocations), m.Revocation) {
		if r, err := delegate.ParseRevocation([]byte(s)); err == nil && r.Owner == m.Owner.Ed25519 {
			out = append(out, r)
		}
	}
	return out
}

// IsRevoked reports whether the owner revoked cert.
func (m *Managed) IsRevoked(cert *delegate.Certificate) bool {
	for _, r := range m.Revs() {
		if r.Revokes(cert) {
			return true
		}
	}
	return false
}

// addGrant keeps a certificate received from the owner; it reports whether
// it was new.
func (m *Managed) addGrant(c *delegate.Certificate, signed string) bool {
	for _, old := range m.Certs() {
		if old.ID == c.ID {
			return false
		}
	}
	if m.Certificate != "" && !slices.Contains(m.Grants, m.Certificate) {
		m.Grants = append(m.Grants, m.Certificate)
	}
	m.Grants = append(m.Grants, signed)
	if cur := m.Cert(); cur == nil || c.Issued.After(cur.Issued) || c.Issued.Equal(cur.Issued) {
		m.Certificate = signed
	}
	if m.Revocation != "" && !m.IsRevoked(c) {
		// A new grant after every older one was revoked: open again.
		m.Revocations = append(m.Revocations, m.Revocation)
		m.Revocation = ""
	}
	return true
}

// addRevocation keeps a revocation of one of our certificates; it returns
// the certificate it revokes (nil when it is none of ours or known
// already). Once every grant is revoked, Revocation is set.
func (m *Managed) addRevocation(r *delegate.Revocation, signed string) *delegate.Certificate {
	var hit *delegate.Certificate
	for _, c := range m.Certs() {
		if r.Revokes(c) && !m.IsRevoked(c) {
			hit = c
		}
	}
	if hit == nil {
		return nil
	}
	m.Revocations = append(m.Revocations, signed)
	for _, c := range m.Certs() {
		if !m.IsRevoked(c) {
			return hit
		}
	}
	m.Revocation = signed
	return hit
}

// Access returns what the helper may do now in the owner's vault, as far as
// the helper knows (their own emergency requests and the owner's answers
// included).
func (m *Managed) Access(own *vault.Vault, now time.Time) (Access, error) {
	st, err := loadJSON[peerState](own, kindManPeer, m.ID())
	if err != nil {
		return Access{}, err
	}
	a, _ := accessOf(m.Certs(), now, m.Revs(), parseEmergencies(st.Stmts))
	return a, nil
}

// CheckEdit says whether the helper may now change records of category in
// the owner's vault ("" for a document linked to no record): nil, or an
// *EditRefusedError.
func (m *Managed) CheckEdit(own *vault.Vault, category string, now time.Time) error {
	a, err := m.Access(own, now)
	if err != nil {
		return err
	}
	return a.checkEdit(m.Owner.Name, category)
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
var ErrUnknownManaged = errcode.New("delegation.unknown_managed", "no managed vault with that id or name")

// ReplicaPath is where the replica of a managed vault lives: in managed/
// next to the delegate's own vault file.
func ReplicaPath(own *vault.Vault, m *Managed) string {
	return filepath.Join(filepath.Dir(own.Path()), "managed", m.Replica)
}

// OpenReplica opens and unlocks the replica of a managed vault. The
// replica's passphrase is kept inside the delegate's own vault, so the
// replica is as safe as that vault. The caller closes it.
//
// The replica refuses, with an *EditRefusedError, every change the owner's
// grants open now do not allow (EditGuard): a view-only category, one
// outside every grant, or a grant revoked, expired or not yet open.
func OpenReplica(own *vault.Vault, m *Managed) (*vault.Vault, error) {
	guard, err := EditGuard(own, m, time.Now())
	if err != nil {
		return nil, err
	}
	rv, err := vault.Open(ReplicaPath(own, m), nil)
	if err != nil {
		return nil, err
	}
	if err := rv.Unlock([]byte(m.Passphrase)); err != nil {
		rv.Close()
		return nil, err
	}
	rv.SetEditGuard(guard)
	return rv, nil
}

// EditGuard returns the guard of a replica: it refuses, with an
// *EditRefusedError, a change in a category the grants open at now do not
// let the helper change. It does not need own after it returns.
func EditGuard(own *vault.Vault, m *Managed, now time.Time) (vault.EditGuard, error) {
	acc, err := m.Access(own, now)
	if err != nil {
		return nil, err
	}
	return func(category string) error { return acc.checkEdit(m.Owner.Name, category) }, nil
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
		// move it aside rather than overwrite anything, with its
		// document files.
		aside := path + ".old-" + time.Now().UTC().Format("20060102T150405")
		if err := os.Rename(path, aside); err != nil {
			return nil, err
		}
		if _, err := os.Lstat(vault.DocsFolder(path)); err == nil {
			if err := os.Rename(vault.DocsFolder(path), vault.DocsFolder(aside)); err != nil {
				return nil, err
			}
		}
	}
	rv, _, err := vault.Create(path, []byte(m.Passphrase), own.Author().Person, nil)
	return rv, err
}

// BehalfGrant returns the grant a share made on the owner's behalf over
// categories carries: the newest manage certificate open now that covers
// them all (or, when none does, the newest open manage certificate: the
// share is then refused for holding data outside it), signed; nil when
// there is none.
func BehalfGrant(own *vault.Vault, m *Managed, now time.Time, categories []string) (*delegate.Certificate, []byte) {
	st, err := loadJSON[peerState](own, kindManPeer, m.ID())
	if err != nil {
		return nil, nil
	}
	em := parseEmergencies(st.Stmts)
	var best, covering *delegate.Certificate
	for _, c := range m.Certs() {
		if c.Role == delegate.RoleManage && c.Open(now, m.Revs(), em) == nil {
			best = c
			if !slices.ContainsFunc(categories, func(cat string) bool { return !c.Covers(cat) }) {
				covering = c
			}
		}
	}
	if covering != nil {
		best = covering
	}
	if best == nil {
		return nil, nil
	}
	for _, s := range append(slices.Clone(m.Grants), m.Certificate) {
		if c, err := delegate.ParseCertificate([]byte(s)); err == nil && c.ID == best.ID {
			return best, []byte(s)
		}
	}
	return nil, nil
}
