package intake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kluis/internal/sign"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"kluis/sync/bundle"
)

var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type citizen struct{ priv ed25519.PrivateKey }

func newCitizen(t testing.TB) *citizen {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &citizen{priv: priv}
}

func (c *citizen) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(c.priv, domain, msg), nil
}

func (c *citizen) public() ed25519.PublicKey { return c.priv.Public().(ed25519.PublicKey) }

func (c *citizen) issuer(t testing.TB) bundle.Issuer {
	x, _ := age.GenerateX25519Identity()
	k := c.public()
	return bundle.Issuer{Name: "Fatima Yılmaz", X25519: x.Recipient().String(), Ed25519: encodeKeyForTest(k)}
}

func encodeKeyForTest(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

func newOrg(t testing.TB) *bundle.OrgIdentity {
	t.Helper()
	id, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type world struct {
	t     *testing.T
	dir   string
	org   *bundle.OrgIdentity
	clock *clock
	store *Store
	who   *citizen
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir(), org: newOrg(t), clock: &clock{t: start}, who: newCitizen(t)}
	s, err := Open(w.dir, w.org, &Options{Now: w.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	w.store = s
	t.Cleanup(func() {
		if err := w.store.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		w.store.Close()
	})
	return w
}

func content(size int, seed byte) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*13) ^ seed
	}
	return b
}

func source(id, name, record string, data []byte) bundle.DocumentSource {
	sum := sha256.Sum256(data)
	return bundle.DocumentSource{
		Document: bundle.Document{ID: id, Name: name, MediaType: "application/pdf", Record: record},
		Size:     int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Write: func(w io.Writer) error { _, err := w.Write(data); return err },
	}
}

const (
	incomeID = "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
	debtID   = "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
)

// share is the "Done when" bundle: income and debts, two documents, 14 days.
func (w *world) share(edit func(s *bundle.Share)) *bundle.Share {
	s := &bundle.Share{
		Created: w.clock.now(), NotAfter: w.clock.now().Add(14 * 24 * time.Hour),
		Purpose: "Aanvraag schuldhulp", CaseReference: "Z-2026-0042", Issuer: w.who.issuer(w.t), To: w.org.Card(),
		Scope: bundle.Scope{Categories: []string{"debts", "income"}, ExcludedFields: []string{"income.iban"}},
		Records: []bundle.Record{
			{ID: incomeID, Category: "income", Version: 1, Modified: start.Add(-time.Hour),
				Fields: map[string]any{"source": "UWV", "amount": int64(123456), "period": "month"}},
			{ID: debtID, Category: "debts", Version: 1, Modified: start.Add(-time.Hour),
				Fields: map[string]any{"creditor": "Belastingdienst", "amount": int64(25000), "status": "arrangement"}},
		},
		Documents: []bundle.DocumentSource{
			source("8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", "loonstrook maart.pdf", incomeID, content(300<<10, 1)),
			source("9c4d5e6f-7a8b-4c3d-8e1f-2a3b4c5d6e7f", "brief belastingdienst.pdf", debtID, content(5000, 2)),
		},
	}
	if edit != nil {
		edit(s)
	}
	return s
}

func (w *world) build(s *bundle.Share) []byte {
	w.t.Helper()
	var b bytes.Buffer
	if _, err := bundle.Write(&b, s, w.who); err != nil {
		w.t.Fatal(err)
	}
	return b.Bytes()
}

func (w *world) importBytes(b []byte, o ImportOptions) (*Import, bool, error) {
	return w.store.Import(context.Background(), bytes.NewReader(b), o)
}

// state is everything a refused import must leave unchanged.
func (w *world) state() string {
	w.t.Helper()
	db, err := os.ReadFile(w.store.Path())
	if err != nil {
		w.t.Fatal(err)
	}
	sum := sha256.Sum256(db)
	var names []string
	for _, d := range []string{docsDir, tmpDir} {
		entries, _ := os.ReadDir(filepath.Join(w.dir, d))
		for _, e := range entries {
			names = append(names, d+"/"+e.Name())
		}
	}
	imps, err := w.store.List()
	if err != nil {
		w.t.Fatal(err)
	}
	return hex.EncodeToString(sum[:]) + " " + strings.Join(names, ",") + " " + strings.Repeat("I", len(imps))
}

