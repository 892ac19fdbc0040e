package desk

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/intake"
	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/post"
)

// The desk's benchmarks (docs/PERFORMANCE.md, "The caseworker's desk"):
//
//	go test -run '^$' -bench . -benchtime 20x ./intake/desk
//
// They share one store of benchCases imports, each a small real bundle
// (two records and a small PDF) made with bundle.Write and stored with
// intake.Store.Import, as an upload does. The store is made once per run
// of the test binary, by the first benchmark that needs it (a few
// minutes: every import is durable), and removed when the binary ends.
// Plain go test, without -bench, never makes it.
//
// Requests go straight to the desk's handler (httptest.NewRecorder) with
// a session signed in through the login form, so only server time is
// measured: no TLS, no network, no browser.
const benchCases = 10_000

// benchFixture is the shared store: its folder and organisation, and the
// ids of its imports in the order they were made.
type benchFixture struct {
	dir   string
	org   *bundle.OrgIdentity
	ids   []string
	made  time.Duration
	bytes int64 // size of the store's bbolt file
	err   error
}

var (
	benchOnce sync.Once
	bench     benchFixture
)

// TestMain removes the benchmarks' store, if a benchmark made one.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchStore(b *testing.B) *benchFixture {
	b.Helper()
	benchOnce.Do(func() {
		start := time.Now()
		bench.err = bench.make()
		bench.made = time.Since(start)
		if bench.err == nil {
			fmt.Fprintf(os.Stderr, "desk benchmarks: %d imports made in %.1f s, store %.1f MiB\n",
				len(bench.ids), bench.made.Seconds(), float64(bench.bytes)/(1<<20))
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return &bench
}

// Names, purposes and case numbers vary, so a search has something to
// find: every given name and family name comes back, a case number once.
var (
	benchGiven    = []string{"Fatima", "Jan", "Sanne", "Mohamed", "Anouk", "Pieter", "Yasmina", "Daan", "Lotte", "Kees", "Noor", "Ahmet", "Emma", "Bram", "Sevda", "Ruud", "Iris", "Tim", "Maria", "Hüseyin"}
	benchFamily   = []string{"de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Yılmaz", "El Amrani", "Kaya", "van Dijk", "Koster", "Prins", "Huisman"}
	benchPurposes = []string{"Aanvraag schuldhulp", "Bijzondere bijstand", "Aanvraag kwijtschelding", "Participatiewet: levensonderhoud", "Minimaregeling"}
)

func benchName(i int) string {
	return benchGiven[i%len(benchGiven)] + " " + benchFamily[(i/len(benchGiven))%len(benchFamily)]
}

func benchCaseNumber(i int) string { return fmt.Sprintf("Z-2026-%05d", i) }

// benchSigner signs a bundle as a citizen's vault does.
type benchSigner ed25519.PrivateKey

func (k benchSigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(ed25519.PrivateKey(k), domain, msg), nil
}

// benchBundle is the i-th citizen's bundle: two records and a small PDF.
func benchBundle(org *bundle.OrgIdentity, i int, now time.Time) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	x, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	rec := fmt.Sprintf("%08x-5e6f-4a1b-8c9d-0e1f2a3b4c5d", i)
	doc := fmt.Sprintf("%08x-6f7a-4b2c-9d0e-1f2a3b4c5d6e", i)
	pdf := []byte(fmt.Sprintf("%%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%% brief %d\ntrailer<</Root 1 0 R>>\n%%%%EOF\n", i))
	sum := sha256.Sum256(pdf)
	s := &bundle.Share{
		Created: now, NotAfter: now.Add(28 * 24 * time.Hour),
		Purpose: benchPurposes[i%len(benchPurposes)], CaseReference: benchCaseNumber(i),
		Issuer: bundle.Issuer{Name: benchName(i), X25519: x.Recipient().String(),
			Ed25519: base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))},
		To:    org.Card(),
		Scope: bundle.Scope{Categories: []string{"debts", "household"}, ExcludedFields: []string{"household.bsn"}},
		Records: []bundle.Record{
			{ID: rec, Category: "debts", Version: 1, Modified: now.Add(-time.Hour),
				Fields: map[string]any{"creditor": "Belastingdienst", "amount": int64(1000 + i), "status": "arrangement"}},
			{ID: fmt.Sprintf("%08x-5b7d-4e8f-9a0b-1c2d3e4f5a6b", i), Category: "household", Version: 1, Modified: now.Add(-time.Hour),
				Fields: map[string]any{"given_names": "Sami", "relation": "child"}},
		},
		Documents: []bundle.DocumentSource{{
			Document: bundle.Document{ID: doc, Name: "brief belastingdienst.pdf", MediaType: "application/pdf", Record: rec},
			Size:     int64(len(pdf)), SHA256: hex.EncodeToString(sum[:]),
			Write: func(w io.Writer) error { _, err := w.Write(pdf); return err },
		}},
	}
	var buf bytes.Buffer
	if _, err := bundle.Write(&buf, s, benchSigner(priv)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// make fills a new store with benchCases imports, on as many goroutines
// as there are cores (the store lets imports run side by side), and one
// caseworker.
func (f *benchFixture) make() error {
	dir, err := os.MkdirTemp("", "kluis-desk-bench-")
	if err != nil {
		return err
	}
	f.dir = dir
	now := time.Now().UTC().Truncate(time.Second)
	f.org, err = bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	store, err := intake.Open(dir, f.org, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.AddUser(caseworker, intake.RoleCaseworker, []byte(password)); err != nil {
		return err
	}
	f.ids = make([]string, benchCases)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= benchCases {
					return
				}
				data, err := benchBundle(f.org, i, now)
				if err == nil {
					var imp *intake.Import
					imp, _, err = store.Import(context.Background(), bytes.NewReader(data), intake.ImportOptions{})
					if err == nil {
						f.ids[i] = imp.ID
					}
				}
				if err != nil {
					errs <- fmt.Errorf("import %d: %w", i, err)
					next.Store(benchCases)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(dir, "intake.db")); err == nil {
		f.bytes = fi.Size()
	}
	return nil
}

// benchDesk is a desk over the shared store with one caseworker signed
// in.
type benchDesk struct {
	b       *testing.B
	fix     *benchFixture
	store   *intake.Store
	srv     *Server
	session *http.Cookie
}

var benchCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func openBenchDesk(b *testing.B) *benchDesk {
	b.Helper()
	f := benchStore(b)
	store, err := intake.Open(f.dir, f.org, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	srv, err := New(store, f.org, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	d := &benchDesk{b: b, fix: f, store: store, srv: srv}
	d.signIn()
	return d
}

// signIn logs the caseworker in through the login form, as a browser
// does: the form's token and its cookie, then the session's cookie.
func (d *benchDesk) signIn() {
	d.b.Helper()
	rec := httptest.NewRecorder()
	d.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://desk.test/login", nil))
	m := benchCSRF.FindStringSubmatch(rec.Body.String())
	if m == nil {
		d.b.Fatalf("login page: %d %.300s", rec.Code, rec.Body.String())
	}
	form := url.Values{"csrf": {html.UnescapeString(m[1])}, "name": {caseworker}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "https://desk.test/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	d.srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			d.session = c
		}
	}
	if rec.Code != http.StatusSeeOther || d.session == nil {
		d.b.Fatalf("login: %d %.300s", rec.Code, rec.Body.String())
	}
}

// get answers one GET of the signed-in caseworker; anything but 200 ends
// the benchmark.
func (d *benchDesk) get(path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "https://desk.test"+path, nil)
	req.AddCookie(d.session)
	rec := httptest.NewRecorder()
	d.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		d.b.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
	}
	return rec
}

// rows counts the case list's rows in a page.
func rows(body string) int { return strings.Count(body, `<td><a href="/cases/`) }

// BenchmarkCaseListPage is GET /cases?page=N over 10,000 cases (target:
// at most 50 ms a page): the first page, one in the middle, the last.
func BenchmarkCaseListPage(b *testing.B) {
	d := openBenchDesk(b)
	last := (benchCases + pageSize - 1) / pageSize
	for _, pg := range []int{1, last / 2, last} {
		b.Run(fmt.Sprintf("page=%d", pg), func(b *testing.B) {
			d.b = b
			path := fmt.Sprintf("/cases?page=%d", pg)
			if n := rows(d.get(path).Body.String()); n != pageSize {
				b.Fatalf("%s shows %d rows, want %d", path, n, pageSize)
			}
			b.ReportAllocs()
			for b.Loop() {
				d.get(path)
			}
		})
	}
}

// BenchmarkCaseSearch is GET /cases?q=… over 10,000 cases (target: at
// most 100 ms): a family name that 400 cases share, a given and a family
// name together (20 cases), one case number, and a word no case holds
// (every row looked at, none shown).
func BenchmarkCaseSearch(b *testing.B) {
	d := openBenchDesk(b)
	for _, c := range []struct {
		name, q string
		want    int
	}{
		{"family name", "jansen", pageSize},
		{"two words", "fatima yılmaz", 20},
		{"case number", benchCaseNumber(4711), 1},
		{"no match", "niemand", 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			d.b = b
			path := "/cases?q=" + url.QueryEscape(c.q)
			if n := rows(d.get(path).Body.String()); n != c.want {
				b.Fatalf("%s shows %d rows, want %d", path, n, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				d.get(path)
			}
		})
	}
}

// BenchmarkCasePage is GET /cases/{id} of one case among 10,000: look
// the id up, decrypt the import, check its manifest again, render every
// record and write the view to the processing log (a durable commit).
func BenchmarkCasePage(b *testing.B) {
	d := openBenchDesk(b)
	ids := d.fix.ids
	want := benchName(4711)
	if body := d.get("/cases/" + ids[4711]).Body.String(); !strings.Contains(body, html.EscapeString(want)) {
		b.Fatalf("case page does not show %s: %.300s", want, body)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.get("/cases/" + ids[(i*7919)%len(ids)])
	}
}

// BenchmarkDeskStart is how long a restarted desk takes before it can
// serve, over 10,000 imports: open the store (its structure check, the
// data key) and build the case list (decrypt and read every import, and
// the processing log for receipts); and desk.New alone. The organisation
// key's KDF, which kluis-intake serve runs before both, is not included.
func BenchmarkDeskStart(b *testing.B) {
	f := benchStore(b)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.Run("open+New", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			store, err := intake.Open(f.dir, f.org, nil)
			if err != nil {
				b.Fatal(err)
			}
			srv, err := New(store, f.org, Options{Logger: logger})
			if err != nil {
				b.Fatal(err)
			}
			if n := srv.cases.len(); n != benchCases {
				b.Fatalf("the desk lists %d cases, want %d", n, benchCases)
			}
			store.Close()
		}
	})
	b.Run("New", func(b *testing.B) {
		store, err := intake.Open(f.dir, f.org, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New(store, f.org, Options{Logger: logger}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUpload is one bundle with a document of 256 MiB
// ($KLUIS_BENCH_UPLOAD_MIB) received two ways on the same store:
// intake.Store.Import straight from memory (what kluis-intake import does
// after reading the file), and POST /inbox through the desk's handler (the
// multipart form read as it streams, the session's CSRF part first). The
// import is deleted again between rounds, untimed.
func BenchmarkUpload(b *testing.B) {
	mib := 256
	if s := os.Getenv("KLUIS_BENCH_UPLOAD_MIB"); s != "" {
		fmt.Sscan(s, &mib)
	}
	dir := b.TempDir()
	now := time.Now().UTC().Truncate(time.Second)
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, now.Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	store, err := intake.Open(dir, org, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := store.AddUser(caseworker, intake.RoleCaseworker, []byte(password)); err != nil {
		b.Fatal(err)
	}
	srv, err := New(store, org, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	d := &benchDesk{b: b, store: store, srv: srv}
	d.signIn()
	data := bigBundle(b, org, now, mib<<20)
	ids := []string{}
	remove := func() {
		b.StopTimer()
		imps, err := store.List()
		if err != nil {
			b.Fatal(err)
		}
		for _, imp := range imps {
			if _, err := store.Delete(imp.ID, ""); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, imp.ID)
		}
		b.StartTimer()
	}
	b.Run("Import", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, again, err := store.Import(context.Background(), bytes.NewReader(data), intake.ImportOptions{}); err != nil || again {
				b.Fatal(err, again)
			}
			remove()
		}
	})
	b.Run("handler", func(b *testing.B) {
		d.b = b
		// The session's CSRF token, as the inbox form carries it.
		m := benchCSRF.FindStringSubmatch(d.get("/inbox").Body.String())
		if m == nil {
			b.Fatal("no CSRF token on the inbox")
		}
		const boundary = "kluisbenchboundary0123456789"
		head := []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + html.UnescapeString(m[1]) +
			"\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"bundle\"; filename=\"zaak.kluis\"\r\n" +
			"Content-Type: application/octet-stream\r\n\r\n")
		tail := []byte("\r\n--" + boundary + "--\r\n")
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			body := io.MultiReader(bytes.NewReader(head), bytes.NewReader(data), bytes.NewReader(tail))
			req := httptest.NewRequest(http.MethodPost, "https://desk.test/inbox", body)
			req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
			req.AddCookie(d.session)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `href="/cases/`) {
				b.Fatalf("upload: %d %.300s", rec.Code, rec.Body.String())
			}
			remove()
		}
	})
}

