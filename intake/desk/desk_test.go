package desk

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/intake"
	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/post"
)

var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// citizen signs bundles and revocation notices as a citizen's vault does.
type citizen struct {
	name string
	priv ed25519.PrivateKey
	x    *age.X25519Identity // receives the organisation's messages
}

func (c *citizen) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(c.priv, domain, msg), nil
}

func (c *citizen) issuer() bundle.Issuer {
	return bundle.Issuer{Name: c.name, X25519: c.x.Recipient().String(),
		Ed25519: base64.StdEncoding.EncodeToString(c.priv.Public().(ed25519.PublicKey))}
}

const (
	caseworker = "annet"
	admin      = "beheer"
	password   = "correct paard batterij"
)

// desk is a running desk over a fresh store, with a caseworker and an
// administrator.
type desk struct {
	t     *testing.T
	dir   string
	org   *bundle.OrgIdentity
	clock *clock
	store *intake.Store
	srv   *Server
	ts    *httptest.Server
}

func newDesk(t *testing.T, opt Options) *desk {
	t.Helper()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return newDeskOf(t, org, opt)
}

// newDeskOf is newDesk for the organisation org.
func newDeskOf(t *testing.T, org *bundle.OrgIdentity, opt Options) *desk {
	t.Helper()
	return newDeskIn(t, t.TempDir(), org, opt)
}

// newDeskIn is newDeskOf with its store in dir.
func newDeskIn(t *testing.T, dir string, org *bundle.OrgIdentity, opt Options) *desk {
	t.Helper()
	var err error
	d := &desk{t: t, dir: dir, org: org, clock: &clock{t: start}}
	d.store, err = intake.Open(d.dir, org, &intake.Options{Now: d.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.store.Close() })
	for name, role := range map[string]intake.Role{caseworker: intake.RoleCaseworker, admin: intake.RoleAdmin} {
		if err := d.store.AddUser(name, role, []byte(password)); err != nil {
			t.Fatal(err)
		}
	}
	opt.Now = d.clock.now
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d.srv, err = New(d.store, org, opt)
	if err != nil {
		t.Fatal(err)
	}
	d.ts = httptest.NewTLSServer(d.srv)
	t.Cleanup(d.ts.Close)
	return d
}

func (d *desk) share(who *citizen, edit func(*bundle.Share)) []byte {
	d.t.Helper()
	now := d.clock.now()
	s := &bundle.Share{
		Created: now, NotAfter: now.Add(14 * 24 * time.Hour),
		Purpose: "Aanvraag schuldhulp", CaseReference: "Z-2026-0042", Issuer: who.issuer(), To: d.org.Card(),
		Scope: bundle.Scope{Categories: []string{"debts", "household"}, ExcludedFields: []string{"household.bsn"}},
		Records: []bundle.Record{
			{ID: "7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d", Category: "debts", Version: 1, Modified: start.Add(-time.Hour),
				Fields: map[string]any{"creditor": "Belastingdienst", "amount": int64(25000), "status": "arrangement"}},
			{ID: "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", Category: "household", Version: 1, Modified: start.Add(-time.Hour),
				Fields: map[string]any{"given_names": "Sami", "relation": "child"}},
		},
		Documents: []bundle.DocumentSource{docSource("8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", "brief belastingdienst.pdf",
			"7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d", pdfBytes)},
	}
	if edit != nil {
		edit(s)
	}
	var b bytes.Buffer
	if _, err := bundle.Write(&b, s, who); err != nil {
		d.t.Fatal(err)
	}
	return b.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func docSource(id, name, record string, data []byte) bundle.DocumentSource {
	sum := sha256.Sum256(data)
	return bundle.DocumentSource{
		Document: bundle.Document{ID: id, Name: name, MediaType: "application/pdf", Record: record},
		Size:     int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Write: func(w io.Writer) error { _, err := w.Write(data); return err },
	}
}

func newCitizen(t *testing.T, name string) *citizen {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return &citizen{name: name, priv: priv, x: x}
}

// browser is one caseworker's browser: its own cookies.
type browser struct {
	t *testing.T
	d *desk
	c *http.Client
}

func (d *desk) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: d.ts.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: d.t, d: d, c: c}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.d.ts.URL+path, nil)
	return b.do(req)
}

