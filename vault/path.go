package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultVaultPath returns where the vault file lives when the user does not
// choose a place. It only computes the path; it creates nothing.
//
// On Windows that is %APPDATA%\Kluis\vault.kluis: the user's roaming
// application data, which is private to the user and comes along in the
// user's profile. Elsewhere it is $XDG_DATA_HOME/kluis/vault.kluis, or
// ~/.local/share/kluis/vault.kluis when XDG_DATA_HOME is unset or not an
// absolute path (the XDG Base Directory specification says to ignore a
// relative one).
func DefaultVaultPath() (string, error) {
	return defaultVaultPath(runtime.GOOS)
}

func defaultVaultPath(goos string) (string, error) {
	if goos == "windows" {
		dir := os.Getenv("APPDATA")
		if dir == "" || !filepath.IsAbs(dir) {
			return "", fmt.Errorf("failed to find the default vault path: %%APPDATA%% is not set")
		}
		return filepath.Join(dir, "Kluis", "vault.kluis"), nil
	}
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "kluis", "vault.kluis"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("failed to find the default vault path: %w", err)
	}
	return filepath.Join(home, ".local", "share", "kluis", "vault.kluis"), nil
}
