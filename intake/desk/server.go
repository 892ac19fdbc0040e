package desk

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"kluis/assets"
	"kluis/intake"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults of Options.
const (
	DefaultMaxUpload = 2 << 30 // bytes in one upload request
	DefaultIdle      = 30 * time.Minute
	pageSize         = 50
)

// Options tune a desk.
type Options struct {
	Now       func() time.Time // time.Now when nil
	MaxUpload int64            // bytes of one upload request; DefaultMaxUpload when zero
	Idle      time.Duration    // a session ends after this long without a request; DefaultIdle when zero
	Logger    *slog.Logger     // where errors the caseworker cannot act on go; slog.Default when nil
	// AccessNames: the access statements citizens fetch name caseworkers
	// by their account name rather than a pseudonym.
	AccessNames bool
	// APIRate and APIBurst limit the direct route's requests per client
	// address; DefaultAPIRate and DefaultAPIBurst when zero.
	APIRate, APIBurst int
	// ImportWait is how long a direct delivery waits for one of the
	// eight import slots before it is answered "busy"; 15 s when zero.
	ImportWait time.Duration
}

// A Server is the desk: an http.Handler over one intake store.
type Server struct {
	store *intake.Store
	org   *bundle.OrgIdentity
	opt   Options
	cats  map[string]*i18n.Catalog
	pages map[string]*template.Template
	mux   *http.ServeMux

	sessions *sessions
	throttle *throttle
	cases    *caseIndex
	limiter  *limiter
	nonces   nonceCache
	imports  chan struct{} // a slot per import running on the direct route

	// writeMu orders the desk's own writes that must see the case index
	// and the store agree (import, delete, revoke, purge).
	writeMu sync.Mutex
}

// New makes the desk for store, which belongs to org. It reads the
// store's imports once, to list and search them without decrypting each
// on every page.
func New(store *intake.Store, org *bundle.OrgIdentity, opt Options) (*Server, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxUpload <= 0 {
		opt.MaxUpload = DefaultMaxUpload
	}
	if opt.Idle <= 0 {
		opt.Idle = DefaultIdle
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.APIRate <= 0 {
		opt.APIRate = DefaultAPIRate
	}
	if opt.ImportWait <= 0 {
		opt.ImportWait = importWait
	}
	if opt.APIBurst <= 0 {
		opt.APIBurst = DefaultAPIBurst
	}
	s := &Server{
		store: store, org: org, opt: opt,
		cats:     map[string]*i18n.Catalog{i18n.Dutch: i18n.Load(i18n.Dutch), i18n.English: i18n.Load(i18n.English)},
		sessions: newSessions(opt.Idle, opt.Now),
		throttle: newThrottle(opt.Now),
		limiter:  newLimiter(opt.APIRate, opt.APIBurst, opt.Now),
		imports:  make(chan struct{}, maxImports),
	}
	if err := s.parsePages(); err != nil {
		return nil, err
	}
	ci, err := buildCaseIndex(store)
	if err != nil {
		return nil, err
	}
	s.cases = ci
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /static/icon.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(assets.Icon)
	})
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /language", s.language)

	in := func(pattern string, h func(http.ResponseWriter, *http.Request, *session)) {
		m.HandleFunc(pattern, s.signedIn(h, false))
	}
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request, *session)) {
		m.HandleFunc(pattern, s.signedIn(h, true))
	}
	in("POST /logout", s.logout)
	in("GET /{$}", func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, "/cases", http.StatusSeeOther)
	})
	in("GET /cases", s.caseList)
	in("GET /inbox", s.inboxPage)
	in("POST /inbox", s.upload)
	in("GET /cases/{id}", s.casePage)
	in("GET /cases/{id}/documents/{n}", s.document)
	in("POST /cases/{id}/receipt", s.receipt)
	in("GET /cases/{id}/receipt.png", s.receiptQR)
	in("POST /cases/{id}/export", s.export)
	in("POST /cases/{id}/revoke", s.revoke)
	in("POST /cases/{id}/delete", s.deleteCase)
	in("POST /cases/{id}/message", s.caseMessage)
	s.requestRoutes(in)
	s.indexRoutes(in)
	admin("GET /admin/users", s.usersPage)
	admin("POST /admin/users", s.addUser)
	admin("POST /admin/users/remove", s.removeUser)
	admin("POST /admin/users/password", s.setPassword)
	admin("GET /admin/log", s.logPage)
	admin("GET /admin/log.json", s.logJSON)
	admin("POST /admin/log/verify", s.verifyLog)
	s.apiRoutes(m)
	m.HandleFunc("/", s.notFound)
	s.mux = m
}

