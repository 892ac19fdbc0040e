package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"kluis/internal/errcode"

	"kluis/internal/sign"

	"filippo.io/age"
)

// IdentityFormat is the format id inside an organisation identity file.
const IdentityFormat = "kluis-org-identity/v1"

// Scrypt work factors for the passphrase that protects an organisation
// identity and for share codes: 2^18 in release builds (about 0.7 s and
// 256 MiB), never accepted lower when reading an identity file; test
// binaries use 2^10 so tests run fast. A file may ask at most 2^22.
const (
	DefaultScryptLogN = 18
	maxScryptLogN     = 22
)

var scryptLogN = func() int {
	if testing.Testing() {
		return 10
	}
	return DefaultScryptLogN
}()

// ReleaseKDFMemory hands the working memory of a finished scrypt run back
// to the system at once: it collects the garbage and returns the freed
// pages (debug.FreeOSMemory). Without it, Go's collector would let the
// heap grow to twice the 256 MiB scrypt used before collecting again, and
// return the pages only slowly, so an import right after unlocking the
// organisation key peaked at twice the key derivation's memory.
// ParseOrgIdentity and the opening of a bundle protected with a share code
// call it; a program that runs scrypt itself can too.
func ReleaseKDFMemory() { debug.FreeOSMemory() }

// ErrWrongPassphrase means the passphrase does not open the identity file.
var ErrWrongPassphrase = errcode.New("bundle.identity.wrong_passphrase", "wrong passphrase for the organisation identity")

// ErrNotIdentity means a file is not an organisation identity.
var ErrNotIdentity = errcode.New("bundle.identity.not_identity", "not a Kluis organisation identity file")

// ErrKDFParameters means an identity file asks for a scrypt work factor
// below the floor or above the cap.
var ErrKDFParameters = errcode.New("bundle.identity.kdf_parameters", "the identity file's key derivation parameters are refused")

// An OrgIdentity is an organisation's secret keys together with its signed
// card. It decrypts bundles addressed to the card and signs receipts. Keep
// it in one place (the intake machine); the card is what you publish.
type OrgIdentity struct {
	x25519  *age.X25519Identity
	signing ed25519.PrivateKey
	card    *Card
	cardRaw []byte
}

// GenerateOrgIdentity makes new keys and a self-signed card for an
// organisation. oin may be empty.
func GenerateOrgIdentity(org, oin string, purposes []string, now time.Time) (*OrgIdentity, error) {
	return GenerateOrgIdentityScoped(org, oin, purposes, nil, now)
}

// GenerateOrgIdentityScoped is GenerateOrgIdentity with, for some
// purposes, the categories and fields registered for them (see
// Card.PurposeScopes). Allowed lists are sorted here.
func GenerateOrgIdentityScoped(org, oin string, purposes []string, scopes []PurposeScope, now time.Time) (*OrgIdentity, error) {
	for i := range scopes {
		scopes[i].Allowed = sortedUnique(scopes[i].Allowed)
	}
	x, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	c := &Card{Format: CardFormat, Org: org, OIN: oin, X25519: x.Recipient().String(),
		Ed25519: encodeKey(pub), Purposes: purposes, PurposeScopes: scopes, Created: now.UTC().Truncate(time.Second)}
	if err := c.check(); err != nil {
		return nil, err
	}
	id := &OrgIdentity{x25519: x, signing: priv}
	raw, err := signStatement(id, DomainCard, c)
	if err != nil {
		return nil, err
	}
	id.card, id.cardRaw = c, raw
	return id, nil
}

// CardWithInbox returns the organisation's card, signed anew, that also
// names its desk's inbox address and the pin of the desk's TLS key (see
// Card.Inbox). The keys, and so the fingerprint, are those of Card.
func (id *OrgIdentity) CardWithInbox(inbox, pin string, now time.Time) ([]byte, error) {
	c := *id.card
	c.Inbox, c.InboxPin, c.Created = inbox, pin, now.UTC().Truncate(time.Second)
	if err := c.check(); err != nil {
		return nil, err
	}
	return signStatement(id, DomainCard, &c)
}

