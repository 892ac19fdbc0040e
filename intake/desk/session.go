package desk

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kluis/intake"
)

// Cookie names. The __Host- prefix makes the browser keep a cookie only
// when it is Secure, set by this host, for every path, with no Domain.
const (
	sessionCookie = "__Host-kluis_session"
	loginCookie   = "__Host-kluis_login"
)

// A session is one signed-in caseworker in one browser.
type session struct {
	token    string
	csrf     string
	user     intake.User
	lastSeen time.Time

	mu             sync.Mutex
	flash, problem string // shown once, on the next page
}

// say keeps a message about what just happened for the next page.
func (ss *session) say(msg string) {
	ss.mu.Lock()
	ss.flash = msg
	ss.mu.Unlock()
}

// warn keeps a message about what went wrong for the next page.
func (ss *session) warn(msg string) {
	ss.mu.Lock()
	ss.problem = msg
	ss.mu.Unlock()
}

func (ss *session) takeFlash() (string, string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f, p := ss.flash, ss.problem
	ss.flash, ss.problem = "", ""
	return f, p
}

// sessions are kept in memory only: a restart of the desk signs everyone
// out, which is what a caseworker would expect of a server restart.
type sessions struct {
	mu   sync.Mutex
	idle time.Duration
	now  func() time.Time
	byID map[string]*session
}

func newSessions(idle time.Duration, now func() time.Time) *sessions {
	return &sessions{idle: idle, now: now, byID: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) start(u intake.User) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := &session{token: randomToken(), csrf: randomToken(), user: u, lastSeen: ss.now()}
	ss.byID[s.token] = s
	return s
}

// get returns the request's live session, touching it, or nil. A session
// idle for too long is ended.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[c.Value]
	if !ok {
		return nil
	}
	now := ss.now()
	if now.Sub(s.lastSeen) > ss.idle {
		delete(ss.byID, s.token)
		return nil
	}
	s.lastSeen = now
	return s
}

// expired says whether the request carries the cookie of a session that
// no longer exists (ended by time or by an administrator).
func (ss *sessions) expired(r *http.Request) bool {
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

func (ss *sessions) end(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, token)
}

// endUser ends every session of a user (removed, or given another
// password or role).
func (ss *sessions) endUser(name string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for t, s := range ss.byID {
		if s.user.Name == name {
			delete(ss.byID, t)
		}
	}
}

// sweep forgets sessions idle for too long.
func (ss *sessions) sweep() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for t, s := range ss.byID {
		if now.Sub(s.lastSeen) > ss.idle {
			delete(ss.byID, t)
		}
	}
}

// throttle counts wrong passwords per account name. From the fifth in a
// row, the next try has to wait: one second, then twice as long after each
// further wrong one, at most maxWait. A right password clears the count.
type throttle struct {
	mu   sync.Mutex
	now  func() time.Time
	fail map[string]*failures
}

type failures struct {
	n     int
	until time.Time
}

const (
	freeTries = 5
	maxWait   = 15 * time.Minute
)

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, fail: map[string]*failures{}}
}

func accountKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// wait returns how long the account must wait before its next try (zero:
// it may try now).
func (t *throttle) wait(name string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.fail[accountKey(name)]
	if f == nil {
		return 0
	}
	if d := f.until.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

func (t *throttle) failed(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := accountKey(name)
	f := t.fail[k]
	if f == nil {
		if len(t.fail) > 100_000 {
			// Names nobody has are tried too; forget the oldest counts
			// rather than grow without end.
			clear(t.fail)
		}
		f = &failures{}
		t.fail[k] = f
	}
	f.n++
	if f.n >= freeTries {
		d := time.Second << min(f.n-freeTries, 20)
		f.until = t.now().Add(min(d, maxWait))
	}
}

func (t *throttle) succeeded(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fail, accountKey(name))
}

func setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// loginPage shows the login form. Its CSRF token is bound to a cookie of
// its own, as there is no session yet.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.sessions.get(r) != nil {
		http.Redirect(w, r, "/cases", http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, "", "")
}

