package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"kluis/internal/atomicfile"
)

func TestBackupAndRestore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.kluis")
	v, rk, err := Create(path, []byte(testPass), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := v.Add("debts", map[string]string{"creditor": "Vattenfall", "amount": "312,40"})
	content := randomBytes(t, 3*ChunkSize+5)
	doc, err := v.AddDocument(context.Background(), "aanmaning.pdf", bytes.NewReader(content), DocumentOptions{Record: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "kluis.backup")
	// Temporary files that an interrupted backup and restore left behind
	// are removed by the next backup and restore.
	gone := goneProcess(t)
	staleBackup := atomicfile.TempName(backup, gone, 111)
	staleRestore := atomicfile.TempName(path, gone, 222)
	os.WriteFile(staleBackup, []byte("half a backup"), 0o600)
	os.WriteFile(staleRestore, []byte("half a vault"), 0o600)
	if err := v.Backup(backup); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(staleBackup); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup left an interrupted backup's temporary file: %v", err)
	}
	// Changes after the backup are not in it.
	later, _ := v.Add("goals", map[string]string{"title": "later"})
	v.Close()

	restored, moved, err := RestoreBackup(backup, path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(staleRestore); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("restore left an interrupted restore's temporary file: %v", err)
	}
	if moved == "" {
		t.Fatal("the existing vault was not moved aside")
	}
	if _, err := os.Stat(moved); err != nil {
		t.Fatalf("moved-aside vault: %v", err)
	}
	got, err := restored.Get(rec.ID)
	if err != nil || got.Fields["amount"] != "31240" {
		t.Fatalf("restored record: %+v %v", got, err)
	}
	_, err = restored.Get(later.ID)
	wantErr(t, err, ErrNotFound)
	var out bytes.Buffer
	if _, err := restored.ReadDocument(context.Background(), doc.ID, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("restored document differs (%v)", err)
	}
	if _, err := restored.VerifyLog(); err != nil {
		t.Fatal(err)
	}
	events, _ := restored.Log()
	if events[len(events)-1].Action != ActionBackupRestored {
		t.Fatalf("last log entry %v, want %v", events[len(events)-1].Action, ActionBackupRestored)
	}
	restored.Close()
	checkFile(t, path)

	// Restoring into a new place with the recovery key works too.
	elsewhere := filepath.Join(t.TempDir(), "new", "vault.kluis")
	r2, moved, err := RestoreBackup(backup, elsewhere, nil, rk, nil)
	if err != nil || moved != "" {
		t.Fatalf("restore with recovery key: %v (moved %q)", err, moved)
	}
	if err := r2.ChangePassphrase([]byte("after recovery")); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Get(rec.ID); err != nil {
		t.Fatal(err)
	}
	r2.Close()
}

func TestRestoreRefusesBadInputAndKeepsTheVault(t *testing.T) {
	v, path := newTestVault(t)
	rec, _ := v.Add("goals", map[string]string{"title": "blijft"})
	backup := filepath.Join(t.TempDir(), "b")
	if err := v.Backup(backup); err != nil {
		t.Fatal(err)
	}
	v.Close()
	good, _ := os.ReadFile(backup)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-100] ^= 1
	cases := []struct {
		name string
		file string
		pass string
		want error
	}{
		{"wrong passphrase", backup, "not the passphrase", ErrWrongPassphrase},
		{"not a backup", write("notes.txt", []byte("hello")), testPass, ErrNotBackup},
		{"empty", write("empty", nil), testPass, ErrNotBackup},
		{"truncated", write("cut", good[:len(good)/2]), testPass, ErrNotBackup},
		{"bit flipped", write("flip", flipped), testPass, ErrNotBackup},
		{"bytes appended", write("long", append(bytes.Clone(good), "extra"...)), testPass, ErrNotBackup},
	}
	for _, c := range cases {
		_, _, err := RestoreBackup(c.file, path, []byte(c.pass), "", nil)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	matches, _ := filepath.Glob(path + "*")
	if len(matches) != 1 {
		t.Fatalf("failed restores left files behind: %v", matches)
	}
	v2 := reopen(t, &Vault{path: path, db: mustOpenDB(t, path)})
	if _, err := v2.Get(rec.ID); err != nil {
		t.Fatalf("the vault was changed by failed restores: %v", err)
	}
}

func TestBackupIsAtomic(t *testing.T) {
	v, _ := newTestVault(t)
	dir := t.TempDir()
	backup := filepath.Join(dir, "b")
	os.WriteFile(backup, []byte("previous backup"), 0o600)
	v.Close() // a locked vault cannot make a backup
	if err := v.Backup(backup); err == nil {
		t.Fatal("backup of a closed vault succeeded")
	}
	if b, _ := os.ReadFile(backup); string(b) != "previous backup" {
		t.Fatal("a failed backup replaced the previous one")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("a failed backup left files: %v", entries)
	}
}

