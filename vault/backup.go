package vault

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
)

// A backup file is a consistent snapshot of the whole vault, taken while
// the vault stays in use, and encrypted once more as a whole:
//
//	"kluis-backup/v2\n"
//	base64 (standard, one line) of the passphrase-protected identity blob "\n"
//	an age file (binary) to the owner's X25519 key and the recovery key,
//	whose plaintext is
//	  snapshot length (8 bytes, big-endian) ‖ the bbolt snapshot
//	  number of document files (8 bytes)
//	  per document file: document id (16) ‖ length (8) ‖ the file as it is
//
// and nothing after. A v1 backup ("kluis-backup/v1\n", made before layout
// 5) has the bare snapshot as the age file's plaintext and still restores.
// The passphrase that unlocked the vault when the backup was made opens the
// identity blob and so the age file; the recovery key opens the age file
// directly. Every value inside the snapshot stays sealed under the data key
// as well, and so does every chunk of the document files.
//
// The document files carried are those the snapshot's metadata refers to,
// listed while the snapshot's read transaction is held and copied one at a
// time after it: a file is written once, and while a backup runs no
// document file is removed (a document deleted for good meanwhile keeps its
// file and pending marker until the next unlock), so they match the
// snapshot.
const (
	backupMagic   = "kluis-backup/v2\n"
	backupMagicV1 = "kluis-backup/v1\n"
)

// maxBackupFiles bounds the number of document files a restore accepts.
const maxBackupFiles = 1 << 24

// maxBackupHeader bounds the identity line a restore will read.
const maxBackupHeader = 64 << 10

// Backup writes an encrypted backup of the vault to path atomically: the
// file appears complete or not at all.
func (v *Vault) Backup(path string) error {
	return v.BackupContext(context.Background(), path, nil)
}

// BackupContext is Backup that ctx can stop (ErrCanceled; no file is
// left) and that reports progress as bytes written of the snapshot's size.
func (v *Vault) BackupContext(ctx context.Context, path string, progress func(done, total int64)) error {
	v.mu.RLock()
	id, sealer := v.id, v.seal
	v.mu.RUnlock()
	if id == nil || sealer == nil {
		return ErrLocked
	}
	var recoveryPublic []byte
	if err := v.view(func(t *txn) error {
		var err error
		recoveryPublic, err = t.getSealed(bucketMeta, keyRecoveryPublic)
		return err
	}); err != nil {
		return err
	}
	rr, err := age.ParseX25519Recipient(string(recoveryPublic))
	if err != nil {
		return damaged(PartKeys, "the recovery key record", err)
	}
	idBlob, err := v.metaValue(keyIdentity)
	if err != nil {
		return err
	}
	// Temporary files of a backup that a crash interrupted go first.
	atomicfile.CleanTemp(filepath.Dir(path))
	err = atomicfile.Write(path, func(f io.Writer) error {
		if _, err := io.WriteString(f, backupMagic+base64.StdEncoding.EncodeToString(idBlob)+"\n"); err != nil {
			return err
		}
		w, err := age.Encrypt(f, id.x25519.Recipient(), rr)
		if err != nil {
			return err
		}
		// No document file is removed until the last one is copied: the
		// files of documents deleted for good meanwhile stay, with their
		// pending markers, until the next unlock.
		v.beginBackup()
		defer v.endBackup()
		var files []backupFile
		pw := &progressWriter{ctx: ctx, w: w, report: progress}
		snapshot := func(t *txn) error {
			var err error
			if files, err = t.docFiles(v.docsFolder()); err != nil {
				return err
			}
			pw.total = t.tx.Size()
			for _, bf := range files {
				pw.total += bf.size
			}
			if _, err := w.Write(u64(uint64(t.tx.Size()))); err != nil {
				return err
			}
			_, err = t.tx.WriteTo(pw)
			return err
		}
		// Not v.view: a snapshot takes a while, and holding the vault's
		// lock that long would keep Lock and Compact waiting.
		if err := guard(func() error {
			return v.db.View(func(tx *bolt.Tx) error {
				return snapshot(&txn{tx: tx, seal: sealer})
			})
		}); err != nil {
			return err
		}
		if _, err := w.Write(u64(uint64(len(files)))); err != nil {
			return err
		}
		buf := make([]byte, 1<<20)
		for _, bf := range files {
			if _, err := w.Write(append(bf.id[:], u64(uint64(bf.size))...)); err != nil {
				return err
			}
			if err := copyDocFile(pw, v.docsFolder(), bf, buf); err != nil {
				return err
			}
		}
		return w.Close()
	})
	if errors.Is(err, context.Canceled) {
		return ErrCanceled
	}
	if err != nil {
		return diskError(err)
	}
	return v.update(func(t *txn) error { return t.log(Event{Action: ActionBackupMade}) })
}