// ServeHTTP answers one request, with the headers every response carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Strict-Transport-Security", "max-age=31536000")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	s.mux.ServeHTTP(w, r)
}

// lang is the language a request's pages are in: the caseworker's choice
// (a cookie), else Dutch.
func (s *Server) lang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == i18n.English {
		return i18n.English
	}
	return i18n.Dutch
}

func (s *Server) cat(r *http.Request) *i18n.Catalog { return s.cats[s.lang(r)] }

const langCookie = "kluis_lang"

// language switches the pages' language; the form carries where to go
// back to. Only paths on this desk are followed.
func (s *Server) language(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Dutch
	if r.PostFormValue("lang") == i18n.English {
		lang = i18n.English
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

// localPath returns p when it is a path on this site, else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

// page is what every page's template gets.
type page struct {
	cat     *i18n.Catalog
	Lang    string
	Title   string
	Path    string // the request's path and query, to come back to
	User    *intake.User
	CSRF    string
	Nav     string // which navigation item is current
	Flash   string // a message about what just happened
	Problem string // a message about what went wrong
	Data    any
}

func (s *Server) newPage(r *http.Request, ss *session, nav, titleKey string, data any) *page {
	cat := s.cat(r)
	p := &page{cat: cat, Lang: cat.Lang(), Path: r.URL.RequestURI(), Nav: nav, Data: data}
	p.Title = cat.T(titleKey, nil)
	if ss != nil {
		p.User = &ss.user
		p.CSRF = ss.csrf
		p.Flash, p.Problem = ss.takeFlash()
	}
	return p
}

// N is T for a count: {{.N "key" n "Name" value …}} takes key.one or
// key.other, with the count as {{.N}}.
func (p *page) N(key string, n int, args ...any) string {
	return p.cat.N(key, n, pairs(args))
}

// T is the templates' message: {{.T "key" "Name" value …}} fills the
// message's placeholders from pairs.
func (p *page) T(key string, args ...any) string {
	return p.cat.T(key, pairs(args))
}

// pairs makes template arguments "Name", value, … into message data.
func pairs(args []any) map[string]any {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := args[i].(string); ok {
				data[k] = args[i+1]
			}
		}
	}
	return data
}

func (s *Server) parsePages() error {
	funcs := template.FuncMap{
		"date":     func(t time.Time) string { return dutchOrEnglishDate(t, i18n.Dutch) },
		"datein":   dutchOrEnglishDate,
		"datetime": dateTime,
		"size":     humanSize,
		"add":      func(a, b int) int { return a + b },
		"short":    func(id string) string { return shortID(id) },
		"itoa":     strconv.Itoa,
	}
	base, err := template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "base" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return err
		}
		s.pages[name] = t
	}
	return nil
}

// render writes a page; the template runs into a buffer first, so a
// failing template never leaves half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) {
	t, ok := s.pages[name]
	if !ok {
		s.opt.Logger.Error("desk: no template", "name", name)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "base.html", p); err != nil {
		s.opt.Logger.Error("desk: template", "name", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// problemPage answers with a page that says what went wrong.
func (s *Server) problemPage(w http.ResponseWriter, r *http.Request, ss *session, status int, msg string) {
	p := s.newPage(r, ss, "", "desk.problem.title", nil)
	p.Problem = msg
	s.render(w, status, "problem", p)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	ss := s.sessions.get(r)
	s.problemPage(w, r, ss, http.StatusNotFound, s.cat(r).T("desk.problem.not_found", nil))
}

// fail answers a request whose work failed with err: a refusal in the
// caseworker's words; what they cannot act on is logged as well.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, intake.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, context.Canceled):
		return
	case errors.Is(err, intake.ErrDamaged):
		status = http.StatusInternalServerError
		s.opt.Logger.Error("desk", "path", r.URL.Path, "err", err)
	}
	s.problemPage(w, r, ss, status, s.cat(r).Error(err))
}
