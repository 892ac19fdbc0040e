package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"kluis/sync/bundle"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary runs the real main when KLUIS_INTAKE_BE_MAIN=1, so tests
// (and scripts/bench-bundle.sh) can run kluis-intake as a process with the
// test binaries' low scrypt work factor. The end-to-end scenario with
// kluisctl is in cmd/kluisctl/share_test.go.
func TestMain(m *testing.M) {
	if os.Getenv("KLUIS_INTAKE_BE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runIntake(t *testing.T, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"KLUIS_INTAKE_BE_MAIN=1", "LANG=en_US.UTF-8", "HOME=" + dir, "PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestUsageAndSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	if out, _, code := runIntake(t, dir, nil, "--help"); code != 0 || !strings.Contains(out, "keygen") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"list"}, {"keygen", "--org", "X"}, {"show"}} {
		if _, stderr, code := runIntake(t, dir, nil, args...); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente X", "-o", "k"); code != 1 || !strings.Contains(stderr, "no passphrase") {
		t.Errorf("keygen without a passphrase and terminal: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente X", "-o", "k", "--new-passphrase-file", "pass"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	env := []string{"KLUIS_INTAKE_KEY=k/organisation.key"}
	os.WriteFile(filepath.Join(dir, "wrong"), []byte("not the passphrase\n"), 0o600)
	if _, stderr, code := runIntake(t, dir, env, "--store", "s", "--passphrase-file", "wrong", "list"); code != 1 || !strings.Contains(stderr, "wrong passphrase") {
		t.Errorf("wrong passphrase: exit %d, %q", code, stderr)
	}
	if out, stderr, code := runIntake(t, dir, env, "--store", "s", "--passphrase-file", "pass", "list"); code != 0 || !strings.Contains(out, "Nothing imported") {
		t.Errorf("list: exit %d, %q %q", code, out, stderr)
	}
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente X", "-o", "k", "--new-passphrase-file", "pass"); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("keygen over an existing key: exit %d, %q", code, stderr)
	}
}

func TestCardWithInbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente X", "-o", "k", "--new-passphrase-file", "pass"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	env := []string{"KLUIS_INTAKE_KEY=k/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"}
	card := func(args ...string) *bundle.Card {
		t.Helper()
		out, stderr, code := runIntake(t, dir, env, append([]string{"--store", "s", "card"}, args...)...)
		if code != 0 {
			t.Fatalf("card %v: exit %d %s", args, code, stderr)
		}
		c, err := bundle.ParseCard([]byte(out))
		if err != nil {
			t.Fatalf("card %v: %v", args, err)
		}
		return c
	}
	plain := card()
	first := card("--inbox", "https://kluis.gemeente-x.nl:8443")
	if first.Inbox != "https://kluis.gemeente-x.nl:8443/" || len(first.InboxPin) != 64 || first.Fingerprint() != plain.Fingerprint() {
		t.Fatalf("card with inbox: %+v", first)
	}
	// The pin is the store's certificate's key, the same the next time.
	if again := card("--inbox", "https://kluis.gemeente-x.nl:8443/"); again.InboxPin != first.InboxPin {
		t.Error("the pin changed between two cards")
	}
	// A certificate of the municipality's own.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"kluis.gemeente-x.nl"}}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	os.WriteFile(filepath.Join(dir, "desk.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	own := card("--inbox", "https://kluis.gemeente-x.nl/", "--tls-cert", "desk.crt")
	leaf, _ := x509.ParseCertificate(der)
	if own.InboxPin != bundle.InboxPin(leaf) {
		t.Error("the pin is not the given certificate's")
	}
	for _, bad := range [][]string{{"--inbox", "http://kluis.gemeente-x.nl/"}, {"--inbox", "https://kluis.gemeente-x.nl/?x=1"}} {
		if _, stderr, code := runIntake(t, dir, env, append([]string{"--store", "s", "card"}, bad...)...); code != 2 || !strings.Contains(stderr, "https://") {
			t.Errorf("card %v: exit %d %q", bad, code, stderr)
		}
	}
	os.WriteFile(filepath.Join(dir, "junk.crt"), []byte("geen certificaat"), 0o644)
	if _, stderr, code := runIntake(t, dir, env, "card", "--inbox", "https://kluis.gemeente-x.nl/", "--tls-cert", "junk.crt"); code != 1 || !strings.Contains(stderr, "not a certificate") {
		t.Errorf("junk certificate: exit %d %q", code, stderr)
	}
	if _, stderr, code := runIntake(t, dir, env, "card", "--inbox", "https://kluis.gemeente-x.nl/"); code != 2 || !strings.Contains(stderr, "--store") {
		t.Errorf("no store, no certificate: exit %d %q", code, stderr)
	}
}
