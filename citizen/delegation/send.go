package delegation

import (
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
	if st.Done && cp.owner && cp.rev == nil {
		// A newer certificate than the revoked one: the delegate may
		// hear from us again.
		st.Done = false
	}
	if st.Done || cp.cert == nil {
		return nil
	}
	var statements []string
	var recs []vault.Record
	var docs []delegate.PackDocument
	src := r.v // where the documents' content is read from
	p := &delegate.Pack{Format: delegate.PackFormat, From: r.me, To: cp.id, Created: r.now.Truncate(1e9), Since: st.Acked, UpTo: st.Acked}
	if cp.owner {
		signed, err := r.v.Object(kindCert, cp.cert.ID)
		if err != nil {
			return err
		}
		statements = append(statements, string(signed))
		if cp.rev != nil {
			// The revocation, and nothing more, ever.
			rb, err := r.v.Object(kindRevoked, cp.cert.ID)
			if err != nil {
				return err
			}
			statements = append(statements, string(rb))
			st.Done = true
		} else if cp.cert.Open(r.now, nil, parseEmergencies(st.Stmts)) == nil {
			all, upTo, err := r.v.Changes(st.Acked)
			if err != nil {
				return err
			}
			for _, rec := range all {
				if cp.cert.Covers(rec.Category) {
					recs = append(recs, rec)
				}
			}
			var docsUpTo hlc.Timestamp
			if docs, docsUpTo, err = docsInScope(r.v, cp.cert, st.Acked); err != nil {
				return err
			}
			p.UpTo = max(upTo, docsUpTo)
		}
	} else {
		if cp.rev != nil {
			return nil // revoked: we send nothing back
		}
		rv, err := OpenReplica(r.v, cp.managed)
		if err != nil {
			return err
		}
		defer rv.Close()
		src = rv
		var upTo, docsUpTo hlc.Timestamp
		if recs, upTo, err = rv.Changes(st.Acked); err != nil {
			return err
		}
		if docs, docsUpTo, err = docsInScope(rv, nil, st.Acked); err != nil {
			return err
		}
		p.UpTo = max(upTo, docsUpTo)
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
	if len(recs) == 0 && len(docs) == 0 && len(fresh) == 0 && !newAck && len(st.Reports) == 0 && !st.Done {
		return nil
	}
	st.NextSeq++
	p.Seq = st.NextSeq
	if st.RecvSeq != 0 {
		p.Ack = &ack
	}
	p.Statements, p.Reports, p.Records, p.Documents = statements, st.Reports, recs, docs
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
	st.AckedTo = ack
	st.Reports = nil
	st.Told = append(st.Told, fresh...)
	st.LastSent = r.now
	r.res.Written = append(r.res.Written, Written{File: name, To: cp.name, Records: len(recs), Documents: len(docs)})
	subject := cp.cert.ID
	return r.save(cp, vault.Event{Action: ActionSyncSent, Subject: subject,
		Detail: fmt.Sprintf("%s: pack %d, %d records, %d documents", cp.name, p.Seq, len(recs), len(docs))})
}
