package delegation

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"

	"kluis/sync/delegate"
	"kluis/sync/hlc"
	"kluis/vault"
)

// newManaged looks for a pinned contact that sent a certificate naming us:
// the first pack of a vault we are asked to help with. It returns nil when
// the sender is unknown.
func (r *run) newManaged(p *delegate.Pack, verify func(ed25519.PublicKey) bool) (*counterpart, error) {
	if r.s.Only != "" {
		return nil, nil
	}
	pinned, err := Pinned(r.v)
	if err != nil {
		return nil, err
	}
	c := pinned[p.From]
	if c == nil || !verify(c.PublicKey()) {
		return nil, nil
	}
	certs := r.certsFor(p, delegate.PartyOf(c))
	if len(certs) == 0 {
		return nil, nil
	}
	m := &Managed{Owner: delegate.PartyOf(c)}
	for _, sc := range certs {
		m.addGrant(sc.cert, sc.signed)
	}
	rv, err := createReplica(r.v, m)
	if err != nil {
		return nil, err
	}
	if err := rv.Close(); err != nil {
		return nil, err
	}
	if err := saveJSON(r.v, kindManaged, m.ID(), m, vault.Event{Action: ActionManagedAdded, Subject: m.Cert().ID, Detail: c.Name}); err != nil {
		return nil, err
	}
	cp := &counterpart{id: m.ID(), name: c.Name, x25519: c.X25519, ed25519: c.Ed25519, cert: m.Cert(), certs: m.Certs(),
		managed: m, state: &peerState{}}
	r.peers["m"+cp.id] = cp
	return cp, nil
}

type signedCert struct {
	cert   *delegate.Certificate
	signed string
}

// certsFor returns the certificates in p signed by owner that name us as
// the delegate, oldest first.
func (r *run) certsFor(p *delegate.Pack, owner delegate.Party) []signedCert {
	var out []signedCert
	for _, s := range p.Statements {
		c, err := delegate.ParseCertificate([]byte(s))
		if err != nil || c.Owner.Ed25519 != owner.Ed25519 || c.Owner.X25519 != owner.X25519 || c.Delegate.Fingerprint() != r.me {
			continue
		}
		out = append(out, signedCert{c, s})
	}
	slices.SortStableFunc(out, func(a, b signedCert) int { return a.cert.Issued.Compare(b.cert.Issued) })
	return out
}

// refuse logs a refusal, queues a report for the sender when we know who
// it is, and adds it to the result.
func (r *run) refuse(cp *counterpart, file, from string, seq uint64, code delegate.Code, records []string, cause error) error {
	return r.refuseWith(cp, seq, Refusal{File: file, From: from, Code: code, Records: records, Err: cause})
}

// refuseDocs refuses some documents of a pack.
func (r *run) refuseDocs(cp *counterpart, file string, seq uint64, code delegate.Code, docs []string) error {
	return r.refuseWith(cp, seq, Refusal{File: file, From: cp.name, Code: code, Documents: docs})
}

func (r *run) refuseWith(cp *counterpart, seq uint64, ref Refusal) error {
	r.res.Refused = append(r.res.Refused, ref)
	detail := fmt.Sprintf("%s from %s (pack %d)", ref.Code, ref.From, seq)
	if len(ref.Records) > 0 {
		detail += fmt.Sprintf(", %d records", len(ref.Records))
	}
	if len(ref.Documents) > 0 {
		detail += fmt.Sprintf(", %d documents", len(ref.Documents))
	}
	e := vault.Event{Action: ActionSyncRefused, Subject: ref.File, Detail: detail}
	if cp == nil {
		return r.v.LogEvent(e)
	}
	if !cp.owner || ref.Code != delegate.CodeBadSignature {
		cp.state.markSeen(seq)
	}
	cp.state.queue(delegate.Report{Seq: seq, Code: ref.Code, Records: ref.Records, Documents: ref.Documents, At: r.now.Truncate(1e9)})
	return r.save(cp, e)
}

