package instance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a second process: with KLUIS_INSTANCE_HELPER
// set it plays a running app or a second start (see helper).
func TestMain(m *testing.M) {
	if mode := os.Getenv("KLUIS_INSTANCE_HELPER"); mode != "" {
		os.Exit(helper(mode, os.Getenv("KLUIS_INSTANCE_SOCK"), os.Getenv("KLUIS_INSTANCE_MSG")))
	}
	os.Exit(m.Run())
}

// helper is the other process. "primary" claims the socket, says "ready"
// and waits to be killed; "send" hands msg over and prints the outcome.
func helper(mode, sock, msg string) int {
	switch mode {
	case "primary":
		l, handed, err := Claim(sock, "")
		if err != nil || handed {
			fmt.Println("not primary:", handed, err)
			return 1
		}
		go l.Serve(func(string) {})
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin) // until killed
		return 0
	case "send":
		if err := send(sock, msg); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("ok")
		return 0
	}
	return 2
}

// sockIn is a socket path in a fresh directory that does not exist yet.
func sockIn(t *testing.T) string {
	t.Helper()
	return filepath.Join(tempDir(t), "run", "kluis-test.sock")
}

// primary claims sock, which must make this the running app, and serves
// into the returned channel until the test ends.
func primary(t *testing.T, sock string) (*Listener, chan string) {
	t.Helper()
	l, handed, err := Claim(sock, "")
	if err != nil || handed || l == nil {
		t.Fatalf("first claim: listener %v, handed %v, error %v", l, handed, err)
	}
	return l, serve(t, l)
}

