package desk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"kluis/intake"
	"kluis/internal/errcode"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
	"kluis/sync/post"
)

// The direct route (package sync/post): what a citizen's Kluis posts to
// the desk when the organisation's card names its inbox. These paths need
// no session: every file carries its own signature, and nothing is
// answered that its signer may not know. Each address may send at most
// APIBurst requests at once and APIRate a second after that (429 beyond),
// and at most maxImports bundles are imported at once (the others wait).
func (s *Server) apiRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /"+post.PathDeliver, s.api(s.apiDeliver))
	m.HandleFunc("POST /"+post.PathRevoke, s.api(s.apiRevoke))
	m.HandleFunc("POST /"+post.PathMessage, s.api(s.apiMessage))
	m.HandleFunc("POST /"+post.PathPickup, s.api(s.apiPickup))
}

// Defaults of the direct route's limits.
const (
	DefaultAPIRate  = 20  // requests a second, per address, after the burst
	DefaultAPIBurst = 300 // requests at once, per address
	maxImports      = 8   // bundles imported at once
	// importWait bounds how long a delivery waits for an import slot
	// before it is told to come back. Its body is not read while it
	// waits, so an unbounded wait would let deliveries sharing one HTTP/2
	// connection hold its flow-control window and stall the ones that
	// hold a slot.
	importWait = 15 * time.Second
	maxNonces  = 200_000
)

// api wraps a handler of the direct route: rate limit, refusal in JSON.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.allow(clientAddr(r)) {
			w.Header().Set("Retry-After", "5")
			s.apiRefuse(w, r, http.StatusTooManyRequests, &post.Error{Code: post.CodeBusy})
			return
		}
		if err := h(w, r); err != nil {
			s.apiError(w, r, err)
		}
	}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// apiError answers a failed request of the direct route: a refusal of
// the file with its code (422), a full disk or an overloaded desk as
// "try again later" (503), anything else as the desk's own fault (500,
// logged; nothing of it is told).
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var mb *http.MaxBytesError
	switch {
	case errors.Is(err, context.Canceled):
		return
	case errors.As(err, &mb):
		s.apiRefuse(w, r, http.StatusRequestEntityTooLarge, &bundle.Error{Code: bundle.CodeTooLarge, Detail: "upload"})
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, intake.ErrInUse):
		s.opt.Logger.Error("desk: direct route", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "600")
		s.apiRefuse(w, r, http.StatusServiceUnavailable, &post.Error{Code: post.CodeBusy})
	case errors.Is(err, intake.ErrDamaged) || errcode.Of(err) == nil:
		s.opt.Logger.Error("desk: direct route", "path", r.URL.Path, "err", err)
		s.apiRefuse(w, r, http.StatusInternalServerError, &post.Error{Code: post.CodeUnreachable})
	default:
		s.apiRefuse(w, r, http.StatusUnprocessableEntity, err)
	}
}

func (s *Server) apiRefuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	cat := s.cats[i18n.Dutch]
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "en") {
		cat = s.cats[i18n.English]
	}
	b, _ := json.Marshal(post.Refusal{Code: errcode.Code(err), Message: cat.Error(err)})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// apiDeliver imports a bundle (a share, or an answer to a request) as an
// upload does, and answers with its receipt, logged as made.
func (s *Server) apiDeliver(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.opt.MaxUpload)
	wait := time.NewTimer(s.opt.ImportWait)
	defer wait.Stop()
	select {
	case s.imports <- struct{}{}:
		defer func() { <-s.imports }()
	case <-wait.C:
		w.Header().Set("Retry-After", "30")
		s.apiRefuse(w, r, http.StatusServiceUnavailable, &post.Error{Code: post.CodeBusy})
		return nil
	case <-r.Context().Done():
		return r.Context().Err()
	}
	var opts intake.ImportOptions
	opts.Limits.MaxInput = s.opt.MaxUpload
	imp, again, err := s.store.Import(r.Context(), bufio.NewReaderSize(r.Body, 256<<10), opts)
	if err != nil {
		return err
	}
	if !again {
		row, err := rowOf(imp)
		if err != nil {
			return err
		}
		s.cases.put(row)
	}
	file, err := s.store.Receipt(imp.ID)
	if err != nil {
		return err
	}
	m, _ := imp.ParsedManifest()
	e, err := s.store.Log(intake.LogEntry{Action: intake.ActReceipt, Import: imp.ID, Purpose: purposeOf(m), Detail: "sent to the citizen's Kluis"})
	if err != nil {
		return err
	}
	s.cases.receiptMade(imp.ID, e.Time)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(file)
	return nil
}

