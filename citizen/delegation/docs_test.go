package delegation

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/sync/delegate"
	"kluis/sync/hlc"
	"kluis/sync/signed"
	"kluis/vault"
)

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func readDoc(t testing.TB, v *vault.Vault, id string) ([]byte, vault.Document) {
	t.Helper()
	var b bytes.Buffer
	d, err := v.ReadDocument(context.Background(), id, &b)
	if err != nil {
		t.Fatalf("document %s: %v", id, err)
	}
	return b.Bytes(), d
}

// A letter the son adds from abroad reaches his mother byte for byte,
// marked as his; and her own documents reach him only within the scope.
func TestDocumentsTravel(t *testing.T) {
	p := newPair(t, delegate.RoleManage, []string{"debts", "income"}, time.Now().AddDate(1, 0, 0))
	ctx := context.Background()

	// Hers: one on the debt (in scope), one on a goal and one linked to
	// nothing (both out of scope: the son does not have every category).
	goal, err := p.mother.v.Add("goals", map[string]string{"title": "Papieren op orde"})
	if err != nil {
		t.Fatal(err)
	}
	inScope, err := p.mother.v.AddDocument(ctx, "aanmaning.pdf", bytes.NewReader([]byte("%PDF aanmaning")), vault.DocumentOptions{Record: p.debtID})
	if err != nil {
		t.Fatal(err)
	}
	p.mother.v.AddDocument(ctx, "plan.txt", bytes.NewReader([]byte("plan")), vault.DocumentOptions{Record: goal.ID})
	p.mother.v.AddDocument(ctx, "los.txt", bytes.NewReader([]byte("los")), vault.DocumentOptions{})
	res := p.mother.sync(p.folder)
	if len(res.Written) != 1 || res.Written[0].Documents != 1 {
		t.Fatalf("mother wrote %+v, want one pack with one document", res.Written)
	}
	res = p.son.sync(p.folder)
	if len(res.Received) != 1 || !slices.Equal(res.Received[0].Documents, []string{inScope.ID}) || len(res.Refused) != 0 {
		t.Fatalf("son received %+v, refused %+v", res.Received, res.Refused)
	}
	rep := p.son.replica(p.mother)
	if docs, _ := rep.Documents(false); len(docs) != 1 {
		t.Fatalf("the son's replica holds %d documents, want 1", len(docs))
	}

	// His letter, larger than a few chunks, linked to the debt.
	letter := randomBytes(t, 3*vault.ChunkSize+1234)
	doc, err := rep.AddDocument(ctx, "brief-cjib.pdf", bytes.NewReader(letter), vault.DocumentOptions{Record: p.debtID})
	if err != nil {
		t.Fatal(err)
	}
	rep.Close()
	res = p.son.sync(p.folder)
	// His pack also carries her document back (as records are): the
	// replica took it over after the point she last acknowledged.
	if len(res.Written) != 1 || res.Written[0].Documents < 1 {
		t.Fatalf("son wrote %+v", res.Written)
	}
	res = p.mother.sync(p.folder)
	if len(res.Refused) != 0 || len(res.Received) == 0 || !slices.Equal(res.Received[len(res.Received)-1].Documents, []string{doc.ID}) {
		t.Fatalf("mother received %+v, refused %+v", res.Received, res.Refused)
	}
	got, meta := readDoc(t, p.mother.v, doc.ID)
	if !bytes.Equal(got, letter) {
		t.Fatal("the letter arrived changed")
	}
	if meta.Author.Person != "Youssef" || meta.Record != p.debtID || meta.Name != "brief-cjib.pdf" {
		t.Fatalf("letter at the mother = %+v, want it marked as Youssef's and linked to the debt", meta)
	}

	// Quiet afterwards: the documents are not sent back and forth forever.
	for range 3 {
		p.son.sync(p.folder)
		p.mother.sync(p.folder)
	}
	if res := p.mother.sync(p.folder); len(res.Written) != 0 {
		t.Errorf("no-change sync wrote %+v", res.Written)
	}
	if res := p.son.sync(p.folder); len(res.Written) != 0 {
		t.Errorf("no-change sync (son) wrote %+v", res.Written)
	}
}