// follow GETs path and follows redirects on this desk.
func (b *browser) follow(path string) (response, string) {
	b.t.Helper()
	for range 5 {
		r := b.get(path)
		if r.status != http.StatusSeeOther && r.status != http.StatusFound {
			return r, path
		}
		path = r.header.Get("Location")
	}
	b.t.Fatalf("too many redirects at %s", path)
	return response{}, ""
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.d.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token in the forms of the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r, _ := b.follow(path)
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s: %d %.300s", path, r.status, r.body)
	}
	return html.UnescapeString(m[1])
}

func (b *browser) login(name, pw string) response {
	b.t.Helper()
	tok := b.csrf("/login")
	return b.post("/login", url.Values{"csrf": {tok}, "name": {name}, "password": {pw}})
}

func (b *browser) mustLogin(name string) {
	b.t.Helper()
	if r := b.login(name, password); r.status != http.StatusSeeOther || r.header.Get("Location") != "/cases" {
		b.t.Fatalf("login %s: %d %s %.300s", name, r.status, r.header.Get("Location"), r.body)
	}
}

// part is one part of a multipart form.
type part struct {
	name, file string
	data       []byte
}

func (b *browser) upload(path, csrf string, parts ...part) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		mw.WriteField("csrf", csrf)
	}
	for _, p := range parts {
		if p.file == "" {
			mw.WriteField(p.name, string(p.data))
			continue
		}
		w, _ := mw.CreateFormFile(p.name, p.file)
		w.Write(p.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.d.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// importOne uploads a bundle and returns its case id.
func (b *browser) importOne(bundleFile []byte) string {
	b.t.Helper()
	r := b.upload("/inbox", b.csrf("/inbox"), part{name: "bundle", file: "zaak.kluis", data: bundleFile})
	m := regexp.MustCompile(`href="/cases/([0-9a-f-]{36})"`).FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		b.t.Fatalf("upload: %d %.600s", r.status, r.body)
	}
	return m[1]
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	if r := b.get("/cases"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=%2Fcases") {
		t.Fatalf("signed out /cases: %d %s", r.status, r.header.Get("Location"))
	}
	r := b.login(caseworker, "verkeerd wachtwoord")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "De gebruikersnaam of het wachtwoord klopt niet.") {
		t.Fatalf("wrong password: %d %.400s", r.status, r.body)
	}
	if r := b.login("niemand", password); r.status != http.StatusUnauthorized {
		t.Fatalf("unknown user: %d", r.status)
	}
	b.mustLogin(caseworker)
	r, _ = b.follow("/cases")
	if r.status != http.StatusOK || !strings.Contains(r.body, "Er zijn nog geen zaken.") || !strings.Contains(r.body, caseworker) {
		t.Fatalf("cases: %d %.400s", r.status, r.body)
	}
	tok := b.csrf("/cases")
	if r := b.post("/logout", url.Values{"csrf": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	r, where := b.follow("/cases")
	if !strings.HasPrefix(where, "/login") || !strings.Contains(r.body, "Inloggen") {
		t.Fatalf("after logout /cases ends at %s", where)
	}
	// The log says who logged in and out.
	es, err := d.store.LogEntries(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range es {
		if e.User == caseworker {
			acts = append(acts, e.Action)
		}
	}
	if strings.Join(acts, ",") != "login,logout" {
		t.Errorf("log of %s: %v", caseworker, acts)
	}
}

func TestWrongPasswordsMustWait(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	for i := range freeTries {
		if r := b.login(caseworker, "nog steeds fout!"); r.status != http.StatusUnauthorized {
			t.Fatalf("try %d: %d", i+1, r.status)
		}
	}
	// Now even the right password waits.
	r := b.login(caseworker, password)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Probeer het over 1 minuut opnieuw") {
		t.Fatalf("after %d wrong: %d %.400s", freeTries, r.status, r.body)
	}
	// Another account is not held up.
	b2 := d.browser()
	b2.mustLogin(admin)
	d.clock.add(2 * time.Second)
	b.mustLogin(caseworker)
	// The wait grows: two more wrong ones wait 2 and then 4 seconds.
	b.login(caseworker, "fout fout fout")
	if w := d.srv.throttle.wait(caseworker); w != 0 {
		t.Errorf("a right password did not clear the count: wait %v", w)
	}
}

func TestThrottleGrows(t *testing.T) {
	t.Parallel()
	c := &clock{t: start}
	th := newThrottle(c.now)
	for range freeTries {
		th.failed("Annet")
	}
	if w := th.wait("annet"); w != time.Second {
		t.Errorf("after 5: wait %v", w)
	}
	th.failed("annet")
	if w := th.wait("ANNET"); w != 2*time.Second {
		t.Errorf("after 6: wait %v", w)
	}
	for range 30 {
		th.failed("annet")
	}
	if w := th.wait("annet"); w != maxWait {
		t.Errorf("after 36: wait %v, want at most %v", w, maxWait)
	}
}

func TestSessionEndsWhenIdle(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	d.clock.add(29 * time.Minute)
	if r := b.get("/cases"); r.status != http.StatusOK {
		t.Fatalf("after 29 minutes: %d", r.status)
	}
	d.clock.add(31 * time.Minute)
	r := b.get("/cases")
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "ended=1") {
		t.Fatalf("after 31 idle minutes: %d %s", r.status, r.header.Get("Location"))
	}
	r, _ = b.follow(r.header.Get("Location"))
	if !strings.Contains(r.body, "Uw sessie is afgelopen") {
		t.Errorf("login page does not say the session ended: %.400s", r.body)
	}
}

func TestCSRFIsChecked(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	id := b.importOne(d.share(newCitizen(t, "Fatima Yılmaz"), nil))
	for _, form := range []url.Values{{"confirm": {"yes"}}, {"confirm": {"yes"}, "csrf": {"bad"}}} {
		if r := b.post("/cases/"+id+"/delete", form); r.status != http.StatusForbidden {
			t.Errorf("delete with %v: %d", form, r.status)
		}
	}
	// An upload without the token stores nothing.
	other := d.share(newCitizen(t, "Jan"), nil)
	if r := b.upload("/inbox", "", part{name: "bundle", file: "a.kluis", data: other}); r.status != http.StatusForbidden {
		t.Errorf("upload without token: %d", r.status)
	}
	if r := b.upload("/inbox", "wrong", part{name: "bundle", file: "a.kluis", data: other}); r.status != http.StatusForbidden {
		t.Errorf("upload with a wrong token: %d", r.status)
	}
	imps, _ := d.store.List()
	if len(imps) != 1 || imps[0].ID != id {
		t.Errorf("after refused posts the store holds %d imports", len(imps))
	}
	// The login form has its own token.
	r := b.post("/login", url.Values{"name": {caseworker}, "password": {password}})
	if r.status != http.StatusForbidden {
		t.Errorf("login without token: %d", r.status)
	}
}

func TestAdminPagesAreForAdmins(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	for _, p := range []string{"/admin/users", "/admin/log", "/admin/log.json"} {
		if r := b.get(p); r.status != http.StatusForbidden {
			t.Errorf("caseworker GET %s: %d", p, r.status)
		}
	}
	tok := b.csrf("/cases")
	r := b.post("/admin/users", url.Values{"csrf": {tok}, "name": {"mallory"}, "role": {"admin"},
		"password": {"een lang wachtwoord"}, "password2": {"een lang wachtwoord"}})
	if r.status != http.StatusForbidden {
		t.Errorf("caseworker adds a user: %d", r.status)
	}
	if _, err := d.store.User("mallory"); err == nil {
		t.Error("a caseworker added a user")
	}
	if strings.Contains(b.get("/cases").body, "/admin/users") {
		t.Error("the caseworker's menu shows the admin pages")
	}
}

func TestRemovedUserIsSignedOutAtOnce(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	worker, boss := d.browser(), d.browser()
	worker.mustLogin(caseworker)
	boss.mustLogin(admin)
	tok := boss.csrf("/admin/users")
	r := boss.post("/admin/users", url.Values{"csrf": {tok}, "name": {"piet"}, "role": {"caseworker"},
		"password": {"kort"}, "password2": {"kort"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "12") {
		t.Errorf("short password: %d %.300s", r.status, r.body)
	}
	// Removing needs the tick, as deleting a case does.
	if r := boss.post("/admin/users/remove", url.Values{"csrf": {tok}, "name": {caseworker}}); r.status != http.StatusSeeOther {
		t.Fatalf("remove without the tick: %d", r.status)
	}
	if _, err := d.store.User(caseworker); err != nil {
		t.Fatal("removed without the tick")
	}
	if page, _ := boss.follow("/admin/users"); !strings.Contains(page.body, "Vink eerst aan dat u "+caseworker+" wilt verwijderen.") {
		t.Errorf("users page after a removal without the tick: %.500s", page.body)
	}
	if r := boss.post("/admin/users/remove", url.Values{"csrf": {tok}, "name": {caseworker}, "confirm": {"yes"}}); r.status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.status)
	}
	if r := worker.get("/cases"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("removed user's session: %d %s", r.status, r.header.Get("Location"))
	}
	if r := worker.login(caseworker, password); r.status != http.StatusUnauthorized {
		t.Errorf("removed user logs in: %d", r.status)
	}
	page, _ := boss.follow("/admin/users")
	if !strings.Contains(page.body, caseworker+" is verwijderd") {
		t.Errorf("users page after removal: %.500s", page.body)
	}
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	worker, boss := d.browser(), d.browser()
	worker.mustLogin(caseworker)
	boss.mustLogin(admin)
	tok := boss.csrf("/admin/users")
	pw := "een nieuw lang wachtwoord"
	if r := boss.post("/admin/users/password", url.Values{"csrf": {tok}, "name": {caseworker}, "password": {pw}, "password2": {pw}}); r.status != http.StatusSeeOther {
		t.Fatalf("set password: %d", r.status)
	}
	if r := worker.get("/cases"); r.status != http.StatusSeeOther {
		t.Errorf("session after a password change: %d", r.status)
	}
	if r := worker.login(caseworker, pw); r.status != http.StatusSeeOther {
		t.Errorf("new password: %d", r.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	for _, p := range []string{"/login", "/cases", "/nergens", "/static/desk.css"} {
		r := b.get(p)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", p, r.header)
		}
	}
	b = d.browser()
	c := b.c
	tok := b.csrf("/login")
	req, _ := http.NewRequest(http.MethodPost, d.ts.URL+"/login", strings.NewReader(url.Values{"csrf": {tok}, "name": {caseworker}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			found = true
			if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
				t.Errorf("session cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Error("no session cookie")
	}
}

func TestReceiveAndWorkACase(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	fatima := newCitizen(t, "Fatima Yılmaz")
	good := d.share(fatima, nil)
	r := b.upload("/inbox", b.csrf("/inbox"),
		part{name: "bundle", file: "fatima.kluis", data: good},
		part{name: "bundle", file: "rommel.kluis", data: []byte("dit is geen bundel")},
		part{name: "bundle", file: "fatima-nogmaals.kluis", data: good})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("upload of three: %d", r.status)
	}
	for _, want := range []string{"fatima.kluis", "ontvangen van Fatima Yılmaz", "rommel.kluis", "fatima-nogmaals.kluis", "dit was al ontvangen"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("upload results lack %q: %.1500s", want, r.body)
		}
	}
	imps, _ := d.store.List()
	if len(imps) != 1 {
		t.Fatalf("store holds %d imports", len(imps))
	}
	id := imps[0].ID

	list := b.get("/cases").body
	for _, want := range []string{"Fatima Yılmaz", "Aanvraag schuldhulp", "Z-2026-0042", "16 maart 2026", "nog niet"} {
		if !strings.Contains(list, want) {
			t.Errorf("case list lacks %q", want)
		}
	}

	// The case page by a unique start of the id, as on the command line.
	page := b.get("/cases/" + id[:8])
	if page.status != http.StatusOK {
		t.Fatalf("case page: %d", page.status)
	}
	for _, want := range []string{
		"Zaak van Fatima Yılmaz", "Schuldeiser", "Belastingdienst", "€ 250,00", "Relatie tot de inwoner",
		"Niet gedeeld", "BSN", "brief belastingdienst.pdf", "Wordt over 14 dagen verwijderd (16 maart 2026)",
		"Ontvangen en gecontroleerd",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "Aan wie moet u geld betalen?") {
		t.Error("the case page uses the citizen's question wording")
	}

	// The document, downloaded and viewed.
	doc := b.get("/cases/" + id + "/documents/1")
	if doc.status != http.StatusOK || doc.body != string(pdfBytes) || !strings.HasPrefix(doc.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q %q", doc.status, doc.header.Get("Content-Disposition"), doc.body)
	}
	view := b.get("/cases/" + id + "/documents/1?view=1")
	if view.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(view.header.Get("Content-Disposition"), "inline") {
		t.Errorf("view: %v", view.header)
	}
	if r := b.get("/cases/" + id + "/documents/2"); r.status != http.StatusNotFound {
		t.Errorf("document 2 of 1: %d", r.status)
	}

	// The receipt as a file: signed by the organisation, for this bundle.
	tok := b.csrf("/cases/" + id)
	rc := b.post("/cases/"+id+"/receipt", url.Values{"csrf": {tok}, "as": {"file"}})
	rec, err := bundle.ParseReceipt([]byte(rc.body))
	if err != nil || rec.BundleID != id || !rec.FromCard(d.org.Card().Fingerprint(), d.org.Card().PublicKey()) {
		t.Fatalf("receipt: %v %+v", err, rec)
	}
	link := b.post("/cases/"+id+"/receipt", url.Values{"csrf": {tok}, "as": {"link"}})
	m := regexp.MustCompile(`kluis:receipt/v1/[A-Za-z0-9_-]+`).FindString(link.body)
	if m == "" {
		t.Fatalf("receipt link page: %.500s", link.body)
	}
	if got, err := bundle.DecodeReceipt([]byte(m)); err != nil || !bytes.Equal(got, []byte(rc.body)) {
		t.Errorf("the link does not carry the receipt: %v", err)
	}
	if qr := b.get("/cases/" + id + "/receipt.png"); qr.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.body, "\x89PNG") {
		t.Errorf("receipt QR: %v", qr.header)
	}
	if !strings.Contains(b.get("/cases").body, "2 maart 2026") {
		t.Error("the case list does not show the receipt's date")
	}

	// The export for the case system, as a ZIP.
	zr := b.post("/cases/"+id+"/export", url.Values{"csrf": {tok}})
	if zr.header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(zr.body, "PK") {
		t.Fatalf("export: %d %v", zr.status, zr.header)
	}
	for _, want := range []string{"samenvatting.html", "brief belastingdienst.pdf"} {
		if !strings.Contains(zr.body, want) {
			t.Errorf("export ZIP lacks %s", want)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(d.dir, "tmp")); len(left) != 0 {
		t.Errorf("export left %d entries in tmp", len(left))
	}

	// Delete needs the tick.
	if r := b.post("/cases/"+id+"/delete", url.Values{"csrf": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete without tick: %d", r.status)
	}
	if _, err := d.store.Get(id); err != nil {
		t.Fatal("deleted without the tick")
	}
	if r := b.post("/cases/"+id+"/delete", url.Values{"csrf": {tok}, "confirm": {"yes"}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if _, err := d.store.Get(id); err == nil {
		t.Fatal("the case is still there")
	}
	if r := b.get("/cases/" + id); r.status != http.StatusNotFound {
		t.Errorf("deleted case page: %d", r.status)
	}
	if docs, _ := os.ReadDir(filepath.Join(d.dir, "docs")); len(docs) != 0 {
		t.Errorf("deleting left %d document files", len(docs))
	}
	// Deleting is the caseworker's choice, not the citizen's: the same
	// bundle, still valid, can be received again on purpose.
	r = b.upload("/inbox", b.csrf("/inbox"), part{name: "bundle", file: "fatima.kluis", data: good})
	if !strings.Contains(r.body, "ontvangen van Fatima Yılmaz") {
		t.Errorf("upload of a deleted bundle: %.600s", r.body)
	}

	// Every view, download, receipt, export and the deletion is in the log.
	es, err := d.store.LogFor(id)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range es {
		count[e.Action]++
		if e.User != caseworker || e.Purpose != "Aanvraag schuldhulp" {
			t.Errorf("log entry %+v", e)
		}
	}
	want := map[string]int{intake.ActImport: 1, intake.ActView: 2, intake.ActDownload: 1, intake.ActReceipt: 2, intake.ActExport: 1, intake.ActDelete: 1}
	for act, n := range want {
		if count[act] < n {
			t.Errorf("log has %d %s entries, want %d (%v)", count[act], act, n, count)
		}
	}
	if n, err := d.store.VerifyLog(); err != nil || n == 0 {
		t.Errorf("log verify: %d, %v", n, err)
	}
}

func TestPastedLinkAndShareCode(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	small := d.share(newCitizen(t, "Jan de Vries"), func(s *bundle.Share) { s.Documents = nil })
	r := b.upload("/inbox", b.csrf("/inbox"), part{name: "link", data: []byte("  " + bundle.BundleURI(small) + "\n")})
	if r.status != http.StatusOK || !strings.Contains(r.body, "ontvangen van Jan de Vries") {
		t.Fatalf("pasted link: %d %.600s", r.status, r.body)
	}
	r = b.upload("/inbox", b.csrf("/inbox"), part{name: "link", data: []byte("kluis:bundle/v1/!!!")})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Link") {
		t.Errorf("bad link: %d %.600s", r.status, r.body)
	}
	if r := b.upload("/inbox", b.csrf("/inbox")); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Kies een of meer bestanden") {
		t.Errorf("empty upload: %d %.400s", r.status, r.body)
	}
}

func TestUploadOverTheLimitLeavesNothing(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{MaxUpload: 64 << 10})
	b := d.browser()
	b.mustLogin(caseworker)
	big := d.share(newCitizen(t, "Fatima"), func(s *bundle.Share) {
		data := bytes.Repeat([]byte("x"), 256<<10)
		s.Documents = []bundle.DocumentSource{docSource("8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", "groot.pdf", "", data)}
	})
	r := b.upload("/inbox", b.csrf("/inbox"), part{name: "bundle", file: "groot.kluis", data: big})
	if r.status == http.StatusOK || strings.Count(r.body, "groter dan toegestaan") != 1 {
		t.Errorf("upload over the limit: %d %.600s", r.status, r.body)
	}
	for _, sub := range []string{"tmp", "docs"} {
		if left, _ := os.ReadDir(filepath.Join(d.dir, sub)); len(left) != 0 {
			t.Errorf("%s holds %d files after a refused upload", sub, len(left))
		}
	}
	if imps, _ := d.store.List(); len(imps) != 0 {
		t.Errorf("store holds %d imports", len(imps))
	}
}

// TestDiskFullDuringUpload fills a real 8 MiB filesystem with an upload
// of 12 MiB: the caseworker reads that the disk is full, the store keeps
// its earlier case and nothing of the refused one, and takes the next
// bundle once the space is there. It needs root to mount, and is skipped
// without.
func TestDiskFullDuringUpload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small filesystem here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	d := newDeskIn(t, dir, org, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	first := b.importOne(d.share(newCitizen(t, "Fatima"), nil))

	big := make([]byte, 12<<20)
	rand.Read(big)
	bigShare := d.share(newCitizen(t, "Sami"), func(s *bundle.Share) {
		s.Documents = []bundle.DocumentSource{docSource("8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", "scan.pdf", "", big)}
	})
	r := b.upload("/inbox", b.csrf("/inbox"), part{name: "bundle", file: "groot.kluis", data: bigShare})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "niet genoeg ruimte op de schijf") {
		t.Fatalf("upload onto a full disk: %d %.800s", r.status, r.body)
	}
	if strings.Contains(r.body, "Er ging iets mis") || strings.Contains(r.body, "no space") {
		t.Errorf("a full disk is not said in plain Dutch: %.800s", r.body)
	}
	// Delivered straight from a citizen's Kluis: "busy, try again later",
	// which the Kluis tells the citizen, keeping the file.
	if r := d.api(post.PathDeliver, bigShare); r.status != http.StatusServiceUnavailable || refusalOf(t, r).Code != "post.busy" {
		t.Errorf("direct delivery onto a full disk: %d %.300s", r.status, r.body)
	}
	imps, err := d.store.List()
	if err != nil || len(imps) != 1 || imps[0].ID != first {
		t.Fatalf("after the full disk the store lists %d imports (%v), want only %s", len(imps), err, first)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("tmp holds %d files after the full disk", len(left))
	}
	if r := b.get("/cases/" + first); r.status != http.StatusOK || !strings.Contains(r.body, "Belastingdienst") {
		t.Errorf("the earlier case after the full disk: %d %.300s", r.status, r.body)
	}
	// With the refused upload gone there is room for a small one.
	if id := b.importOne(d.share(newCitizen(t, "Noor"), nil)); id == first {
		t.Errorf("the next bundle was not stored as a case of its own")
	}
	if r := d.api(post.PathDeliver, d.share(newCitizen(t, "Ayoub"), nil)); r.status != http.StatusOK {
		t.Errorf("a small delivery after the full disk: %d %.300s", r.status, r.body)
	}
	if err := d.store.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := intake.Open(dir, org, nil)
	if err != nil {
		t.Fatalf("the store does not open again after a full disk: %v", err)
	}
	defer again.Close()
	if imps, _ := again.List(); len(imps) != 3 {
		t.Errorf("reopened store lists %d imports, want 3", len(imps))
	}
}

func TestRefusedBundlesStoreNothing(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	who := newCitizen(t, "Fatima")
	good := d.share(who, nil)
	otherOrg, _ := bundle.GenerateOrgIdentity("Gemeente Elders", "", nil, start.Add(-time.Hour))
	cases := map[string][]byte{
		"leeg":          {},
		"afgekapt":      good[:len(good)/2],
		"veranderd":     flip(good, len(good)-40),
		"verlopen":      d.share(who, func(s *bundle.Share) { s.Created = start.Add(-30 * 24 * time.Hour); s.NotAfter = start.Add(-time.Hour) }),
		"niet-voor-ons": d.share(who, func(s *bundle.Share) { s.To = otherOrg.Card() }),
	}
	for name, data := range cases {
		r := b.upload("/inbox", b.csrf("/inbox"), part{name: "bundle", file: name + ".kluis", data: data})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `class="refused"`) {
			t.Errorf("%s: %d %.500s", name, r.status, r.body)
		}
		if strings.Contains(r.body, "Er ging iets mis") {
			t.Errorf("%s: refusal is not said in plain words: %.500s", name, r.body)
		}
	}
	if imps, _ := d.store.List(); len(imps) != 0 {
		t.Errorf("store holds %d imports after refusals", len(imps))
	}
	for _, sub := range []string{"tmp", "docs"} {
		if left, _ := os.ReadDir(filepath.Join(d.dir, sub)); len(left) != 0 {
			t.Errorf("%s holds %d files after refusals", sub, len(left))
		}
	}
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x40
	return out
}

func TestCitizenTextIsShownAsText(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	const xss = `<script>alert(1)</script>`
	const attr = `"><img src=x onerror=alert(1)>`
	id := b.importOne(d.share(newCitizen(t, "Fatima "+xss), func(s *bundle.Share) {
		s.Purpose = "Schuldhulp " + attr
		s.CaseReference = "Z" + xss
		s.Message = "Hallo " + xss + attr
		s.Records[0].Fields["creditor"] = "Bank " + xss
		s.Documents = []bundle.DocumentSource{docSource("8b3c4d5e-6f7a-4b2c-9d0e-1f2a3b4c5d6e", `brief"; filename=evil.html `+attr+".pdf",
			"7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d", pdfBytes)}
	}))
	for _, p := range []string{"/cases", "/cases/" + id, "/cases?q=fatima"} {
		body := b.get(p).body
		if strings.Contains(body, "<script") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s carries citizen text as markup", p)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the text as text", p)
		}
	}
	cd := b.get("/cases/" + id + "/documents/1").header.Get("Content-Disposition")
	if strings.Contains(cd, "evil.html\"") || strings.Contains(cd, "<script") || !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
}

