package boltfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Marks remember files as this program last left them, so that opening one
// again, unchanged, can leave out the walk of its whole tree (see
// OpenMarked). A mark is one line of a small list kept outside the files
// themselves (the user's cache folder by default):
//
//	v1 ‖ device ‖ inode ‖ size ‖ modification time ‖ status change time ‖ SHA-256 of both meta pages
//
// All of it must match for a file to count as unchanged. Every write to a
// file moves its status change time, which no program can set back; the
// meta pages change with every commit. A file renamed into place (a
// restore, a compaction, a copy from elsewhere) is another inode. So a mark
// holds only for the very bytes a checked, cleanly closed file had, and
// for a file damaged afterwards by anything that writes through the file
// system it never does. A mark is taken only once the file's last change
// is Settle old, so that a write in the same tick of the file system's
// clock cannot go unseen.
//
// Marks are a speed-up, never a promise: a list that is missing, unreadable,
// damaged or lost in a race between two programs only means the next open
// checks the whole file. Where the system gives no status change time
// (Windows), nothing is remembered and every open checks.
type Marks struct {
	File   string        // where the list is kept; "" keeps none
	Settle time.Duration // a file changed more recently than this is not remembered
}

// DefaultMarks keeps the list in the user's cache folder, or returns nil
// when there is none (every open then checks the whole file).
func DefaultMarks() *Marks {
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		return nil
	}
	return &Marks{File: filepath.Join(dir, "kluis", "checked-files"), Settle: 2 * time.Second}
}

const (
	marksVersion = "v1"
	maxMarks     = 32      // lines kept, the newest first
	maxMarksFile = 8 << 10 // bytes read of the list
)

// Holds reports whether the file at path is, by its mark, exactly as it was
// when Remember last saw it.
func (m *Marks) Holds(path string) bool {
	if m == nil || m.File == "" {
		return false
	}
	s, ok := stamp(path, 0)
	if !ok {
		return false
	}
	for _, line := range m.read() {
		if line == s {
			return true
		}
	}
	return false
}

// Remember marks the file at path as it is now: a file the caller has
// checked, or opened by its mark, and changed since only through bbolt's
// commits. A file changed less than Settle ago is not marked (and an
// earlier mark of it is dropped, as Forget does).
func (m *Marks) Remember(path string) {
	if m == nil || m.File == "" {
		return
	}
	s, ok := stamp(path, m.Settle)
	m.update(path, s, ok)
}

// Forget drops the mark of the file at path.
func (m *Marks) Forget(path string) {
	if m != nil && m.File != "" {
		m.update(path, "", false)
	}
}

// update rewrites the list without any mark of path's file (matched by
// device and inode) and, when add, with s first.
func (m *Marks) update(path, s string, add bool) {
	id, ok := fileID(path)
	if !ok {
		return
	}
	lines := m.read()
	out := make([]string, 0, len(lines)+1)
	if add {
		out = append(out, s)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, id) && len(out) < maxMarks {
			out = append(out, l)
		}
	}
	if !add && len(out) == len(lines) {
		return // nothing to drop
	}
	var buf bytes.Buffer
	for _, l := range out {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	// Written to a temporary file and renamed into place: a reader sees the
	// old list or the new one. No fsync: a list lost in a crash costs one
	// full check.
	if err := os.MkdirAll(filepath.Dir(m.File), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.File), ".checked-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(buf.Bytes())
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), m.File) != nil {
		os.Remove(tmp.Name())
	}
}

// read returns the list's lines of this version, at most maxMarks.
func (m *Marks) read() []string {
	f, err := os.Open(m.File)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(f, maxMarksFile))
	for sc.Scan() && len(lines) < maxMarks {
		if l := sc.Text(); strings.HasPrefix(l, marksVersion+" ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// stamp describes the file at path as a mark line, or ok false when the
// system cannot say enough, the file is not a regular file, or it changed
// less than settle ago.
func stamp(path string, settle time.Duration) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	st, ok := changeStamp(fi)
	if !ok || time.Since(st.changed) < settle {
		return "", false
	}
	sum, ok := metaSum(f)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%s %d %d %d %d %d %s", marksVersion, st.dev, st.ino, fi.Size(),
		fi.ModTime().UnixNano(), st.changed.UnixNano(), hex.EncodeToString(sum)), true
}

// fileID is the start of every mark line of the file at path.
func fileID(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", false
	}
	st, ok := changeStamp(fi)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%s %d %d ", marksVersion, st.dev, st.ino), true
}

// metaSum hashes the first bytes of both meta pages (header and meta
// fields, where the checksum, root, free-page list and transaction id are).
func metaSum(f *os.File) ([]byte, bool) {
	first := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(first, 0); err != nil {
		return nil, false
	}
	pageSize := int64(os.Getpagesize())
	if m, ok := parseBoltMeta(first); ok && m.pageSize >= 1024 && m.pageSize <= 1<<16 {
		pageSize = int64(m.pageSize)
	}
	second := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(second, pageSize); err != nil {
		return nil, false
	}
	h := sha256.New()
	h.Write(first)
	h.Write(second)
	return h.Sum(nil), true
}

// fileStamp is what the system says of a file beyond os.FileInfo.
type fileStamp struct {
	dev, ino uint64
	changed  time.Time // the status change time
}