// bigBundle is one citizen's bundle with one document of size random bytes.
func bigBundle(b *testing.B, org *bundle.OrgIdentity, now time.Time, size int) []byte {
	b.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	x, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	content := make([]byte, size)
	rand.Read(content)
	sum := sha256.Sum256(content)
	rec := "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
	s := &bundle.Share{
		Created: now, NotAfter: now.Add(28 * 24 * time.Hour), Purpose: "Aanvraag bijstand",
		Issuer: bundle.Issuer{Name: "Fatima Yılmaz", X25519: x.Recipient().String(),
			Ed25519: base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))},
		To:    org.Card(),
		Scope: bundle.Scope{Categories: []string{"income"}},
		Records: []bundle.Record{{ID: rec, Category: "income", Version: 1, Modified: now.Add(-time.Hour),
			Fields: map[string]any{"source": "Werkgever", "amount": int64(2100), "period": "month"}}},
		Documents: []bundle.DocumentSource{{
			Document: bundle.Document{ID: "8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", Name: "loonstroken.pdf", MediaType: "application/pdf", Record: rec},
			Size:     int64(size), SHA256: hex.EncodeToString(sum[:]),
			Write: func(w io.Writer) error { _, err := w.Write(content); return err },
		}},
	}
	var buf bytes.Buffer
	if _, err := bundle.Write(&buf, s, benchSigner(priv)); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkPickup1000 is the desk's side of a citizen's pickup with 1,000
