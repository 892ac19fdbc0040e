package sign

import (
	"crypto/ed25519"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// TestVerifierAgreesWithVerify: for valid signatures and every kind of
// damage (a flipped bit anywhere in the signature, key or message, a
// non-canonical S, the high bits of S, small-order keys and R), the
// streaming Verifier answers as Verify of the whole message does, whatever
// the parts the message is written in.
func TestVerifierAgreesWithVerify(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	const domain = "kluis-test/v1"
	check := func(pub ed25519.PublicKey, msg, sig []byte) {
		t.Helper()
		want := Verify(pub, domain, msg, sig)
		v := NewVerifier(pub, domain, sig)
		for rest := msg; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(700))
			if v != nil {
				v.Write(rest[:n])
			}
			rest = rest[n:]
		}
		if got := v.Verify(); got != want {
			t.Fatalf("Verifier %v, Verify %v (key %x, sig %x, %d-byte message)", got, want, pub, sig, len(msg))
		}
	}
	for i := range 300 {
		seed := make([]byte, ed25519.SeedSize)
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		key := ed25519.NewKeyFromSeed(seed)
		pub := key.Public().(ed25519.PublicKey)
		msg := make([]byte, rng.IntN(5000))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		sig := With(key, domain, msg)
		if !Verify(pub, domain, msg, sig) {
			t.Fatal("a fresh signature does not verify")
		}
		check(pub, msg, sig)
		bad := append([]byte(nil), sig...)
		bad[rng.IntN(64)] ^= 1 << rng.IntN(8)
		check(pub, msg, bad)
		badKey := append(ed25519.PublicKey(nil), pub...)
		badKey[rng.IntN(32)] ^= 1 << rng.IntN(8)
		check(badKey, msg, sig)
		if len(msg) > 0 {
			badMsg := append([]byte(nil), msg...)
			badMsg[rng.IntN(len(msg))] ^= 1 << rng.IntN(8)
			check(pub, badMsg, sig)
		}
		check(pub, append(msg, 0), sig)
		if i%10 == 0 {
			// S + L: the same signature with a non-canonical S.
			check(pub, msg, addL(sig))
			high := append([]byte(nil), sig...)
			high[63] |= 0x80
			check(pub, msg, high)
			check(pub[:31], msg, sig)
			check(pub, msg, sig[:63])
		}
	}
	// Small-order points as key and as R (all-zero S): both answer the same.
	for _, p := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	} {
		b, _ := hex.DecodeString(p)
		sig := append(append([]byte(nil), b...), make([]byte, 32)...)
		check(ed25519.PublicKey(b), []byte("m"), sig)
		key := ed25519.NewKeyFromSeed(make([]byte, 32))
		check(key.Public().(ed25519.PublicKey), []byte("m"), sig)
	}
}

// addL returns sig with L, the group order, added to its S (little-endian).
func addL(sig []byte) []byte {
	l := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	out := append([]byte(nil), sig...)
	carry := 0
	for i := range 32 {
		s := int(out[32+i]) + int(l[i]) + carry
		out[32+i], carry = byte(s), s>>8
	}
	return out
}
