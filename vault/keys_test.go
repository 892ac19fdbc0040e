package vault

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

func TestCreateUnlockLock(t *testing.T) {
	v, _ := newTestVault(t)
	if v.Locked() {
		t.Fatal("a new vault should be unlocked")
	}
	rec, err := v.Add("network", map[string]string{"name": "Ayşe"})
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if !v.Locked() {
		t.Fatal("Lock did not lock")
	}
	if _, err := v.Get(rec.ID); !errors.Is(err, ErrLocked) {
		t.Fatalf("Get while locked: %v, want ErrLocked", err)
	}
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	got, err := v.Get(rec.ID)
	if err != nil || got.Fields["name"] != "Ayşe" {
		t.Fatalf("after unlock: %+v, %v", got, err)
	}
}

func TestCreateRefusesExistingAndWeak(t *testing.T) {
	_, path := newTestVault(t)
	_, _, err := Create(path, []byte(testPass), "", nil)
	wantErr(t, err, ErrExists)
	_, _, err = Create(filepath.Join(t.TempDir(), "v"), []byte("short"), "", nil)
	wantErr(t, err, ErrWeakPassphrase)
	_, _, err = Create(filepath.Join(t.TempDir(), "v"), []byte("   x    "), "", nil)
	wantErr(t, err, ErrWeakPassphrase)
}

func TestWrongPassphraseIsRefusedAndLogged(t *testing.T) {
	v, _ := newTestVault(t)
	v.Lock()
	for _, p := range []string{"", "correct horse batterY", testPass + " "} {
		if err := v.Unlock([]byte(p)); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Unlock(%q) = %v, want ErrWrongPassphrase", p, err)
		}
	}
	if !v.Locked() {
		t.Fatal("a failed unlock unlocked the vault")
	}
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	events, err := v.Log()
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, e := range events {
		if e.Action == ActionUnlockFailed {
			failed++
		}
	}
	if failed != 3 {
		t.Fatalf("log has %d failed unlocks, want 3", failed)
	}
	if _, err := v.VerifyLog(); err != nil {
		t.Fatal(err)
	}
}

func TestChangePassphraseRewrapsOnly(t *testing.T) {
	v, _ := newTestVault(t)
	rec, _ := v.Add("goals", map[string]string{"title": "Schulden op orde"})
	var before []byte
	_ = v.view(func(tx *txn) error {
		before = bytes.Clone(tx.tx.Bucket(bucketRecords).Get(mustID(rec.ID)))
		return nil
	})
	if err := v.ChangePassphrase([]byte("new passphrase 2")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.ChangePassphrase([]byte("short")), ErrWeakPassphrase)
	var after []byte
	_ = v.view(func(tx *txn) error {
		after = bytes.Clone(tx.tx.Bucket(bucketRecords).Get(mustID(rec.ID)))
		return nil
	})
	if !bytes.Equal(before, after) {
		t.Fatal("changing the passphrase re-encrypted a record")
	}
	v.Lock()
	wantErr(t, v.Unlock([]byte(testPass)), ErrWrongPassphrase)
	if err := v.Unlock([]byte("new passphrase 2")); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Get(rec.ID); err != nil || got.Fields["title"] != "Schulden op orde" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestRecoveryKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.kluis")
	v, rk, err := Create(path, []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	rec, _ := v.Add("goals", map[string]string{"title": "Werk vinden"})
	v.Lock()

	// Another vault's recovery key and garbage are both refused.
	other, otherKey, err := Create(filepath.Join(t.TempDir(), "o.kluis"), []byte(testPass), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	wantErr(t, v.UnlockWithRecoveryKey(otherKey), ErrWrongRecoveryKey)
	wantErr(t, v.UnlockWithRecoveryKey("AGE-SECRET-KEY-1NOTAKEY"), ErrWrongRecoveryKey)

	// The key as printed, in groups and lower case, works.
	printed := strings.ToLower(FormatRecoveryKey(rk))
	if err := v.UnlockWithRecoveryKey(printed); err != nil {
		t.Fatalf("recovery key %q: %v", printed, err)
	}
	if err := v.ChangePassphrase([]byte("a brand new one")); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock([]byte("a brand new one")); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get(rec.ID); err != nil {
		t.Fatal(err)
	}
}

func TestKDFDowngradeRefused(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	// A real file at the floor, with its work factor rewritten: the check
	// must refuse it before doing any scrypt work (the header MAC would
	// only fail after it).
	r, _ := age.NewScryptRecipient(testPass)
	r.SetWorkFactor(scryptFloor)
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, r)
	w.Write([]byte(`{"v":1}`))
	w.Close()
	weak := func(logN int) []byte {
		re := regexp.MustCompile(`(-> scrypt \S+) \d+\n`)
		out := re.ReplaceAll(buf.Bytes(), []byte(fmt.Sprintf("$1 %d\n", logN)))
		if bytes.Equal(out, buf.Bytes()) {
			t.Fatal("work factor not rewritten")
		}
		return out
	}
	for _, logN := range []int{scryptFloor - 1, maxScryptLogN + 1} {
		rawUpdate(t, path, func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyIdentity, weak(logN))
		})
		v2, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = v2.Unlock([]byte(testPass))
		v2.Close()
		wantErr(t, err, ErrKDFParameters)
		if time.Since(start) > time.Second {
			t.Fatalf("refusing work factor %d took %v: the work was done before the check", logN, time.Since(start))
		}
	}
}

func TestReleaseKDFParameters(t *testing.T) {
	// The values in force in tests are lowered; the release constants are not.
	if DefaultScryptLogN < 18 {
		t.Fatalf("DefaultScryptLogN = %d, want at least 18", DefaultScryptLogN)
	}
	if maxScryptLogN <= DefaultScryptLogN {
		t.Fatal("the cap must be above the default")
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	_, path := newTestVault(t)
	start := time.Now()
	_, err := Open(path, &Options{Timeout: 200 * time.Millisecond})
	wantErr(t, err, ErrInUse)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("second Open waited %v", d)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nothing.kluis"), nil)
	wantErr(t, err, ErrNotFound)
}
