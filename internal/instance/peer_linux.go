package instance

import (
	"errors"
	"net"
	"syscall"
)

// errNoPeerCred means this system cannot say who is on the other end.
var errNoPeerCred = errors.New("peer credentials not available")

// peerUID is the user id of the process on the other end of c, from the
// kernel (SO_PEERCRED): what it was when it connected, not what it claims.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, errNoPeerCred
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, cerr
	}
	return int(cred.Uid), nil
}
