package request

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

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

func TestThread(t *testing.T) {
	v := newVault(t)
	org := newOrg(t, "Gemeente Zwolle")
	if _, err := AddCard(v, org.CardFile()); err != nil {
		t.Fatal(err)
	}
	known, err := KnownCards(v)
	if err != nil || len(known) != 1 {
		t.Fatalf("known cards %v %v", known, err)
	}
	o, err := Open(newRequest(t, org, testFields()), known)
	if err != nil || o.Trust != Known {
		t.Fatalf("open: %v %v", o, err)
	}
	if _, err := Receive(v, o); err != nil {
		t.Fatal(err)
	}
	if _, err := Receive(v, o); err != nil { // again: no second entry
		t.Fatal(err)
	}
	m := &bundle.Manifest{ID: "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", Created: testNow.Add(time.Hour), NotAfter: o.Request.KeepUntil,
		Purpose: "Schuldhulp", Message: "Hierbij.", Scope: bundle.Scope{Categories: []string{"costs", "income"}}}
	if _, err := RecordAnswer(v, o, m, 3, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := Refuse(v, o, testNow.Add(2*time.Hour)); !errors.Is(err, ErrAnswered) {
		t.Fatalf("refusing an answered request: %v", err)
	}
	// A second request in the same case, refused.
	f := testFields()
	f.ID = "4c0b3d2e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
	f.Message = "Nog één vraag."
	o2, _ := Open(newRequest(t, org, f), known)
	if _, err := Refuse(v, o2, testNow.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := Refuse(v, o2, testNow.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Another case is another thread.
	f.ID, f.CaseReference = "5d1c4e3f-6a7b-4c8d-8e9f-1a2b3c4d5e6f", "Z-2026-0077"
	o3, _ := Open(newRequest(t, org, f), nil)
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
	tl := th.Timeline([]Receipt{{BundleID: m.ID, ImportedAt: testNow.Add(90 * time.Minute), KeptUntil: m.NotAfter, Verified: true}})
	var kinds []string
	for _, e := range tl {
		kinds = append(kinds, e.Kind)
	}
	want := "request request answer receipt refusal"
	if got := join(kinds); got != want {
		t.Fatalf("timeline %s, want %s", got, want)
	}
	if th.State(o.Request.ID) != "answered" || th.State(o2.Request.ID) != "refused" || !tl[0].Verified {
		t.Fatal("states are wrong")
	}
	// Every change is in the activity log, without values.
	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	count := map[vault.Action]int{}
	for _, e := range events {
		count[e.Action]++
	}
	if count[ActionReceived] != 3 || count[ActionAnswered] != 1 || count[ActionRefused] != 1 || count[ActionCardAdded] != 1 {
		t.Fatalf("log %v", count)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
