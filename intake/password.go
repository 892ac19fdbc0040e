package intake

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// Passwords of the desk's accounts are kept as Argon2id hashes (RFC 9106)
// in the PHC string form
//
//	$argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>
//
// salt (16 random bytes) and hash (32 bytes) in unpadded standard base64.
// The parameters travel with each hash, so they can be raised later: a
// password is checked with the parameters it was hashed with, and a
// successful login with older ones stores it again with the current ones.
//
// The current parameters are OWASP's first Argon2id choice (Password
// Storage Cheat Sheet, 2025): 46 MiB of memory, one pass, one lane. That
// keeps a login near a tenth of a second and its memory moderate; at most
// maxHashing hashes run at once in the process (hashSlots), so twenty
// people logging in together cost 92 MiB, not 920.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// argonRelease are the parameters of a release build. Test binaries use
// argonTest, as sync/bundle lowers scrypt's work factor, so tests that
// make many accounts run fast; a hash says its own parameters either way.
var (
	argonRelease = argonParams{Memory: 46 * 1024, Time: 1, Threads: 1}
	argonTest    = argonParams{Memory: 1024, Time: 1, Threads: 1}
)

func currentArgon() argonParams {
	if testing.Testing() {
		return argonTest
	}
	return argonRelease
}

const (
	saltSize = 16
	hashSize = 32
	// maxHashing is how many Argon2id computations run at once in the
	// process; the others wait their turn.
	maxHashing = 2
)

// hashSlots bounds the Argon2id computations running at once.
var hashSlots = make(chan struct{}, maxHashing)

// hashing counts the computations running now and peakHashing the most
// that ever ran at once (for the test of the bound); hashCount counts them
// all (for the test that an unknown name costs a hash too).
var hashing, peakHashing, hashCount atomic.Int64

// argonKey runs Argon2id once, waiting for a free slot first.
func argonKey(password, salt []byte, p argonParams, size uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	n := hashing.Add(1)
	defer hashing.Add(-1)
	for {
		peak := peakHashing.Load()
		if n <= peak || peakHashing.CompareAndSwap(peak, n) {
			break
		}
	}
	hashCount.Add(1)
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, size)
}

// hashPassword returns the PHC string of password under the current
// parameters and a new random salt.
func hashPassword(password []byte) (string, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := currentArgon()
	return encodePHC(p, salt, argonKey(password, salt, p, hashSize)), nil
}

func encodePHC(p argonParams, salt, hash []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(hash))
}

// errPHC means a stored hash is not one this store writes.
var errPHC = errors.New("not an Argon2id hash")

// Bounds on what a stored hash may ask, so a damaged one cannot make a
// login allocate gigabytes or spin for minutes (the value is sealed, so
// this is care, not defence).
const (
	maxArgonMemory  = 1 << 20 // KiB: 1 GiB
	maxArgonTime    = 64
	maxArgonThreads = 16
)

// parsePHC reads a PHC string as encodePHC writes it.
func parsePHC(s string) (p argonParams, salt, hash []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errPHC
	}
	var m, t, th uint64
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(val, 10, 32)
		if !ok || perr != nil || i > 2 || name != [...]string{"m", "t", "p"}[i] {
			return p, nil, nil, errPHC
		}
		switch i {
		case 0:
			m = n
		case 1:
			t = n
		case 2:
			th = n
		}
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err1 := b64.DecodeString(parts[4])
	hash, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || m < 8 || m > maxArgonMemory || t < 1 || t > maxArgonTime || th < 1 || th > maxArgonThreads ||
		len(salt) < 8 || len(salt) > 64 || len(hash) < 16 || len(hash) > 64 {
		return p, nil, nil, errPHC
	}
	return argonParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}, salt, hash, nil
}

// checkPHC reports whether password matches the stored PHC string, and
// whether the string uses other parameters than the current ones (so the
// password should be hashed again).
func checkPHC(stored string, password []byte) (ok, outdated bool) {
	p, salt, want, err := parsePHC(stored)
	if err != nil {
		// Spend the same work as a real check before saying no.
		dummyCheck(password)
		return false, false
	}
	got := argonKey(password, salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, p != currentArgon()
}

// dummyCheck spends the work of one password check under the current
// parameters on nothing. A login with a name that has no account (or a
// damaged hash) is checked this way, so it costs the same Argon2id work as
// a wrong password and the time taken does not tell which names exist.
func dummyCheck(password []byte) {
	salt := make([]byte, saltSize)
	rand.Read(salt)
	argonKey(password, salt, currentArgon(), hashSize)
}
