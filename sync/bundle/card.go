package bundle

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"kluis/internal/sign"
	"kluis/sync/signed"

	"filippo.io/age"

	"kluis/sync/schema"
)

// CardFormat is the format id of an organisation card.
const CardFormat = "kluis-org-card/v1"

// A Card is an organisation's public card: who it is and the keys a
// citizen's bundle is encrypted to (X25519) and its receipts are checked
// with (Ed25519). It is self-signed with the Ed25519 key, which proves the
// card was made by whoever holds that key — not that the organisation is
// who it says it is: a citizen should get a card through a channel they
// trust (the municipality's website, a letter) and can compare its
// fingerprint by phone.
type Card struct {
	Format   string   `json:"format"`             // CardFormat
	Org      string   `json:"org"`                // organisation name, 1–200 characters
	OIN      string   `json:"oin,omitempty"`      // Organisatie-identificatienummer, 20 digits
	X25519   string   `json:"x25519"`             // age recipient "age1…"
	Ed25519  string   `json:"ed25519"`            // base64 public key
	Purposes []string `json:"purposes,omitempty"` // what it asks data for, free text
	// PurposeScopes says, for some of Purposes, which categories and
	// fields the organisation has registered it may ask for. Optional:
	// cards without it are read as before. A citizen's app compares a
	// data request with it and warns when the request asks for more.
	PurposeScopes []PurposeScope `json:"purpose_scopes,omitempty"`
	// Inbox is the HTTPS address of the organisation's desk, where a
	// citizen's Kluis may deliver bundles and messages directly and pick
	// up answers; InboxPin pins the desk's TLS key (see InboxPin). Both
	// or neither; cards without them are read as before.
	Inbox    string    `json:"inbox,omitempty"`
	InboxPin string    `json:"inbox_pin,omitempty"`
	Created  time.Time `json:"created"` // UTC, whole seconds
}

// MaxInboxURL bounds a card's inbox address, in bytes.
const MaxInboxURL = 200

// InboxPin is what a card's inbox_pin holds for a TLS certificate: the
// hex SHA-256 of its SubjectPublicKeyInfo (DER), the same for every
// certificate made with one key. A citizen's Kluis accepts the desk only
// when the certificate it presents has this pin; no certificate authority
// is asked.
func InboxPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:])
}

