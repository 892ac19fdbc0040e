package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// names lists the entries of dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFileNewAndReplace(t *testing.T) {
	t.Parallel()
	for _, opts := range [][]Option{nil, {NoSync()}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.txt")
		if err := WriteFile(path, []byte("one"), opts...); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(path, []byte("two"), opts...); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != "two" {
			t.Errorf("content %q, want %q", got, "two")
		}
		if got := names(t, dir); !slices.Equal(got, []string{"out.txt"}) {
			t.Errorf("folder holds %q, want only out.txt", got)
		}
	}
}

func TestCreateCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.pdf")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if !IsTemp(filepath.Base(f.Name())) {
		t.Errorf("temporary name %q does not match the pattern", f.Name())
	}
	if filepath.Dir(f.Name()) != dir {
		t.Errorf("temporary file %q not next to the target", f.Name())
	}
	if _, err := io.WriteString(f, "streamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("target exists before Commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if err := f.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	if got := readFile(t, path); got != "streamed" {
		t.Errorf("content %q", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"doc.pdf"}) {
		t.Errorf("folder holds %q", got)
	}
}

func TestAbortKeepsOldTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "new, half")
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if got := readFile(t, path); got != "old" {
		t.Errorf("content %q, want the old one", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("folder holds %q", got)
	}
}

func TestWriteErrorMidWay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("x", 1<<20)) // past the buffer: reaches the file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want the fill error", err)
	}
	if got := readFile(t, path); got != "old" {
		t.Errorf("target changed to %d bytes", len(got))
	}
	if got := names(t, dir); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("folder holds %q", got)
	}
}

func TestCommitErrorRemovesTemp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A target that is a non-empty folder cannot be replaced by a rename.
	path := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("x")); err == nil {
		t.Fatal("rename over a folder succeeded")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"busy"}) {
		t.Errorf("folder holds %q", got)
	}
}

func TestCreateInMissingFolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "no", "such", "file")
	if err := WriteFile(path, []byte("x")); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
}

func TestMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts []Option
		want os.FileMode
	}{
		{"default", nil, 0o600},
		{"card", []Option{Mode(0o644)}, 0o644},
		{"nosync", []Option{Mode(0o640), NoSync()}, 0o640},
	} {
		path := filepath.Join(dir, tc.name)
		if err := WriteFile(path, []byte(tc.name), tc.opts...); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != tc.want {
			t.Errorf("%s: mode %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsTemp(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		".a.txt.123.kluis-tmp":          true,
		"..hidden.0.kluis-tmp":          true,
		".x.9876543210.kluis-tmp":       true,
		".x.0a1b2c3d-4242-77.kluis-tmp": true,
		".x.0a1b2c3d-42.kluis-tmp":      false,
		".x.0A1B2C3D-4242-77.kluis-tmp": false,
		".x.0a1b2c3-4242-77.kluis-tmp":  false,
		".a.txt.12x.kluis-tmp":          false,
		".a.txt..kluis-tmp":             false,
		"a.txt.123.kluis-tmp":           false,
		"..123.kluis-tmp":               false,
		".a.txt.123.tmp":                false,
		".a.txt.123.part":               false,
		".a.txt.123.kluis-tmp.bak":      false,
		"kluis-tmp":                     false,
		".kluis-tmp":                    false,
		"":                              false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestCleanTempRemovesOnlyItsOwn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keep := []string{"a.txt", ".a.txt.123.tmp", ".a.txt.123.part", ".a.txt.x.kluis-tmp", "notes.kluis-tmp"}
	for _, n := range keep {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A folder with a temporary file's name is not removed.
	if err := os.Mkdir(filepath.Join(dir, ".d.1.kluis-tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, ".d.1.kluis-tmp")
	write := func(name string, age time.Duration) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("plaintext"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	// A process that ran here and is gone: a child that has exited.
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := gone.Process.Pid
	write(".b.pdf."+hostID()+"-"+strconv.Itoa(dead)+"-1.kluis-tmp", 0) // removed: its process is gone
	write(".e.pdf.42.kluis-tmp", 2*staleAfter)                         // removed: a day old
	write(".f.pdf.0a1b2c3d-1-5.kluis-tmp", 2*staleAfter)               // removed: another computer's, a day old
	fresh := ".g.pdf.0a1b2c3d-1-5.kluis-tmp"                           // kept: another computer's, being written
	write(fresh, time.Minute)
	legacy := ".h.pdf.42.kluis-tmp" // kept: no owner, fresh
	write(legacy, time.Minute)
	keep = append(keep, fresh, legacy)
	// This process's own file, still open for writing, is kept.
	f, err := Create(filepath.Join(dir, "c.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	f.WriteString("plaintext")
	keep = append(keep, filepath.Base(f.Name()))
	if err := CleanTemp(dir); err != nil {
		t.Fatal(err)
	}
	got := names(t, dir)
	slices.Sort(keep)
	if !slices.Equal(got, keep) {
		t.Errorf("after CleanTemp the folder holds %q, want %q", got, keep)
	}
	if err := CleanTemp(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("CleanTemp of a missing folder: %v", err)
	}
}

func TestProcessRuns(t *testing.T) {
	t.Parallel()
	if !processRuns(os.Getpid()) {
		t.Error("this process does not run")
	}
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	if processRuns(gone.Process.Pid) {
		t.Skip("the pid of an exited child was taken again at once")
	}
}

func TestLongName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := strings.Repeat("é", 120) + ".txt" // 244 bytes: no room for a suffix
	path := filepath.Join(dir, name)
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if !IsTemp(filepath.Base(f.Name())) {
		t.Errorf("temporary name %q does not match the pattern", f.Name())
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
