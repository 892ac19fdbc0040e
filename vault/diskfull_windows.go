package vault

import "syscall"

// Windows says a full disk with errors of its own, which Go does not
// match to ENOSPC: ERROR_DISK_FULL (112) and ERROR_HANDLE_DISK_FULL (39).
func init() {
	diskFullErrnos = append(diskFullErrnos, syscall.Errno(112), syscall.Errno(39))
}
