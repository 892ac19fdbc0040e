package delegation

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"kluis/vault"
)

// TestMergeSurvivesKill merges the owner's first pack of 100,000 records
// (12,000 with -short) on the delegate's side in a process that is killed
// (SIGKILL) part-way, again and again, each time resuming where the last
// one left off, until a run completes. After each kill both vault files
// open and pass their checks; at the end the delegate's copy holds every
// record exactly as the owner sent it, each merged and logged once.
func TestMergeSurvivesKill(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 12_000
	}
	dir, p := scalePair(t, n)
	sent, _, err := p.mother.v.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	p.son.v.Close()
	p.mother.v.Close()

	// merged opens the delegate's vault and his copy of the owner's, as a
	// new process would, and counts the records there.
	merged := func() int {
		t.Helper()
		v, err := vault.Open(filepath.Join(dir, "Youssef", "vault.kluis"), nil)
		if err != nil {
			t.Fatalf("the delegate's vault after a kill: %v", err)
		}
		defer v.Close()
		if err := v.Unlock([]byte(testPass)); err != nil {
			t.Fatal(err)
		}
		ms, err := ManagedVaults(v)
		if err != nil {
			t.Fatal(err)
		}
		m := ms[p.mother.c.Fingerprint()]
		if m == nil {
			return 0
		}
		rv, err := OpenReplica(v, m)
		if err != nil {
			t.Fatalf("the copy after a kill: %v", err)
		}
		defer rv.Close()
		c, err := rv.Counts()
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, k := range c {
			total += k
		}
		return total
	}

	// Until a kill has landed part-way, a run is killed at its event-th
	// write to the delegate's files or after delay, whichever comes first.
	// The merge stores nothing before the whole pack is checked, then
	// commits in batches, so the batches come late and, without the race
	// detector, fast; a kill before anything was merged moves the next
	// run's kill to the next write and gives it longer.
	delay, partial, kills := 300*time.Millisecond, 0, 0
	event := 1
	last := 0
	for run := 0; ; run++ {
		if run == 100 {
			t.Fatalf("no run completed after %d kills", kills)
		}
		cmd := exec.Command(os.Args[0], "-test.run", "^TestMergeChild$", "-test.count", "1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, childEnv+"_N=-1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var exitErr error
		completed := false
		writes, stopWatching := watchWrites(filepath.Join(dir, "Youssef"), event)
		select {
		case exitErr = <-done:
			completed = true
		case <-writes:
		case <-time.After(delay):
		}
		if !completed {
			cmd.Process.Kill()
			exitErr = <-done
			kills++
		}
		stopWatching()
		var ee *exec.ExitError
		if completed && exitErr != nil && !errors.As(exitErr, &ee) {
			t.Fatal(exitErr)
		}
		if completed && exitErr != nil {
			t.Fatalf("the merge failed: %v", exitErr)
		}
		got := merged()
		t.Logf("run %d after %v: %d of %d records (completed: %v)", run, delay, got, n, completed)
		if completed {
			break
		}
		if got > 0 && got < n {
			partial++
		}
		switch {
		case got == 0:
			if event > 0 {
				event++
			}
			delay = delay * 3 / 2 // not merging yet: give the next run longer
		case got == last:
			if event > 0 {
				event++
			}
			delay = delay * 11 / 10 // merging, but no batch committed
		default:
			// Part-way: from now on the kills go by time alone, a little
			// later each run, so that a run completes in the end.
			event = 0
			delay = delay * 21 / 20
		}
		last = got
	}
	if !testing.Short() && partial == 0 {
		t.Errorf("no kill landed part-way through the merge (%d kills)", kills)
	}

	// The delegate's copy holds what the owner sent, each record merged
	// and logged once, and its log verifies.
	v, err := vault.Open(filepath.Join(dir, "Youssef", "vault.kluis"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	ms, _ := ManagedVaults(v)
	rv, err := OpenReplica(v, ms[p.mother.c.Fingerprint()])
	if err != nil {
		t.Fatal(err)
	}
	defer rv.Close()
	have, _, err := rv.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != len(sent) {
		t.Fatalf("the copy holds %d records, the owner sent %d", len(have), len(sent))
	}
	byID := map[string]vault.Record{}
	for _, r := range have {
		byID[r.ID] = r
	}
	for _, s := range sent {
		h, ok := byID[s.ID]
		if !ok || h.Version != 1 || h.Modified != s.Modified || h.Author != s.Author || !mapsEqual(h.Fields, s.Fields) || len(h.Stamps) != len(s.Stamps) {
			t.Fatalf("record %s: sent %+v, have %+v", s.ID, s, h)
		}
	}
	if _, err := rv.VerifyLog(); err != nil {
		t.Fatal(err)
	}
	log, err := rv.Log()
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]int{}
	for _, e := range log {
		if e.Action == vault.ActionRecordMerged {
			logged[e.Subject]++
		}
	}
	for _, s := range sent {
		if logged[s.ID] != 1 {
			t.Fatalf("record %s logged %d times", s.ID, logged[s.ID])
		}
	}
	t.Logf("%d kills, %d part-way", kills, partial)
}

// watchWrites returns a channel that is closed at the n-th time a file
// under dir changes size or modification time (looking every 2 ms), and a
// function that stops the watching. With n 0 it watches nothing.
func watchWrites(dir string, n int) (<-chan struct{}, func()) {
	if n <= 0 {
		return nil, func() {}
	}
	seen, stop, stopped := make(chan struct{}), make(chan struct{}), make(chan struct{})
	state := func() (sig int64) {
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if fi, err := d.Info(); err == nil {
				sig += fi.Size() + fi.ModTime().UnixNano()
			}
			return nil
		})
		return sig
	}
	go func() {
		defer close(stopped)
		prev, changes := state(), 0
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if cur := state(); cur != prev {
				prev = cur
				if changes++; changes == n {
					close(seen)
					return
				}
			}
		}
	}()
	return seen, func() {
		close(stop)
		<-stopped
	}
}
