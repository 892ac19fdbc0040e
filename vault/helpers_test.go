package vault

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const testPass = "correct horse battery"

// newTestVault creates an unlocked vault in a temporary folder. On cleanup
// it closes the vault and checks the file's structure with bbolt's Tx.Check.
func newTestVault(t testing.TB) (*Vault, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vault.kluis")
	v, rk, err := Create(path, []byte(testPass), "Fatima", nil)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if rk == "" {
		t.Fatal("Create returned no recovery key")
	}
	t.Cleanup(func() {
		v.Close()
		checkFile(t, path)
	})
	return v, path
}

// checkFile opens a closed vault file and runs bbolt's consistency check.
func checkFile(t testing.TB, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Errorf("reopen %s for check: %v", path, err)
		return
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Errorf("Tx.Check: %v", err)
	}
}

// reopen closes v and opens and unlocks the same file again.
func reopen(t testing.TB, v *Vault) *Vault {
	t.Helper()
	path := v.Path()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	v2, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := v2.Unlock([]byte(testPass)); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	t.Cleanup(func() { v2.Close() })
	return v2
}

// rawUpdate edits the bbolt file under a vault directly, as an attacker or
// a disk fault would. The vault must be closed.
func rawUpdate(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}
