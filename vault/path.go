package vault

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultVaultPath returns where the vault file lives when the user does not
// choose a place: $XDG_DATA_HOME/kluis/vault.kluis, or
// ~/.local/share/kluis/vault.kluis when XDG_DATA_HOME is unset or not an
// absolute path (the XDG Base Directory specification says to ignore a
// relative one). It only computes the path; it creates nothing.
func DefaultVaultPath() (string, error) {
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "kluis", "vault.kluis"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("failed to find the default vault path: %w", err)
	}
	return filepath.Join(home, ".local", "share", "kluis", "vault.kluis"), nil
}