// RestoreBackup restores the backup at backupPath as the vault at
// vaultPath and returns it unlocked. Give the passphrase that was in use
// when the backup was made, or else the recovery key (then set a new
// passphrase with ChangePassphrase straight after).
//
// The backup is decrypted into a temporary file and checked in full before
// anything is replaced. A vault already at vaultPath is not overwritten: it
// is renamed to the returned path, so nothing is lost.
func RestoreBackup(backupPath, vaultPath string, passphrase []byte, recoveryKey string, opts *Options) (restored *Vault, movedAside string, err error) {
	f, err := os.Open(backupPath)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || (string(magic) != backupMagic && string(magic) != backupMagicV1) {
		return nil, "", ErrNotBackup
	}
	withFiles := string(magic) == backupMagic
	line, err := readLine(br, maxBackupHeader)
	if err != nil {
		return nil, "", ErrNotBackup
	}
	idBlob, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return nil, "", ErrNotBackup
	}

	var ident age.Identity
	var owner *identity
	if recoveryKey != "" {
		rid, err := ParseRecoveryKey(recoveryKey)
		if err != nil {
			return nil, "", err
		}
		ident = rid
	} else {
		plain, err := decryptWithPassphrase(passphrase, idBlob)
		if err != nil {
			return nil, "", err
		}
		owner, err = parseIdentity(plain)
		clear(plain)
		if err != nil {
			return nil, "", ErrNotBackup
		}
		ident = owner.x25519
	}
	stream, err := age.Decrypt(br, ident)
	if err != nil {
		if recoveryKey != "" && (errors.Is(err, age.ErrIncorrectIdentity) || isNoMatch(err)) {
			return nil, "", ErrWrongRecoveryKey
		}
		return nil, "", fmt.Errorf("%w: %v", ErrNotBackup, err)
	}

	if err := os.MkdirAll(filepath.Dir(vaultPath), 0o700); err != nil {
		return nil, "", diskError(err)
	}
	// A restore that a crash interrupted left its temporary file here.
	atomicfile.CleanTemp(filepath.Dir(vaultPath))
	tmp, err := atomicfile.Create(vaultPath)
	if err != nil {
		return nil, "", diskError(err)
	}
	tmpPath := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Abort()
		}
	}()
	var docsTmp string // the restored document files, in a temporary folder
	defer func() {
		if !keep && docsTmp != "" {
			os.RemoveAll(docsTmp)
		}
	}()
	if withFiles {
		var n [8]byte
		if _, err = io.ReadFull(stream, n[:]); err == nil {
			_, err = copyExactly(tmp, stream, int64(beUint64(n[:])))
		}
	} else {
		_, err = io.Copy(tmp, stream)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && withFiles {
		cleanRestoreFolders(filepath.Dir(vaultPath), filepath.Base(vaultPath), opts.now()())
		docsTmp, err = os.MkdirTemp(filepath.Dir(vaultPath), restoreFolderPrefix(filepath.Base(vaultPath)))
		n := 0
		if err == nil {
			n, err = restoreDocFiles(stream, docsTmp)
		}
		if err == nil && n == 0 {
			os.Remove(docsTmp) // no document files: no folder
			docsTmp = ""
		}
	}
	if err != nil {
		if derr := diskError(err); errors.Is(derr, ErrDiskFull) {
			return nil, "", derr
		}
		return nil, "", fmt.Errorf("%w: the backup is damaged or incomplete: %v", ErrNotBackup, err)
	}
	if err := checkSnapshot(tmpPath, owner, recoveryKey, opts); err != nil {
		return nil, "", err
	}

	// The snapshot is good. Make room without losing the current vault.
	if _, err := os.Stat(vaultPath); err == nil {
		cur, err := openDB(vaultPath, opts.timeout(), true)
		if errors.Is(err, ErrInUse) {
			return nil, "", err
		}
		if cur != nil {
			cur.Close()
		}
		movedAside, err = moveAside(vaultPath, opts.now()())
		if err != nil {
			return nil, "", err
		}
	}
	// The document files of the vault moved aside go with it; those of no
	// vault (left by a crash) go aside too.
	if _, err := os.Lstat(DocsFolder(vaultPath)); err == nil {
		aside := DocsFolder(movedAside)
		if movedAside == "" {
			aside, err = freeName(DocsFolder(vaultPath) + ".before-restore-" + opts.now()().Format("20060102-150405"))
			if err != nil {
				return nil, "", err
			}
		}
		if err := os.Rename(DocsFolder(vaultPath), aside); err != nil {
			return nil, movedAside, diskError(err)
		}
	}
	if docsTmp != "" {
		if err := os.Rename(docsTmp, DocsFolder(vaultPath)); err != nil {
			return nil, movedAside, diskError(err)
		}
		docsTmp = ""
		if err := atomicfile.SyncDir(filepath.Dir(vaultPath)); err != nil {
			return nil, movedAside, diskError(err)
		}
	}
	if err := atomicfile.Rename(tmpPath, vaultPath); err != nil {
		return nil, movedAside, err
	}
	keep = true
	v, err := Open(vaultPath, opts)
	if err != nil {
		return nil, movedAside, err
	}
	if owner != nil {
		err = v.unlockWith(owner, ActionBackupRestored)
	} else if err = v.UnlockWithRecoveryKey(recoveryKey); err == nil {
		err = v.update(func(t *txn) error { return t.log(Event{Action: ActionBackupRestored}) })
	}
	if err != nil {
		v.Close()
		return nil, movedAside, err
	}
	return v, movedAside, nil
}

