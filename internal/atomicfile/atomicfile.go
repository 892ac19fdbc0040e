// Package atomicfile writes files atomically: a reader of the target sees
// either the file that was there before or the whole new one, never a part.
// It is the one place in Kluis that writes through a temporary file and
// renames it into place; use it for every file a command or screen writes
// whole (backups, packs, exported documents, keys, cards, answers).
//
// By default a new file has mode 0600, and both its data and the rename are
// forced to disk (the file, then its folder) before Commit returns. NoSync
// keeps the rename atomic but leaves the data to the operating system, as
// cp does: for copies whose original stays safe elsewhere.
//
// The temporary file lies next to the target, hidden, under a name
// recognisable by IsTemp: "." + target name + "." + owner + "-" + digits +
// ".kluis-tmp", where the owner says which computer (a short hash of its
// host name) and which process made it. A crash can leave one behind;
// CleanTemp removes those of this computer whose process is gone, and each
// command that writes such files calls it at its start, so a temporary
// file (which may hold plaintext) never outlives the next run of the same
// command. A temporary file of a process still running, or of another
// computer (a folder synced between computers holds those), is left alone
// until it is a day old: it may be being written.
//
// This package must never leave a temporary file behind on an error it sees,
// never write outside the target's folder, never follow its caller into a
// partial target (the target is touched only by the final rename), and
// CleanTemp must never remove a file whose name does not match the pattern.
// It knows nothing of vaults, encryption or Fyne.
package atomicfile

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// tempSuffix ends the name of every temporary file this package makes.
const tempSuffix = ".kluis-tmp"

// maxBaseInTemp is how much of the target's name a temporary name repeats,
// so that a target with a name near the file system's limit still has room
// for its temporary file.
const maxBaseInTemp = 100

// options are what the Options set.
type options struct {
	mode   fs.FileMode
	noSync bool
}

// An Option changes how a file is written.
type Option func(*options)

// Mode sets the permission bits of the new file (default 0600). They are set
// on the temporary file before anything is written, regardless of the umask.
func Mode(m fs.FileMode) Option { return func(o *options) { o.mode = m.Perm() } }

// NoSync renames the file into place without forcing its data or the
// rename to disk first. The rename is still atomic: after a crash the target
// is either old or new, but a new one may be empty or partly zero on some
// file systems. Use it only for copies whose original is kept elsewhere.
func NoSync() Option { return func(o *options) { o.noSync = true } }

func makeOptions(opts []Option) options {
	o := options{mode: 0o600}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// File is a temporary file that becomes the target at Commit. Write to it
// through the embedded *os.File; call Commit to put it in place, or Abort
// to throw it away. Deferring Abort right after Create is safe: after a
// Commit it does nothing.
type File struct {
	*os.File
	target string
	opts   options
	done   bool
}

// Create makes a temporary file for path in path's folder. The folder must
// exist; path itself is not touched until Commit.
func Create(path string, opts ...Option) (*File, error) {
	o := makeOptions(opts)
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+shorten(base)+"."+owner()+"-*"+tempSuffix)
	if err != nil {
		return nil, err
	}
	if o.mode != 0o600 {
		if err := f.Chmod(o.mode); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
	}
	return &File{File: f, target: path, opts: o}, nil
}

// Commit syncs the file (unless NoSync), closes it, renames it over the
// target and syncs the folder. On error the temporary file is removed and
// the target is as it was.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: commit of a file already committed or aborted")
	}
	f.done = true
	var err error
	if !f.opts.noSync {
		err = f.File.Sync()
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.File.Name(), f.target)
	}
	if err != nil {
		os.Remove(f.File.Name())
		return err
	}
	if f.opts.noSync {
		return nil
	}
	return SyncDir(filepath.Dir(f.target))
}

// Abort closes and removes the temporary file, leaving the target as it
// was. It does nothing after Commit or a previous Abort.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.File.Close()
	return os.Remove(f.File.Name())
}

