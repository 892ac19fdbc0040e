package share

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/vault"
)

// TestSignSignsTheDraftNotTheVault: a draft is made and previewed, then
// the vault changes (a record edited, a record added in a shared category,
// a record deleted); the signed bundle holds exactly what the preview
// showed, and none of the changes.
func TestSignSignsTheDraftNotTheVault(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	uwv := add(t, v, "income", map[string]string{"source": "UWV", "amount": "1234,56", "iban": "NL91ABNA0417164300"})
	bakery := add(t, v, "income", map[string]string{"source": "Bakkerij", "amount": "200"})
	debt := add(t, v, "debts", map[string]string{"creditor": "Belastingdienst", "amount": "250"})
	if _, err := v.AddDocument(ctx, "loonstrook.pdf", strings.NewReader("payslip"), vault.DocumentOptions{Record: uwv.ID}); err != nil {
		t.Fatal(err)
	}

	d, err := NewDraft(ctx, v, Scope{Categories: []string{"income", "debts"}, ExcludedFields: []string{"income.iban"}})
	if err != nil {
		t.Fatal(err)
	}
	shown := d.Preview()

	// The vault changes while the citizen looks at the preview.
	if _, err := v.Update(uwv.ID, map[string]string{"amount": "9999"}); err != nil {
		t.Fatal(err)
	}
	added := add(t, v, "income", map[string]string{"source": "Nieuw", "amount": "5"})
	if err := v.Delete(bakery.ID); err != nil {
		t.Fatal(err)
	}

	d.Request = Request{To: org.Card(), NotAfter: time.Now().Add(24 * time.Hour), Purpose: "Schuldhulp"}
	var out bytes.Buffer
	res, err := d.Sign(ctx, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, docs := open(t, out.Bytes(), org)
	signed := describe(r.Records().Records, nil)
	for _, doc := range r.Records().Documents {
		signed.Documents = append(signed.Documents, PreviewDocument{ID: doc.ID, Name: doc.Name, MediaType: doc.MediaType,
			Record: doc.Record, Size: int64(len(docs[doc.Name])), SHA256: sha256Hex(docs[doc.Name])})
	}
	if !reflect.DeepEqual(signed, shown) {
		t.Errorf("signed what the preview did not show:\nshown  %+v\nsigned %+v", shown, signed)
	}
	for _, rec := range r.Records().Records {
		switch {
		case rec.ID == added.ID:
			t.Error("a record added after the preview was signed")
		case rec.ID == uwv.ID && rec.CanonicalFields()["amount"] != "123456":
			t.Errorf("the edit after the preview was signed: amount %q", rec.CanonicalFields()["amount"])
		}
	}
	if !strings.Contains(string(r.RecordsBytes()), bakery.ID) || strings.Contains(string(r.RecordsBytes()), "9999") {
		t.Error("the bundle is not the draft as shown")
	}
	if res.Records != 3 || res.Documents != 1 || string(docs["loonstrook.pdf"]) != "payslip" {
		t.Errorf("result %+v, documents %v", res, docs)
	}
	if _, err := d.Sign(ctx, io.Discard, nil); !errors.Is(err, ErrSigned) {
		t.Errorf("a draft signed twice: %v", err)
	}
	if list, _ := List(v); len(list) != 1 || !reflect.DeepEqual(list[0].Records, []string{uwv.ID, bakery.ID, debt.ID}) {
		t.Errorf("recorded %+v", list)
	}
}

// TestSignRefusesAChangedDocument: a document that is no longer the one
// collected stops the share, and nothing is recorded.
func TestSignRefusesAChangedDocument(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	income := add(t, v, "income", map[string]string{"source": "UWV", "amount": "1"})
	if _, err := v.AddDocument(ctx, "loonstrook.pdf", strings.NewReader("payslip"), vault.DocumentOptions{Record: income.ID}); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*draftDocument){
		"hash": func(d *draftDocument) { d.SHA256 = strings.Repeat("0", 64) },
		"size": func(d *draftDocument) { d.Size++ },
	} {
		d, err := NewDraft(ctx, v, Scope{Categories: []string{"income"}})
		if err != nil {
			t.Fatal(err)
		}
		change(&d.docs[0]) // as if the vault's document changed since
		d.Request = Request{Code: bundle.NewShareCode(), NotAfter: time.Now().Add(time.Hour), Purpose: "x"}
		if _, err := d.Sign(ctx, io.Discard, nil); !errors.Is(err, ErrDocumentChanged) {
			t.Errorf("%s: a changed document was shared: %v", name, err)
		}
	}
	if list, _ := List(v); len(list) != 0 {
		t.Errorf("a refused share was recorded: %+v", list)
	}
}

