package vault

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestDefaultVaultPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the XDG cases are for other systems; TestDefaultVaultPathWindows covers Windows")
	}
	tests := []struct {
		name    string
		xdgData string
		home    string
		want    string
		wantErr bool
	}{
		{name: "xdg data home", xdgData: "/data", home: "/home/a", want: "/data/kluis/vault.kluis"},
		{name: "xdg unset", home: "/home/a", want: "/home/a/.local/share/kluis/vault.kluis"},
		{name: "relative xdg is ignored", xdgData: "data", home: "/home/a", want: "/home/a/.local/share/kluis/vault.kluis"},
		{name: "xdg without home", xdgData: "/data", want: "/data/kluis/vault.kluis"},
		{name: "no home", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tt.xdgData)
			t.Setenv("HOME", tt.home)
			got, err := DefaultVaultPath()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DefaultVaultPath() = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("DefaultVaultPath() error: %v", err)
			}
			if got != filepath.FromSlash(tt.want) {
				t.Errorf("DefaultVaultPath() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDefaultVaultPathWindows: on Windows the vault lives in %APPDATA%\Kluis,
// whatever the XDG variables say; without %APPDATA% there is no default.
func TestDefaultVaultPathWindows(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data")
	if runtime.GOOS == "windows" {
		t.Setenv("APPDATA", `C:\Users\Yılmaz\AppData\Roaming`)
		got, err := DefaultVaultPath()
		if err != nil || got != `C:\Users\Yılmaz\AppData\Roaming\Kluis\vault.kluis` {
			t.Fatalf("DefaultVaultPath() = %q, %v", got, err)
		}
	} else {
		// filepath here is the Unix one: only the choice of folder is checked.
		t.Setenv("APPDATA", "/profile/AppData/Roaming")
		got, err := defaultVaultPath("windows")
		if err != nil || got != "/profile/AppData/Roaming/Kluis/vault.kluis" {
			t.Fatalf("defaultVaultPath(windows) = %q, %v", got, err)
		}
	}
	for _, bad := range []string{"", "relative"} {
		t.Setenv("APPDATA", bad)
		if got, err := defaultVaultPath("windows"); err == nil {
			t.Fatalf("APPDATA=%q: %q, want an error", bad, got)
		}
	}
}
