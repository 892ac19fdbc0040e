package boltfile

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealBindsPlaceAndDomain(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, KeySize)
	vault, _ := NewSealer(key, "kluis/v1", MaxValue)
	intake, _ := NewSealer(key, "kluis-intake/v1", MaxValue)
	sealed := vault.Seal([]byte("records"), []byte("k1"), []byte("waarde"))
	if len(sealed) != Overhead+len("waarde") {
		t.Fatalf("sealed %d bytes", len(sealed))
	}
	if got, err := vault.Open(nil, []byte("records"), []byte("k1"), sealed); err != nil || string(got) != "waarde" {
		t.Fatalf("open: %q %v", got, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"other key":    func() ([]byte, error) { return vault.Open(nil, []byte("records"), []byte("k2"), sealed) },
		"other bucket": func() ([]byte, error) { return vault.Open(nil, []byte("versions"), []byte("k1"), sealed) },
		// The separator keeps bucket and key apart.
		"shifted separator": func() ([]byte, error) { return vault.Open(nil, []byte("record"), []byte("s\x00k1"), sealed) },
		"other store":       func() ([]byte, error) { return intake.Open(nil, []byte("records"), []byte("k1"), sealed) },
		"flipped bit": func() ([]byte, error) {
			b := bytes.Clone(sealed)
			b[len(b)-1] ^= 1
			return vault.Open(nil, []byte("records"), []byte("k1"), b)
		},
		"cut short": func() ([]byte, error) { return vault.Open(nil, []byte("records"), []byte("k1"), sealed[:Overhead-1]) },
		"over the limit": func() ([]byte, error) {
			small, _ := NewSealer(key, "kluis/v1", len(sealed)-1)
			return small.Open(nil, []byte("records"), []byte("k1"), sealed)
		},
		"other format": func() ([]byte, error) {
			return vault.Open(nil, []byte("records"), []byte("k1"), append([]byte{2}, sealed[1:]...))
		},
	} {
		if got, err := open(); !errors.Is(err, ErrUnseal) || got != nil {
			t.Errorf("%s: %q %v, want ErrUnseal", name, got, err)
		}
	}
	// Two seals of one value differ (a fresh nonce each time).
	if bytes.Equal(sealed, vault.Seal([]byte("records"), []byte("k1"), []byte("waarde"))) {
		t.Error("the same nonce twice")
	}
}

func TestGuardTurnsFaultsIntoDamage(t *testing.T) {
	t.Parallel()
	var de *DamageError
	err := Guard(func() error {
		var p *[4]byte
		_ = p[1] // a nil dereference, as a damaged mapping gives
		return nil
	})
	if !errors.As(err, &de) {
		t.Fatalf("Guard = %v, want a *DamageError", err)
	}
	plain := errors.New("plain")
	if err := Guard(func() error { return plain }); err != plain {
		t.Fatalf("Guard changed an ordinary error: %v", err)
	}
}

// A value sealed in place opens like one sealed by Seal, and its buffer is
// the sealed value.
func TestSealInPlace(t *testing.T) {
	t.Parallel()
	s, _ := NewSealer(bytes.Repeat([]byte{7}, KeySize), "kluis/v1", MaxValue)
	for _, n := range []int{0, 1, 1000} {
		plain := bytes.Repeat([]byte{'x'}, n)
		buf := make([]byte, n+Overhead+5)
		copy(buf[Prefix:], plain)
		sealed := s.SealInPlace(buf, n, []byte("docfile"), []byte("k"))
		if len(sealed) != n+Overhead || &sealed[0] != &buf[0] {
			t.Fatalf("%d bytes: sealed %d bytes, not in its buffer", n, len(sealed))
		}
		if n >= 16 && bytes.Equal(sealed[Prefix:Prefix+n], plain) {
			t.Fatalf("%d bytes: the plaintext is still there", n)
		}
		if got, err := s.Open(nil, []byte("docfile"), []byte("k"), sealed); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: open: %v", n, err)
		}
	}
}