func TestExport(t *testing.T) {
	v, _ := newTestVault(t)
	rec, _ := v.Add("income", map[string]string{"source": "SVB", "kind": "benefit", "amount": "1.020,10", "period": "month"})
	v.Update(rec.ID, map[string]string{"amount": "1.050"})
	content := []byte("%PDF-1.4 jaaropgaaf")
	doc, _ := v.AddDocument(context.Background(), "jaaropgaaf.pdf", bytes.NewReader(content), DocumentOptions{})
	dir := filepath.Join(t.TempDir(), "export")
	if err := v.Export(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "vault.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Format  string `json:"format"`
		Records []struct {
			ID      string         `json:"id"`
			Fields  map[string]any `json:"fields"`
			History []struct {
				Fields map[string]any `json:"fields"`
			} `json:"history"`
		} `json:"records"`
		Documents []struct {
			ID   string `json:"id"`
			File string `json:"file"`
		} `json:"documents"`
		Schema []json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Format != ExportFormat || len(ex.Records) != 1 || len(ex.Schema) == 0 {
		t.Fatalf("export: %s", b)
	}
	if ex.Records[0].Fields["amount"] != float64(105000) || ex.Records[0].History[0].Fields["amount"] != float64(102010) {
		t.Fatalf("money must be exported as integer cents, with history: %s", b)
	}
	got, err := os.ReadFile(filepath.Join(dir, ex.Documents[0].File))
	if err != nil || !bytes.Equal(got, content) || ex.Documents[0].ID != doc.ID {
		t.Fatalf("exported document: %q %v", got, err)
	}
	for _, name := range []string{"activity-log.json", "LEESMIJ.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A second export into the same folder is refused, and leaves it alone.
	err = v.Export(context.Background(), dir)
	wantErr(t, err, ErrExists)
	if _, err := os.Stat(filepath.Join(dir, "vault.json")); err != nil {
		t.Fatal("a refused export removed the earlier one")
	}
}

func TestRestoresInTheSameSecondKeepEveryEarlierVault(t *testing.T) {
	v, path := newTestVault(t)
	backup := filepath.Join(t.TempDir(), "b")
	if err := v.Backup(backup); err != nil {
		t.Fatal(err)
	}
	v.Close()
	fixed := func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }
	seen := map[string]bool{}
	for range 3 {
		r, moved, err := RestoreBackup(backup, path, []byte(testPass), "", &Options{Now: fixed})
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		if seen[moved] {
			t.Fatalf("two restores moved a vault to the same name %s", moved)
		}
		seen[moved] = true
	}
	for m := range seen {
		if _, err := os.Stat(m); err != nil {
			t.Fatalf("an earlier vault is gone: %v", err)
		}
	}
}

func TestBackupProgressAndCancel(t *testing.T) {
	v, _ := newTestVault(t)
	v.AddDocument(context.Background(), "scan.pdf", bytes.NewReader(randomBytes(t, 3<<20)), DocumentOptions{})
	dir := t.TempDir()
	var last, total int64
	if err := v.BackupContext(context.Background(), filepath.Join(dir, "b"), func(d, t int64) { last, total = d, t }); err != nil {
		t.Fatal(err)
	}
	if total == 0 || last != total {
		t.Fatalf("progress ended at %d of %d", last, total)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := v.BackupContext(ctx, filepath.Join(dir, "c"), func(d, _ int64) {
		if d > 1<<20 {
			cancel()
		}
	})
	wantErr(t, err, ErrCanceled)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("a stopped backup left files: %v", entries)
	}
}

func TestVerifyPassphrase(t *testing.T) {
	v, _ := newTestVault(t)
	if err := v.VerifyPassphrase([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.VerifyPassphrase([]byte("not it at all")), ErrWrongPassphrase)
	events, _ := v.Log()
	for _, e := range events {
		if e.Action == ActionUnlockFailed {
			t.Fatal("a wrong check counted as a failed unlock")
		}
	}
}

// goneProcess returns the pid of a process of this computer that has
// ended: what a killed run leaves its temporary files to.
func goneProcess(t *testing.T) int {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// TestExportNamesFitWindows: documents whose names Windows forbids (a
// colon, a question mark, a device name, a trailing dot) are exported under
// safe names, each in its own folder, and the export does not fail.
func TestExportNamesFitWindows(t *testing.T) {
	v, _ := newTestVault(t)
	ctx := context.Background()
	want := map[string]string{}
	for name, safe := range map[string]string{
		"aanvraag: maart?.pdf": "aanvraag_ maart_.pdf",
		"CON.txt":              "_CON.txt",
		"notitie.":             "notitie_",
		"Yılmaz – brief.pdf":   "Yılmaz – brief.pdf",
	} {
		d, err := v.AddDocument(ctx, name, strings.NewReader("inhoud van "+name), DocumentOptions{})
		if err != nil {
			t.Fatalf("AddDocument(%q): %v", name, err)
		}
		want[filepath.Join("documents", d.ID, safe)] = "inhoud van " + name
	}
	dir := filepath.Join(t.TempDir(), "export")
	if err := v.Export(ctx, dir); err != nil {
		t.Fatal(err)
	}
	for p, content := range want {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || string(b) != content {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
}

// A backup carries the document files the vault's documents refer to, and
// no others; a restore puts them beside the restored vault and moves those
// of the vault it replaces aside with it.
func TestBackupCarriesDocumentFiles(t *testing.T) {
	v, path := newTestVault(t)
	contents := map[string][]byte{}
	for _, n := range []int{0, 1, 3*ChunkSize + 17} {
		content := randomBytes(t, n)
		doc, err := v.AddDocument(context.Background(), "d.bin", bytes.NewReader(content), DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		contents[doc.ID] = content
	}
	legacyContent := randomBytes(t, ChunkSize+1)
	contents[addLegacyDocument(t, v, "oud.pdf", legacyContent).ID] = legacyContent
	purged, _ := v.AddDocument(context.Background(), "weg.pdf", bytes.NewReader([]byte("weg")), DocumentOptions{})
	v.DeleteDocument(purged.ID)
	if err := v.PurgeDocument(purged.ID); err != nil {
		t.Fatal(err)
	}
	// An upload under way: its marker and file exist, its metadata not.
	idb, _ := newID()
	v.update(func(t *txn) error { return t.putSealed(bucketPending, idb[:], nil) })
	var got Document
	if err := writeDocFile(context.Background(), v.seal, DocsFolder(path), idb, bytes.NewReader([]byte("half")), &got, nil); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b")
	if err := v.Backup(backup); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(backup); !bytes.HasPrefix(b, []byte("kluis-backup/v2\n")) {
		t.Fatalf("backup starts %q", b[:16])
	}
	beforeFiles := docFiles(t, path)
	v.Close()

	restored, moved, err := RestoreBackup(backup, path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if aside := docFiles(t, moved); !slices.Equal(aside, beforeFiles) {
		t.Fatalf("the moved-aside vault's document files %v, want %v", aside, beforeFiles)
	}
	for id, want := range contents {
		var out bytes.Buffer
		if _, err := restored.ReadDocument(context.Background(), id, &out); err != nil || !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("restored document %s: %d bytes, %v", id, out.Len(), err)
		}
	}
	if files := docFiles(t, path); len(files) != 3 {
		t.Fatalf("restored document files %v, want the 3 live ones", files)
	}
	checkNoStrayFiles(t, restored)
	restored.Close()

	// A backup altered anywhere, in the document files too, is refused, and
	// nothing of it is left.
	good, _ := os.ReadFile(backup)
	for _, off := range []int{len(good) / 2, len(good) - ChunkSize, len(good) - 30} {
		bad := bytes.Clone(good)
		bad[off] ^= 1
		os.WriteFile(backup, bad, 0o600)
		_, _, err := RestoreBackup(backup, path, []byte(testPass), "", nil)
		wantErr(t, err, ErrNotBackup)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*docs-restore*")); len(m) != 0 {
		t.Fatalf("failed restores left %v", m)
	}
	if files := docFiles(t, path); len(files) != 3 {
		t.Fatalf("failed restores changed the document files: %v", files)
	}
}

// writeV1Backup writes a backup as Kluis did before layout 5: the bare
// bbolt snapshot in the age file, no document files.
func writeV1Backup(t *testing.T, v *Vault, path string) {
	t.Helper()
	idBlob, err := v.metaValue(keyIdentity)
	if err != nil {
		t.Fatal(err)
	}
	var recoveryPublic []byte
	v.view(func(t *txn) error {
		recoveryPublic, err = t.getSealed(bucketMeta, keyRecoveryPublic)
		return err
	})
	rr, err := age.ParseX25519Recipient(string(recoveryPublic))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("kluis-backup/v1\n" + base64.StdEncoding.EncodeToString(idBlob) + "\n")
	w, err := age.Encrypt(&b, v.id.x25519.Recipient(), rr)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.db.View(func(tx *bolt.Tx) error { _, err := tx.WriteTo(w); return err }); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVersion1BackupStillRestores(t *testing.T) {
	v, path := newTestVault(t)
	rec, _ := v.Add("debts", map[string]string{"creditor": "Eneco"})
	content := randomBytes(t, 2*ChunkSize+1)
	doc := addLegacyDocument(t, v, "oud.pdf", content)
	backup := filepath.Join(t.TempDir(), "v1")
	writeV1Backup(t, v, backup)
	// Documents added after it, in files, are not in it.
	later, err := v.AddDocument(context.Background(), "later.pdf", bytes.NewReader([]byte("later")), DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	restored, moved, err := RestoreBackup(backup, path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if _, err := restored.Get(rec.ID); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := restored.ReadDocument(context.Background(), doc.ID, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("document of the v1 backup: %v", err)
	}
	_, err = restored.Document(later.ID)
	wantErr(t, err, ErrNotFound)
	if files := docFiles(t, path); len(files) != 0 {
		t.Fatalf("document files beside the restored vault: %v", files)
	}
	if aside := docFiles(t, moved); len(aside) != 1 || aside[0] != later.ID {
		t.Fatalf("the moved-aside vault's document files: %v", aside)
	}
}