func TestPathsOutsideTheDesk(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	id := b.importOne(d.share(newCitizen(t, "Fatima"), nil))
	for _, p := range []string{
		"/cases/" + id + "/documents/..%2f..%2fintake.db", "/cases/" + id + "/documents/0", "/cases/" + id + "/documents/-1",
		"/cases/..%2f..%2fetc%2fpasswd", "/static/..%2f..%2fintake.db", "/cases/" + id + "/documents/1%2f..%2f..",
	} {
		r := b.get(p)
		if r.status == http.StatusOK || strings.Contains(r.body, "bbolt") {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	// Redirects after language switch stay on the desk.
	tok := b.csrf("/cases")
	r := b.post("/language", url.Values{"csrf": {tok}, "lang": {"en"}, "back": {"//evil.example/"}})
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("language switch goes to %q", loc)
	}
	if !strings.Contains(b.get("/cases").body, "Cases") {
		t.Error("the switch to English did not take")
	}
}

func TestRevocationNotice(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	fatima, jan := newCitizen(t, "Fatima"), newCitizen(t, "Jan")
	idF := b.importOne(d.share(fatima, nil))
	idJ := b.importOne(d.share(jan, nil))
	noticeF, err := bundle.NewNotice(fatima, fatima.priv.Public().(ed25519.PublicKey), idF, d.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	tok := b.csrf("/cases/" + idJ)
	// Fatima's notice on Jan's case is refused.
	r := b.upload("/cases/"+idJ+"/revoke", tok, part{name: "notice", file: "intrekking", data: noticeF})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "andere zaak") {
		t.Errorf("notice on the wrong case: %d %.400s", r.status, r.body)
	}
	// A notice by someone else for Fatima's bundle is refused too.
	forged, _ := bundle.NewNotice(jan, jan.priv.Public().(ed25519.PublicKey), idF, d.clock.now())
	if r := b.upload("/cases/"+idF+"/revoke", tok, part{name: "notice", file: "vals", data: forged}); r.status == http.StatusSeeOther {
		t.Error("a forged notice was applied")
	}
	if r := b.upload("/cases/"+idF+"/revoke", tok, part{name: "notice", file: "eindeloos", data: bytes.Repeat([]byte("a"), maxNotice+10)}); r.status == http.StatusSeeOther {
		t.Error("an endless notice was applied")
	}
	r = b.upload("/cases/"+idF+"/revoke", tok, part{name: "notice", file: "intrekking", data: noticeF})
	if r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %.400s", r.status, r.body)
	}
	if _, err := d.store.Get(idF); err == nil {
		t.Error("revoked case still stored")
	}
	if _, err := d.store.Get(idJ); err != nil {
		t.Error("Jan's case went too")
	}
	list, _ := b.follow("/cases")
	if !strings.Contains(list.body, "De intrekking van Fatima is verwerkt") || strings.Contains(list.body, "/cases/"+idF) {
		t.Errorf("case list after revoking: %.800s", list.body)
	}
}

