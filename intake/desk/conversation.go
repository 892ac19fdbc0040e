package desk

import (
	"errors"
	"net/http"
	"time"

	"kluis/intake"
	"kluis/internal/errcode"
	"kluis/sync/post"
)

// A case's conversation with the citizen: the messages both ways (package
// sync/post), on the case page and on a data request's page (when the
// citizen wrote, or refused, before sharing anything).

// errNoText refuses an empty message.
var errNoText = errcode.New("desk.message.empty", "write a message first")

// messageView is one message as the desk shows it.
type messageView struct {
	At      time.Time
	In      bool   // from the citizen
	Who     string // the citizen's name, or the caseworker's account
	Text    string
	Refuses bool // the citizen refused the request with it
}

func messageViews(ms []intake.Message) []messageView {
	out := make([]messageView, 0, len(ms))
	for _, m := range ms {
		v := messageView{At: m.At, In: m.Dir == intake.FromCitizen, Text: m.Text, Refuses: m.Refuses != ""}
		if v.In {
			v.Who = m.Citizen.Name
		} else {
			v.Who = m.User
		}
		out = append(out, v)
	}
	return out
}

// caseMessage is a caseworker's message to the citizen of a case.
func (s *Server) caseMessage(w http.ResponseWriter, r *http.Request, ss *session) {
	imp, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	text := post.NormalizeText(r.PostFormValue("text"))
	if text == "" {
		s.fail(w, r, ss, errNoText)
		return
	}
	if _, err := s.store.WriteToCitizen(imp.ID, ss.user.Name, text); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	ss.say(s.cat(r).T("desk.message.sent", nil))
	http.Redirect(w, r, "/cases/"+imp.ID+"#conversation", http.StatusSeeOther)
}

// requestMessage is a caseworker's message on a data request's page, to
// the citizen who wrote about it there.
func (s *Server) requestMessage(w http.ResponseWriter, r *http.Request, ss *session) {
	sr, err := s.lookupRequest(r)
	if err != nil {
		s.failRequest(w, r, ss, err)
		return
	}
	text := post.NormalizeText(r.PostFormValue("text"))
	if text == "" {
		s.fail(w, r, ss, errNoText)
		return
	}
	if _, err := s.store.WriteOnRequest(sr.ID, ss.user.Name, text); err != nil {
		if errors.Is(err, intake.ErrUnknownCase) {
			err = errNoCitizen
		}
		s.fail(w, r, ss, err)
		return
	}
	ss.say(s.cat(r).T("desk.message.sent", nil))
	http.Redirect(w, r, "/requests/"+sr.ID+"#conversation", http.StatusSeeOther)
}

// errNoCitizen: nobody wrote on the request yet, so there is nobody to
// answer.
var errNoCitizen = errcode.New("desk.message.no_citizen", "no citizen wrote about this request yet")
