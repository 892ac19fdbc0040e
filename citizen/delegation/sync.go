package delegation

import (
	"bufio"
	"crypto/ed25519"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"kluis/sync/delegate"
	"kluis/vault"
)

// A Syncer runs one sync of a vault with a folder: it merges the packs
// addressed to the vault and writes a pack for every counterpart that has
// something new. The vault must be unlocked.
type Syncer struct {
	Vault *vault.Vault
	Now   func() time.Time // time.Now if nil
	// Only, when set, limits the sync to the managed vault with this owner
	// id (the delegate's side of --managed).
	Only string
}

// Result says what a sync did.
type Result struct {
	Received []Received // packs merged
	Refused  []Refusal  // packs or records refused here
	Reported []Reported // refusals the other side reported back
	Written  []Written  // packs written
	// RolledBack: records the owner refused, set back in our copy of the
	// owner's vault to the owner's version (we are the helper).
	RolledBack []RolledBack
	Ignored    int // files not for us, already handled or not packs
}

// Received is one pack merged.
type Received struct {
	File      string
	From      string // the sender's name
	Managed   bool   // merged into a replica we manage (we are the delegate)
	Replayed  bool   // handled before: nothing done
	Added     []string
	Updated   []string
	Conflicts []vault.Conflict
	Authors   []vault.Author // who made the versions that changed something here
	Documents []string       // documents added or changed here
	// Shares the helper made on our behalf, now in our list of shares.
	Shares []string
	// Incomplete: some documents could not be read or did not match; the
	// pack is not acknowledged, so the sender sends them again.
	Incomplete bool
}

// Refusal is a pack, or some records of it, refused here.
type Refusal struct {
	File    string
	From    string // the sender's name, or the id from the file name
	Code    delegate.Code
	Records []string // only these records, when set…
	// …or only these documents; with neither, the whole pack.
	Documents []string
	Err       error
}

// Reported is a refusal the counterpart reported.
type Reported struct {
	From   string
	Report delegate.Report
}

// RolledBack is a helper's changes set back because the owner refused
// them.
type RolledBack struct {
	From    string // the owner's name
	Code    delegate.Code
	Records []string
}

// Written is one pack written.
type Written struct {
	File      string
	To        string
	Records   int
	Documents int
}

// counterpart is one vault we sync with, on either side.
type counterpart struct {
	id      string // vault id
	name    string
	x25519  string
	ed25519 string
	owner   bool                    // we are the owner, they the delegate
	certs   []*delegate.Certificate // every certificate between us, oldest first
	revs    []*delegate.Revocation  // their revocations
	cert    *delegate.Certificate   // the newest certificate
	managed *Managed                // when we are the delegate
	state   *peerState
}

func (c *counterpart) kind() string {
	if c.owner {
		return kindPeer
	}
	return kindManPeer
}

// certByID returns our certificate with this id, or nil.
func (c *counterpart) certByID(id string) *delegate.Certificate {
	for _, cert := range c.certs {
		if cert.ID == id {
			return cert
		}
	}
	return nil
}

// allRevoked reports whether every certificate between us is revoked.
func (c *counterpart) allRevoked() bool {
	for _, cert := range c.certs {
		if cert.Open(time.Time{}, c.revs, nil) != delegate.ErrRevoked {
			return false
		}
	}
	return len(c.certs) > 0
}

// access is the union of the grants open at now.
func (c *counterpart) access(now time.Time) (Access, error) {
	return accessOf(c.certs, now, c.revs, parseEmergencies(c.state.Stmts))
}

type run struct {
	s     *Syncer
	v     *vault.Vault
	me    string
	now   time.Time
	peers map[string]*counterpart
	res   Result
}

// peer is the counterpart with id: a helper of this owner ("o") or an
// owner this device helps ("m"); nil when neither.
func (r *run) peer(id string) *counterpart {
	if cp := r.peers["o"+id]; cp != nil {
		return cp
	}
	return r.peers["m"+id]
}

