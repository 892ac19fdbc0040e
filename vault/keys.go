package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"filippo.io/age"
)

// Key hierarchy
//
//	passphrase ──scrypt (one KDF per unlock)──▶ identity blob ──▶ owner identity
//	recovery key (age X25519 identity) ───────▶ identity-recovery blob ──▶ owner identity
//	owner identity = age X25519 identity (receives bundles and packs)
//	               + Ed25519 signing key (signs what leaves the machine)
//	data key (32 random bytes) = age file to {owner X25519, recovery X25519}
//	data key ──XChaCha20-Poly1305──▶ every record, document chunk and log entry
//
// Changing the passphrase re-encrypts only the identity blob. Recovery opens
// the owner identity with the recovery key and then sets a new passphrase.

// MinPassphraseLen is the shortest passphrase Kluis accepts, in characters.
const MinPassphraseLen = 8

// DefaultScryptLogN is the scrypt work factor for new passphrases: 2^18
// (about 0.7 s and 256 MiB on the reference machine). It is also the floor:
// a key file asking for less is refused, so an attacker who can write the
// vault file cannot downgrade it.
const DefaultScryptLogN = 18

// maxScryptLogN caps the work a key file can demand (2^22 ≈ 12 s), so a
// hostile file cannot hang the app.
const maxScryptLogN = 22

// scryptLogN and scryptFloor are the parameters in force. Test binaries use
// small values so tests run fast; release builds cannot change them.
var scryptLogN, scryptFloor = kdfParameters()

func kdfParameters() (logN, floor int) {
	if testing.Testing() {
		return 10, 10
	}
	return DefaultScryptLogN, DefaultScryptLogN
}

// identity is the owner's key material.
type identity struct {
	x25519  *age.X25519Identity
	signing ed25519.PrivateKey
}

// identityFile is the plaintext inside the identity blobs.
type identityFile struct {
	Version int    `json:"v"`
	X25519  string `json:"x25519"`
	Ed25519 []byte `json:"ed25519_seed"`
}

func newIdentity() (*identity, error) {
	x, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &identity{x25519: x, signing: priv}, nil
}

func (id *identity) marshal() []byte {
	b, err := json.Marshal(identityFile{Version: 1, X25519: id.x25519.String(), Ed25519: id.signing.Seed()})
	if err != nil {
		panic(err) // cannot happen: plain strings and bytes
	}
	return b
}

func parseIdentity(b []byte) (*identity, error) {
	var f identityFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	if f.Version != 1 || len(f.Ed25519) != ed25519.SeedSize {
		return nil, errors.New("unsupported identity file")
	}
	x, err := age.ParseX25519Identity(f.X25519)
	if err != nil {
		return nil, err
	}
	return &identity{x25519: x, signing: ed25519.NewKeyFromSeed(f.Ed25519)}, nil
}

func (id *identity) wipe() {
	if id == nil {
		return
	}
	clear(id.signing)
	id.x25519 = nil
}

// CheckPassphrase tells whether p is acceptable as a new passphrase
// (ErrWeakPassphrase if not), so a caller can refuse it before starting
// anything.
func CheckPassphrase(p []byte) error { return checkPassphrase(p) }

// checkPassphrase enforces the length rule on a new passphrase.
func checkPassphrase(p []byte) error {
	if utf8.RuneCount(bytes.TrimSpace(p)) < MinPassphraseLen {
		return ErrWeakPassphrase
	}
	return nil
}

// encryptWithPassphrase makes an age scrypt file of plaintext at the work
// factor in force.
func encryptWithPassphrase(passphrase, plaintext []byte) ([]byte, error) {
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(scryptLogN)
	defer releaseKDFMemory()
	return ageEncrypt(plaintext, r)
}

// releaseKDFMemory hands scrypt's working memory (256 MiB at 2^18) back to
// the system right after a key derivation. Without it the garbage
// collector would let the heap grow to twice that before collecting, and a
// document streamed straight after an unlock would sit on half a gigabyte.
func releaseKDFMemory() { debug.FreeOSMemory() }

func ageEncrypt(plaintext []byte, recipients ...age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func ageDecrypt(file []byte, identities ...age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(file), identities...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, 1<<20))
}

// flooredScrypt refuses scrypt stanzas below the floor or above the cap
// before doing any work, then defers to age's scrypt identity.
type flooredScrypt struct {
	inner *age.ScryptIdentity
}

var _ age.Identity = flooredScrypt{}

func (f flooredScrypt) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != "scrypt" || len(s.Args) != 2 {
			continue
		}
		logN, err := strconv.Atoi(s.Args[1])
		if err != nil || logN < scryptFloor || logN > maxScryptLogN {
			return nil, fmt.Errorf("%w: work factor %q", ErrKDFParameters, s.Args[1])
		}
	}
	return f.inner.Unwrap(stanzas)
}

// decryptWithPassphrase opens an identity blob. A wrong passphrase yields
// ErrWrongPassphrase; a downgraded file yields ErrKDFParameters.
func decryptWithPassphrase(passphrase, file []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrWrongPassphrase
	}
	inner, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	inner.SetMaxWorkFactor(maxScryptLogN)
	pt, err := ageDecrypt(file, flooredScrypt{inner})
	releaseKDFMemory()
	switch {
	case err == nil:
		return pt, nil
	case errors.Is(err, ErrKDFParameters):
		return nil, err
	case errors.Is(err, age.ErrIncorrectIdentity), isNoMatch(err):
		return nil, ErrWrongPassphrase
	default:
		return nil, damaged(PartKeys, "key file", err)
	}
}

func isNoMatch(err error) bool {
	var nm *age.NoIdentityMatchError
	return errors.As(err, &nm)
}

// ParseRecoveryKey accepts a recovery key as printed (any case, with spaces,
// dashes or line breaks between groups) and returns the age identity.
func ParseRecoveryKey(s string) (*age.X25519Identity, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	clean = strings.ToUpper(clean)
	id, err := age.ParseX25519Identity(clean)
	if err != nil {
		return nil, ErrWrongRecoveryKey
	}
	return id, nil
}

// FormatRecoveryKey splits a recovery key into groups for printing and
// reading back: the "AGE-SECRET-KEY-1" prefix on its own line, then the
// rest in groups of six, five groups a line. ParseRecoveryKey accepts the
// result.
func FormatRecoveryKey(key string) string {
	const prefix, group, perLine = "AGE-SECRET-KEY-1", 6, 5
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return key
	}
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < len(rest); i += group {
		if (i/group)%perLine == 0 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(rest[i:min(i+group, len(rest))])
	}
	return b.String()
}