func TestCaseListSearchAndPages(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	for i := range pageSize + 3 {
		name := "Inwoner " + string(rune('A'+i%26)) + string(rune('a'+i/26))
		if i == 7 {
			name = "Fatima Yılmaz"
		}
		if _, _, err := d.store.Import(context.Background(), bytes.NewReader(d.share(newCitizen(t, name), func(s *bundle.Share) { s.Documents = nil })), intake.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Imports made outside the desk (the store was open before) appear
	// once the desk has read them; the desk reads at start, so make a new one.
	srv, err := New(d.store, d.org, Options{Now: d.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	d.srv.cases = srv.cases
	first := b.get("/cases").body
	if !strings.Contains(first, "Zaak 1 tot en met 50 van 53") || !strings.Contains(first, "Pagina 1 van 2") {
		t.Errorf("first page: %.1000s", first)
	}
	second := b.get("/cases?page=2").body
	if !strings.Contains(second, "Zaak 51 tot en met 53 van 53") {
		t.Errorf("second page: %.1000s", second)
	}
	found := b.get("/cases?q=" + url.QueryEscape("yılmaz")).body
	if !strings.Contains(found, "Zaak 1 tot en met 1 van 1") || !strings.Contains(found, "Fatima Yılmaz") {
		t.Errorf("search: %.1000s", found)
	}
	if none := b.get("/cases?q=niemand").body; !strings.Contains(none, "Geen zaken gevonden bij ‘niemand’") {
		t.Errorf("search without result: %.800s", none)
	}
}
