package delegate

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"kluis/internal/errcode"
	"kluis/sync/schema"
)

// Format ids of the delegation statements.
const (
	CertificateFormat = "kluis-delegation/v1"
	RevocationFormat  = "kluis-delegation-revocation/v1"
	EmergencyFormat   = "kluis-emergency/v1"
)

// Roles a delegate can have.
const (
	RoleView   = "view"   // receives the categories in scope, changes nothing
	RoleManage = "manage" // may also add and edit records in scope
)

// maxStatement bounds a certificate, revocation or emergency statement.
const maxStatement = 16 << 10

// A Party names a vault by its name and keys, as pinned from its contact
// code.
type Party struct {
	Name    string `json:"name"`
	X25519  string `json:"x25519"`
	Ed25519 string `json:"ed25519"`
}

// Fingerprint is the party's vault id.
func (p Party) Fingerprint() string {
	c := Contact{X25519: p.X25519, Ed25519: p.Ed25519}
	return c.Fingerprint()
}

// PartyOf takes name and keys from a checked contact.
func PartyOf(c *Contact) Party { return Party{Name: c.Name, X25519: c.X25519, Ed25519: c.Ed25519} }

// A Certificate is the owner's signed grant to a delegate.
type Certificate struct {
	Format     string    `json:"format"` // CertificateFormat
	ID         string    `json:"id"`     // random UUID v4
	Owner      Party     `json:"owner"`
	Delegate   Party     `json:"delegate"`
	Role       string    `json:"role"`       // RoleView or RoleManage
	Categories []string  `json:"categories"` // schema category ids, sorted, unique
	ValidFrom  time.Time `json:"valid_from"` // UTC, whole seconds
	ValidUntil time.Time `json:"valid_until"`
	// EmergencyWait, when set (in whole seconds), makes this an emergency
	// grant: access opens only after the delegate asks and the wait has
	// passed without the owner refusing, or earlier when the owner
	// approves.
	EmergencyWait int64     `json:"emergency_wait_seconds,omitempty"`
	Issued        time.Time `json:"issued"`
}

// Grant describes a certificate to sign.
type Grant struct {
	Owner, Delegate       Party
	Role                  string
	Categories            []string
	ValidFrom, ValidUntil time.Time
	EmergencyWait         time.Duration
}

// ErrBadStatement means a certificate, revocation or emergency statement is
// malformed or its signature does not verify.
var ErrBadStatement = errcode.New("sync.bad_statement", "not a valid delegation statement")

// NewCertificate signs a certificate with the owner's key (s must hold the
// key of g.Owner).
func NewCertificate(s Signer, g Grant, now time.Time) (*Certificate, []byte, error) {
	cats := slices.Clone(g.Categories)
	slices.Sort(cats)
	c := &Certificate{Format: CertificateFormat, ID: uuid.NewString(), Owner: g.Owner, Delegate: g.Delegate,
		Role: g.Role, Categories: slices.Compact(cats), ValidFrom: utc(g.ValidFrom), ValidUntil: utc(g.ValidUntil),
		EmergencyWait: int64(g.EmergencyWait / time.Second), Issued: utc(now)}
	if err := c.check(); err != nil {
		return nil, nil, err
	}
	b, err := signStatement(s, DomainCertificate, c)
	return c, b, err
}

// ParseCertificate parses a certificate and checks the owner's signature.
// The caller must still check that the owner is who it expects (pinned).
func ParseCertificate(file []byte) (*Certificate, error) {
	var c Certificate
	err := openSigned(file, maxStatement, DomainCertificate, &c, func() ed25519.PublicKey {
		if c.check() != nil {
			return nil
		}
		return ParseKey(c.Owner.Ed25519)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadStatement, err)
	}
	return &c, nil
}

func (c *Certificate) check() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrBadStatement, what) }
	switch {
	case c.Format != CertificateFormat:
		return bad("not a delegation certificate")
	case !isUUID(c.ID):
		return bad("id")
	case c.Role != RoleView && c.Role != RoleManage:
		return bad("role")
	case len(c.Categories) == 0 || !slices.IsSorted(c.Categories) || len(slices.Compact(slices.Clone(c.Categories))) != len(c.Categories):
		return bad("categories must be listed sorted, without duplicates")
	case !isUTCSecond(c.ValidFrom) || !isUTCSecond(c.ValidUntil) || !isUTCSecond(c.Issued) || !c.ValidUntil.After(c.ValidFrom):
		return bad("validity")
	case c.EmergencyWait < 0 || c.EmergencyWait > 90*24*3600:
		return bad("emergency wait")
	}
	for _, cat := range c.Categories {
		if _, ok := schema.Lookup(cat); !ok {
			return bad("unknown category " + cat)
		}
	}
	for _, p := range []Party{c.Owner, c.Delegate} {
		pc := Contact{Format: ContactFormat, Name: p.Name, X25519: p.X25519, Ed25519: p.Ed25519, Created: time.Unix(0, 0).UTC()}
		if err := pc.check(); err != nil {
			return bad("party: " + err.Error())
		}
	}
	return nil
}

// Covers reports whether category is in the certificate's scope.
func (c *Certificate) Covers(category string) bool { return slices.Contains(c.Categories, category) }

