//go:build windows

package instance

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the running app listens on a named pipe rather than a Unix
// socket: Windows 10 has AF_UNIX, but not every Windows-like system does
// (Wine, on which Kluis is tested, has none), while named pipes are
// everywhere. The "socket path" still names the lock file's place; the pipe
// is named after it and after the user's security identifier:
//
//	\\.\pipe\kluis-<SID>-<16 hex digits of SHA-256 of the socket path>
//
// Who may hand over:
//
//   - The pipe's security descriptor is owned by this user and allows this
//     user only (a protected access list without inherited entries): other
//     users' processes cannot open it.
//   - The first instance is made with FILE_FLAG_FIRST_PIPE_INSTANCE, so the
//     running app never joins a pipe someone else made first; remote
//     clients are refused (PIPE_REJECT_REMOTE_CLIENTS).
//   - A second start sends nothing until it has checked that the pipe's
//     owner is its own user, so a pipe another user made first under the
//     same name learns nothing; it connects at identification level only,
//     so the running app cannot act as the sender.
//
// A pipe has no half-close: a message ends where its length says, and the
// sender then waits for the answer.

// halfClose: a pipe's sender cannot close one half only.
const halfClose = false

// pipeBuffer is the pipe's buffer size each way.
const pipeBuffer = 64 << 10

// currentSID is this process's user, as a security identifier.
var currentSID = sync.OnceValues(func() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("failed to find the current user: %w", err)
	}
	return u.User.Sid.Copy()
})

// pipeName is the pipe that goes with the socket path sock.
func pipeName(sock string) (string, error) {
	sid, err := currentSID()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(sock))
	return `\\.\pipe\kluis-` + sid.String() + "-" + hex.EncodeToString(sum[:8]), nil
}

// pipeListener is a net.Listener on a named pipe. One pipe instance waits
// for the next client at any time.
type pipeListener struct {
	name string
	sa   *windows.SecurityAttributes
	stop windows.Handle // an event set by Close

	mu     sync.Mutex
	next   windows.Handle // the instance the next client connects to
	closed bool
}

// listenAt makes the first instance of the pipe that goes with sock.
func listenAt(sock string) (net.Listener, error) {
	name, err := pipeName(sock)
	if err != nil {
		return nil, err
	}
	sid, err := currentSID()
	if err != nil {
		return nil, err
	}
	// Owner: this user; access list: protected (nothing inherited), all
	// access for this user and for no one else.
	sd, err := windows.SecurityDescriptorFromString("O:" + sid.String() + "D:P(A;;GA;;;" + sid.String() + ")")
	if err != nil {
		return nil, fmt.Errorf("failed to make the pipe's security descriptor: %w", err)
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	stop, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to listen: %w", err)
	}
	l := &pipeListener{name: name, sa: sa, stop: stop}
	h, err := l.instance(true)
	if err != nil {
		windows.CloseHandle(stop)
		return nil, fmt.Errorf("failed to listen on %s: %w", name, err)
	}
	l.next = h
	return l, nil
}

// instance makes one more instance of the pipe, the first one when first.
func (l *pipeListener) instance(first bool) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(l.name)
	if err != nil {
		return windows.InvalidHandle, err
	}
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE | windows.PIPE_WAIT | windows.PIPE_REJECT_REMOTE_CLIENTS)
	return windows.CreateNamedPipe(name, flags, mode, windows.PIPE_UNLIMITED_INSTANCES, pipeBuffer, pipeBuffer, 0, l.sa)
}

// Accept waits for the next client on the waiting instance and makes a new
// one for the client after it.
func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, net.ErrClosed
	}
	h := l.next
	l.next = windows.InvalidHandle
	l.mu.Unlock()
	if h == windows.InvalidHandle {
		var err error
		if h, err = l.instance(false); err != nil {
			return nil, err
		}
	}
	if err := l.connect(h); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	if next, err := l.instance(false); err == nil {
		l.mu.Lock()
		if l.closed {
			windows.CloseHandle(next)
		} else {
			l.next = next
		}
		l.mu.Unlock()
	}
	// The handle is overlapped: os.File puts it on the runtime's poller,
	// which gives reads and writes their deadlines.
	return &pipeConn{File: os.NewFile(uintptr(h), l.name), name: l.name}, nil
}

// connect waits until a client opens the instance h, or Close.
func (l *pipeListener) connect(h windows.Handle) error {
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(ev)
	ol := &windows.Overlapped{HEvent: ev}
	err = windows.ConnectNamedPipe(h, ol)
	switch {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil
	case !errors.Is(err, windows.ERROR_IO_PENDING):
		return err
	}
	which, err := windows.WaitForMultipleObjects([]windows.Handle{ev, l.stop}, false, windows.INFINITE)
	if err != nil || which != windows.WAIT_OBJECT_0 {
		windows.CancelIoEx(h, ol)
		var n uint32
		windows.GetOverlappedResult(h, ol, &n, true)
		return net.ErrClosed
	}
	var n uint32
	return windows.GetOverlappedResult(h, ol, &n, false)
}

// Close stops Accept and removes the waiting instance; connections already
// accepted stay open until their own Close.
func (l *pipeListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	windows.SetEvent(l.stop)
	if l.next != windows.InvalidHandle {
		windows.CloseHandle(l.next)
		l.next = windows.InvalidHandle
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

// pipeConn is one end of a connected pipe instance.
type pipeConn struct {
	*os.File
	name string
}

func (c *pipeConn) LocalAddr() net.Addr  { return pipeAddr(c.name) }
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr(c.name) }

type pipeAddr string

func (pipeAddr) Network() string  { return "pipe" }
func (a pipeAddr) String() string { return string(a) }

// errNotOwn means the pipe belongs to another user.
var errNotOwn = errors.New("the pipe belongs to another user")

// dial opens the pipe that goes with sock, waiting up to timeout while all
// its instances are busy, and checks that this user owns it.
func dial(sock string, timeout time.Duration) (net.Conn, error) {
	name, err := pipeName(sock)
	if err != nil {
		return nil, err
	}
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	var h windows.Handle
	for {
		h, err = windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
			windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) || time.Now().After(deadline) {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := ownPipe(h); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return &pipeConn{File: os.NewFile(uintptr(h), name), name: name}, nil
}

// ownPipe checks that the pipe h is owned by this process's user.
func ownPipe(h windows.Handle) error {
	sid, err := currentSID()
	if err != nil {
		return err
	}
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("failed to read the pipe's owner: %w", err)
	}
	own, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("failed to read the pipe's owner: %w", err)
	}
	if own == nil || !own.Equals(sid) {
		return errNotOwn
	}
	return nil
}

// closeWrite does nothing: a pipe cannot close one half only.
func closeWrite(net.Conn) error { return nil }

// notUp reports whether err means no app has made the pipe yet.
func notUp(err error) bool {
	return errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PIPE_BUSY)
}

// transient reports whether an Accept error will likely pass.
func transient(err error) bool {
	return errors.Is(err, windows.ERROR_NO_DATA) || errors.Is(err, windows.ERROR_PIPE_NOT_CONNECTED)
}
