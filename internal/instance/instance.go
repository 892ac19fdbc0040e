// Package instance keeps Kluis to one running app per vault: a second start
// hands what it was started with (a kluis: link, a file) to the app that is
// already running, and ends.
//
// The running app listens on a Unix domain socket that only its own user
// can reach. SocketPath names it per vault file, in $XDG_RUNTIME_DIR/kluis
// (or, without one, in the user's cache directory, kluis/instance). Claim
// either makes this process the running one (it returns a Listener) or
// hands a message to the one that already is. Which of the two holds is
// decided by an exclusive flock(2) on a lock file next to the socket, held
// as long as the Listener is open: the kernel drops it when a process
// ends, however it ends, so a socket file left behind by a crash is known
// to be stale and is removed.
//
// Who may hand over:
//
//   - The directory is created 0700 and must be a real directory (not a
//     symbolic link) owned by this user; looser permissions are tightened
//     to 0700. Claim refuses a directory it cannot trust.
//   - The socket file is made 0600.
//   - On Linux each connection's peer is also checked with SO_PEERCRED:
//     another user's process is refused, even if the permissions above
//     were loosened. Elsewhere the directory and socket permissions are
//     the only check.
//
// A message is one line "kluis-instance/1 <n>" followed by n bytes (n at
// most MaxMessage; n may be 0: "show yourself"), after which the sender
// closes its half of the connection. The running app answers "ok" once it
// has taken the message; anything else (too long, not UTF-8, a NUL byte,
// trailing bytes, too slow) is dropped without an answer.
//
// The package never imports Fyne: what a message means is the caller's
// business.
package instance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxMessage is the most a message may carry, in bytes: as much as the app
// reads from a file it is started with.
const MaxMessage = 1 << 20

const (
	// header starts every message; the number after it is the length.
	header = "kluis-instance/1 "
	// maxHeader bounds the first line, newline included.
	maxHeader = len(header) + len("1048576") + 1
	// reply is the running app's answer to a message it took.
	reply = "ok\n"
	// maxConns is how many connections are served at once.
	maxConns = 4
	// sunPathMax is the longest socket path every Unix accepts.
	sunPathMax = 103
)

const (
	// readTimeout is how long the running app waits for a whole message
	// (Listener.timeout; tests shorten it).
	readTimeout = 2 * time.Second
	// sendTimeout is how long a second start waits for its message to be
	// taken.
	sendTimeout = 5 * time.Second
	// startWait is how long a second start keeps trying to reach an app
	// that holds the lock but is not listening yet.
	startWait = 3 * time.Second
)

var (
	// ErrTooLarge is returned by Claim for a message over MaxMessage.
	ErrTooLarge = errors.New("message too large")
	// ErrUnsafeDir is returned when the socket's directory is not a real
	// directory owned by this user.
	ErrUnsafeDir = errors.New("socket directory is not private to this user")
	// ErrRefused is returned when the running app did not take the
	// message.
	ErrRefused = errors.New("the running instance did not take the message")
	// ErrPathTooLong is returned by SocketPath when the socket's path is
	// longer than a Unix socket address allows.
	ErrPathTooLong = errors.New("socket path too long")
)

// SocketPath is the socket of the app that has the vault at vaultPath open:
// one per vault file, so two vaults never share one.
func SocketPath(vaultPath string) (string, error) {
	abs, err := filepath.Abs(vaultPath)
	if err != nil {
		return "", fmt.Errorf("failed to find the socket path: %w", err)
	}
	// Two spellings of one folder (a symbolic link) are one vault.
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	sum := sha256.Sum256([]byte(abs))
	name := "kluis-" + hex.EncodeToString(sum[:8]) + ".sock"

	var dir string
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		dir = filepath.Join(rt, "kluis")
	} else {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("failed to find the socket path: %w", err)
		}
		dir = filepath.Join(cache, "kluis", "instance")
	}
	p := filepath.Join(dir, name)
	if runtime.GOOS != "windows" && len(p) > sunPathMax {
		return "", fmt.Errorf("%w: %s", ErrPathTooLong, p)
	}
	return p, nil
}

// lockPath is the lock file that goes with the socket at sock.
func lockPath(sock string) string { return strings.TrimSuffix(sock, ".sock") + ".lock" }

// Claim makes this process the running app for the socket at sock, or
// hands msg to the app that already is.
//
// When another process holds the socket and took msg, handed is true and
// l is nil: the caller should end. Otherwise, with a nil error, l listens:
// call Serve, and Close when the app ends. An error means neither worked
// (an unsafe directory, an app that holds the lock but does not answer);
// the caller can carry on without handing over.
func Claim(sock, msg string) (l *Listener, handed bool, err error) {
	if len(msg) > MaxMessage {
		return nil, false, ErrTooLarge
	}
	if err := privateDir(filepath.Dir(sock)); err != nil {
		return nil, false, err
	}
	lock, err := tryLock(lockPath(sock))
	switch {
	case err == nil:
		l, err := listen(sock, lock)
		if err != nil {
			lock.Close()
			return nil, false, err
		}
		return l, false, nil
	case errors.Is(err, errLocked):
		if err := sendWhenUp(sock, msg); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	default:
		return nil, false, err
	}
}