// A Revocation is the owner's signed end of a certificate.
type Revocation struct {
	Format        string    `json:"format"` // RevocationFormat
	CertificateID string    `json:"certificate_id"`
	Owner         string    `json:"owner_ed25519"`
	Revoked       time.Time `json:"revoked"`
}

// NewRevocation signs a revocation of cert with the owner's key.
func NewRevocation(s Signer, cert *Certificate, now time.Time) ([]byte, error) {
	r := Revocation{Format: RevocationFormat, CertificateID: cert.ID, Owner: cert.Owner.Ed25519, Revoked: utc(now)}
	return signStatement(s, DomainRevocation, r)
}

// ParseRevocation parses a revocation and checks its signature against the
// key it names; the caller checks that key is the certificate's owner
// (Revokes).
func ParseRevocation(file []byte) (*Revocation, error) {
	var r Revocation
	err := openSigned(file, maxStatement, DomainRevocation, &r, func() ed25519.PublicKey {
		if r.Format != RevocationFormat || !isUUID(r.CertificateID) || !isUTCSecond(r.Revoked) {
			return nil
		}
		return ParseKey(r.Owner)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadStatement, err)
	}
	return &r, nil
}

// Revokes reports whether r is a valid revocation of cert: same id, signed
// by the certificate's owner.
func (r *Revocation) Revokes(cert *Certificate) bool {
	return r.CertificateID == cert.ID && r.Owner == cert.Owner.Ed25519
}

// Emergency statement kinds.
const (
	EmergencyRequest = "request" // signed by the delegate
	EmergencyApprove = "approve" // signed by the owner
	EmergencyRefuse  = "refuse"  // signed by the owner
)

// An Emergency statement asks for emergency access (by the delegate) or
// answers a request (by the owner).
type Emergency struct {
	Format        string    `json:"format"` // EmergencyFormat
	CertificateID string    `json:"certificate_id"`
	Kind          string    `json:"kind"`
	Requested     time.Time `json:"requested"` // the request this is, or answers
	Signer        string    `json:"signer_ed25519"`
	Made          time.Time `json:"made"`
}

// NewEmergency signs an emergency statement. For a request, requested is
// now; an answer names the request's time.
func NewEmergency(s Signer, signer string, cert *Certificate, kind string, requested, now time.Time) ([]byte, error) {
	e := Emergency{Format: EmergencyFormat, CertificateID: cert.ID, Kind: kind, Requested: utc(requested), Signer: signer, Made: utc(now)}
	return signStatement(s, DomainEmergency, e)
}

// ParseEmergency parses an emergency statement and checks its signature
// against the key it names.
func ParseEmergency(file []byte) (*Emergency, error) {
	var e Emergency
	err := openSigned(file, maxStatement, DomainEmergency, &e, func() ed25519.PublicKey {
		if e.Format != EmergencyFormat || !isUUID(e.CertificateID) || !isUTCSecond(e.Requested) || !isUTCSecond(e.Made) ||
			(e.Kind != EmergencyRequest && e.Kind != EmergencyApprove && e.Kind != EmergencyRefuse) {
			return nil
		}
		return ParseKey(e.Signer)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadStatement, err)
	}
	return &e, nil
}

// Why access is closed.
var (
	ErrNotYetValid     = errcode.New("sync.access_not_yet_valid", "the delegation is not valid yet")
	ErrExpired         = errcode.New("sync.access_expired", "the delegation has expired")
	ErrRevoked         = errcode.New("sync.access_revoked", "the delegation was revoked")
	ErrEmergencyClosed = errcode.New("sync.access_emergency_closed", "emergency access has not opened")
)

// Open says whether the certificate gives access at now: within its
// validity, not revoked by one of revs, and — for an emergency grant —
// after a request by the delegate that the owner approved, or that the
// owner did not refuse within the wait. Statements not about this
// certificate or not signed by the right party are ignored.
func (c *Certificate) Open(now time.Time, revs []*Revocation, em []*Emergency) error {
	for _, r := range revs {
		if r.Revokes(c) {
			return ErrRevoked
		}
	}
	switch {
	case now.Before(c.ValidFrom):
		return ErrNotYetValid
	case !now.Before(c.ValidUntil):
		return ErrExpired
	case c.EmergencyWait == 0:
		return nil
	}
	wait := time.Duration(c.EmergencyWait) * time.Second
	for _, req := range em {
		if req.CertificateID != c.ID || req.Kind != EmergencyRequest || req.Signer != c.Delegate.Ed25519 || req.Requested.After(now) {
			continue
		}
		approved, refused := false, false
		for _, a := range em {
			if a.CertificateID != c.ID || a.Signer != c.Owner.Ed25519 || !a.Requested.Equal(req.Requested) || a.Made.After(now) {
				continue
			}
			approved = approved || a.Kind == EmergencyApprove
			refused = refused || a.Kind == EmergencyRefuse
		}
		if !refused && (approved || !now.Before(req.Requested.Add(wait))) {
			return nil
		}
	}
	return ErrEmergencyClosed
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func isUTCSecond(t time.Time) bool {
	return !t.IsZero() && t.Location() == time.UTC && t.Nanosecond() == 0
}

func isUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.Version() == 4 && u.String() == s
}
