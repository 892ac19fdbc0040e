package app

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"kluis/citizen/share"
	"kluis/intake"
	"kluis/sync/bundle"
)

// TestOpenReceiptLink: a kluis:receipt link, as the caseworkers' desk
// shows it (a link to click, a QR code to scan), handed over by a second
// start of Kluis, keeps the receipt with its share, as a receipt file
// does; a damaged receipt link is said to be no receipt, not taken for a
// data request.
func TestOpenReceiptLink(t *testing.T) {
	f := newShareFixture(t)
	u, w := f.u, f.w
	ctx := context.Background()
	d, err := share.NewDraft(ctx, u.vault(), share.Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	d.Request = share.Request{To: f.org.Card(), Created: u.deps.Now(), NotAfter: u.deps.Now().Add(14 * 24 * time.Hour),
		Purpose: "Schuldhulpverlening", File: "deling.kluis"}
	var file bytes.Buffer
	if _, err := d.Sign(ctx, &file, func(int64, int64) {}); err != nil {
		t.Fatal(err)
	}
	store, err := intake.Open(filepath.Join(f.dir, "store"), f.org, &intake.Options{Now: u.deps.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	imp, _, err := store.Import(ctx, &file, intake.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := store.Receipt(imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	link := bundle.ReceiptLink(receipt)

	u.Receive(handOver(t, link))
	currentShares(t, u)
	mustSee(t, w, "Gemeente Teststad heeft uw gegevens ontvangen")
	dismiss(w)
	mustSee(t, w, "Ontvangstbewijs: ontvangen op")
	if s, err := share.Get(u.vault(), imp.ID); err != nil || len(s.Receipts) != 1 || s.Receipts[0].Receipt != string(receipt) {
		t.Fatalf("the share keeps %d receipts (%v)", len(s.Receipts), err)
	}

	u.Receive(handOver(t, "kluis:receipt/v1/!!!"))
	currentShares(t, u)
	mustSee(t, w, "Deze link is geen geldig ontvangstbewijs. Er is niets bewaard.")
	dismiss(w)
}
