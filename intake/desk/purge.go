package desk

import (
	"context"
	"time"

	"kluis/intake"
)

// Purge removes what is due from the store (intake.Store.Purge: imports
// past their kept-until time, tallies whose period is over) and from the
// case list.
func (s *Server) Purge() ([]intake.Purged, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	out, err := s.store.Purge()
	var gone []string
	for _, p := range out {
		if p.Reason == intake.ReasonExpired {
			gone = append(gone, p.ID)
		}
	}
	s.cases.remove(gone...)
	return out, err
}

// RunPurge purges at once and then every interval until ctx ends, and
// forgets idle sessions as it goes. Failures are logged: the next run
// tries again.
func (s *Server) RunPurge(ctx context.Context, interval time.Duration) {
	for {
		if out, err := s.Purge(); err != nil {
			s.opt.Logger.Error("desk: purge", "err", err)
		} else if len(out) > 0 {
			s.opt.Logger.Info("desk: purged", "count", len(out))
		}
		s.sessions.sweep()
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
