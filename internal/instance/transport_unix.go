//go:build !windows

package instance

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// halfClose: a Unix socket's sender closes its writing half, so a message
// is followed by the end of the stream.
const halfClose = true

// listenAt listens on the Unix socket at sock, replacing whatever a
// stopped app left there, and makes the socket 0600.
func listenAt(sock string) (net.Listener, error) {
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("failed to remove a stale socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("failed to listen: %w", err)
	}
	// Until this chmod the socket has the umask's mode; the 0700
	// directory keeps everyone else out meanwhile.
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("failed to make the socket private: %w", err)
	}
	return ln, nil
}

// dial connects to the app listening at sock.
func dial(sock string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("unix", sock, timeout)
}

// closeWrite ends the sender's half of the connection.
func closeWrite(c net.Conn) error { return c.(*net.UnixConn).CloseWrite() }

// notUp reports whether err means nobody listens at the socket yet.
func notUp(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)
}

// transient reports whether an Accept error will likely pass (out of file
// descriptors and the like).
func transient(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED)
}