// A document the son adds to a category outside his scope (through a
// record he should not have) is refused; so is one from a view-only
// delegate.
func TestDocumentsRefusedOutsideTheCertificate(t *testing.T) {
	ctx := context.Background()
	t.Run("view only", func(t *testing.T) {
		p := newPair(t, delegate.RoleView, []string{"debts"}, time.Now().AddDate(1, 0, 0))
		rep := p.son.replica(p.mother)
		doc, err := rep.AddDocument(ctx, "brief.txt", bytes.NewReader([]byte("brief")), vault.DocumentOptions{Record: p.debtID})
		if err != nil {
			t.Fatal(err)
		}
		rep.Close()
		p.son.sync(p.folder)
		res := p.mother.sync(p.folder)
		if !only(res.Refused, delegate.CodeViewOnly) || !slices.Equal(res.Refused[0].Documents, []string{doc.ID}) {
			t.Fatalf("refused %+v", res.Refused)
		}
		if _, err := p.mother.v.Document(doc.ID); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("the document was kept: %v", err)
		}
	})
	t.Run("unlinked under a partial scope", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
		rep := p.son.replica(p.mother)
		doc, err := rep.AddDocument(ctx, "los.txt", bytes.NewReader([]byte("los")), vault.DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep.Close()
		p.son.sync(p.folder)
		res := p.mother.sync(p.folder)
		if !only(res.Refused, delegate.CodeOutOfScope) || !slices.Equal(res.Refused[0].Documents, []string{doc.ID}) {
			t.Fatalf("refused %+v", res.Refused)
		}
		// The son hears why.
		res = p.son.sync(p.folder)
		if len(res.Reported) != 1 || res.Reported[0].Report.Code != delegate.CodeOutOfScope || !slices.Equal(res.Reported[0].Report.Documents, []string{doc.ID}) {
			t.Fatalf("reported %+v", res.Reported)
		}
	})
}

// A pack whose document was altered is refused as to that document;
// nothing of it is kept, and the pack is not acknowledged, so the next
// one brings the document whole.
func TestTamperedDocumentRefused(t *testing.T) {
	ctx := context.Background()
	t.Run("damaged file", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
		rep := p.son.replica(p.mother)
		letter := randomBytes(t, 4*vault.ChunkSize)
		doc, err := rep.AddDocument(ctx, "brief.pdf", bytes.NewReader(letter), vault.DocumentOptions{Record: p.debtID})
		if err != nil {
			t.Fatal(err)
		}
		rep.Close()
		res := p.son.sync(p.folder)
		path := filepath.Join(p.folder, res.Written[0].File)
		b, _ := os.ReadFile(path)
		b[len(b)/2] ^= 0x40 // in the middle of the letter
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		res = p.mother.sync(p.folder)
		if !only(res.Refused, delegate.CodeBadDocument) || !slices.Equal(res.Refused[0].Documents, []string{doc.ID}) {
			t.Fatalf("refused %+v", res.Refused)
		}
		if _, err := p.mother.v.Document(doc.ID); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("the damaged document was kept: %v", err)
		}
		if docs, _ := p.mother.v.Documents(false); len(docs) != 0 {
			t.Fatalf("documents kept: %+v", docs)
		}
		if !slices.ContainsFunc(res.Received, func(r Received) bool { return r.Incomplete }) {
			t.Fatalf("received %+v, want the pack marked incomplete", res.Received)
		}
		// The son sends again; now it arrives.
		p.son.sync(p.folder)
		res = p.mother.sync(p.folder)
		if len(res.Refused) != 0 || len(res.Received) == 0 || !slices.Equal(res.Received[len(res.Received)-1].Documents, []string{doc.ID}) {
			t.Fatalf("second try: received %+v refused %+v", res.Received, res.Refused)
		}
		if got, _ := readDoc(t, p.mother.v, doc.ID); !bytes.Equal(got, letter) {
			t.Fatal("the letter arrived changed")
		}
	})
	t.Run("content not matching its signed hash", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
		real := []byte("de echte brief")
		sum := sha256.Sum256(real)
		now := time.Now()
		id := "6f1c7a52-3b0e-4d8a-9e6f-2a4b5c6d7e8f"
		d := delegate.PackDocument{ID: id, Name: "brief.txt", MediaType: "text/plain", Size: int64(len(real)), SHA256: hex.EncodeToString(sum[:]),
			Record: p.debtID, Added: 1, Modified: vaultStamp(now), Author: vault.Author{Person: "Youssef", Device: "d1"}}
		pk := &delegate.Pack{Format: delegate.PackFormat, From: p.son.c.Fingerprint(), To: p.mother.c.Fingerprint(), Seq: 40,
			Created: now.UTC().Truncate(time.Second), Records: []vault.Record{}, Documents: []delegate.PackDocument{d}}
		fake := []byte("een valse brief")[:len(real)]
		name, err := delegate.WritePackWith(p.folder, pk.From, pk.Seq, func(w io.Writer) error {
			stmt, err := signed.Sign(p.son.v, delegate.DomainPack, pk)
			if err != nil {
				return err
			}
			aw, err := age.Encrypt(w, p.mother.c.Recipient())
			if err != nil {
				return err
			}
			aw.Write(stmt)
			tw := tar.NewWriter(aw)
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: delegate.DocEntryName(id), Size: int64(len(fake)), Mode: 0o600})
			tw.Write(fake)
			tw.Close()
			return aw.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		res := p.mother.sync(p.folder)
		if !only(res.Refused, delegate.CodeBadDocument) || res.Refused[0].File != name {
			t.Fatalf("refused %+v", res.Refused)
		}
		if _, err := p.mother.v.Document(id); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("the false document was kept: %v", err)
		}
	})
}

func vaultStamp(t time.Time) hlc.Timestamp { return hlc.New(t.UnixMilli(), 0) }