// serve runs l.Serve into a channel; cleanup closes l and checks that Serve
// ended cleanly.
func serve(t *testing.T, l *Listener) chan string {
	t.Helper()
	got := make(chan string, 16)
	done := make(chan error, 1)
	go func() { done <- l.Serve(func(msg string) { got <- msg }) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return got
}

// received is the next message delivered, failing after a generous wait
// (a channel receive, not a sleep: it returns as soon as one arrives).
func received(t *testing.T, got chan string) string {
	t.Helper()
	select {
	case msg := <-got:
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was delivered")
		return ""
	}
}

// nothingDelivered fails when a message is waiting in got.
func nothingDelivered(t *testing.T, got chan string) {
	t.Helper()
	select {
	case msg := <-got:
		t.Fatalf("delivered %q", msg)
	default:
	}
}

func TestFirstClaimsSecondHandsOver(t *testing.T) {
	sock := sockIn(t)
	_, got := primary(t, sock)

	for _, msg := range []string{
		"kluis:request/v1/QUJDREVGR0g",
		"", // no argument: only "show yourself"
		"/home/anna/Downloads/aanvraag gemeente – ü.kluis-request",
		"regel één\nregel twee\n",
		strings.Repeat("x", MaxMessage),
	} {
		l, handed, err := Claim(sock, msg)
		if err != nil || !handed || l != nil {
			t.Fatalf("second claim of a %d-byte message: listener %v, handed %v, error %v", len(msg), l, handed, err)
		}
		if m := received(t, got); m != msg {
			t.Fatalf("delivered %.40q (%d bytes), want %.40q (%d bytes)", m, len(m), msg, len(msg))
		}
		nothingDelivered(t, got)
	}

	if _, _, err := Claim(sock, strings.Repeat("x", MaxMessage+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a message over MaxMessage: %v", err)
	}
	nothingDelivered(t, got)
}

// TestRaceToStart: several starts at once; exactly one becomes the
// running app and every other one's message arrives there.
func TestRaceToStart(t *testing.T) {
	sock := sockIn(t)
	const n = 6
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		primaries int
		got       = make(chan string, n)
		errs      = make(chan error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, handed, err := Claim(sock, fmt.Sprint("kluis:test/", i))
			switch {
			case err != nil:
				errs <- err
			case !handed:
				mu.Lock()
				primaries++
				mu.Unlock()
				go l.Serve(func(msg string) { got <- msg })
				t.Cleanup(func() { l.Close() })
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if primaries != 1 {
		t.Fatalf("%d processes became the running app, want 1", primaries)
	}
	seen := map[string]bool{}
	for range n - 1 {
		seen[received(t, got)] = true
	}
	if len(seen) != n-1 {
		t.Fatalf("messages %v, want %d different ones", seen, n-1)
	}
}

// TestStaleSocketAfterCrash: a running app killed outright leaves its
// socket file; the next start removes it and becomes the running app.
func TestStaleSocketAfterCrash(t *testing.T) {
	sock := sockIn(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KLUIS_INSTANCE_HELPER=primary", "KLUIS_INSTANCE_SOCK="+sock)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q", line)
	}
	// While it runs, it is the running app.
	if l, handed, err := Claim(sock, "kluis:x"); err != nil || !handed {
		t.Fatalf("claim while the other process runs: listener %v, handed %v, error %v", l, handed, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if halfClose { // a Unix socket: the file stays behind
		if fi, err := os.Lstat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Fatalf("the killed process left no socket file (%v): the test proves nothing", err)
		}
	}
	if err := send(sock, "kluis:x"); err == nil {
		t.Fatal("a dead socket took a message")
	}

	_, got := primary(t, sock)
	if _, handed, err := Claim(sock, "kluis:after"); err != nil || !handed {
		t.Fatalf("hand-over to the new running app: handed %v, error %v", handed, err)
	}
	if m := received(t, got); m != "kluis:after" {
		t.Fatalf("delivered %q", m)
	}
}

// rawSend writes b to the socket, closes the writing half and returns
// everything the running app answered.
func rawSend(t *testing.T, sock string, b []byte) string {
	t.Helper()
	c, err := dial(sock, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(b) // may fail once the app has given up on a long message
	closeWrite(c)
	answer, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) && !brokenPipe(err) {
		t.Fatalf("reading the answer: %v", err)
	}
	return string(answer)
}

func TestBadMessagesAreIgnored(t *testing.T) {
	sock := sockIn(t)
	l, handed, err := Claim(sock, "")
	if err != nil || handed {
		t.Fatal(handed, err)
	}
	// A pipe's sender cannot close its half: a message cut short is only
	// dropped when the time is up.
	l.timeout = 300 * time.Millisecond
	got := serve(t, l)
	long := strings.Repeat("y", MaxMessage+1)
	for name, b := range map[string]string{
		"empty":            "",
		"garbage":          "hello\n",
		"no newline":       "kluis-instance/1 5",
		"endless header":   "kluis-instance/1 " + strings.Repeat("9", 100) + "\n",
		"other version":    "kluis-instance/2 3\nabc",
		"too long":         "kluis-instance/1 " + fmt.Sprint(len(long)) + "\n" + long,
		"negative":         "kluis-instance/1 -1\n",
		"plus sign":        "kluis-instance/1 +3\nabc",
		"leading zero":     "kluis-instance/1 03\nabc",
		"short body":       "kluis-instance/1 10\nabc",
		"trailing bytes":   "kluis-instance/1 3\nabcdef",
		"NUL byte":         "kluis-instance/1 3\na\x00c",
		"not UTF-8":        "kluis-instance/1 3\na\xffc",
		"two messages":     "kluis-instance/1 1\nakluis-instance/1 1\nb",
		"space in length":  "kluis-instance/1  3\nabc",
		"header only, CR":  "kluis-instance/1 3\r\nabc",
		"length too large": "kluis-instance/1 1048577\n",
	} {
		if !halfClose && (name == "trailing bytes" || name == "two messages") {
			continue // without the end of the stream, these look whole
		}
		if answer := rawSend(t, sock, []byte(b)); answer != "" {
			t.Errorf("%s: answered %q", name, answer)
		}
	}
	// Each bad connection has been closed by the app before the next one,
	// so a delivery from any of them would be in got before this one.
	if answer := rawSend(t, sock, []byte("kluis-instance/1 7\nkluis:x")); answer != "ok\n" {
		t.Fatalf("a good message after bad ones: answered %q", answer)
	}
	if m := received(t, got); m != "kluis:x" {
		t.Fatalf("first delivery %q, want the good message", m)
	}
}

// TestSlowSendersAreCutOff: connections that send nothing, more of them
// than are served at once, neither shut out a real message for long nor
// stay open.
func TestSlowSendersAreCutOff(t *testing.T) {
	sock := sockIn(t)
	l, handed, err := Claim(sock, "")
	if err != nil || handed {
		t.Fatal(handed, err)
	}
	l.timeout = 300 * time.Millisecond
	got := serve(t, l)
	var idle []net.Conn
	for range maxConns + 2 {
		c, err := dial(sock, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	if err := send(sock, "kluis:x"); err != nil {
		t.Fatalf("send while others idle: %v", err)
	}
	if m := received(t, got); m != "kluis:x" {
		t.Fatalf("delivered %q", m)
	}
	for i, c := range idle {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil || len(b) != 0 {
			t.Fatalf("idle connection %d: read %q, %v; want it closed", i, b, err)
		}
	}
}
