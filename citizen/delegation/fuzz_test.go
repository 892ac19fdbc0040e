package delegation

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/sync/delegate"
	"kluis/sync/hlc"
	"kluis/sync/signed"
	"kluis/vault"
)

// FuzzPackMerge signs arbitrary pack bodies with a delegate's real key and
// lets the owner sync them: whatever the body says, the owner must refuse
// it or merge it within the certificate — never fail or panic — and its
// vault must stay consistent.
func FuzzPackMerge(f *testing.F) {
	p := newPair(f, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
	me, son := p.mother.c.Fingerprint(), p.son.c.Fingerprint()
	now := hlc.New(time.Now().UnixMilli(), 0)
	seed := func(recs []vault.Record) {
		b, _ := signed.MarshalCompact(&delegate.Pack{Format: delegate.PackFormat, From: son, To: me, Seq: 7, UpTo: now, Records: recs})
		f.Add(b)
	}
	seed([]vault.Record{})
	seed([]vault.Record{{ID: "0b8a0d56-8d2e-4a57-9a3e-5d3c1b2a7f10", Category: "debts", Fields: map[string]string{"creditor": "DUO", "amount": "500"},
		Stamps: map[string]hlc.Timestamp{"creditor": now, "amount": now}, Created: now, Modified: now, Author: vault.Author{Person: "Y", Device: "d"}}})
	seed([]vault.Record{{ID: p.debtID, Category: "debts", Fields: map[string]string{"amount": "1"},
		Stamps: map[string]hlc.Timestamp{"amount": now + 5}, Modified: now + 5, Author: vault.Author{Person: "Y", Device: "d"}}})
	seed([]vault.Record{{ID: p.debtID, Category: "goals", Fields: map[string]string{"title": "x"},
		Stamps: map[string]hlc.Timestamp{"title": now}, Modified: now, Author: vault.Author{Person: "Y", Device: "d"}}})
	var seq uint64 = 1000
	f.Fuzz(func(t *testing.T, body []byte) {
		seq++
		dir := t.TempDir()
		data := encryptTo(p.mother.c.Recipient(), signedPlain(p.son.v, body))
		if _, err := delegate.WritePack(dir, son, seq, data); err != nil {
			t.Fatal(err)
		}
		res, err := (&Syncer{Vault: p.mother.v}).Sync(dir)
		if err != nil {
			t.Fatalf("sync failed instead of refusing: %v", err)
		}
		for _, rcv := range res.Received {
			for _, id := range append(rcv.Added, rcv.Updated...) {
				r, err := p.mother.v.Get(id)
				if err != nil || r.Category != "debts" {
					t.Fatalf("merged %s outside the scope: %+v %v", id, r, err)
				}
			}
		}
		if _, err := p.mother.v.VerifyLog(); err != nil {
			t.Fatal(err)
		}
	})
}

func signedPlain(s delegate.Signer, body []byte) []byte {
	sig, err := s.Sign(delegate.DomainPack, body)
	if err != nil {
		panic(err)
	}
	out := append(bytes.Clone(body), '\n')
	out = base64.StdEncoding.AppendEncode(out, sig)
	return append(out, '\n')
}

func encryptTo(r age.Recipient, plain []byte) []byte {
	var b bytes.Buffer
	w, _ := age.Encrypt(&b, r)
	w.Write(plain)
	w.Close()
	return b.Bytes()
}
