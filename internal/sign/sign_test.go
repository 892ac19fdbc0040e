package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
)

func TestPreimage(t *testing.T) {
	t.Parallel()
	got := Preimage("kluis-test/v1", []byte("body"))
	if want := []byte("kluis-test/v1\x00body"); !bytes.Equal(got, want) {
		t.Fatalf("Preimage = %q, want %q", got, want)
	}
}

func TestDomainsSeparate(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"a":1}`)
	sig := With(priv, "kluis-a/v1", msg)
	if !Verify(pub, "kluis-a/v1", msg, sig) {
		t.Fatal("a signature does not verify under its own domain")
	}
	for _, c := range []struct {
		name   string
		pub    ed25519.PublicKey
		domain string
		msg    []byte
	}{
		{"other domain", pub, "kluis-b/v1", msg},
		// Moving the separator must not keep the signature valid.
		{"shifted separator", pub, "kluis-a/v1\x00{", []byte(`"a":1}`)},
		{"other message", pub, "kluis-a/v1", []byte(`{"a":2}`)},
		{"short key", pub[:31], "kluis-a/v1", msg},
		{"no key", nil, "kluis-a/v1", msg},
	} {
		if Verify(c.pub, c.domain, c.msg, sig) {
			t.Errorf("%s: verifies", c.name)
		}
	}
	if !ed25519.Verify(pub, Preimage("kluis-a/v1", msg), sig) {
		t.Error("With does not sign the preimage")
	}
}