// apiRevoke applies a revocation notice.
func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) error {
	file, err := readBody(w, r, maxNotice)
	if err != nil {
		return err
	}
	n, err := bundle.ParseNotice(file)
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	_, err = s.store.Revoke(file)
	if err == nil {
		s.cases.remove(n.BundleID)
	}
	s.writeMu.Unlock()
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiMessage takes a citizen's message into its case's conversation.
func (s *Server) apiMessage(w http.ResponseWriter, r *http.Request) error {
	file, err := readBody(w, r, post.MaxMessageFile)
	if err != nil {
		return err
	}
	m, caseID, err := s.store.Receive(file)
	if err != nil {
		return err
	}
	s.cases.messageIn(caseID, m.At)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiPickup hands a citizen what waits for them: the messages to them,
// and the access statement of every bundle of theirs. A pickup that does
// not check out is refused alike whatever the reason, so the answer says
// nothing of whether anything waits.
func (s *Server) apiPickup(w http.ResponseWriter, r *http.Request) error {
	file, err := readBody(w, r, post.MaxPickup)
	if err != nil {
		return &post.Error{Code: post.CodeBadPickup}
	}
	p, err := post.VerifyPickup(file, s.org.Card().Fingerprint(), s.opt.Now())
	if err != nil || !s.nonces.fresh(p.Nonce, s.opt.Now()) {
		s.apiRefuse(w, r, http.StatusUnauthorized, &post.Error{Code: post.CodeBadPickup})
		return nil
	}
	pub, _ := bundle.ParseCardKey(p.Ed25519)
	waiting, err := s.store.Pickup(pub)
	if err != nil {
		return err
	}
	reply := post.PickupReply{Messages: waiting.Messages, Access: []string{}}
	if reply.Messages == nil {
		reply.Messages = [][]byte{}
	}
	for _, id := range waiting.Bundles {
		st, err := s.store.AccessStatement(id, s.opt.AccessNames)
		if err != nil {
			return err
		}
		reply.Access = append(reply.Access, string(st))
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(reply)
}

// readBody reads a small file posted to the direct route, refusing more
// than limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &post.Error{Code: post.CodeTooLarge}
		}
		return nil, err
	}
	return b, nil
}

// limiter is a token bucket per client address.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	buckets map[string]*tokens
}

type tokens struct {
	n    float64
	last time.Time
}

func newLimiter(rate, burst int, now func() time.Time) *limiter {
	return &limiter{rate: float64(rate), burst: float64(burst), now: now, buckets: map[string]*tokens{}}
}

func (l *limiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 100_000 {
		for a, t := range l.buckets {
			if now.Sub(t.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, a)
			}
		}
	}
	t, ok := l.buckets[addr]
	if !ok {
		t = &tokens{n: l.burst, last: now}
		l.buckets[addr] = t
	}
	t.n = min(l.burst, t.n+now.Sub(t.last).Seconds()*l.rate)
	t.last = now
	if t.n < 1 {
		return false
	}
	t.n--
	return true
}

// nonceCache remembers the nonces of pickups for twice the pickup window,
// so each pickup is answered once.
type nonceCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (c *nonceCache) fresh(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]time.Time{}
	}
	if len(c.seen) >= maxNonces {
		for n, at := range c.seen {
			if now.Sub(at) > 2*post.PickupWindow {
				delete(c.seen, n)
			}
		}
		if len(c.seen) >= maxNonces {
			return false
		}
	}
	if _, ok := c.seen[nonce]; ok {
		return false
	}
	c.seen[nonce] = now
	return true
}
