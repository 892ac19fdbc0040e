package delegation

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"kluis/vault"
)

// objectShare is the vault object kind under which package citizen/share
// keeps a share made (objectShare; that package stands on this one,
// so the name is repeated here).
const objectShare = "share"

// shareInfo is the part of a kept share (citizen/share.Info) this package
// reads; the rest travels as it is.
type shareInfo struct {
	ID        string   `json:"id"`
	Records   []string `json:"records"`
	Documents []string `json:"documents"`
}

// A share a helper makes on the owner's behalf is made from the helper's
// copy of her vault. Two rules keep it honest:
//
//   - it may only hold what her vault accepted: while the copy holds
//     changes of the helper she has not acknowledged yet, no share is made
//     on her behalf (PendingChanges; sync first);
//   - it reaches her own list of shares with the helper's next pack
//     (Pack.Shares), so she sees it and can revoke it like her own.

// PendingChanges returns the ids of records and documents in rv (the
// replica of m) that the helper changed and the owner has not acknowledged
// yet, or that she refused and that were not set back yet.
func PendingChanges(own *vault.Vault, m *Managed, rv *vault.Vault) ([]string, error) {
	st, err := loadJSON[peerState](own, kindManPeer, m.ID())
	if err != nil {
		return nil, err
	}
	mine := rv.Author().Device
	recs, _, err := rv.Changes(st.Acked)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range recs {
		for k, s := range r.Stamps {
			if s > st.Acked && r.FieldAuthor(k).Device == mine {
				out = append(out, r.ID)
				break
			}
		}
		if !slices.Contains(out, r.ID) && r.DeletedAt > st.Acked && r.Author.Device == mine {
			out = append(out, r.ID)
		}
	}
	docs, _, err := rv.DocumentChanges(st.Acked)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.Author.Device == mine {
			out = append(out, d.ID)
		}
	}
	return out, nil
}

// sharesToTell returns the shares made in rv not yet sent to the owner,
// each as the vault keeps it, and their ids.
func sharesToTell(rv *vault.Vault, st *peerState) ([]json.RawMessage, []string, error) {
	objs, err := rv.Objects(objectShare)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(objs))
	for id := range objs {
		if !slices.Contains(st.SharesTold, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []json.RawMessage
	var told []string
	for _, id := range ids {
		var info shareInfo
		if json.Unmarshal(objs[id], &info) != nil || info.ID != id {
			continue
		}
		b, err := json.Marshal(json.RawMessage(objs[id]))
		if err != nil {
			continue
		}
		out, told = append(out, b), append(told, id)
	}
	return out, told, nil
}

// takeShares keeps, in the owner's vault, the shares a helper made on her
// behalf that it does not know yet; it returns their ids. A share she
// knows already (say, revoked since) is left as she has it.
func (r *run) takeShares(cp *counterpart, shares []json.RawMessage) ([]string, error) {
	var took []string
	for _, raw := range shares {
		var info shareInfo
		if err := json.Unmarshal(raw, &info); err != nil {
			continue
		}
		if u, err := uuid.Parse(info.ID); err != nil || u.String() != info.ID {
			continue
		}
		if _, err := r.v.Object(objectShare, info.ID); err == nil {
			continue
		} else if !errors.Is(err, vault.ErrNotFound) {
			return took, err
		}
		b, err := json.Marshal(raw)
		if err != nil {
			continue
		}
		e := vault.Event{Action: vault.ActionShareCreated, Subject: info.ID,
			Detail: fmt.Sprintf("by %s on your behalf; %d records, %d documents", cp.name, len(info.Records), len(info.Documents))}
		if err := r.v.PutObject(objectShare, info.ID, b, e); err != nil {
			return took, err
		}
		took = append(took, info.ID)
	}
	return took, nil
}