func TestImportExportReceipt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	imp, again, err := w.importBytes(w.build(w.share(nil)), ImportOptions{})
	if err != nil || again {
		t.Fatalf("import: %v (again %v)", err, again)
	}
	if imp.KeptUntil != start.Add(14*24*time.Hour) || len(imp.Documents) != 2 {
		t.Errorf("import = %+v", imp)
	}
	list, err := w.store.List()
	if err != nil || len(list) != 1 || list[0].ID != imp.ID {
		t.Fatalf("list = %v, %v", list, err)
	}
	out := filepath.Join(t.TempDir(), "zaak")
	if err := w.store.Export(imp.ID, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "documents", imp.Documents[0].ID, "loonstrook maart.pdf"))
	if err != nil || !bytes.Equal(got, content(300<<10, 1)) {
		t.Errorf("exported document differs (%v)", err)
	}
	html, _ := os.ReadFile(filepath.Join(out, "samenvatting.html"))
	for _, want := range []string{"Gegevens van Fatima Yılmaz", "Aanvraag schuldhulp", "Z-2026-0042", "€ 1.234,56",
		"Belastingdienst", "16 maart 2026", "loonstrook maart.pdf", "Per maand"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	mf, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if !bytes.Equal(mf, imp.Manifest) {
		t.Error("exported manifest differs from the signed bytes")
	}
	if err := w.store.Export(imp.ID, out); err == nil {
		t.Error("export into a folder that is not empty succeeded")
	}
	rc, err := w.store.Receipt(imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := bundle.ParseReceipt(rc)
	if err != nil || r.BundleID != imp.ID || !r.FromCard(w.org.Card().Fingerprint(), w.org.Card().PublicKey()) ||
		r.KeptUntil != imp.KeptUntil || r.ManifestSHA256 != bundle.ManifestDigest(imp.Manifest) {
		t.Errorf("receipt %+v, %v", r, err)
	}
}

func TestReplayIsIdempotent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := w.build(w.share(nil))
	first, _, err := w.importBytes(b, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := w.state()
	again, replay, err := w.importBytes(b, ImportOptions{})
	if err != nil || !replay || again.ID != first.ID {
		t.Fatalf("replay: %v, replay %v", err, replay)
	}
	if w.state() != before {
		t.Error("a replay changed the store")
	}
	// Another bundle under the same id (signed, but different) is refused.
	other := w.build(w.share(func(s *bundle.Share) { s.ID = first.ID; s.Purpose = "Iets anders" }))
	if _, _, err := w.importBytes(other, ImportOptions{}); !errors.Is(err, ErrReplayConflict) {
		t.Errorf("same id, other bundle: %v", err)
	}
}

// TestRefusalsStoreNothing runs every kind of bad bundle against the
// store and checks that nothing at all changed: the bbolt file's bytes,
// the document and temporary folders, the list of imports.
func TestRefusalsStoreNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, _, err := w.importBytes(w.build(w.share(func(s *bundle.Share) { s.Documents = nil })), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	good := w.build(w.share(nil))
	other := newOrg(t)
	code := bundle.NewShareCode()
	cases := map[string]struct {
		data []byte
		opts ImportOptions
		want error
	}{
		"not addressed to us": {data: (&world{t: t, org: other, clock: w.clock, who: w.who}).build(w.share(func(s *bundle.Share) { s.To = other.Card() })),
			want: &bundle.Error{Code: bundle.CodeNotAddressed}},
		"appended byte":    {data: append(bytes.Clone(good), 0), want: &bundle.Error{Code: bundle.CodeDamaged}},
		"expired":          {data: w.build(w.share(func(s *bundle.Share) { s.Created = start.AddDate(0, -1, 0); s.NotAfter = start.Add(-time.Hour) })), want: &bundle.Error{Code: bundle.CodeExpired}},
		"not yet valid":    {data: w.build(w.share(func(s *bundle.Share) { s.NotBefore = start.Add(time.Hour) })), want: &bundle.Error{Code: bundle.CodeNotYetValid}},
		"wrong share code": {data: w.build(w.share(func(s *bundle.Share) { s.To = nil; s.Code = code })), opts: ImportOptions{Code: bundle.NewShareCode()}, want: &bundle.Error{Code: bundle.CodeWrongShareCode}},
		"oversize input":   {data: good, opts: ImportOptions{Limits: bundle.Limits{MaxInput: 100 << 10}}, want: &bundle.Error{Code: bundle.CodeTooLarge}},
		"oversize entry":   {data: good, opts: ImportOptions{Limits: bundle.Limits{MaxEntry: 100 << 10}}, want: &bundle.Error{Code: bundle.CodeTooLarge}},
	}
	// A byte flipped in the last chunk: the first document is already
	// streamed into the temporary area when the damage shows.
	flipped := bytes.Clone(good)
	flipped[len(flipped)-20] ^= 0x80
	cases["flipped in the last chunk"] = struct {
		data []byte
		opts ImportOptions
		want error
	}{data: flipped, want: &bundle.Error{Code: bundle.CodeDamaged}}
	// Cut at every 64 KiB chunk boundary of the payload.
	payload := bytes.Index(good, []byte("\n--- "))
	payload += bytes.IndexByte(good[payload+1:], '\n') + 2 + 16
	for off, i := payload, 0; off < len(good); off, i = off+64<<10+16, i+1 {
		cases["cut at chunk "+string(rune('a'+i))] = struct {
			data []byte
			opts ImportOptions
			want error
		}{data: good[:off], want: &bundle.Error{Code: bundle.CodeDamaged}}
	}
	for name, tc := range cases {
		before := w.state()
		_, _, err := w.importBytes(tc.data, tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if after := w.state(); after != before {
			t.Errorf("%s: the store changed:\n%s\n%s", name, before, after)
		}
	}
}

func TestShareCodeImport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := bundle.NewShareCode()
	imp, _, err := w.importBytes(w.build(w.share(func(s *bundle.Share) { s.To = nil; s.Code = code })), ImportOptions{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := imp.ParsedManifest()
	if m.Recipient.Kind != bundle.RecipientShareCode {
		t.Errorf("recipient %+v", m.Recipient)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := w.build(w.share(nil))
	imp, _, err := w.importBytes(b, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A notice signed by someone else is refused.
	stranger := newCitizen(t)
	n, _ := bundle.NewNotice(stranger, stranger.public(), imp.ID, start)
	if _, err := w.store.Revoke(n); !errors.Is(err, ErrNotIssuer) {
		t.Errorf("stranger's notice: %v", err)
	}
	n, _ = bundle.NewNotice(w.who, w.who.public(), imp.ID, start)
	p, err := w.store.Revoke(n)
	if err != nil || p.ID != imp.ID || p.Reason != "revoked" {
		t.Fatalf("revoke: %+v, %v", p, err)
	}
	if _, err := w.store.Get(imp.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after revoke: %v", err)
	}
	if _, _, err := w.importBytes(b, ImportOptions{}); !errors.Is(err, ErrRevoked) {
		t.Errorf("re-import after revoke: %v", err)
	}
	if _, err := w.store.Revoke(n); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
}

// TestPurgeLeavesNothing: after expiry, purge removes the import so that
// neither its sealed value nor its document files remain anywhere in the
// store folder.
func TestPurgeLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keep, _, err := w.importBytes(w.build(w.share(func(s *bundle.Share) { s.NotAfter = start.Add(60 * 24 * time.Hour) })), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	imp, _, err := w.importBytes(w.build(w.share(nil)), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sealed := w.store.sealedValue(imp.ID)
	if len(sealed) < 100 {
		t.Fatal("no sealed value found")
	}
	if p, err := w.store.Purge(); err != nil || len(p) != 0 {
		t.Fatalf("purge before expiry: %v, %v", p, err)
	}
	w.clock.set(imp.KeptUntil)
	p, err := w.store.Purge()
	if err != nil || len(p) != 1 || p[0].ID != imp.ID || p[0].Reason != "expired" {
		t.Fatalf("purge: %+v, %v", p, err)
	}
	db, err := os.ReadFile(w.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range [][]byte{sealed, sealed[25:89], []byte("Belastingdienst"), []byte("loonstrook"), imp.Manifest[:64]} {
		if bytes.Contains(db, needle) {
			t.Errorf("the store file still holds %q…", needle[:min(len(needle), 16)])
		}
	}
	entries, _ := os.ReadDir(filepath.Join(w.dir, docsDir))
	if len(entries) != len(keep.Documents) {
		t.Errorf("%d document files remain, want %d", len(entries), len(keep.Documents))
	}
	for _, d := range imp.Documents {
		if _, err := os.Stat(filepath.Join(w.dir, docsDir, d.File)); err == nil {
			t.Errorf("document file %s remains", d.File)
		}
	}
	if _, err := w.store.Get(keep.ID); err != nil {
		t.Errorf("the import still valid was purged: %v", err)
	}
	if out := filepath.Join(t.TempDir(), "x"); w.store.Export(keep.ID, out) != nil {
		t.Error("export after compaction failed")
	}
}

func TestOtherOrganisationAndLock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := Open(w.dir, w.org, &Options{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrInUse) {
		t.Errorf("second open: %v", err)
	}
	w.store.Close()
	if _, err := Open(w.dir, newOrg(t), nil); !errors.Is(err, ErrOtherOrganisation) {
		t.Errorf("other organisation: %v", err)
	}
	s, err := Open(w.dir, w.org, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.store = s
}

func TestLeftoversSweptAtOpen(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	imp, _, err := w.importBytes(w.build(w.share(nil)), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(w.dir, tmpDir, "half.age"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(w.dir, docsDir, "orphan.age"), []byte("x"), 0o600)
	w.store.Close()
	s, err := Open(w.dir, w.org, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.store = s
	for _, p := range []string{filepath.Join(tmpDir, "half.age"), filepath.Join(docsDir, "orphan.age")} {
		if _, err := os.Stat(filepath.Join(w.dir, p)); err == nil {
			t.Errorf("%s was not removed", p)
		}
	}
	for _, d := range imp.Documents {
		if _, err := os.Stat(filepath.Join(w.dir, docsDir, d.File)); err != nil {
			t.Errorf("a committed document was removed: %v", err)
		}
	}
}

// TestReplayOfDamagedCopyIsRefused: a truncated or altered copy of an
// imported bundle has the same manifest, but it is not the same bundle; it
// is refused as damaged, not answered with "already imported".
func TestReplayOfDamagedCopyIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := w.build(w.share(nil))
	if _, _, err := w.importBytes(b, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := w.state()
	flipped := bytes.Clone(b)
	flipped[len(flipped)-20] ^= 0x01
	copies := map[string][]byte{
		"last byte cut":    b[:len(b)-1],
		"last 100 cut":     b[:len(b)-100],
		"three quarters":   b[:len(b)*3/4],
		"bit near the end": flipped,
	}
	for name, c := range copies {
		imp, again, err := w.importBytes(c, ImportOptions{})
		var be *bundle.Error
		if err == nil || again || imp != nil || !errors.As(err, &be) {
			t.Errorf("%s: import %v, again %v, err %v; want a bundle refusal", name, imp != nil, again, err)
		}
	}
	if w.state() != before {
		t.Error("a refused copy changed the store")
	}
}

// TestExportStoppedLeavesNothing: an export stopped part way (a signal
// cancels its context) leaves neither the folder nor a partial one.
func TestExportStoppedLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	imp, _, err := w.importBytes(w.build(w.share(nil)), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "zaak")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.store.ExportContext(ctx, imp.ID, out); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped export: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a stopped export left %v", entries)
	}
	// An empty folder made beforehand is kept empty, then filled whole.
	os.Mkdir(out, 0o700)
	if err := w.store.ExportContext(ctx, imp.ID, out); err == nil {
		t.Fatal("stopped export into an empty folder succeeded")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a stopped export wrote %v", entries)
	}
	if err := w.store.ExportContext(context.Background(), imp.ID, out); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("after the export the parent holds %v", entries)
	}
	if _, err := os.Stat(filepath.Join(out, "samenvatting.html")); err != nil {
		t.Error(err)
	}
}
