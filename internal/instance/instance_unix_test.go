//go:build unix

package instance

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The tests in this file are about the Unix socket: its file, its folder's
// permissions and the peer's user id.

func TestModes(t *testing.T) {
	sock := sockIn(t)
	primary(t, sock)
	for path, want := range map[string]os.FileMode{
		filepath.Dir(sock): os.ModeDir | 0o700,
		sock:               os.ModeSocket | 0o600,
		lockPath(sock):     0o600,
	} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", filepath.Base(path), fi.Mode(), want)
		}
	}
}

func TestLooseDirectoryIsTightened(t *testing.T) {
	sock := sockIn(t)
	if err := os.Mkdir(filepath.Dir(sock), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(sock), 0o777) // past the umask
	primary(t, sock)
	fi, err := os.Stat(filepath.Dir(sock))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestSymlinkedDirectoryIsRefused(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "run")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	l, handed, err := Claim(filepath.Join(link, "kluis-test.sock"), "kluis:x")
	if !errors.Is(err, ErrUnsafeDir) || handed || l != nil {
		t.Fatalf("claim in a symlinked directory: listener %v, handed %v, error %v", l, handed, err)
	}
	if entries, _ := os.ReadDir(real); len(entries) != 0 {
		t.Fatalf("files were made behind the link: %v", entries)
	}
}

func TestDirectoryOfAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	sock := sockIn(t)
	dir := filepath.Dir(sock)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Claim(sock, ""); !errors.Is(err, ErrUnsafeDir) {
		t.Fatalf("claim in another user's directory: %v", err)
	}
}

// TestLeftoverFileIsReplaced: whatever sits at the socket's name while no
// app holds the lock (a socket closed without unlinking, a plain file) is
// replaced.
func TestLeftoverFileIsReplaced(t *testing.T) {
	for name, make := range map[string]func(string) error{
		"socket": func(p string) error {
			ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
			if err != nil {
				return err
			}
			ln.SetUnlinkOnClose(false)
			return ln.Close()
		},
		"file": func(p string) error { return os.WriteFile(p, []byte("x"), 0o600) },
	} {
		t.Run(name, func(t *testing.T) {
			sock := sockIn(t)
			os.MkdirAll(filepath.Dir(sock), 0o700)
			if err := make(sock); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(sock); err != nil {
				t.Fatal(err)
			}
			_, got := primary(t, sock)
			if _, handed, err := Claim(sock, "kluis:x"); err != nil || !handed {
				t.Fatalf("handed %v, error %v", handed, err)
			}
			if m := received(t, got); m != "kluis:x" {
				t.Fatalf("delivered %q", m)
			}
		})
	}
}

// TestOtherUserIsRefused: a peer whose user id (SO_PEERCRED) is not the
// app's own gets no delivery and no answer.
func TestOtherUserIsRefused(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peer credentials are only checked on Linux")
	}
	sock := sockIn(t)
	l, handed, err := Claim(sock, "")
	if err != nil || handed {
		t.Fatal(handed, err)
	}
	l.uid = os.Getuid() + 1 // as if this test ran as someone else
	got := serve(t, l)
	if err := send(sock, "kluis:x"); !errors.Is(err, ErrRefused) {
		t.Fatalf("send as another user: %v", err)
	}
	nothingDelivered(t, got)
}

func TestCloseRemovesSocketAndReleasesLock(t *testing.T) {
	sock := sockIn(t)
	l, handed, err := Claim(sock, "")
	if err != nil || handed {
		t.Fatal(handed, err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Serve(func(string) {}) }()
	idle, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if err := send(sock, ""); err != nil { // Serve is running
		t.Fatal(err)
	}
	l.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	l2, handed, err := Claim(sock, "")
	if err != nil || handed {
		t.Fatalf("claim after Close: handed %v, error %v", handed, err)
	}
	l2.Close()
}

func TestSocketPath(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	vaults := t.TempDir()
	a, err := SocketPath(filepath.Join(vaults, "vault.kluis"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(a) != filepath.Join(rt, "kluis") || !strings.HasSuffix(a, ".sock") {
		t.Fatalf("socket %s, want one in %s/kluis", a, rt)
	}
	b, _ := SocketPath(filepath.Join(vaults, "vault-voorbeeld.kluis"))
	if a == b {
		t.Fatal("two vaults share a socket")
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(vaults, link)
	if c, _ := SocketPath(filepath.Join(link, "vault.kluis")); c != a {
		t.Fatalf("the same vault through a link: %s, want %s", c, a)
	}
	if c, _ := SocketPath(filepath.Join(vaults, ".", "vault.kluis")); c != a {
		t.Fatalf("the same vault spelled differently: %s, want %s", c, a)
	}

	// Without a runtime directory: the user's cache directory.
	t.Setenv("XDG_RUNTIME_DIR", "")
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	d, err := SocketPath(filepath.Join(vaults, "vault.kluis"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(d) != filepath.Join(cache, "kluis", "instance") {
		t.Fatalf("fallback socket %s, want one in %s/kluis/instance", d, cache)
	}

	t.Setenv("XDG_RUNTIME_DIR", "/"+strings.Repeat("d", 120))
	if _, err := SocketPath("vault.kluis"); !errors.Is(err, ErrPathTooLong) {
		t.Fatalf("an over-long socket path: %v", err)
	}
}
