package intake

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kluis/sync/bundle"
)

// TestPurgeWhileInUse: the desk purges every hour while caseworkers work.
// Purge replaces the store's file (compaction), so calls running at the
// same moment must wait for it, not fail or read a closed file.
func TestPurgeWhileInUse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	imp, _, err := w.importBytes(w.build(w.share(func(s *bundle.Share) { s.Documents = nil })), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.AddUser("mira", RoleCaseworker, []byte(miraPassword)); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var calls atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				_, err1 := w.store.Log(LogEntry{User: "mira", Action: ActView, Import: imp.ID})
				_, err2 := w.store.Get(imp.ID)
				_, err3 := w.store.Users()
				_, err4 := w.store.LogEntries(1, 5)
				for _, err := range []error{err1, err2, err3, err4} {
					if err != nil {
						select {
						case errs <- err:
						default:
						}
					}
				}
				calls.Add(1)
			}
		})
	}
	deadline := time.Now().Add(2 * time.Second)
	purges := 0
	for purges < 5 || time.Now().Before(deadline) && purges < 50 {
		if _, err := w.store.Purge(); err != nil {
			t.Errorf("purge %d: %v", purges, err)
		}
		purges++
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call during a purge: %v", err)
	}
	if n, err := w.store.VerifyLog(); err != nil || n < 2 {
		t.Errorf("VerifyLog = %d, %v", n, err)
	}
	t.Logf("%d purges, %d rounds of calls", purges, calls.Load())
}