// CheckInbox checks an inbox address: https, a host, no user, query or
// fragment, at most MaxInboxURL bytes. It returns the address with a
// path that ends in "/".
func CheckInbox(s string) (string, error) {
	if len(s) > MaxInboxURL {
		return "", errText("the inbox address is longer than 200 bytes")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", errText("the inbox must be an https address with a host and nothing after the path")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

// A PurposeScope is what an organisation may ask for one of its purposes:
// whole categories ("income") and single fields ("personal.iban").
type PurposeScope struct {
	Purpose string   `json:"purpose"` // exactly one of the card's Purposes
	Allowed []string `json:"allowed"` // "category" or "category.field", sorted, no duplicates
}

// Allows reports whether the purpose scope covers field of category (a
// listed category covers all its fields).
func (p *PurposeScope) Allows(category, field string) bool {
	return slices.Contains(p.Allowed, category) || (field != "" && slices.Contains(p.Allowed, category+"."+field))
}

// PurposeScopeFor returns the registered scope of the card's purpose with
// this name, compared without regard to case and surrounding space, or
// nil when the card registers none.
func (c *Card) PurposeScopeFor(purpose string) *PurposeScope {
	for i := range c.PurposeScopes {
		if strings.EqualFold(strings.TrimSpace(c.PurposeScopes[i].Purpose), strings.TrimSpace(purpose)) {
			return &c.PurposeScopes[i]
		}
	}
	return nil
}

// ParseCard parses and verifies a card file. It checks the layout, every
// field and the self-signature.
func ParseCard(file []byte) (*Card, error) {
	body, sig, err := splitSigned(file)
	if err != nil {
		return nil, refuseErr(CodeBadCard, err, "layout")
	}
	var c Card
	if err := unmarshalStrict(body, &c); err != nil {
		return nil, refuseErr(CodeBadCard, err, "body")
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	pub, _ := parseEd25519(c.Ed25519)
	if !sign.Verify(pub, DomainCard, body, sig) {
		return nil, refuse(CodeBadCard, "the signature does not verify with the card's own key")
	}
	return &c, nil
}

func (c *Card) check() error {
	if c.Format != CardFormat {
		return refuse(CodeBadCard, "unknown format %q", printable(c.Format))
	}
	if err := checkLine(c.Org, 1, 200); err != nil {
		return refuseErr(CodeBadCard, err, "org")
	}
	if c.OIN != "" && !isDigits(c.OIN, 20) {
		return refuse(CodeBadCard, "oin must be 20 digits")
	}
	if _, err := age.ParseX25519Recipient(c.X25519); err != nil {
		return refuseErr(CodeBadCard, err, "x25519")
	}
	if _, err := parseEd25519(c.Ed25519); err != nil {
		return refuseErr(CodeBadCard, err, "ed25519")
	}
	if len(c.Purposes) > 32 {
		return refuse(CodeBadCard, "too many purposes")
	}
	for _, p := range c.Purposes {
		if err := checkLine(p, 1, 200); err != nil {
			return refuseErr(CodeBadCard, err, "purpose")
		}
	}
	if err := c.checkPurposeScopes(); err != nil {
		return err
	}
	if c.Inbox != "" || c.InboxPin != "" {
		in, err := CheckInbox(c.Inbox)
		if err != nil {
			return refuseErr(CodeBadCard, err, "inbox")
		}
		if in != c.Inbox {
			return refuse(CodeBadCard, "the inbox address must end in /")
		}
		if len(c.InboxPin) != 64 || strings.Trim(c.InboxPin, "0123456789abcdef") != "" {
			return refuse(CodeBadCard, "inbox_pin must be 64 lower-case hex digits")
		}
	}
	if c.Created.IsZero() || c.Created.Location() != time.UTC || c.Created.Nanosecond() != 0 {
		return refuse(CodeBadCard, "created must be a UTC time in whole seconds")
	}
	return nil
}

func (c *Card) checkPurposeScopes() error {
	if len(c.PurposeScopes) > 32 {
		return refuse(CodeBadCard, "too many purpose scopes")
	}
	seen := map[string]bool{}
	for _, ps := range c.PurposeScopes {
		if !slices.Contains(c.Purposes, ps.Purpose) {
			return refuse(CodeBadCard, "purpose scope %q is not one of the card's purposes", printable(ps.Purpose))
		}
		key := strings.ToLower(ps.Purpose)
		if seen[key] {
			return refuse(CodeBadCard, "purpose %q has two scopes", printable(ps.Purpose))
		}
		seen[key] = true
		if len(ps.Allowed) == 0 || len(ps.Allowed) > 200 || !isSortedUnique(ps.Allowed) {
			return refuse(CodeBadCard, "the scope of purpose %q must list 1 to 200 items, sorted, without duplicates", printable(ps.Purpose))
		}
		for _, a := range ps.Allowed {
			cat, field, hasField := strings.Cut(a, ".")
			def, ok := schema.Lookup(cat)
			if !ok {
				return refuse(CodeBadCard, "purpose scope names unknown category %q", printable(a))
			}
			if hasField {
				if _, ok := def.Field(field); !ok {
					return refuse(CodeBadCard, "purpose scope names unknown field %q", printable(a))
				}
			}
		}
	}
	return nil
}

// Recipient is the card's age recipient.
func (c *Card) Recipient() *age.X25519Recipient {
	r, err := age.ParseX25519Recipient(c.X25519)
	if err != nil {
		panic("bundle: card not checked: " + err.Error())
	}
	return r
}

// PublicKey is the card's Ed25519 key, which verifies the organisation's
// receipts.
func (c *Card) PublicKey() ed25519.PublicKey {
	k, _ := parseEd25519(c.Ed25519)
	return k
}

// Fingerprint is the card's full fingerprint: lower-case hex of
// SHA-256("kluis-card-fingerprint/v1" ‖ 0x00 ‖ x25519 ‖ 0x00 ‖ ed25519 key
// (32 raw bytes)). A bundle's manifest names its recipient by it.
func (c *Card) Fingerprint() string {
	return Fingerprint(c.X25519, c.PublicKey())
}

// Fingerprint computes a card fingerprint from its two keys.
func Fingerprint(x25519 string, ed ed25519.PublicKey) string {
	h := sha256.New()
	h.Write([]byte("kluis-card-fingerprint/v1\x00"))
	h.Write([]byte(x25519))
	h.Write([]byte{0})
	h.Write(ed)
	return hex.EncodeToString(h.Sum(nil))
}

// ShortFingerprint is the first 80 bits of a full fingerprint in base32
// (RFC 4648 alphabet), in four groups of four, such as "K7QF-2M3A-XZ4B-UD6E":
// short enough to read aloud, long enough that nobody can make a card that
// matches another.
func ShortFingerprint(full string) string {
	b, err := hex.DecodeString(full)
	if err != nil || len(b) < 10 {
		return ""
	}
	s := base32.StdEncoding.EncodeToString(b[:10])
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

type errText string

func (e errText) Error() string { return string(e) }

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var checkLine = signed.CheckLine

var printable = signed.Printable