// A document put in the recycle bin after the preview is shared as the
// preview showed it: the draft is a snapshot, and its content is still
// what was shown (size and SHA-256 checked while it streams).
func TestSignAfterADocumentWentToTheBin(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	income := add(t, v, "income", map[string]string{"source": "UWV", "amount": "1"})
	doc, err := v.AddDocument(ctx, "loonstrook.pdf", strings.NewReader("payslip"), vault.DocumentOptions{Record: income.ID})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDraft(ctx, v, Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.DeleteDocument(doc.ID); err != nil {
		t.Fatal(err)
	}
	d.Request = Request{To: org.Card(), NotAfter: time.Now().Add(time.Hour), Purpose: "x"}
	var out bytes.Buffer
	if _, err := d.Sign(ctx, &out, nil); err != nil {
		t.Fatal(err)
	}
	_, docs := open(t, out.Bytes(), org)
	if got := docs["loonstrook.pdf"]; string(got) != "payslip" || d.Preview().Documents[0].SHA256 != sha256Hex(got) {
		t.Errorf("signed document %q, the preview showed %+v", got, d.Preview().Documents)
	}
}

// A draft that was signed cannot be signed again, also not through a
// narrowed copy.
func TestNarrowOfASignedDraft(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	add(t, v, "income", map[string]string{"source": "UWV", "amount": "1"})
	d, err := NewDraft(ctx, v, Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	d.Request = Request{Code: bundle.NewShareCode(), NotAfter: time.Now().Add(time.Hour), Purpose: "x"}
	if _, err := d.Sign(ctx, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Narrow(Scope{Categories: []string{"income"}}); !errors.Is(err, ErrSigned) {
		t.Fatalf("Narrow of a signed draft: %v, want ErrSigned", err)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestNarrowReadsNoVault: narrowing keeps the draft's records (as
// collected), leaves out fields and documents, and refuses more than the
// draft holds.
func TestNarrowReadsNoVault(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	a := add(t, v, "income", map[string]string{"source": "UWV", "amount": "1", "iban": "NL91ABNA0417164300"})
	b := add(t, v, "income", map[string]string{"source": "Bakkerij", "amount": "2"})
	doc, err := v.AddDocument(ctx, "loonstrook.pdf", strings.NewReader("payslip"), vault.DocumentOptions{Record: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDraft(ctx, v, Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	d.Purpose = "Schuldhulp"
	v.Update(a.ID, map[string]string{"source": "Veranderd"})
	n, err := d.Narrow(Scope{Records: []string{a.ID}, ExcludedFields: []string{"income.iban"}, ExcludedDocuments: []string{doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	p := n.Preview()
	if len(p.Records) != 1 || p.Records[0].Title == "" || len(p.Documents) != 0 || n.Purpose != "Schuldhulp" {
		t.Fatalf("narrowed = %+v", p)
	}
	for _, f := range p.Records[0].Fields {
		if f.ID == "iban" || f.Value == "Veranderd" {
			t.Errorf("narrowed shows %s = %q", f.ID, f.Value)
		}
	}
	if len(d.Preview().Records[0].Fields) != 3 {
		t.Error("narrowing changed the draft it came from")
	}
	if _, err := d.Narrow(Scope{Categories: []string{"debts"}}); !errors.Is(err, ErrOutsideDraft) {
		t.Errorf("a category outside the draft: %v", err)
	}
	if _, err := n.Narrow(Scope{Records: []string{b.ID}}); !errors.Is(err, ErrOutsideDraft) {
		t.Errorf("a record outside the draft: %v", err)
	}
}

// TestNarrowLeavesOutEmptyRecords: a record whose every field is left out
// (the BSN, when it is all that is asked of it) is left out of the draft
// with its documents, and the bundle signs; leaving out every field of
// every record is ErrNothing.
func TestNarrowLeavesOutEmptyRecords(t *testing.T) {
	v := newVault(t)
	ctx := context.Background()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	person := add(t, v, "personal", map[string]string{"given_names": "Anna", "surname": "Berg", "bsn": "111222333"})
	uwv := add(t, v, "income", map[string]string{"source": "UWV", "amount": "100"})
	if _, err := v.AddDocument(ctx, "id.pdf", strings.NewReader("id"), vault.DocumentOptions{Record: person.ID}); err != nil {
		t.Fatal(err)
	}
	d, err := NewDraft(ctx, v, Scope{Records: []string{person.ID, uwv.ID}, ExcludedFields: []string{"personal.given_names", "personal.surname"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Preview(); len(p.Records) != 2 || len(p.Documents) != 1 {
		t.Fatalf("draft %+v", p)
	}
	n, err := d.Narrow(Scope{Records: []string{person.ID, uwv.ID}, ExcludedFields: []string{"personal.bsn"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := n.Preview(); len(p.Records) != 1 || p.Records[0].ID != uwv.ID || len(p.Documents) != 0 {
		t.Fatalf("narrowed %+v", p)
	}
	if s := n.Scope(); len(s.Records) != 1 || s.Records[0] != uwv.ID {
		t.Fatalf("narrowed scope names %v", s.Records)
	}
	n.Request = Request{To: org.Card(), NotAfter: time.Now().Add(24 * time.Hour), Purpose: "Schuldhulp"}
	if _, err := n.Sign(ctx, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Narrow(Scope{Records: []string{person.ID, uwv.ID}, ExcludedFields: []string{"personal.bsn", "income.source", "income.amount"}}); !errors.Is(err, ErrNothing) {
		t.Fatalf("all left out: %v", err)
	}
	// Collected with every field left out, the record is not in the draft.
	if _, err := NewDraft(ctx, v, Scope{Records: []string{person.ID}, ExcludedFields: []string{"personal.bsn", "personal.given_names", "personal.surname"}}); !errors.Is(err, ErrNothing) {
		t.Fatalf("empty record collected: %v", err)
	}
}
