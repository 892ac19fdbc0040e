package post

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"kluis/citizen/cases"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/vault"
)

func logHas(t *testing.T, v *vault.Vault, a vault.Action) vault.Event {
	t.Helper()
	log, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if e.Action == a {
			return e
		}
	}
	t.Fatalf("the log has no %s", a)
	return vault.Event{}
}

func TestDeliverKeepsTheReceipt(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	id, _ := makeShare(t, v, card, "Z-2026-0042")
	res, err := Deliver(context.Background(), v, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || res.Share.ID != id || len(res.Share.Receipts) != 1 || res.Thread == nil {
		t.Fatalf("delivered %+v", res)
	}
	s, _ := share.Get(v, id)
	if len(s.Receipts) != 1 || !s.Receipts[0].Verified {
		t.Errorf("receipt not kept: %+v", s.Receipts)
	}
	th, err := cases.GetThread(v, cases.ThreadID(card.Fingerprint(), "Z-2026-0042"))
	if err != nil || len(th.Entries) != 1 || th.Entries[0].Kind != cases.KindShare {
		t.Fatalf("thread %+v %v", th, err)
	}
	logHas(t, v, ActionDelivered)
	logHas(t, v, vault.ActionReceiptImported)
	// A share without a case reference gets a thread of its own.
	id2, _ := makeShare(t, v, card, "")
	if _, err := Deliver(context.Background(), v, id2, card); err != nil {
		t.Fatal(err)
	}
	th2, err := cases.GetThread(v, cases.ThreadID(card.Fingerprint(), id2))
	if err != nil || th2.BundleID != id2 {
		t.Fatalf("thread of a share without case: %+v %v", th2, err)
	}
}

func TestDeliverDeskDownKeepsTheFile(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	id, file := makeShare(t, v, card, "")
	desk.srv.Close()
	_, err := Deliver(context.Background(), v, id, nil)
	var ke *KeptError
	if !errors.As(err, &ke) || ke.File != file || !Unreachable(err) || ke.ErrorCode() != "post.kept_as_file" {
		t.Fatalf("desk down: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the bundle is gone: %v", err)
	}
	if s, _ := share.Get(v, id); len(s.Receipts) != 0 {
		t.Error("a receipt without a desk")
	}
}

func TestDeliverSlowDeskEndsWithTheContext(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	id, _ := makeShare(t, v, card, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Deliver(ctx, v, id, nil)
	var ke *KeptError
	if !errors.As(err, &ke) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestDeliverWrongPinSendsNothing(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	// The card pins another key than the desk's.
	b, err := desk.org.CardWithInbox(desk.srv.URL+"/", strings.Repeat("ab", 32), time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	card, err := share.RememberCard(v, b)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := makeShare(t, v, card, "")
	_, err = Deliver(context.Background(), v, id, nil)
	wantCode(t, err, wire.CodeWrongServer)
	var ke *KeptError
	if errors.As(err, &ke) {
		t.Error("a wrong server is not 'try again later'")
	}
	if desk.requests != 0 || len(desk.delivered) != 0 {
		t.Errorf("the desk got %d requests", desk.requests)
	}
}

func TestDeliverRefusesBadReceipts(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	ctx := context.Background()
	cases := []struct {
		name    string
		receipt func(s share.Info) []byte
		check   func(error) bool
	}{
		{"junk", func(share.Info) []byte { return []byte("<html>hallo</html>") },
			func(err error) bool { return errors.Is(err, &wire.Error{Code: wire.CodeBadAnswer}) }},
		{"other org", func(s share.Info) []byte {
			imp, _ := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
			r, _ := bundle.NewReceipt(imp, s.ID, s.ManifestSHA256, time.Now(), time.Now().Add(time.Hour))
			return r
		}, func(err error) bool { return errors.Is(err, share.ErrOtherOrg) }},
		{"other bundle", func(share.Info) []byte {
			r, _ := bundle.NewReceipt(desk.org, "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", strings.Repeat("0", 64), time.Now(), time.Now().Add(time.Hour))
			return r
		}, func(err error) bool { return errors.Is(err, share.ErrOtherBundle) }},
		{"other manifest", func(s share.Info) []byte {
			r, _ := bundle.NewReceipt(desk.org, s.ID, strings.Repeat("0", 64), time.Now(), time.Now().Add(time.Hour))
			return r
		}, func(err error) bool { return errors.Is(err, share.ErrOtherBundle) }},
	}
	for _, tc := range cases {
		id, _ := makeShare(t, v, card, "")
		s, _ := share.Get(v, id)
		desk.receipt = func([]byte) []byte { return tc.receipt(s) }
		_, err := Deliver(ctx, v, id, nil)
		if !tc.check(err) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if s, _ := share.Get(v, id); len(s.Receipts) != 0 {
			t.Errorf("%s: receipt kept", tc.name)
		}
	}
}

func TestDeliverOnlyToTheSharesCard(t *testing.T) {
	v := newVault(t, "Fatima")
	desk, other := newDesk(t, "Gemeente Zwolle"), newDesk(t, "Gemeente Kampen")
	card := desk.keep(v)
	id, _ := makeShare(t, v, card, "")
	if _, err := Deliver(context.Background(), v, id, other.card()); !errors.Is(err, ErrOtherCard) {
		t.Fatalf("to another card: %v", err)
	}
	if other.requests != 0 {
		t.Error("sent to another organisation")
	}
}

func TestRevocationSent(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	id, _ := makeShare(t, v, card, "Z-1")
	notice, _, err := share.Revoke(v, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := SendRevocation(context.Background(), v, id, notice, "", nil); err != nil {
		t.Fatal(err)
	}
	if len(desk.revoked) != 1 || string(desk.revoked[0]) != string(notice) {
		t.Fatal("the desk has no notice")
	}
	th, _ := cases.GetThread(v, cases.ThreadID(card.Fingerprint(), "Z-1"))
	if tl := th.Timeline(nil); len(tl) != 2 || tl[1].Kind != cases.KindRevocation {
		t.Fatalf("timeline %+v", tl)
	}
	desk.srv.Close()
	err = SendRevocation(context.Background(), v, id, notice, "intrekking.kluis", nil)
	var ke *KeptError
	if !errors.As(err, &ke) || ke.File != "intrekking.kluis" {
		t.Fatalf("desk down: %v", err)
	}
}
