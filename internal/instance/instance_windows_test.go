//go:build windows

package instance

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// brokenPipe: the running app closed its end of the pipe.
func brokenPipe(err error) bool {
	return errors.Is(err, windows.ERROR_BROKEN_PIPE) || errors.Is(err, windows.ERROR_PIPE_NOT_CONNECTED) || errors.Is(err, windows.ERROR_NO_DATA)
}

// tempDir is a fresh folder removed after the test. Not t.TempDir: its
// cleanup deletes through FileDispositionInformationEx, which Wine 8 does
// not have, while os.Remove (DeleteFile) works everywhere.
func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "kluis-instance-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var all []string
		filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			if err == nil {
				all = append(all, p)
			}
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			os.Remove(all[i])
		}
	})
	return dir
}

// underWine reports whether this runs under Wine rather than Windows.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// TestPipeIsPrivate: the pipe is named after this user, owned by this user,
// and its access list allows this user only.
func TestPipeIsPrivate(t *testing.T) {
	sock := sockIn(t)
	primary(t, sock)
	name, err := pipeName(sock)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := currentSID()
	if !strings.HasPrefix(name, `\\.\pipe\kluis-`+sid.String()+"-") {
		t.Fatalf("pipe %s is not named after the user %s", name, sid)
	}
	c, err := dial(sock, sendTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := windows.Handle(c.(*pipeConn).Fd())
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("security descriptor: %s", sd)
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("no access list: %v", err)
	}
	if dacl.AceCount != 1 {
		t.Fatalf("access list has %d entries, want 1 (this user): %s", dacl.AceCount, sd)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	who := unsafePointer(&ace.SidStart)
	if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || !who.Equals(sid) {
		t.Fatalf("the one entry is type %d for %s, want an allow for %s", ace.Header.AceType, who, sid)
	}
	if err := ownPipe(h); err != nil {
		t.Fatal(err)
	}
}

// TestSecondListenerIsRefused: a pipe of the same name made first (as by
// another program) keeps this one from listening: FIRST_PIPE_INSTANCE.
func TestSecondListenerIsRefused(t *testing.T) {
	if underWine() {
		t.Skip("Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE (docs/WINDOWS.md)")
	}
	sock := sockIn(t)
	ln, err := listenAt(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln2, err := listenAt(sock); err == nil {
		ln2.Close()
		t.Fatal("a second listener on the same pipe name was allowed")
	}
}
