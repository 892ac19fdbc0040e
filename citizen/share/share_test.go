package share

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/citizen/youth"
	"kluis/sync/bundle"
	"kluis/vault"
)

func newVault(t *testing.T) *vault.Vault {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.kluis"), []byte("fiets regen koffie zomer"), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func add(t *testing.T, v *vault.Vault, cat string, fields map[string]string) vault.Record {
	t.Helper()
	r, err := v.Add(cat, fields)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// create makes a draft of scope with the terms req and signs it.
func create(ctx context.Context, v *vault.Vault, scope Scope, req Request, w io.Writer, progress Progress) (Result, error) {
	d, err := NewDraft(ctx, v, scope)
	if err != nil {
		return Result{}, err
	}
	d.Request = req
	return d.Sign(ctx, w, progress)
}

func open(t *testing.T, b []byte, org *bundle.OrgIdentity) (*bundle.Reader, map[string][]byte) {
	t.Helper()
	r, err := bundle.Open(bytes.NewReader(b), bundle.Options{Org: org})
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{}
	for {
		d, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		docs[d.Name], _ = io.ReadAll(r)
	}
	return r, docs
}

func TestCreatePreviewRevokeReceipt(t *testing.T) {
	v := newVault(t)
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	income := add(t, v, "income", map[string]string{"source": "UWV", "amount": "1234,56", "iban": "NL91ABNA0417164300"})
	add(t, v, "income", map[string]string{"source": "Bakkerij", "amount": "200"})
	debt := add(t, v, "debts", map[string]string{"creditor": "Belastingdienst", "amount": "250"})
	add(t, v, "care", map[string]string{"provider": "Wijkteam"})
	ctx := context.Background()
	pay, err := v.AddDocument(ctx, "loonstrook.pdf", strings.NewReader("payslip"), vault.DocumentOptions{Record: income.ID})
	if err != nil {
		t.Fatal(err)
	}
	letter, err := v.AddDocument(ctx, "brief.pdf", strings.NewReader("letter"), vault.DocumentOptions{Record: debt.ID})
	if err != nil {
		t.Fatal(err)
	}
	scope := Scope{Categories: []string{"income"}, Records: []string{debt.ID},
		ExcludedFields: []string{"income.iban", "debts.amount"}, ExcludedDocuments: []string{letter.ID}}

	d, err := NewDraft(ctx, v, scope)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Preview()
	if len(p.Records) != 3 || len(p.Documents) != 1 || p.Documents[0].ID != pay.ID || p.Size() != 7 {
		t.Fatalf("preview = %+v", p)
	}
	for _, r := range p.Records {
		for _, f := range r.Fields {
			if f.ID == "iban" || (r.Category == "debts" && f.ID == "amount") {
				t.Errorf("preview shows the excluded IBAN of %s", r.Title)
			}
			if r.ID == income.ID && f.ID == "amount" && f.Display != "1.234,56" {
				t.Errorf("amount shown as %q", f.Display)
			}
		}
	}

	var out bytes.Buffer
	var last int64
	d.Request = Request{To: org.Card(), NotAfter: time.Now().Add(14 * 24 * time.Hour), Purpose: " Aanvraag schuldhulp ", File: "x.kluis"}
	res, err := d.Sign(ctx, &out, func(done, total int64) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if last != 7 || res.Records != 3 || res.Documents != 1 {
		t.Errorf("progress %d, result %+v", last, res)
	}
	r, docs := open(t, out.Bytes(), org)
	if got := r.Manifest().Purpose; got != "Aanvraag schuldhulp" {
		t.Errorf("purpose %q", got)
	}
	if string(docs["loonstrook.pdf"]) != "payslip" || len(docs) != 1 {
		t.Errorf("documents %v", docs)
	}
	for _, rec := range r.Records().Records {
		if _, ok := rec.Fields["iban"]; ok {
			t.Error("the excluded IBAN left the vault")
		}
	}

	list, err := List(v)
	if err != nil || len(list) != 1 || list[0].Status(time.Now()) != Active || list[0].File != "x.kluis" {
		t.Fatalf("list = %+v, %v", list, err)
	}

	// The receipt.
	receipt, err := bundle.NewReceipt(org, res.Info.ID, bundle.ManifestDigest(r.ManifestBytes()), time.Now(), r.Manifest().NotAfter)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := ImportReceipt(v, receipt)
	if err != nil || !rr.Verified || rr.Already || !rr.Share.Received() {
		t.Fatalf("receipt: %+v, %v", rr, err)
	}
	// A receipt does not make its organisation known (the card was not
	// kept): it shows only that the key holder answered.
	if rr.CardKept {
		t.Fatal("a receipt counts a card that was never kept as kept")
	}
	if cards, _ := Cards(v); len(cards) != 0 {
		t.Fatalf("a receipt kept %d cards", len(cards))
	}
	if _, err := RememberCard(v, org.CardFile()); err != nil {
		t.Fatal(err)
	}
	if rr, err = ImportReceipt(v, receipt); err != nil || !rr.Already || !rr.CardKept {
		t.Fatalf("second import: %+v, %v", rr, err)
	}
	other, _ := bundle.GenerateOrgIdentity("Gemeente Elders", "", nil, time.Now().Add(-time.Hour))
	forged, _ := bundle.NewReceipt(other, res.Info.ID, bundle.ManifestDigest(r.ManifestBytes()), time.Now(), r.Manifest().NotAfter)
	if _, err := ImportReceipt(v, forged); !errors.Is(err, ErrOtherOrg) {
		t.Errorf("receipt from another organisation: %v", err)
	}

	notice, info, err := Revoke(v, res.Info.ID, time.Now())
	if err != nil || info.Status(time.Now()) != Revoked {
		t.Fatalf("revoke: %+v, %v", info, err)
	}
	n, err := bundle.ParseNotice(notice)
	if err != nil || n.BundleID != res.Info.ID {
		t.Fatalf("notice: %+v, %v", n, err)
	}

	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	var actions []vault.Action
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	for _, a := range []vault.Action{vault.ActionShareCreated, vault.ActionReceiptImported, vault.ActionShareRevoked} {
		if !slices.Contains(actions, a) {
			t.Errorf("log lacks %s: %v", a, actions)
		}
	}
}

func TestCreateRefusesAndRecordsNothing(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	code := bundle.NewShareCode()
	in14 := time.Now().Add(14 * 24 * time.Hour)
	if _, err := create(ctx, v, Scope{Categories: []string{"income"}}, Request{Code: code, NotAfter: in14, Purpose: "x"}, io.Discard, nil); !errors.Is(err, ErrNothing) {
		t.Errorf("empty scope: %v", err)
	}
	add(t, v, "income", map[string]string{"source": "UWV", "amount": "1"})
	if _, err := create(ctx, v, Scope{Categories: []string{"income"}}, Request{Code: code, NotAfter: in14}, io.Discard, nil); !errors.Is(err, ErrNoPurpose) {
		t.Errorf("no purpose: %v", err)
	}
	if _, err := create(ctx, v, Scope{Categories: []string{"bogus"}}, Request{Code: code, NotAfter: in14, Purpose: "x"}, io.Discard, nil); err == nil {
		t.Error("unknown category accepted")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := create(canceled, v, Scope{Categories: []string{"income"}}, Request{Code: code, NotAfter: in14, Purpose: "x"}, io.Discard, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if _, err := create(ctx, v, Scope{Categories: []string{"income"}}, Request{Code: code, NotAfter: in14, Purpose: "x",
		Flush: func() error { return errors.New("disk full") }}, io.Discard, nil); err == nil {
		t.Error("a failing Flush was ignored")
	}
	if list, _ := List(v); len(list) != 0 {
		t.Fatalf("refused shares were recorded: %+v", list)
	}
	var out bytes.Buffer
	res, err := create(ctx, v, Scope{Categories: []string{"income"}}, Request{Code: code, NotAfter: in14, Purpose: "x", Compress: true}, &out, nil)
	if err != nil || res.Code != code || !res.Info.ByCode() {
		t.Fatalf("share code: %+v, %v", res, err)
	}
	if _, err := bundle.Open(bytes.NewReader(out.Bytes()), bundle.Options{Code: code}); err != nil {
		t.Fatal(err)
	}
}

func TestRememberCard(t *testing.T) {
	v := newVault(t)
	org, _ := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	for range 2 {
		if _, err := RememberCard(v, org.CardFile()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := RememberCard(v, []byte("not a card")); err == nil {
		t.Error("a bad card was kept")
	}
	cards, err := Cards(v)
	if err != nil || len(cards) != 1 || cards[0].Card.Org != "Gemeente Zwolle" {
		t.Fatalf("cards = %+v, %v", cards, err)
	}
}

// TestYouthRuleWhenSharing: a 14-year-old without a helper cannot share;
// with no birth date, or from 16, the rule does not stand in the way.
func TestYouthRuleWhenSharing(t *testing.T) {
	v := newVault(t)
	v.Add("personal", map[string]string{"surname": "de Boer", "birth_date": time.Now().AddDate(-14, 0, 0).Format("2006-01-02")})
	v.Add("income", map[string]string{"source": "Bijbaan", "amount": "150"})
	_, err := create(context.Background(), v, Scope{Categories: []string{"income"}}, Request{Code: "ABCD EFGH IJKL MNOP QRST UVWX", Purpose: "Stage",
		NotAfter: time.Now().Add(48 * time.Hour)}, io.Discard, nil)
	if !errors.Is(err, youth.ErrNeedsParent) {
		t.Fatalf("a 14-year-old without a helper shared: %v", err)
	}
}
