package intake

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"regexp"
	"testing"
	"time"
)

// TestServerCertificate: made once, kept sealed, the same after reopening;
// made anew for a host it lacks and near its end; and a TLS client that
// trusts it connects by each of its names.
func TestServerCertificate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hosts := []string{"balie.zwolle.nl", "[192.0.2.7]", "0.0.0.0", ""}
	c, fp, err := w.store.ServerCertificate(hosts)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
		t.Errorf("fingerprint %q", fp)
	}
	leaf := c.Leaf
	key, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", leaf.PublicKey)
	}
	if d := leaf.NotAfter.Sub(start); d < 700*24*time.Hour || d > 740*24*time.Hour {
		t.Errorf("valid for %v, want about two years", d)
	}
	for _, name := range []string{"balie.zwolle.nl", "localhost", "127.0.0.1", "::1", "192.0.2.7"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("not valid for %s: %v", name, err)
		}
	}
	if len(leaf.IPAddresses) != 3 || len(leaf.DNSNames) != 2 {
		t.Errorf("names %v, addresses %v", leaf.DNSNames, leaf.IPAddresses)
	}
	handshake(t, c, "balie.zwolle.nl")

	// The same one later, also after reopening, for fewer hosts too.
	w.clock.set(start.Add(300 * 24 * time.Hour))
	w.reopen(t)
	for _, h := range [][]string{hosts, {"BALIE.zwolle.nl."}, nil} {
		if _, again, err := w.store.ServerCertificate(h); err != nil || again != fp {
			t.Errorf("%v: fingerprint %s, %v; want the kept %s", h, again, err, fp)
		}
	}
	// The private key is sealed: its bytes are not in the file.
	secret, err := c.PrivateKey.(*ecdsa.PrivateKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if db, _ := os.ReadFile(w.store.Path()); bytes.Contains(db, secret) {
		t.Error("the private key is in the store file in plaintext")
	}

	// A host it lacks: a new one, then kept.
	_, fp2, err := w.store.ServerCertificate([]string{"intake.zwolle.nl"})
	if err != nil || fp2 == fp {
		t.Fatalf("new host: %s, %v", fp2, err)
	}
	if _, again, _ := w.store.ServerCertificate([]string{"intake.zwolle.nl"}); again != fp2 {
		t.Error("the new certificate was not kept")
	}
	// Within 30 days of its end: a new one.
	c2, _, _ := w.store.ServerCertificate(nil)
	w.clock.set(c2.Leaf.NotAfter.Add(-29 * 24 * time.Hour))
	c3, fp3, err := w.store.ServerCertificate(nil)
	if err != nil || fp3 == fp2 || !c3.Leaf.NotAfter.After(c2.Leaf.NotAfter) {
		t.Errorf("near its end: %s, %v", fp3, err)
	}
}

// handshake runs a TLS handshake over a pipe with a client that trusts
// only c, by name.
func handshake(t *testing.T, c tls.Certificate, name string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	srv := tls.Server(a, &tls.Config{Certificates: []tls.Certificate{c}})
	done := make(chan error, 1)
	go func() { done <- srv.Handshake() }()
	cli := tls.Client(b, &tls.Config{RootCAs: pool, ServerName: name, Time: func() time.Time { return start }})
	if err := cli.Handshake(); err != nil {
		t.Errorf("client handshake: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("server handshake: %v", err)
	}
}