// checkSnapshot opens a restored file on its own, checks bbolt's structure
// and that the keys open it.
func checkSnapshot(path string, owner *identity, recoveryKey string, opts *Options) error {
	db, err := openDB(path, opts.timeout(), true)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotBackup, err)
	}
	err = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		})
	})
	db.Close()
	if err != nil {
		return damaged(PartBackup, "the backup", err)
	}
	v, err := Open(path, opts)
	if err != nil {
		return err
	}
	defer v.db.Close()
	wrapped, err := v.metaValue(keyDataKey)
	if err != nil {
		return err
	}
	var ident age.Identity
	if owner != nil {
		ident = owner.x25519
	} else {
		rid, _ := ParseRecoveryKey(recoveryKey)
		ident = rid
	}
	if _, err := ageDecrypt(wrapped, ident); err != nil {
		return damaged(PartBackup, "the backup's keys", err)
	}
	return nil
}

// A backupFile is a document file being carried into a backup.
type backupFile struct {
	id   [16]byte
	size int64
}

// docFiles lists the document file of every document the transaction
// refers to, with its size. A file that is missing is left out: the
// restored vault then reports that document damaged, as this one does.
// The files are opened one at a time as they are copied (copyDocFile), so a
// vault of many documents needs one descriptor, not one per document.
func (t *txn) docFiles(folder string) (files []backupFile, err error) {
	err = t.tx.Bucket(bucketDocs).ForEach(func(k, _ []byte) error {
		d, err := t.getStoredDoc(formatID(k))
		if err != nil || d.Purged || d.Storage != StorageFile {
			return err
		}
		id := [16]byte(k)
		fi, err := os.Lstat(docFilePath(folder, id))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil // damage of that document, as a missing file
		}
		files = append(files, backupFile{id: id, size: fi.Size()})
		return nil
	})
	return files, err
}

