package vault

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
)

// A backup file is a consistent snapshot of the whole vault file, taken
// while the vault stays in use, and encrypted once more as a whole:
//
//	"kluis-backup/v1\n"
//	base64 (standard, one line) of the passphrase-protected identity blob "\n"
//	an age file (binary) to the owner's X25519 key and the recovery key,
//	whose plaintext is the bbolt snapshot
//
// The passphrase that unlocked the vault when the backup was made opens the
// identity blob and so the age file; the recovery key opens the age file
// directly. Every value inside the snapshot stays sealed under the data key
// as well.
const backupMagic = "kluis-backup/v1\n"

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
	id := v.id
	v.mu.RUnlock()
	if id == nil {
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
		if err := guard(func() error {
			return v.db.View(func(tx *bolt.Tx) error {
				_, err := tx.WriteTo(&progressWriter{ctx: ctx, w: w, total: tx.Size(), report: progress})
				return err
			})
		}); err != nil {
			return err
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
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		return nil, "", ErrNotBackup
	}
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
	_, err = io.Copy(tmp, stream)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
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
