package vault

import (
	"path/filepath"
	"testing"
)

func TestDefaultVaultPath(t *testing.T) {
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