// privateDir makes sure dir exists, is a directory (not a symbolic link)
// owned by this user, and has mode 0700.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("failed to create the socket directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("failed to check the socket directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrUnsafeDir, dir)
	}
	if uid, ok := owner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%w: %s belongs to user %d", ErrUnsafeDir, dir, uid)
	}
	// Windows has no permission bits: there the folder is in the user's
	// own profile, and the pipe carries its own access list.
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("failed to make the socket directory private: %w", err)
		}
	}
	return nil
}

// listen takes the endpoint that goes with sock (listenAt, per system):
// this process holds the lock, so whatever is left there belongs to an app
// that ended.
func listen(sock string, lock *os.File) (*Listener, error) {
	ln, err := listenAt(sock)
	if err != nil {
		return nil, err
	}
	return &Listener{path: sock, ln: ln, lock: lock, uid: os.Getuid(), timeout: readTimeout, conns: map[net.Conn]struct{}{}}, nil
}

// Listener is the running app's end of the socket.
type Listener struct {
	path string
	ln   net.Listener
	lock *os.File
	// Set before Serve; tests change them.
	uid     int           // the only user who may hand over
	timeout time.Duration // how long a message may take to arrive

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

// Path is the socket's path.
func (l *Listener) Path() string { return l.path }

// Serve takes messages until Close and calls deliver with each, on a
// goroutine of its own (several may run at once); a message is answered
// once deliver returns. Serve returns nil after Close. Call it once.
func (l *Listener) Serve(deliver func(msg string)) error {
	sem := make(chan struct{}, maxConns)
	for {
		// At most maxConns at once; more wait in the kernel's queue
		// until one ends (within the read timeout).
		sem <- struct{}{}
		c, err := l.ln.Accept()
		if err != nil {
			<-sem
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Out of file descriptors and the like: try again soon
			// rather than spin.
			if transient(err) {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			return fmt.Errorf("failed to accept: %w", err)
		}
		if !l.track(c) {
			c.Close()
			return nil
		}
		go func() {
			defer func() { <-sem }()
			defer l.untrack(c)
			l.handle(c, deliver)
		}()
	}
}

// track notes an open connection, unless the listener is closed.
func (l *Listener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[c] = struct{}{}
	l.wg.Add(1)
	return true
}

func (l *Listener) untrack(c net.Conn) {
	c.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
	l.wg.Done()
}

// handle reads one message from c, hands it to deliver and answers.
func (l *Listener) handle(c net.Conn, deliver func(string)) {
	c.SetDeadline(time.Now().Add(l.timeout))
	if uid, err := peerUID(c); err == nil {
		if uid != l.uid {
			return
		}
	} else if !errors.Is(err, errNoPeerCred) {
		return
	}
	msg, err := readMessage(c, halfClose)
	if err != nil {
		return
	}
	deliver(msg)
	io.WriteString(c, reply)
}

// readMessage reads one whole message: the header line, exactly the
// length it gives, then (when the sender can close its half, toEOF) the
// end of the stream.
func readMessage(r io.Reader, toEOF bool) (string, error) {
	line := make([]byte, 0, maxHeader)
	b := make([]byte, 1)
	for {
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		if b[0] == '\n' {
			break
		}
		if len(line) == maxHeader-1 {
			return "", errors.New("header too long")
		}
		line = append(line, b[0])
	}
	num, ok := strings.CutPrefix(string(line), header)
	if !ok {
		return "", errors.New("not a message")
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > MaxMessage || strconv.Itoa(n) != num {
		return "", errors.New("bad length")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	if toEOF {
		if _, err := r.Read(b); err != io.EOF {
			return "", errors.New("trailing bytes")
		}
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return "", errors.New("not text")
	}
	return string(body), nil
}

// Close stops listening, removes the socket, ends the connections being
// served (waiting for deliver calls under way) and releases the lock.
// It is safe to call more than once.
func (l *Listener) Close() error {
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		for c := range l.conns {
			c.Close()
		}
		l.mu.Unlock()
		l.err = l.ln.Close() // removes the socket file
		l.wg.Wait()
		l.lock.Close()
	})
	return l.err
}

// sendWhenUp sends msg to the app that holds the lock. It may have taken
// the lock a moment ago and not be listening yet: keep trying a little.
func sendWhenUp(sock, msg string) error {
	deadline := time.Now().Add(startWait)
	for {
		err := send(sock, msg)
		if err == nil {
			return nil
		}
		if !notUp(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send hands msg to the app listening at sock and waits for its answer.
func send(sock, msg string) error {
	c, err := dial(sock, sendTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(sendTimeout))
	// The app stops reading and closes as soon as it refuses a message
	// (another user's, say): a write error is a refusal too.
	if _, err := io.WriteString(c, header+strconv.Itoa(len(msg))+"\n"+msg); err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if err := closeWrite(c); err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	got := make([]byte, len(reply)+1)
	n, _ := io.ReadFull(c, got)
	if string(got[:n]) != reply {
		return ErrRefused
	}
	return nil
}
