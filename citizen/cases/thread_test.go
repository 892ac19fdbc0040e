package cases

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/sync/request"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	"kluis/vault"
)

func newVault(t *testing.T) *vault.Vault {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.kluis"), []byte("correct horse battery staple"), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func mustAdd(t *testing.T, v *vault.Vault, cat string, fields map[string]string) vault.Record {
	t.Helper()
	r, err := v.Add(cat, fields)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The whole citizen side: a request from a known organisation is
// received, answered with one field left out, the receipt comes back, a
// second request is refused; the thread shows it all in order.
func TestRespondAndThread(t *testing.T) {
	v := newVault(t)
	income := mustAdd(t, v, "income", map[string]string{"source": "Bakkerij De Vries", "amount": "1850,00", "period": "month", "iban": "NL91ABNA0417164300"})
	mustAdd(t, v, "costs", map[string]string{"kind": "rent", "payee": "deltaWonen", "amount": "725,00", "period": "month"})
	mustAdd(t, v, "debts", map[string]string{"creditor": "Belastingdienst", "amount": "250,00"})
	org := newOrg(t, "Gemeente Zwolle")
	if _, err := share.RememberCard(v, org.CardFile()); err != nil {
		t.Fatal(err)
	}
	known, err := KnownCards(v)
	if err != nil || len(known) != 1 {
		t.Fatalf("known cards %v %v", known, err)
	}
	now := testNow.Add(time.Hour)
	o, err := request.Open(newRequest(t, org, testFields()), known)
	if err != nil || o.Trust != request.Known {
		t.Fatalf("open: %v %v", o, err)
	}
	if _, err := Receive(v, o); err != nil {
		t.Fatal(err)
	}
	if _, err := Receive(v, o); err != nil { // again: no second entry
		t.Fatal(err)
	}

	// Asking for debts too is refused, in a draft or an answer; the income
	// IBAN is left out by choice.
	ctx := context.Background()
	if _, err := Prepare(ctx, v, o, share.Scope{Categories: []string{"debts"}}); !errors.Is(err, ErrOutsideRequest) {
		t.Fatalf("draft with debts: %v", err)
	}
	debts, err := share.NewDraft(ctx, v, share.Scope{Categories: []string{"debts"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Respond(ctx, v, o, Answer{Draft: debts, Now: now}, io.Discard, nil); !errors.Is(err, ErrOutsideRequest) {
		t.Fatalf("answer with debts: %v", err)
	}
	d, err := Prepare(ctx, v, o, share.Scope{Categories: []string{"costs", "income"}, ExcludedFields: []string{"income.iban"}})
	if err != nil {
		t.Fatal(err)
	}
	// The answer is the draft as shown, whatever changes in the vault since.
	if _, err := v.Update(income.ID, map[string]string{"source": "Later veranderd"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := Respond(ctx, v, o, Answer{Draft: d, Now: now, Message: "Hierbij mijn gegevens."}, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.RequestID != o.Request.ID || m.CaseReference != "Z-2026-0042" || m.Message != "Hierbij mijn gegevens." || !m.NotAfter.Equal(o.Request.KeepUntil) {
		t.Fatalf("manifest %+v", m)
	}
	if strings.Join(m.Scope.ExcludedFields, ",") != "costs.iban,costs.note,costs.payee,income.iban" {
		t.Fatalf("excluded %v", m.Scope.ExcludedFields)
	}
	// The organisation opens it and finds it within the request.
	r, err := bundle.Open(&out, bundle.Options{Org: org, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	rs := r.Records()
	if err := o.Request.CheckAnswer(r.Manifest(), rs); err != nil {
		t.Fatal(err)
	}
	if len(rs.Records) != 2 {
		t.Fatalf("%d records", len(rs.Records))
	}
	if strings.Contains(string(r.RecordsBytes()), "Later veranderd") {
		t.Error("the answer holds a change made after the draft")
	}
	for _, rec := range rs.Records {
		if _, ok := rec.Fields["iban"]; ok || rec.Fields["payee"] != nil {
			t.Fatalf("a left-out field went: %v", rec.Fields)
		}
	}
	receipt, err := bundle.NewReceipt(org, m.ID, bundle.ManifestDigest(r.ManifestBytes()), now.Add(time.Hour), m.NotAfter)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := share.ImportReceipt(v, receipt); err != nil {
		t.Fatal(err)
	}
	if _, err := Refuse(v, o, now); !errors.Is(err, ErrAnswered) {
		t.Fatalf("refusing an answered request: %v", err)
	}

	// A second request in the same case, refused; then it cannot be answered.
	f := testFields()
	f.ID = "4c0b3d2e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
	f.Message = "Nog één vraag."
	o2, _ := request.Open(newRequest(t, org, f), known)
	if _, err := Refuse(v, o2, now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := Refuse(v, o2, now.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := Respond(context.Background(), v, o2, Answer{Now: now, Draft: answerDraft(t, v, o2)}, io.Discard, nil); !errors.Is(err, ErrRefused) {
		t.Fatalf("answering a refused request: %v", err)
	}
	// An expired request cannot be answered, and nothing is written.
	var none bytes.Buffer
	if _, err := Respond(context.Background(), v, o, Answer{Now: o.Request.AnswerBy.Add(time.Hour), Draft: answerDraft(t, v, o)}, &none, nil); request.CodeOf(err) != request.CodeExpired || none.Len() != 0 {
		t.Fatalf("answering an expired request: %v (%d bytes)", err, none.Len())
	}
	// Another case is another thread.
	f.ID, f.CaseReference = "5d1c4e3f-6a7b-4c8d-8e9f-1a2b3c4d5e6f", "Z-2026-0077"
	o3, _ := request.Open(newRequest(t, org, f), nil)
	if _, err := Receive(v, o3); err != nil {
		t.Fatal(err)
	}
	threads, err := Threads(v)
	if err != nil || len(threads) != 2 {
		t.Fatalf("threads %d %v", len(threads), err)
	}
	th, err := GetThread(v, ThreadID(org.Card().Fingerprint(), "Z-2026-0042"))
	if err != nil {
		t.Fatal(err)
	}
	shares, err := share.List(v)
	if err != nil {
		t.Fatal(err)
	}
	tl := th.Timeline(shares)
	var kinds []string
	for _, e := range tl {
		kinds = append(kinds, e.Kind)
	}
	if got, want := strings.Join(kinds, " "), "request request answer receipt refusal"; got != want {
		t.Fatalf("timeline %s, want %s", got, want)
	}
	if th.State(o.Request.ID) != "answered" || th.State(o2.Request.ID) != "refused" || !tl[0].Verified || tl[2].Message != "Hierbij mijn gegevens." {
		t.Fatalf("timeline %+v", tl)
	}
	// A thread that missed its answer entry finds it among the shares.
	th.Entries = th.Entries[:2]
	if n := len(th.Timeline(shares)); n != 4 {
		t.Fatalf("timeline without the answer entry has %d entries", n)
	}
	// Every change is in the activity log, without values.
	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	count := map[vault.Action]int{}
	for _, e := range events {
		count[e.Action]++
		if strings.Contains(e.Detail, "1850") || strings.Contains(e.Detail, "Bakkerij") {
			t.Fatalf("a value in the log: %+v", e)
		}
	}
	if count[ActionReceived] != 3 || count[ActionAnswered] != 1 || count[ActionRefused] != 1 || count[vault.ActionShareCreated] != 1 {
		t.Fatalf("log %v", count)
	}
}

// answerDraft is a draft of o's income.
func answerDraft(t *testing.T, v *vault.Vault, o *request.Opened) *share.Draft {
	t.Helper()
	d, err := Prepare(context.Background(), v, o, share.Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