type loginData struct {
	Name string
	Next string
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, name, problem string) {
	token := randomToken()
	setCookie(w, loginCookie, token, 3600)
	p := s.newPage(r, nil, "", "desk.login.title", loginData{Name: name, Next: localPath(r.FormValue("next"))})
	p.CSRF = token
	p.Problem = problem
	if problem == "" && r.URL.Query().Get("ended") == "1" {
		p.Problem = s.cat(r).T("desk.login.ended", nil)
	}
	if problem == "" && r.URL.Query().Get("out") == "1" {
		p.Flash = s.cat(r).T("desk.login.logged_out", nil)
	}
	s.render(w, status, "login", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(c.Value, r.PostFormValue("csrf")) {
		s.forbidden(w, r, nil)
		return
	}
	cat := s.cat(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if d := s.throttle.wait(name); d > 0 {
		mins := int((d + time.Minute - 1) / time.Minute)
		s.showLogin(w, r, http.StatusTooManyRequests, name, cat.T("desk.login.wait", map[string]any{"Minutes": mins}))
		return
	}
	u, err := s.store.CheckPassword(name, []byte(r.PostFormValue("password")))
	if err != nil {
		if errors.Is(err, intake.ErrBadLogin) {
			s.throttle.failed(name)
			s.showLogin(w, r, http.StatusUnauthorized, name, cat.T("desk.login.wrong", nil))
			return
		}
		s.opt.Logger.Error("desk: login", "err", err)
		s.showLogin(w, r, http.StatusInternalServerError, name, cat.Error(err))
		return
	}
	s.throttle.succeeded(name)
	ss := s.sessions.start(*u)
	setCookie(w, sessionCookie, ss.token, 0)
	setCookie(w, loginCookie, "", -1)
	s.logAct(ss, intake.LogEntry{Action: intake.ActLogin})
	http.Redirect(w, r, localPathOr(r.PostFormValue("next"), "/cases"), http.StatusSeeOther)
}

func localPathOr(p, def string) string {
	if p = localPath(p); p == "/" {
		return def
	}
	return p
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, ss *session) {
	s.sessions.end(ss.token)
	s.logAct(ss, intake.LogEntry{Action: intake.ActLogout})
	setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// signedIn wraps a handler for signed-in caseworkers (administrators only,
// when admin): without a live session the browser goes to the login page,
// a POST must carry the session's CSRF token, and the account must still
// be what it was when the session began.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *session), admin bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss := s.sessions.get(r)
		if ss == nil {
			s.toLogin(w, r, s.sessions.expired(r))
			return
		}
		u, err := s.store.User(ss.user.Name)
		if err != nil || u.Generation != ss.user.Generation || u.Role != ss.user.Role {
			s.sessions.end(ss.token)
			s.toLogin(w, r, true)
			return
		}
		if r.Method == http.MethodPost {
			var ok bool
			if r, ok = s.checkCSRF(w, r, ss); !ok {
				s.forbidden(w, r, ss)
				return
			}
		}
		if admin && ss.user.Role != intake.RoleAdmin {
			s.forbidden(w, r, ss)
			return
		}
		h(w, r, ss)
	}
}

// checkCSRF compares the form's token with the session's. A multipart
// form is read only as far as its first part, which every upload form
// puts first: the file parts stream on to the handler.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, ss *session) (*http.Request, bool) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, s.opt.MaxUpload)
		mr, err := r.MultipartReader()
		if err != nil {
			return r, false
		}
		part, err := mr.NextPart()
		if err != nil || part.FormName() != "csrf" {
			return r, false
		}
		b, _ := io.ReadAll(io.LimitReader(part, 128))
		if !sameToken(ss.csrf, string(b)) {
			return r, false
		}
		return r.WithContext(context.WithValue(r.Context(), multipartKey{}, mr)), true
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	return r, sameToken(ss.csrf, r.PostFormValue("csrf"))
}

// multipartKey carries an upload's multipart reader, its CSRF part read,
// from checkCSRF to the handler.
type multipartKey struct{}

func multipartOf(r *http.Request) *multipart.Reader {
	mr, _ := r.Context().Value(multipartKey{}).(*multipart.Reader)
	return mr
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request, ended bool) {
	setCookie(w, sessionCookie, "", -1)
	u := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
	if r.Method != http.MethodGet {
		u = "/login?next=/cases"
	}
	if ended {
		u += "&ended=1"
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, ss *session) {
	s.problemPage(w, r, ss, http.StatusForbidden, s.cat(r).T("desk.problem.forbidden", nil))
}

// logAct writes an entry of the processing log for the session's user.
// The log is the municipality's account of what it did with citizens'
// data: when it cannot be written, the desk says so in its own log; the
// handlers that must not go on without an entry call s.record instead.
func (s *Server) logAct(ss *session, e intake.LogEntry) {
	if _, err := s.record(ss, e); err != nil {
		s.opt.Logger.Error("desk: processing log", "err", err)
	}
}

func (s *Server) record(ss *session, e intake.LogEntry) (intake.LogEntry, error) {
	if ss != nil {
		e.User = ss.user.Name
	}
	return s.store.Log(e)
}