// Sync merges incoming packs in dir, then writes outgoing ones.
func (s *Syncer) Sync(dir string) (*Result, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	me, err := VaultID(s.Vault)
	if err != nil {
		return nil, err
	}
	r := &run{s: s, v: s.Vault, me: me, now: now().UTC(), peers: map[string]*counterpart{}}
	if err := r.loadPeers(); err != nil {
		return nil, err
	}
	if err := r.receiveAll(dir); err != nil {
		return &r.res, err
	}
	if err := r.sendAll(dir); err != nil {
		return &r.res, err
	}
	return &r.res, nil
}

func (r *run) loadPeers() error {
	ds, err := Delegations(r.v, r.now)
	if err != nil {
		return err
	}
	for i := len(ds) - 1; i >= 0; i-- { // oldest first
		d := ds[i]
		if d.Cert.Owner.Fingerprint() != r.me {
			continue
		}
		id := d.Cert.Delegate.Fingerprint()
		cp := r.peers["o"+id]
		if cp == nil {
			st, err := loadJSON[peerState](r.v, kindPeer, id)
			if err != nil {
				return err
			}
			cp = &counterpart{id: id, owner: true, state: st}
			r.peers["o"+id] = cp
		}
		// The newest certificate names the delegate.
		cp.name, cp.x25519, cp.ed25519, cp.cert = d.Cert.Delegate.Name, d.Cert.Delegate.X25519, d.Cert.Delegate.Ed25519, d.Cert
		cp.certs = append(cp.certs, d.Cert)
		if d.Revoked != nil {
			cp.revs = append(cp.revs, d.Revoked)
		}
	}
	ms, err := ManagedVaults(r.v)
	if err != nil {
		return err
	}
	for id, m := range ms {
		if r.s.Only != "" && id != r.s.Only {
			continue
		}
		st, err := loadJSON[peerState](r.v, kindManPeer, id)
		if err != nil {
			return err
		}
		r.peers["m"+id] = &counterpart{id: id, name: m.Owner.Name, x25519: m.Owner.X25519, ed25519: m.Owner.Ed25519,
			cert: m.Cert(), certs: m.Certs(), revs: m.Revs(), managed: m, state: st}
	}
	return nil
}

