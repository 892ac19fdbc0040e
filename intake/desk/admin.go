package desk

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"kluis/intake"
)

type usersData struct {
	Users []intake.User
	Name  string // the add form's name, kept after a refusal
	Role  string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.showUsers(w, r, ss, http.StatusOK, usersData{Role: string(intake.RoleCaseworker)})
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, ss *session, status int, d usersData) {
	us, err := s.store.Users()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	d.Users = us
	s.render(w, status, "users", s.newPage(r, ss, "admin", "desk.users.title", d))
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request, ss *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := intake.Role(r.PostFormValue("role"))
	pw, again := r.PostFormValue("password"), r.PostFormValue("password2")
	d := usersData{Name: name, Role: string(role)}
	cat := s.cat(r)
	if pw != again {
		ss.warn(cat.T("desk.users.mismatch", nil))
		s.showUsers(w, r, ss, http.StatusBadRequest, d)
		return
	}
	if err := s.store.AddUser(name, role, []byte(pw)); err != nil {
		ss.warn(cat.Error(err))
		s.showUsers(w, r, ss, http.StatusBadRequest, d)
		return
	}
	s.logAct(ss, intake.LogEntry{Action: intake.ActUser, Detail: "add " + name + " " + string(role)})
	ss.say(cat.T("desk.users.added", map[string]any{"Name": name}))
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// removeUser removes an account; its open sessions end at once. The
// administrator ticks that they mean it, as for deleting a case.
func (s *Server) removeUser(w http.ResponseWriter, r *http.Request, ss *session) {
	name := r.PostFormValue("name")
	cat := s.cat(r)
	if r.PostFormValue("confirm") != "yes" {
		ss.warn(cat.T("desk.users.confirm_needed", map[string]any{"Name": name}))
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return
	}
	if err := s.store.RemoveUser(name); err != nil {
		ss.warn(cat.Error(err))
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return
	}
	s.sessions.endUser(name)
	s.logAct(ss, intake.LogEntry{Action: intake.ActUser, Detail: "remove " + name})
	if name == ss.user.Name {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ss.say(cat.T("desk.users.removed", map[string]any{"Name": name}))
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// setPassword gives an account a new password; its open sessions end.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, ss *session) {
	name := r.PostFormValue("name")
	cat := s.cat(r)
	pw, again := r.PostFormValue("password"), r.PostFormValue("password2")
	if pw != again {
		ss.warn(cat.T("desk.users.mismatch", nil))
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return
	}
	if err := s.store.SetPassword(name, []byte(pw)); err != nil {
		ss.warn(cat.Error(err))
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return
	}
	s.sessions.endUser(name)
	s.logAct(ss, intake.LogEntry{Action: intake.ActUser, Detail: "password " + name})
	if name == ss.user.Name {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ss.say(cat.T("desk.users.password_set", map[string]any{"Name": name}))
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

type logData struct {
	Entries []intake.LogEntry
	From    uint64
	PrevURL string
	NextURL string
	Import  string
}

const logPageSize = 100

// logPage shows the processing log, a hundred entries at a time, or all
// entries about one case (?case=ID).
func (s *Server) logPage(w http.ResponseWriter, r *http.Request, ss *session) {
	var d logData
	var err error
	if c := strings.TrimSpace(r.URL.Query().Get("case")); c != "" {
		d.Import = c
		d.Entries, err = s.store.LogFor(c)
	} else {
		from, _ := strconv.ParseUint(r.URL.Query().Get("from"), 10, 64)
		d.From = from
		d.Entries, err = s.store.LogEntries(from, logPageSize+1)
		if len(d.Entries) > logPageSize {
			d.Entries = d.Entries[:logPageSize]
			d.NextURL = "/admin/log?from=" + strconv.FormatUint(d.Entries[len(d.Entries)-1].Seq+1, 10)
		}
		if from > 0 {
			d.PrevURL = "/admin/log?from=" + strconv.FormatUint(from-min(from, logPageSize), 10)
		}
	}
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	s.render(w, http.StatusOK, "log", s.newPage(r, ss, "log", "desk.log.title", d))
}

// logJSON sends the whole processing log as JSON.
func (s *Server) logJSON(w http.ResponseWriter, r *http.Request, ss *session) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", disposition("attachment", "verwerkingslog.json"))
	enc := json.NewEncoder(w)
	w.Write([]byte("[\n"))
	var from uint64
	first := true
	for {
		es, err := s.store.LogEntries(from, 1000)
		if err != nil {
			s.opt.Logger.Error("desk: log export", "err", err)
			panic(http.ErrAbortHandler)
		}
		for _, e := range es {
			if !first {
				w.Write([]byte(","))
			}
			first = false
			enc.Encode(e)
			from = e.Seq + 1
		}
		if len(es) < 1000 {
			break
		}
	}
	w.Write([]byte("]\n"))
}

func (s *Server) verifyLog(w http.ResponseWriter, r *http.Request, ss *session) {
	n, err := s.store.VerifyLog()
	if err != nil {
		ss.warn(s.cat(r).Error(err))
	} else {
		ss.say(s.cat(r).N("desk.log.verified", n, nil))
	}
	http.Redirect(w, r, "/admin/log", http.StatusSeeOther)
}
