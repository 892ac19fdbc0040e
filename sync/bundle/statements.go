package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"kluis/internal/sign"
)

// Format ids of the signed statements about a bundle.
const (
	NoticeFormat  = "kluis-revocation/v1"
	ReceiptFormat = "kluis-receipt/v1"
)

// A Notice is a citizen's signed revocation of a bundle: the organisation
// that imported it purges it. It is signed with the same Ed25519 key that
// signed the bundle's manifest, so only the bundle's issuer can revoke it.
// Cryptography cannot make an organisation forget what it has read; the
// notice is an instruction it has agreed to follow, and its receipt of the
// notice can be shown later.
type Notice struct {
	Format   string    `json:"format"` // NoticeFormat
	BundleID string    `json:"bundle_id"`
	Revoked  time.Time `json:"revoked"` // UTC, whole seconds
	Issuer   string    `json:"issuer_ed25519"`
}

// NewNotice signs a revocation notice for bundleID with the citizen's key.
func NewNotice(s Signer, issuer ed25519.PublicKey, bundleID string, now time.Time) ([]byte, error) {
	n := Notice{Format: NoticeFormat, BundleID: bundleID, Revoked: utc(now), Issuer: encodeKey(issuer)}
	if err := n.check(); err != nil {
		return nil, err
	}
	return signStatement(s, DomainNotice, n)
}

func (n *Notice) check() error {
	if n.Format != NoticeFormat || !isUUIDv4(n.BundleID) || !isCanonicalTime(n.Revoked) {
		return refuse(CodeBadNotice, "not a revocation notice")
	}
	if _, err := parseEd25519(n.Issuer); err != nil {
		return refuseErr(CodeBadNotice, err, "issuer")
	}
	return nil
}

// ParseNotice parses a revocation notice and checks its signature against
// the key it names. The caller must still check that key is the bundle's
// issuer (IssuerKey).
func ParseNotice(file []byte) (*Notice, error) {
	body, sig, err := splitSigned(file)
	if err != nil {
		return nil, refuseErr(CodeBadNotice, err, "layout")
	}
	var n Notice
	if err := unmarshalStrict(body, &n); err != nil {
		return nil, refuseErr(CodeBadNotice, err, "body")
	}
	if err := n.check(); err != nil {
		return nil, err
	}
	if !sign.Verify(n.IssuerKey(), DomainNotice, body, sig) {
		return nil, refuse(CodeBadNotice, "the signature does not verify")
	}
	return &n, nil
}

// IssuerKey is the key that signed the notice.
func (n *Notice) IssuerKey() ed25519.PublicKey {
	k, _ := parseEd25519(n.Issuer)
	return k
}

// A Receipt is an organisation's signed statement that it imported a
// bundle, when, and until when it keeps it. The citizen's vault keeps it in
// its log.
type Receipt struct {
	Format         string    `json:"format"` // ReceiptFormat
	BundleID       string    `json:"bundle_id"`
	ManifestSHA256 string    `json:"manifest_sha256"` // of the manifest's exact bytes
	ImportedAt     time.Time `json:"imported_at"`
	KeptUntil      time.Time `json:"kept_until"`
	Org            string    `json:"org"`
	OIN            string    `json:"oin,omitempty"`
	Fingerprint    string    `json:"fingerprint"` // the organisation's card fingerprint
	Ed25519        string    `json:"ed25519"`     // the organisation's key, which signed this
}

// ManifestDigest is the lower-case hex SHA-256 of a manifest's bytes, as a
// receipt names it.
func ManifestDigest(mraw []byte) string {
	s := sha256.Sum256(mraw)
	return hex.EncodeToString(s[:])
}

// NewReceipt signs a receipt for an imported bundle.
func NewReceipt(id *OrgIdentity, bundleID, manifestSHA256 string, importedAt, keptUntil time.Time) ([]byte, error) {
	c := id.Card()
	r := Receipt{Format: ReceiptFormat, BundleID: bundleID, ManifestSHA256: manifestSHA256,
		ImportedAt: utc(importedAt), KeptUntil: utc(keptUntil), Org: c.Org, OIN: c.OIN,
		Fingerprint: c.Fingerprint(), Ed25519: c.Ed25519}
	if err := r.check(); err != nil {
		return nil, err
	}
	return signStatement(id, DomainReceipt, r)
}

func (r *Receipt) check() error {
	bad := func(what string) error { return refuse(CodeBadReceipt, "%s", what) }
	switch {
	case r.Format != ReceiptFormat:
		return bad("not a receipt")
	case !isUUIDv4(r.BundleID):
		return bad("bundle_id is not a UUID v4")
	case len(r.ManifestSHA256) != 64 || !isLowerHex(r.ManifestSHA256):
		return bad("manifest_sha256 is not 64 hex digits")
	case !isCanonicalTime(r.ImportedAt) || !isCanonicalTime(r.KeptUntil):
		return bad("times must be UTC in whole seconds")
	case checkLine(r.Org, 1, 200) != nil:
		return bad("org")
	case r.OIN != "" && !isDigits(r.OIN, 20):
		return bad("oin")
	}
	k, err := parseEd25519(r.Ed25519)
	if err != nil {
		return bad("ed25519")
	}
	_ = k
	if len(r.Fingerprint) != 64 || !isLowerHex(r.Fingerprint) {
		return bad("fingerprint")
	}
	return nil
}

// ParseReceipt parses a receipt and checks its signature against the key
// it names. The caller must still check that key belongs to the
// organisation the bundle was for (for a card, compare the fingerprint).
func ParseReceipt(file []byte) (*Receipt, error) {
	body, sig, err := splitSigned(file)
	if err != nil {
		return nil, refuseErr(CodeBadReceipt, err, "layout")
	}
	var r Receipt
	if err := unmarshalStrict(body, &r); err != nil {
		return nil, refuseErr(CodeBadReceipt, err, "body")
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	if !sign.Verify(r.Key(), DomainReceipt, body, sig) {
		return nil, refuse(CodeBadReceipt, "the signature does not verify")
	}
	return &r, nil
}

// Key is the organisation key that signed the receipt.
func (r *Receipt) Key() ed25519.PublicKey {
	k, _ := parseEd25519(r.Ed25519)
	return k
}

// FromCard reports whether the receipt was signed by the organisation of
// card c: same key and same fingerprint.
func (r *Receipt) FromCard(fingerprint string, key ed25519.PublicKey) bool {
	return r.Fingerprint == fingerprint && bytes.Equal(r.Key(), key)
}
