package delegation

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"filippo.io/age"

	"kluis/internal/atomicfile"
	"kluis/sync/delegate"
	"kluis/sync/hlc"
	"kluis/vault"
)

// sendAll writes a pack for every counterpart that has something new:
// records, an acknowledgement, a report or a statement. Temporary files
// of packs that a crash interrupted are removed first.
func (r *run) sendAll(dir string) error {
	atomicfile.CleanTemp(dir)
	keys := make([]string, 0, len(r.peers))
	for k := range r.peers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := r.send(dir, r.peers[k]); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) send(dir string, cp *counterpart) error {
	st := cp.state
	if st.Done && cp.owner && !cp.allRevoked() {
		// A certificate not revoked: the delegate may hear from us again.
		st.Done = false
	}
	if st.Done || cp.cert == nil {
		return nil
	}
	var statements []string
	var recs []vault.Record
	var docs []delegate.PackDocument
	var view []string // what the delegate receives with this pack
	var shares []json.RawMessage
	var sharesTold []string
	src := r.v // where the documents' content is read from
	p := &delegate.Pack{Format: delegate.PackFormat, From: r.me, To: cp.id, Created: r.now.Truncate(1e9), Since: st.Acked, UpTo: st.Acked}
	if cp.owner {
		for _, c := range cp.certs {
			signed, err := r.v.Object(kindCert, c.ID)
			if err != nil {
				return err
			}
			statements = append(statements, string(signed))
			if c.Open(r.now, cp.revs, nil) == delegate.ErrRevoked {
				rb, err := r.v.Object(kindRevoked, c.ID)
				if err != nil {
					return err
				}
				statements = append(statements, string(rb))
			}
		}
		if cp.allRevoked() {
			// The revocations, and nothing more, ever.
			st.Done = true
		} else if acc, err := cp.access(r.now); err == nil {
			view = acc.View
			if recs, docs, p.UpTo, err = r.inScope(st, acc); err != nil {
				return err
			}
		}
		// What the delegate no longer receives must come again in full
		// should it come back into scope.
		st.Scope = slices.DeleteFunc(st.Scope, func(c string) bool { return !slices.Contains(view, c) })
	} else {
		if cp.allRevoked() {
			return nil // revoked: we send nothing back
		}
		rv, err := OpenReplica(r.v, cp.managed)
		if err != nil {
			return err
		}
		defer rv.Close()
		src = rv
		var upTo, docsUpTo hlc.Timestamp
		// What came from the owner goes back to her only with something of
		// ours in it: the owner holds the rest already.
		mine := rv.Author().Device
		if recs, upTo, err = rv.ChangesWhere(st.Acked, func(rec vault.Record) bool { return holdsOwn(rec, mine) }); err != nil {
			return err
		}
		if docs, docsUpTo, err = docsInScope(rv, nil, st.Acked); err != nil {
			return err
		}
		p.UpTo = max(upTo, docsUpTo)
		if shares, sharesTold, err = sharesToTell(rv, st); err != nil {
			return err
		}
	}
	statements = append(statements, st.Stmts...)
	var fresh []string
	for _, s := range statements {
		if !slices.Contains(st.Told, s) {
			fresh = append(fresh, s)
		}
	}
	ack := delegate.Ack{Seq: st.RecvSeq, UpTo: st.Received}
	newAck := st.RecvSeq != 0 && ack.UpTo != st.AckedTo.UpTo
	if len(recs) == 0 && len(docs) == 0 && len(fresh) == 0 && !newAck && len(st.Reports) == 0 && !st.Done && len(shares) == 0 {
		return nil
	}
	st.NextSeq++
	p.Seq = st.NextSeq
	if st.RecvSeq != 0 {
		p.Ack = &ack
	}
	p.Statements, p.Reports, p.Records, p.Documents, p.Shares = statements, st.Reports, recs, docs, shares
	if p.Records == nil {
		p.Records = []vault.Record{}
	}
	pub, err := age.ParseX25519Recipient(cp.x25519)
	if err != nil {
		return err
	}
	name, err := delegate.WritePackWith(dir, r.me, p.Seq, func(w io.Writer) error {
		return delegate.StreamPack(w, r.v, pub, p, func(w io.Writer) error { return writeDocuments(w, src, p.Documents) })
	})
	if err != nil {
		return err
	}
	if st.Sent == nil {
		st.Sent = map[uint64]hlc.Timestamp{}
	}
	st.Sent[p.Seq] = p.UpTo
	if cp.owner {
		if st.SentScope == nil {
			st.SentScope = map[uint64][]string{}
		}
		st.SentScope[p.Seq] = view
	}
	st.AckedTo = ack
	st.Reports = nil
	st.Told = append(st.Told, fresh...)
	st.SharesTold = append(st.SharesTold, sharesTold...)
	st.LastSent = r.now
	r.res.Written = append(r.res.Written, Written{File: name, To: cp.name, Records: len(recs), Documents: len(docs)})
	subject := cp.cert.ID
	return r.save(cp, vault.Event{Action: ActionSyncSent, Subject: subject,
		Detail: fmt.Sprintf("%s: pack %d, %d records, %d documents", cp.name, p.Seq, len(recs), len(docs))})
}

// inScope returns what goes to a delegate with access acc: every record and
// document in scope changed since they acknowledged, and — for categories
// that came into scope since (a new or wider grant, an emergency grant that
// opened) — every record and document of those categories, however old.
// upTo is the latest change among them, at least st.Acked.
func (r *run) inScope(st *peerState, acc Access) ([]vault.Record, []delegate.PackDocument, hlc.Timestamp, error) {
	since := st.Acked
	had := func(c string) bool { return slices.Contains(st.Scope, c) }
	from := since
	if slices.ContainsFunc(acc.View, func(c string) bool { return !had(c) }) {
		from = 0
	}
	all, upTo, err := r.v.Changes(from)
	if err != nil {
		return nil, nil, since, err
	}
	var recs []vault.Record
	extra := 0
	for _, rec := range all {
		switch {
		case !acc.Sees(rec.Category):
		case rec.Modified > since:
			recs = append(recs, rec)
		case !had(rec.Category):
			recs = append(recs, rec)
			extra++
		}
	}
	docs, docsUpTo, err := docsInScope(r.v, acc.Sees, from)
	if err != nil {
		return nil, nil, since, err
	}
	var keep []delegate.PackDocument
	for _, d := range docs {
		if d.Modified > since {
			keep = append(keep, d)
			continue
		}
		old, err := docInScope(r.v, had, d.Record)
		if err != nil {
			return nil, nil, since, err
		}
		if !old {
			keep = append(keep, d)
			extra++
		}
	}
	if extra == 0 {
		// Nothing older to bring: the new categories count as sent.
		st.Scope = slices.Clone(acc.View)
	}
	return recs, keep, max(since, upTo, docsUpTo), nil
}

// holdsOwn reports whether a record version in a helper's copy may hold a
// change of the helper's own (device mine), which the owner does not have
// yet: the version is his, or a value in it is, or it is in the recycle
// bin or back from it (a merge keeps who set each value, not who set the
// recycle-bin state, so that state always goes back). Every other version
// in the copy came from the owner's packs as it is: sending it back would
// only have her merge it again as unchanged.
func holdsOwn(rec vault.Record, mine string) bool {
	if rec.Author.Device == mine || rec.DeletedAt != 0 {
		return true
	}
	for _, a := range rec.Authors {
		if a.Device == mine {
			return true
		}
	}
	return false
}