func (r *run) receiveAll(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	seen, err := loadJSON[[]string](r.v, kindFiles, filesSeenID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, n := range *seen {
		done[n] = true
	}
	present := map[string]bool{}
	changed := false
	for _, e := range entries {
		name := e.Name()
		from, _, ok := delegate.PackName(name)
		if !ok || !e.Type().IsRegular() {
			continue // temporary, partial or foreign files
		}
		present[name] = true
		if from == r.me[:16] {
			continue // our own
		}
		if done[name] {
			r.res.Ignored++
			continue
		}
		if err := r.receive(dir, name); err != nil {
			return err
		}
		done[name], changed = true, true
	}
	if !changed {
		return nil
	}
	// Keep the names still in the folder, so the list does not grow forever.
	var keep []string
	for n := range done {
		if present[n] {
			keep = append(keep, n)
		}
	}
	slices.Sort(keep)
	if len(keep) > maxSeenNames {
		keep = keep[len(keep)-maxSeenNames:]
	}
	return saveJSON(r.v, kindFiles, filesSeenID, keep, vault.Event{})
}

// receive handles one pack file. Refusals are results, not errors; an
// error means the vault could not be read or written.
//
// The pack is read twice, never held whole (package sync/delegate,
// packread.go): first for the signature at the end of its statement,
// then again to verify the statement as it streams past, its records
// kept in a compact vault.RecordSet. Nothing in it is acted on before
// that second reading has verified it.
func (r *run) receive(dir, name string) error {
	path := filepath.Join(dir, name)
	var sig []byte
	gone, err := r.readPack(path, func(plain *bufio.Reader) error {
		var err error
		sig, err = delegate.PackSignature(plain)
		return err
	})
	if gone {
		r.res.Ignored++ // vanished or unreadable: a sync program may still be writing it
		return nil
	}
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		r.res.Ignored++ // for another vault: not ours to read
		return nil
	case errors.Is(err, vault.ErrLocked):
		return err
	case err != nil:
		return r.refuse(nil, name, name, 0, delegate.CodeNotPack, nil, err)
	}

	// The key of the sender the pack names: a counterpart's, or a pinned
	// contact's for a first pack from an owner (newManaged).
	var keyErr error
	known := false
	keyFor := func(from string) ed25519.PublicKey {
		if cp := r.peer(from); cp != nil {
			known = true
			return delegate.ParseKey(cp.ed25519)
		}
		if r.s.Only != "" {
			return nil
		}
		pinned, err := Pinned(r.v)
		if err != nil {
			keyErr = err
			return nil
		}
		if c := pinned[from]; c != nil {
			known = true
			return c.PublicKey()
		}
		return nil
	}
	var set vault.RecordSet
	handled := false
	var handleErr error
	gone, err = r.readPack(path, func(rest *bufio.Reader) error {
		// Records of a sender without a key are not kept: the pack is
		// refused whatever they say.
		p, signer, err := delegate.ReadPack(rest, sig, keyFor, func(rec vault.Record) {
			if known {
				set.Add(rec)
			}
		})
		if err != nil {
			return err
		}
		if keyErr != nil {
			return keyErr
		}
		var docs *delegate.DocStream
		if len(p.Documents) > 0 {
			// Read from the same stream by the merge, while the file is
			// open.
			docs = delegate.NewDocStream(rest)
		} else if _, rerr := rest.ReadByte(); rerr != io.EOF {
			// Nothing may follow the statement; reading to the end also
			// has age authenticate the last chunk.
			return refused(delegate.CodeNotPack, errors.New("data after the signed statement"))
		}
		handled, handleErr = true, r.handle(name, p, signer, &set, docs)
		return nil
	})
	switch {
	case gone:
		r.res.Ignored++
		return nil
	case keyErr != nil:
		return keyErr
	case handled:
		return handleErr
	case errors.Is(err, vault.ErrLocked):
		return err
	}
	return r.refuse(nil, name, name, 0, delegate.CodeNotPack, nil, err)
}

// readPack opens the pack at path, decrypts it and hands the plaintext to
// read. gone is true when the file cannot be opened (it vanished, or a
// sync program still holds it).
func (r *run) readPack(path string, read func(*bufio.Reader) error) (gone bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return true, nil
	}
	defer f.Close()
	plain, err := r.v.Decrypt(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return false, err
	}
	return false, read(bufio.NewReaderSize(plain, 64<<10))
}

// handle acts on a pack read (and its signature verified under signer,
// when not nil) by receive.
func (r *run) handle(name string, p *delegate.Pack, signer ed25519.PublicKey, set *vault.RecordSet, docs *delegate.DocStream) error {
	verify := func(k ed25519.PublicKey) bool { return signer != nil && signer.Equal(k) }
	cp := r.peer(p.From)
	if cp == nil && !strings.HasPrefix(name, "kluis-"+p.From[:16]) {
		return r.refuse(nil, name, p.From[:16], p.Seq, delegate.CodeNotPack, nil, errors.New("the file name does not match the sender"))
	}
	if cp == nil {
		var err error
		if cp, err = r.newManaged(p, verify); err != nil {
			return err
		}
		if cp == nil {
			return r.refuse(nil, name, p.From[:16], p.Seq, delegate.CodeUnknownSender, nil, nil)
		}
	}
	if !verify(delegate.ParseKey(cp.ed25519)) {
		return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeBadSignature, nil, nil)
	}
	if p.To != r.me {
		return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeOtherVault, nil, nil)
	}
	if cp.state.seen(p.Seq) {
		r.res.Received = append(r.res.Received, Received{File: name, From: cp.name, Managed: !cp.owner, Replayed: true})
		return nil
	}
	if cp.owner {
		return r.fromDelegate(cp, name, p, set, docs)
	}
	return r.fromOwner(cp, name, p, set, docs)
}

func refused(code delegate.Code, err error) error {
	return &delegate.RefusedError{Code: code, Err: err}
}
