package instance

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAnotherUserForReal runs a second start as another user (uid 65534,
// "nobody"): the private directory keeps it from connecting at all, and
// with the directory and socket opened up on purpose SO_PEERCRED still
// refuses it.
func TestAnotherUserForReal(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process as another user")
	}
	// The helper binary and the socket's parent must be reachable by the
	// other user; t.TempDir's folders are private.
	pub, err := os.MkdirTemp("", "kluis-instance-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pub) })
	os.Chmod(pub, 0o755)
	bin := filepath.Join(pub, "helper.test")
	copyFile(t, os.Args[0], bin)

	sock := filepath.Join(pub, "run", "kluis-test.sock")
	_, got := primary(t, sock)

	asNobody := func() string {
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Env = append(os.Environ(), "KLUIS_INSTANCE_HELPER=send", "KLUIS_INSTANCE_SOCK="+sock, "KLUIS_INSTANCE_MSG=kluis:stolen")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		cmd.Dir = pub
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Run()
		return strings.TrimSpace(out.String())
	}

	if out := asNobody(); !strings.Contains(out, "permission denied") {
		t.Fatalf("another user through the private directory: %q, want permission denied", out)
	}
	nothingDelivered(t, got)

	os.Chmod(filepath.Dir(sock), 0o777)
	os.Chmod(sock, 0o666)
	if out := asNobody(); !strings.HasPrefix(out, ErrRefused.Error()) {
		t.Fatalf("another user with the permissions opened up: %q, want %q", out, ErrRefused)
	}
	nothingDelivered(t, got)

	// The app's own user still gets through.
	if err := send(sock, "kluis:own"); err != nil {
		t.Fatal(err)
	}
	if m := received(t, got); m != "kluis:own" {
		t.Fatalf("delivered %q", m)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