// Card returns the organisation's public card.
func (id *OrgIdentity) Card() *Card { return id.card }

// CardFile returns the signed card file to publish.
func (id *OrgIdentity) CardFile() []byte { return bytes.Clone(id.cardRaw) }

// AgeIdentity is the X25519 identity that opens bundles sent to the card.
func (id *OrgIdentity) AgeIdentity() *age.X25519Identity { return id.x25519 }

// Sign signs message under domain (see Signer).
func (id *OrgIdentity) Sign(domain string, message []byte) ([]byte, error) {
	return sign.With(id.signing, domain, message), nil
}

// Wipe forgets the signing key (best effort).
func (id *OrgIdentity) Wipe() { clear(id.signing) }

type identityFile struct {
	Format  string `json:"format"`
	Card    string `json:"card"` // the signed card file
	X25519  string `json:"x25519"`
	Ed25519 string `json:"ed25519_seed"` // base64 of the 32-byte seed
}

// Marshal returns the identity as an age file encrypted with passphrase
// (scrypt, the only recipient).
func (id *OrgIdentity) Marshal(passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("an empty passphrase cannot protect an identity")
	}
	body, err := marshalCompact(identityFile{Format: IdentityFormat, Card: string(id.cardRaw),
		X25519: id.x25519.String(), Ed25519: base64.StdEncoding.EncodeToString(id.signing.Seed())})
	if err != nil {
		return nil, err
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(scryptLogN)
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	w.Write(body)
	clear(body)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ParseOrgIdentity opens an identity file with its passphrase. It refuses
// a scrypt work factor below the floor (a downgraded file) or above 2^22.
// The key derivation's working memory (256 MiB at 2^18) is handed back to
// the system before it returns (ReleaseKDFMemory), so a long-running
// kluis-intake does not keep it.
func ParseOrgIdentity(file, passphrase []byte) (*OrgIdentity, error) {
	if len(file) > maxSignedFile {
		return nil, ErrNotIdentity
	}
	inner, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	inner.SetMaxWorkFactor(maxScryptLogN)
	r, err := age.Decrypt(bytes.NewReader(file), flooredScrypt{inner: inner, floor: scryptLogN})
	ReleaseKDFMemory()
	var nm *age.NoIdentityMatchError
	switch {
	case errors.Is(err, ErrKDFParameters):
		return nil, err
	case errors.As(err, &nm), errors.Is(err, age.ErrIncorrectIdentity):
		return nil, ErrWrongPassphrase
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrNotIdentity, err)
	}
	body, err := io.ReadAll(io.LimitReader(r, maxSignedFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotIdentity, err)
	}
	defer clear(body)
	var f identityFile
	if err := unmarshalStrict(body, &f); err != nil || f.Format != IdentityFormat {
		return nil, ErrNotIdentity
	}
	c, err := ParseCard([]byte(f.Card))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotIdentity, err)
	}
	x, err := age.ParseX25519Identity(f.X25519)
	if err != nil {
		return nil, ErrNotIdentity
	}
	seed, err := base64.StdEncoding.Strict().DecodeString(f.Ed25519)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, ErrNotIdentity
	}
	priv := ed25519.NewKeyFromSeed(seed)
	clear(seed)
	if x.Recipient().String() != c.X25519 || !bytes.Equal(priv.Public().(ed25519.PublicKey), c.PublicKey()) {
		return nil, fmt.Errorf("%w: keys do not match the card", ErrNotIdentity)
	}
	return &OrgIdentity{x25519: x, signing: priv, card: c, cardRaw: []byte(f.Card)}, nil
}

// flooredScrypt refuses scrypt stanzas outside [floor, 2^22] before doing
// any work.
type flooredScrypt struct {
	inner *age.ScryptIdentity
	floor int
}

func (f flooredScrypt) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != "scrypt" || len(s.Args) != 2 {
			continue
		}
		logN, err := strconv.Atoi(s.Args[1])
		if err != nil || logN < f.floor || logN > maxScryptLogN {
			return nil, fmt.Errorf("%w: work factor %q", ErrKDFParameters, s.Args[1])
		}
	}
	return f.inner.Unwrap(stanzas)
}
