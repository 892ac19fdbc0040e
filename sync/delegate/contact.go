package delegate

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kluis/internal/sign"

	"filippo.io/age"
	"github.com/skip2/go-qrcode"

	"kluis/internal/errcode"
	"kluis/internal/safetext"
	"kluis/sync/bundle"
)

// ContactFormat is the format id inside a contact code.
const ContactFormat = "kluis-contact/v1"

// ContactPrefix starts every contact code.
const ContactPrefix = "kluis:contact/v1/"

// A Contact is a vault's public identity, self-signed with its Ed25519 key.
// The self-signature proves whoever made it holds that key, not who they
// are: compare ReadAloud by phone before granting or accepting anything.
type Contact struct {
	Format  string    `json:"format"` // ContactFormat
	Name    string    `json:"name"`   // 1–100 characters, one line
	X25519  string    `json:"x25519"` // age recipient "age1…"
	Ed25519 string    `json:"ed25519"`
	Created time.Time `json:"created"` // UTC, whole seconds
}

// NewContact makes and signs the contact code of a vault with public keys
// x25519 (an age recipient) and ed, signed by s (the same vault).
func NewContact(s Signer, x25519 string, ed ed25519.PublicKey, name string, now time.Time) (string, error) {
	c := Contact{Format: ContactFormat, Name: name, X25519: x25519, Ed25519: encodeKey(ed),
		Created: now.UTC().Truncate(time.Second)}
	if err := c.check(); err != nil {
		return "", err
	}
	body, err := marshalCompact(c)
	if err != nil {
		return "", err
	}
	sig, err := s.Sign(DomainContact, body)
	if err != nil {
		return "", err
	}
	return ContactPrefix + base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// ErrBadContact means a contact code is not well formed or its
// self-signature does not verify.
var ErrBadContact = errcode.New("sync.bad_contact", "not a valid Kluis contact code")

// ParseContact reads a contact code (surrounding space ignored) and checks
// its self-signature.
func ParseContact(code string) (*Contact, error) {
	code = strings.TrimSpace(code)
	rest, ok := strings.CutPrefix(code, ContactPrefix)
	if !ok || len(code) > 4096 {
		return nil, ErrBadContact
	}
	b64body, b64sig, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, ErrBadContact
	}
	body, err1 := base64.RawURLEncoding.Strict().DecodeString(b64body)
	sig, err2 := base64.RawURLEncoding.Strict().DecodeString(b64sig)
	if err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize {
		return nil, ErrBadContact
	}
	var c Contact
	if err := unmarshalStrict(body, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadContact, err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if canon, _ := marshalCompact(c); !bytes.Equal(canon, body) || !sign.Verify(c.PublicKey(), DomainContact, body, sig) {
		return nil, fmt.Errorf("%w: the signature does not verify", ErrBadContact)
	}
	return &c, nil
}

func (c *Contact) check() error {
	switch {
	case c.Format != ContactFormat:
		return fmt.Errorf("%w: unknown format", ErrBadContact)
	case checkLine(c.Name, 1, 100) != nil:
		return fmt.Errorf("%w: name", ErrBadContact)
	case c.PublicKey() == nil:
		return fmt.Errorf("%w: ed25519 key", ErrBadContact)
	case !c.Created.Equal(c.Created.UTC().Truncate(time.Second)) || c.Created.Location() != time.UTC:
		return fmt.Errorf("%w: created", ErrBadContact)
	}
	if _, err := age.ParseX25519Recipient(c.X25519); err != nil {
		return fmt.Errorf("%w: x25519 recipient", ErrBadContact)
	}
	return nil
}

// PublicKey is the contact's Ed25519 key (nil if malformed).
func (c *Contact) PublicKey() ed25519.PublicKey { return ParseKey(c.Ed25519) }

// Recipient is the contact's age recipient.
func (c *Contact) Recipient() *age.X25519Recipient {
	r, err := age.ParseX25519Recipient(c.X25519)
	if err != nil {
		panic("delegate: contact not checked")
	}
	return r
}

// Fingerprint is the contact's full fingerprint, computed as an
// organisation card's (bundle.Fingerprint): 64 hex digits over both keys.
// It is also the vault's id in certificates and packs.
func (c *Contact) Fingerprint() string { return bundle.Fingerprint(c.X25519, c.PublicKey()) }

// ReadAloud turns a full fingerprint into five groups of four digits, such
// as "0412 7730 9981 2056 4415", to compare by phone: each group is a
// 16-bit slice of SHA-256 over the fingerprint, reduced mod 10000 (about 66
// bits in all).
func ReadAloud(fingerprint string) string {
	h := sha256.Sum256([]byte("kluis-read-aloud/v1\x00" + fingerprint))
	groups := make([]string, 5)
	for i := range groups {
		groups[i] = fmt.Sprintf("%04d", binary.BigEndian.Uint16(h[2*i:])%10000)
	}
	return strings.Join(groups, " ")
}

// QR returns a PNG with the contact code as a QR code.
func QR(code string, size int) ([]byte, error) {
	return qrcode.Encode(code, qrcode.Medium, size)
}

func checkLine(s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max || strings.TrimSpace(s) != s {
		return errors.New("bad text")
	}
	if _, _, hidden := safetext.Find(s); hidden {
		return errors.New("control or formatting character")
	}
	return nil
}