// Write writes path atomically with what fill writes (through a buffer).
// If fill or anything after it fails, the temporary file is removed, path
// is left as it was, and the error is returned.
func Write(path string, fill func(w io.Writer) error, opts ...Option) error {
	f, err := Create(path, opts...)
	if err != nil {
		return err
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Commit()
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, opts ...Option) error {
	f, err := Create(path, opts...)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// Rename renames a finished, synced file into place and syncs the folder
// of to, so that the rename survives a crash. It is for files built by
// other means (a bbolt database) under a temporary name of the caller's.
func Rename(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(to))
}

// SyncDir forces a folder's entries (a rename, a new or removed file) to
// disk. Windows cannot sync a folder and needs not: there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// IsTemp reports whether name (a file name without folder) is one of this
// package's temporary files.
func IsTemp(name string) bool {
	_, ok := tempToken(name)
	return ok
}

// tempToken returns the part of a temporary file's name between the
// target's name and the suffix: digits, or host-pid-digits.
func tempToken(name string) (string, bool) {
	rest, ok := strings.CutSuffix(name, tempSuffix)
	if !ok || !strings.HasPrefix(rest, ".") {
		return "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 2 || i == len(rest)-1 { // "." + at least one byte of name + "."
		return "", false
	}
	token := rest[i+1:]
	parts := strings.Split(token, "-")
	switch {
	case len(parts) == 1 && allDigits(parts[0]):
	case len(parts) == 3 && len(parts[0]) == 8 && isHex(parts[0]) && allDigits(parts[1]) && allDigits(parts[2]):
	default:
		return "", false
	}
	return token, true
}

// staleAfter is when a temporary file that CleanTemp cannot tell is
// abandoned (another computer's, or one without an owner) counts as left
// behind.
const staleAfter = 24 * time.Hour

// CleanTemp removes the temporary files a crash left in dir: regular files
// whose name IsTemp and that were made on this computer by a process that
// is gone, or that are older than a day. Nothing else is touched, not even
// a folder or link of such a name. A missing dir is no error. Call it where
// a command starts, before it writes.
func CleanTemp(dir string) error {
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var errs []error
	if err != nil {
		errs = append(errs, err) // ReadDir returns what it read before the error
	}
	now := time.Now()
	for _, e := range entries {
		token, ok := tempToken(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if !abandoned(token) {
			info, err := e.Info()
			if err != nil || now.Sub(info.ModTime()) < staleAfter {
				continue
			}
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// abandoned reports whether the temporary file with token was made on this
// computer by a process that no longer runs.
func abandoned(token string) bool {
	host, rest, ok := strings.Cut(token, "-")
	if !ok || host != hostID() {
		return false
	}
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processRuns(pid)
}

// owner is this process's part of a temporary name: host-pid.
func owner() string { return hostID() + "-" + strconv.Itoa(os.Getpid()) }

// hostID is 8 hex digits of a hash of the host name: enough to tell the
// computers that share a folder apart, and no name in the file system.
var hostID = sync.OnceValue(func() string {
	name, _ := os.Hostname()
	sum := sha256.Sum256([]byte("kluis-atomicfile\x00" + name))
	return hex.EncodeToString(sum[:4])
})

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// shorten cuts a name to at most maxBaseInTemp bytes on a character
// boundary, and never to nothing.
func shorten(base string) string {
	if len(base) > maxBaseInTemp {
		base = base[:maxBaseInTemp]
		for len(base) > 0 && !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
	}
	if base == "" {
		return "file"
	}
	return base
}

// TempName is the name of a temporary file that process pid of this
// computer could have made for path, with seq as its random part: what a
// crash of that process may leave behind. Tests use it to lay such a file.
func TempName(path string, pid int, seq uint32) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+shorten(base)+"."+hostID()+"-"+strconv.Itoa(pid)+"-"+strconv.FormatUint(uint64(seq), 10)+tempSuffix)
}
