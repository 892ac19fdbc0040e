//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// endless is /dev/zero as an io.Reader that counts what it gave.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

// TestReadLimitedEndless: an endless source is read to its limit and one
// byte more, not further, and a stopped run stops reading.
func TestReadLimitedEndless(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	src := &endless{}
	if b, err := readLimited(context.Background(), src, limit); err != errTooLarge || b != nil {
		t.Fatalf("endless source: %d bytes, %v; want errTooLarge", len(b), err)
	}
	if src.n > limit+1+(512<<10) {
		t.Errorf("read %d bytes of an endless source for a limit of %d", src.n, limit)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src = &endless{}
	if _, err := readLimited(ctx, src, 1<<40); !errors.Is(err, context.Canceled) || src.n != 0 {
		t.Errorf("stopped run: %v after %d bytes", err, src.n)
	}
}

// TestEndlessFilesRefused: revoke, index import and --key on /dev/zero
// are refused as too large at once (the revoke once grew to 23.8 GB).
func TestEndlessFilesRefused(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	w := newIntakeWorld(t)
	for _, args := range [][]string{
		{"revoke", "/dev/zero"},
		{"index", "import", "/dev/zero"},
		{"--key", "/dev/zero", "list"},
	} {
		start := time.Now()
		_, stderr, code := w.run(args...)
		if code != 1 || !strings.Contains(stderr, "large") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v took %v", args, d)
		}
	}
}

// TestSIGTERMStops sends a real SIGTERM (and SIGINT) to kluis-intake while it reads a
// notice from a pipe: it stops at once with one line and exit status 1,
// both when the pipe keeps trickling bytes (the read loop sees the signal)
// and when nothing comes (stopGrace ends it). The store is left as it was.
func TestSIGTERMStops(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	if _, stderr, code := w.run("list"); code != 0 {
		t.Fatalf("list: %s", stderr)
	}
	before := w.storeState()
	for _, c := range []struct {
		sig     syscall.Signal
		trickle bool
	}{{syscall.SIGTERM, true}, {syscall.SIGTERM, false}, {syscall.SIGINT, true}} {
		trickle := c.trickle
		fifo := filepath.Join(w.dir, "notice.fifo")
		os.Remove(fifo)
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no named pipes:", err)
		}
		cmd := exec.Command(os.Args[0], "--store", "s", "revoke", fifo)
		cmd.Dir = w.dir
		cmd.Env = append([]string{"KLUIS_INTAKE_BE_MAIN=1", "LANG=en_US.UTF-8", "HOME=" + w.dir, "PATH=" + os.Getenv("PATH")}, w.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pipe, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for kluis-intake to open it
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer pipe.Close()
			for {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if trickle {
					pipe.Write([]byte("x"))
				}
			}
		}()
		time.Sleep(200 * time.Millisecond)
		start := time.Now()
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		// A kluis-intake that ignores the signal is killed after 10 s.
		waited := make(chan struct{})
		go func() {
			select {
			case <-waited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
			}
		}()
		err = cmd.Wait()
		close(waited)
		took := time.Since(start)
		close(done)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "stopped by a signal") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v, trickle %v: %v, stderr %q", c.sig, trickle, err, stderr.String())
		}
		limit := time.Second
		if !trickle {
			limit = stopGrace + 2*time.Second
		}
		if took > limit {
			t.Errorf("%v, trickle %v: stopped after %v", c.sig, trickle, took)
		}
	}
	if w.storeState() != before {
		t.Error("a stopped run changed the store")
	}
}

func TestEndOfDayOnAShortDay(t *testing.T) {
	t.Parallel()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	// 29 March 2026 has 23 hours in Amsterdam: the clocks go forward.
	for _, day := range []string{"2026-03-29", "2026-10-25", "2026-12-04"} {
		got, ok := endOfDayIn(day, ams)
		if !ok || got.Format("2006-01-02 15:04:05") != day+" 23:59:59" {
			t.Errorf("end of %s = %v (%v)", day, got, ok)
		}
	}
	if _, ok := endOfDayIn("4-12-2026", ams); ok {
		t.Error("a date that is not YYYY-MM-DD was read")
	}
}