// docRefusals refuses what importing documents refused, in a fixed order.
func (r *run) docRefusals(cp *counterpart, file string, seq uint64, dres docsResult) error {
	for _, code := range []delegate.Code{delegate.CodeViewOnly, delegate.CodeOutOfScope, delegate.CodeBadDocument} {
		if ids := dres.refused[code]; len(ids) > 0 {
			if err := r.refuseDocs(cp, file, seq, code, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) save(cp *counterpart, e vault.Event) error {
	if cp.managed != nil {
		if err := saveJSON(r.v, kindManaged, cp.id, cp.managed, vault.Event{}); err != nil {
			return err
		}
	}
	return saveJSON(r.v, cp.kind(), cp.id, cp.state, e)
}

func codeOf(err error) delegate.Code {
	switch {
	case errors.Is(err, delegate.ErrRevoked):
		return delegate.CodeRevoked
	case errors.Is(err, delegate.ErrEmergencyClosed):
		return delegate.CodeEmergency
	default:
		return delegate.CodeExpired
	}
}

// common handles what every pack carries besides records: the
// acknowledgement, reports and emergency statements.
func (r *run) common(cp *counterpart, p *delegate.Pack) {
	cp.state.applyAck(p.Ack)
	for _, rep := range p.Reports {
		r.res.Reported = append(r.res.Reported, Reported{From: cp.name, Report: rep})
	}
	for _, s := range p.Statements {
		e, err := delegate.ParseEmergency([]byte(s))
		if err != nil || slices.Contains(cp.state.Stmts, s) {
			continue
		}
		cert := cp.certByID(e.CertificateID)
		if cert == nil {
			continue
		}
		// Requests come from the delegate, answers from the owner.
		if (cp.owner && e.Kind == delegate.EmergencyRequest && e.Signer == cert.Delegate.Ed25519) ||
			(!cp.owner && e.Kind != delegate.EmergencyRequest && e.Signer == cert.Owner.Ed25519) {
			cp.state.Stmts = append(cp.state.Stmts, s)
		}
	}
}

// received advances what we acknowledge and notes the pack as handled. A
// pack with damaged documents is not acknowledged, so it comes again.
func (r *run) received(cp *counterpart, p *delegate.Pack, damaged bool) {
	// Only a pack that moves the point on is acknowledged, so packs that
	// carry nothing new are not answered (no endless acknowledgements).
	if !damaged && p.Since <= cp.state.Received && p.UpTo > cp.state.Received {
		cp.state.Received, cp.state.RecvSeq = p.UpTo, p.Seq
	}
	cp.state.markSeen(p.Seq)
	cp.state.LastSync = r.now
}

// fromDelegate merges a delegate's pack into our own vault, within their
// certificate.
func (r *run) fromDelegate(cp *counterpart, name string, p *delegate.Pack, set *vault.RecordSet, docs *delegate.DocStream) error {
	r.common(cp, p)
	acc, why := cp.access(r.now)
	if why != nil {
		return r.refuse(cp, name, cp.name, p.Seq, codeOf(why), nil, why)
	}
	cert := cp.cert
	// What the delegate may not change leaves the set (refused, unless
	// it is a version we hold already); the rest is merged.
	refusedBy := map[delegate.Code][]string{}
	err := set.Keep(func(rec vault.Record) (bool, error) {
		code := acc.refusalCode(rec.Category)
		if code == "" {
			return true, nil
		}
		echo, err := r.isEcho(rec)
		if err == nil && !echo {
			refusedBy[code] = append(refusedBy[code], rec.ID)
		}
		return false, err
	})
	if errors.Is(err, vault.ErrBadRecord) {
		return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeBadRecord, nil, err)
	}
	if err != nil {
		return err
	}
	// Batched: the pack counts as handled only once r.save below has
	// run, so a merge cut short is merged again, to the same end, at the
	// next sync (docs/ARCHITECTURE.md, "Merging replicas").
	res, err := r.v.MergeSet(set, vault.MergeOptions{Batched: true, Allow: func(in vault.Record, local *vault.Record) error {
		if !acc.Manages(in.Category) {
			return refused(delegate.CodeOutOfScope, nil)
		}
		return nil
	}})
	if errors.Is(err, vault.ErrBadRecord) {
		return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeBadRecord, nil, err)
	}
	if err != nil {
		return err
	}
	for _, code := range []delegate.Code{delegate.CodeViewOnly, delegate.CodeOutOfScope} {
		if ids := refusedBy[code]; len(ids) > 0 {
			if err := r.refuse(cp, name, cp.name, p.Seq, code, ids, nil); err != nil {
				return err
			}
		}
	}
	dres, err := importDocs(r.v, docs, p.Documents, func(d delegate.PackDocument) (delegate.Code, error) {
		if echo, err := isDocEcho(r.v, d); err != nil || echo {
			return "", err
		}
		if len(acc.Manage) == 0 {
			return delegate.CodeViewOnly, nil
		}
		// Both the link it comes with and the one it has here must be in
		// scope: a delegate cannot move a document out of the owner's
		// private part.
		links := []string{d.Record}
		if local, err := r.v.Document(d.ID); err == nil {
			links = append(links, local.Record)
		}
		for _, rec := range links {
			ok, err := docInScope(r.v, acc.Manages, rec)
			if err != nil {
				return "", err
			}
			if !ok {
				return delegate.CodeOutOfScope, nil
			}
		}
		return "", nil
	})
	if err != nil {
		return err
	}
	if err := r.docRefusals(cp, name, p.Seq, dres); err != nil {
		return err
	}
	rcv := r.describe(cp, name, p, res, dres)
	if rcv.Shares, err = r.takeShares(cp, p.Shares); err != nil {
		return err
	}
	r.res.Received[len(r.res.Received)-1].Shares = rcv.Shares
	for _, a := range rcv.Authors {
		if !slices.Contains(cp.state.Devices, a.Device) {
			cp.state.Devices = append(cp.state.Devices, a.Device)
		}
	}
	// What the delegate changed must also reach our other delegates, even
	// when its stamps are older than what they acknowledged.
	floor, ok, err := floorOf(set, res)
	if err != nil {
		return err
	}
	if len(dres.changed) > 0 && (!ok || dres.floor < floor) {
		floor, ok = dres.floor, true
	}
	if ok {
		for _, other := range r.peers {
			if other != cp && other.owner {
				other.state.capAck(floor)
				if err := r.save(other, vault.Event{}); err != nil {
					return err
				}
			}
		}
	}
	r.received(cp, p, dres.damaged)
	return r.save(cp, vault.Event{Action: ActionSyncReceived, Subject: cert.ID,
		Detail: fmt.Sprintf("%s: %d added, %d changed, %d documents", cp.name, len(res.Added), len(res.Updated), len(dres.changed))})
}

// isEcho reports whether rec is a version this vault already holds (the
// current one or one in the history): a record sent back, not an edit.
func (r *run) isEcho(rec vault.Record) (bool, error) {
	hist, err := r.v.History(rec.ID)
	if errors.Is(err, vault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, h := range hist {
		if h.Modified == rec.Modified && h.Author == rec.Author && h.Deleted == rec.Deleted && mapsEqual(h.Fields, rec.Fields) {
			return true, nil
		}
	}
	return false, nil
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// floorOf returns the time just before the oldest record of set that the
// merge added or changed; ok is false when it changed none.
func floorOf(set *vault.RecordSet, res vault.MergeResult) (floor hlc.Timestamp, ok bool, err error) {
	changed := map[string]bool{}
	for _, id := range append(slices.Clone(res.Added), res.Updated...) {
		changed[id] = true
	}
	err = set.Each(func(rec vault.Record) error {
		if changed[rec.ID] && (!ok || rec.Modified-1 < floor) {
			floor, ok = rec.Modified-1, true
		}
		return nil
	})
	return floor, ok, err
}

func (r *run) describe(cp *counterpart, name string, p *delegate.Pack, res vault.MergeResult, dres docsResult) Received {
	rcv := Received{File: name, From: cp.name, Managed: !cp.owner, Added: res.Added, Updated: res.Updated, Conflicts: res.Conflicts,
		Documents: dres.changed, Incomplete: dres.damaged}
	// Who made what changed here: the author of each change the merge
	// brought, not of the last version the sender happened to hold.
	rcv.Authors = slices.Clone(res.By)
	for _, d := range p.Documents {
		if slices.Contains(dres.changed, d.ID) && !slices.Contains(rcv.Authors, d.Author) {
			rcv.Authors = append(rcv.Authors, d.Author)
		}
	}
	r.res.Received = append(r.res.Received, rcv)
	return rcv
}

// fromOwner merges the owner's pack into the replica we manage for them.
func (r *run) fromOwner(cp *counterpart, name string, p *delegate.Pack, set *vault.RecordSet, docs *delegate.DocStream) error {
	m := cp.managed
	for _, sc := range r.certsFor(p, m.Owner) {
		m.addGrant(sc.cert, sc.signed)
	}
	cp.cert, cp.certs = m.Cert(), m.Certs()
	r.common(cp, p)
	wasRevoked := cp.allRevoked()
	for _, s := range p.Statements {
		rv, err := delegate.ParseRevocation([]byte(s))
		if err != nil {
			continue
		}
		if c := m.addRevocation(rv, s); c != nil {
			cp.revs = m.Revs()
			if err := r.save(cp, vault.Event{Action: ActionManagedRevoked, Subject: c.ID, Detail: cp.name}); err != nil {
				return err
			}
		}
	}
	if cp.allRevoked() {
		if wasRevoked {
			return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeRevoked, nil, nil)
		}
		r.received(cp, p, false)
		return r.save(cp, vault.Event{})
	}
	if cp.cert == nil {
		return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeNoCertificate, nil, nil)
	}
	cert := cp.cert
	// The owner decides what is open (emergency waits included); here a
	// record must only fall under a grant not revoked and not expired.
	var covers []string
	for _, c := range cp.certs {
		if err := c.Open(r.now, cp.revs, nil); err == nil || errors.Is(err, delegate.ErrEmergencyClosed) {
			covers = append(covers, c.Categories...)
		}
	}
	inScope := func(cat string) bool { return slices.Contains(covers, cat) }
	rv, err := OpenReplica(r.v, m)
	if err != nil {
		return err
	}
	defer rv.Close()
	if err := r.rollBack(cp, rv, p.Reports); err != nil {
		return err
	}
	// Batched, as in fromDelegate: resumed by the next sync if cut short.
	res, err := rv.MergeSet(set, vault.MergeOptions{Batched: true, Allow: func(in vault.Record, _ *vault.Record) error {
		if !inScope(in.Category) {
			return refused(delegate.CodeOutOfScope, nil)
		}
		return nil
	}})
	var re *delegate.RefusedError
	switch {
	case errors.Is(err, vault.ErrBadRecord):
		return r.refuse(cp, name, cp.name, p.Seq, delegate.CodeBadRecord, nil, err)
	case errors.As(err, &re):
		return r.refuse(cp, name, cp.name, p.Seq, re.Code, nil, err)
	case err != nil:
		return err
	}
	dres, err := importDocs(rv, docs, p.Documents, func(d delegate.PackDocument) (delegate.Code, error) {
		if echo, err := isDocEcho(rv, d); err != nil || echo {
			return "", err
		}
		ok, err := docInScope(rv, inScope, d.Record)
		if err != nil || ok {
			return "", err
		}
		return delegate.CodeOutOfScope, nil
	})
	if err != nil {
		return err
	}
	if err := r.docRefusals(cp, name, p.Seq, dres); err != nil {
		return err
	}
	r.describe(cp, name, p, res, dres)
	r.received(cp, p, dres.damaged)
	m.LastSync = r.now
	return r.save(cp, vault.Event{Action: ActionSyncReceived, Subject: cert.ID,
		Detail: fmt.Sprintf("%s: %d added, %d changed, %d documents", cp.name, len(res.Added), len(res.Updated), len(dres.changed))})
}

// rollBack returns the records the owner refused (as reported) to the
// owner's last version in the replica, so the helper's copy does not keep
// what the owner's vault will never hold. The refused versions stay in the
// replica's history.
func (r *run) rollBack(cp *counterpart, rv *vault.Vault, reports []delegate.Report) error {
	mine := rv.Author().Device
	for _, rep := range reports {
		var back []string
		for _, id := range rep.Records {
			ok, err := rv.RollBack(id, func(v vault.Record) bool { return v.Author.Device != mine })
			if err != nil {
				return err
			}
			if ok {
				back = append(back, id)
			}
		}
		if len(back) > 0 {
			r.res.RolledBack = append(r.res.RolledBack, RolledBack{From: cp.name, Code: rep.Code, Records: back})
		}
	}
	return nil
}
