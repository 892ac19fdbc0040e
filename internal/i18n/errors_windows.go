package i18n

import "syscall"

// Windows's own errors for a full disk (ERROR_DISK_FULL, 112;
// ERROR_HANDLE_DISK_FULL, 39) and a write-protected medium
// (ERROR_WRITE_PROTECT, 19), which Go does not match to ENOSPC and EROFS.
func init() {
	fileErrnos = append(fileErrnos,
		struct {
			errno syscall.Errno
			key   string
		}{syscall.Errno(112), "error.vault.file_disk_full"},
		struct {
			errno syscall.Errno
			key   string
		}{syscall.Errno(39), "error.vault.file_disk_full"},
		struct {
			errno syscall.Errno
			key   string
		}{syscall.Errno(19), "error.vault.file_read_only"},
	)
}