// copyDocFile copies the size bytes of a document file listed by docFiles
// to w. Document files are written once and are not removed while a backup
// runs (beginBackup), so the file is as it was listed.
func copyDocFile(w io.Writer, folder string, bf backupFile, buf []byte) error {
	f, err := os.Open(docFilePath(folder, bf.id))
	if err != nil {
		return err
	}
	defer f.Close()
	if n, err := io.CopyBuffer(w, io.LimitReader(f, bf.size), buf); err != nil || n != bf.size {
		return cmp.Or(err, fmt.Errorf("document file %s: %w", formatID(bf.id[:]), io.ErrUnexpectedEOF))
	}
	return nil
}

// restoreDocFiles writes the document files of a v2 backup's stream into
// folder, each synced, and checks that the stream ends after them.
func restoreDocFiles(stream io.Reader, folder string) (int, error) {
	var head [24]byte
	if _, err := io.ReadFull(stream, head[:8]); err != nil {
		return 0, err
	}
	n := beUint64(head[:8])
	if n > maxBackupFiles {
		return 0, fmt.Errorf("%d document files", n)
	}
	buf := make([]byte, 1<<20)
	var last [16]byte // the writer lists the files in the order of their ids
	for range n {
		if _, err := io.ReadFull(stream, head[:]); err != nil {
			return 0, err
		}
		id := [16]byte(head[:16])
		if bytes.Compare(id[:], last[:]) <= 0 {
			return 0, fmt.Errorf("document file %s twice, out of order or without id", formatID(id[:]))
		}
		last = id
		f, err := os.OpenFile(docFilePath(folder, id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return 0, err
		}
		_, err = copyExactly(f, stream, int64(beUint64(head[16:])), buf)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
	}
	// Reading to the end is what authenticates the age file's last chunk.
	if k, err := io.ReadFull(stream, head[:1]); k != 0 || err != io.EOF {
		return 0, cmp.Or(err, errors.New("data after the last document file"))
	}
	return int(n), atomicfile.SyncDir(folder)
}

// copyExactly copies n bytes from r to w; fewer is an error.
func copyExactly(w io.Writer, r io.Reader, n int64, buf ...[]byte) (int64, error) {
	var b []byte
	if len(buf) > 0 {
		b = buf[0]
	}
	got, err := io.CopyBuffer(w, io.LimitReader(r, n), b)
	if err == nil && got != n {
		err = io.ErrUnexpectedEOF
	}
	return got, err
}

// restoreFolderPrefix starts the name of the temporary folder a restore
// writes document files into, next to the vault.
func restoreFolderPrefix(vaultBase string) string { return "." + vaultBase + ".docs-restore-" }

// cleanRestoreFolders removes temporary folders of restores that a crash
// interrupted, once they are a day old (a younger one may be in use).
func cleanRestoreFolders(dir, vaultBase string, now time.Time) {
	matches, _ := filepath.Glob(filepath.Join(dir, restoreFolderPrefix(vaultBase)+"*"))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.IsDir() && now.Sub(fi.ModTime()) > 24*time.Hour {
			os.RemoveAll(m)
		}
	}
}

// freeName returns base, or base with a counter, whichever does not exist.
func freeName(base string) (string, error) {
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("%w: too many earlier folders at %s", ErrExists, base)
}

func readLine(r *bufio.Reader, max int) (string, error) {
	var b bytes.Buffer
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\n' {
			return b.String(), nil
		}
		if b.Len() >= max {
			return "", errors.New("line too long")
		}
		b.WriteByte(c)
	}
}

// moveAside renames the file at path to a name that did not exist yet,
// "PATH.before-restore-DATE" with a counter when needed. A hard link plus
// remove is used rather than a rename, because a link refuses to replace an
// existing file: two restores in the same second keep both earlier vaults.
func moveAside(path string, now time.Time) (string, error) {
	base := fmt.Sprintf("%s.before-restore-%s", path, now.Format("20060102-150405"))
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Link(path, name)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return name, os.Remove(path)
	}
	return "", fmt.Errorf("%w: too many earlier vaults next to %s", ErrExists, path)
}

// progressWriter passes writes on, reports progress and stops when its
// context is done.
type progressWriter struct {
	ctx    context.Context
	w      io.Writer
	done   int64
	total  int64
	report func(done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	if err := p.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.report != nil {
		p.report(p.done, p.total)
	}
	return n, err
}