// messages waiting for them and one bundle's access statement: verify
// the pickup, read and hand over the messages (the first time noting the
// pickup of each, durably), sign the statement, write the JSON. The
// citizen's side (opening them) is citizen/post's BenchmarkFetch1000Messages.
func BenchmarkPickup1000(b *testing.B) {
	dir := b.TempDir()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	store, err := intake.Open(dir, org, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	srv, err := New(store, org, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), APIBurst: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	x, _ := age.GenerateX25519Identity()
	who := &citizen{name: "Fatima", priv: priv, x: x}
	now := time.Now().UTC().Truncate(time.Second)
	share := &bundle.Share{Created: now, NotAfter: now.Add(14 * 24 * time.Hour), Purpose: "Aanvraag schuldhulp",
		Issuer: who.issuer(), To: org.Card(), Scope: bundle.Scope{Categories: []string{"debts"}},
		Records: []bundle.Record{{ID: "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d", Category: "debts", Version: 1, Modified: now.Add(-time.Hour),
			Fields: map[string]any{"creditor": "Belastingdienst", "amount": int64(25000), "status": "arrangement"}}}}
	var file bytes.Buffer
	if _, err := bundle.Write(&file, share, who); err != nil {
		b.Fatal(err)
	}
	imp, _, err := store.Import(context.Background(), &file, intake.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := store.WriteToCitizen(imp.ID, caseworker, fmt.Sprintf("Bericht %d: wilt u uw loonstroken van %d maanden sturen?", i, i%12+1)); err != nil {
			b.Fatal(err)
		}
	}
	pub := priv.Public().(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		p, err := post.NewPickup(who, pub, org.Card().Fingerprint(), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/"+post.PathPickup, bytes.NewReader(p)))
		if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"`) < 2000 {
			b.Fatalf("pickup: %d %.200s", rec.Code, rec.Body.String())
		}
		b.SetBytes(int64(rec.Body.Len()))
	}
}
