package demo

import (
	"bytes"
	"context"
	"image/png"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"kluis/sync/schema"
	"kluis/vault"
)

func filledVault(t *testing.T) *vault.Vault {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "voorbeeld.kluis"), []byte(Passphrase), Person, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if err := Fill(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFillCounts(t *testing.T) {
	v := filledVault(t)
	counts, err := v.Counts()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"personal": 1, "household": 3, "housing": 1, "income": 4, "costs": 4,
		"debts": 3, "care": 1, "network": 2, "goals": 2,
	}
	for cat, n := range want {
		if counts[cat] != n {
			t.Errorf("%s: %d records, want %d", cat, counts[cat], n)
		}
	}
	for _, c := range schema.Categories() {
		if _, ok := want[c.ID]; !ok {
			t.Errorf("category %s is not filled in the example", c.ID)
		}
	}
}

// TestFillRecordsAreValid checks every stored record against its schema
// again, and a few values that the app shows prominently.
func TestFillRecordsAreValid(t *testing.T) {
	v := filledVault(t)
	recs, err := v.List("")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		c, ok := schema.Lookup(r.Category)
		if !ok {
			t.Fatalf("unknown category %q", r.Category)
		}
		if err := c.CheckCanonical(r.Fields); err != nil {
			t.Errorf("%s %v: %v", r.Category, r.Fields, err)
		}
	}
	personal, _ := v.List("personal")
	if got := personal[0].Fields["bsn"]; got != "111222333" {
		t.Errorf("BSN = %q", got)
	}
	if got := personal[0].Fields["iban"]; got != "NL91ABNA0417164300" {
		t.Errorf("IBAN = %q", got)
	}
	debts, _ := v.List("debts")
	statuses := map[string]bool{}
	for _, d := range debts {
		statuses[d.Fields["status"]] = true
		if d.Fields["reference"] == "" {
			t.Errorf("debt %s has no reference", d.Fields["creditor"])
		}
	}
	if !statuses["arrangement"] || !statuses["open"] {
		t.Errorf("debt statuses %v: want an arrangement and an open debt", statuses)
	}
}

func TestFillDocumentsReadableAndLinked(t *testing.T) {
	v := filledVault(t)
	docs, err := v.Documents(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2", len(docs))
	}
	byName := map[string]vault.Document{}
	for _, d := range docs {
		byName[d.Name] = d
		var b bytes.Buffer
		if _, err := v.ReadDocument(context.Background(), d.ID, &b); err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if int64(b.Len()) != d.Size {
			t.Errorf("%s: read %d bytes, size says %d", d.Name, b.Len(), d.Size)
		}
		r, err := v.Get(d.Record)
		if err != nil {
			t.Fatalf("%s is not linked to a record: %v", d.Name, err)
		}
		switch d.Name {
		case PayslipName:
			if d.MediaType != "application/pdf" || r.Category != "income" || r.Fields["kind"] != "salary" {
				t.Errorf("payslip: %s linked to %s %v", d.MediaType, r.Category, r.Fields)
			}
			checkPDF(t, b.Bytes())
		case LetterName:
			if d.MediaType != "image/png" || r.Fields["creditor"] != "CJIB" {
				t.Errorf("letter: %s linked to %s %v", d.MediaType, r.Category, r.Fields)
			}
			img, err := png.Decode(&b)
			if err != nil {
				t.Fatal(err)
			}
			if s := img.Bounds().Size(); s.X != letterWidth || s.Y != letterHeight {
				t.Errorf("letter is %v", s)
			}
		}
	}
	if len(byName) != 2 {
		t.Errorf("documents: %v", byName)
	}
}

func TestFillStopsWhenCanceled(t *testing.T) {
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.kluis"), []byte(Passphrase), Person, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Fill(ctx, v); err == nil {
		t.Fatal("Fill with a canceled context succeeded")
	}
	if docs, _ := v.Documents(false); len(docs) != 0 {
		t.Errorf("%d documents added after cancel", len(docs))
	}
}

// checkPDF checks the structure a PDF reader relies on: header, every
// cross-reference offset pointing at its object, startxref pointing at the
// table, and the end marker.
func checkPDF(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("PDF header or end marker missing")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 7\n")) {
		t.Fatalf("startxref %d does not point at the table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) != 6 {
		t.Fatalf("%d xref entries, want 6", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		want := strconv.Itoa(i+1) + " 0 obj\n"
		if !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q", i+1, pdf[off:off+10])
		}
	}
	stream := regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)endstream`).FindSubmatch(pdf)
	if stream == nil {
		t.Fatal("no content stream")
	}
	if n, _ := strconv.Atoi(string(stream[1])); n != len(stream[2]) {
		t.Errorf("stream length says %d, stream has %d bytes", n, len(stream[2]))
	}
	if !bytes.Contains(pdf, []byte("(Netto uitbetaald)")) {
		t.Error("payslip text missing")
	}
}
