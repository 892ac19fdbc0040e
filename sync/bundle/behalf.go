package bundle

import (
	"crypto/ed25519"
	"slices"
	"time"

	"kluis/internal/sign"

	"kluis/sync/schema"
)

// A share made on behalf of someone is signed by the delegate (the issuer
// of the manifest) and carries the owner's signed delegation certificate in
// the manifest's optional on_behalf member. Open checks the chain: the
// owner signed the certificate, it names the issuer's keys as delegate with
// role manage, covers every category shared, was valid when the bundle was
// made and is still valid now. docs/FORMAT.md §3.5 specifies it.

// DelegationFormat and DomainDelegation identify a delegation certificate
// (docs/FORMAT.md §9.2); package citizen/delegation makes them with the
// formats of package sync/delegate.
const (
	DelegationFormat = "kluis-delegation/v1"
	DomainDelegation = "kluis-delegation/v1"
	roleManage       = "manage"
)

// maxCertificate bounds the certificate carried in a manifest.
const maxCertificate = 16 << 10

// OnBehalf is the manifest member of a share made on behalf of someone:
// the owner's delegation certificate, as the exact two-line signed
// statement the owner made (body, line break, base64 signature, line
// break).
type OnBehalf struct {
	Certificate string `json:"certificate"`
}

// A Party is the owner or the delegate named in a delegation certificate.
type Party struct {
	Name    string `json:"name"`
	X25519  string `json:"x25519"`
	Ed25519 string `json:"ed25519"`
}

// A Delegation is a checked delegation certificate: the owner's grant to
// the delegate, as far as a bundle's reader needs it.
type Delegation struct {
	Format        string    `json:"format"`
	ID            string    `json:"id"`
	Owner         Party     `json:"owner"`
	Delegate      Party     `json:"delegate"`
	Role          string    `json:"role"`
	Categories    []string  `json:"categories"`
	ValidFrom     time.Time `json:"valid_from"`
	ValidUntil    time.Time `json:"valid_until"`
	EmergencyWait int64     `json:"emergency_wait_seconds,omitempty"`
	Issued        time.Time `json:"issued"`
}

// ParseDelegation parses a signed delegation certificate and checks that
// the owner it names signed it. It says nothing yet about whether the
// certificate allows a share: CheckOnBehalf does.
func ParseDelegation(file []byte) (*Delegation, error) {
	bad := func(format string, args ...any) error { return refuse(CodeBehalfCertificate, format, args...) }
	if len(file) > maxCertificate {
		return nil, bad("the certificate is over %d bytes", maxCertificate)
	}
	body, sig, err := splitSigned(file)
	if err != nil {
		return nil, refuseErr(CodeBehalfCertificate, err, "the certificate")
	}
	var d Delegation
	if err := unmarshalStrict(body, &d); err != nil {
		return nil, refuseErr(CodeBehalfCertificate, err, "the certificate does not parse")
	}
	if again, err := marshalCompact(&d); err != nil || string(again) != string(body) {
		return nil, bad("the certificate is not in canonical form")
	}
	switch {
	case d.Format != DelegationFormat:
		return nil, bad("not a delegation certificate")
	case !isUUIDv4(d.ID):
		return nil, bad("the certificate id is not a UUID v4")
	case len(d.Categories) == 0 || !isSortedUnique(d.Categories):
		return nil, bad("the certificate's categories must be sorted, unique, at least one")
	case !isCanonicalTime(d.ValidFrom) || !isCanonicalTime(d.ValidUntil) || !isCanonicalTime(d.Issued) || !d.ValidUntil.After(d.ValidFrom):
		return nil, bad("the certificate's validity")
	case d.EmergencyWait < 0:
		return nil, bad("the certificate's emergency wait")
	}
	var owner ed25519.PublicKey
	for _, p := range []Party{d.Owner, d.Delegate} {
		if err := checkLine(p.Name, 1, 200); err != nil {
			return nil, refuseErr(CodeBehalfCertificate, err, "a name in the certificate")
		}
		k, err := parseEd25519(p.Ed25519)
		if err != nil {
			return nil, refuseErr(CodeBehalfCertificate, err, "a key in the certificate")
		}
		if owner == nil {
			owner = k
		}
	}
	if !sign.Verify(owner, DomainDelegation, body, sig) {
		return nil, bad("the certificate is not signed by the owner it names")
	}
	return &d, nil
}

// Covers reports whether the certificate covers category.
func (d *Delegation) Covers(category string) bool {
	_, found := slices.BinarySearch(d.Categories, category)
	return found
}

// coversAll reports whether the certificate covers every category.
func (d *Delegation) coversAll() bool {
	for _, c := range schema.Categories() {
		if !d.Covers(c.ID) {
			return false
		}
	}
	return true
}

// CheckOnBehalf checks the chain of a share made on behalf of someone,
// given its manifest (whose signature by the issuer was verified), its
// records, and the time now: the certificate is the owner's, names the
// issuer's keys as delegate with role manage and no emergency wait, covers
// every category in the scope and every record and document shared, was
// valid when the bundle was made and has not ended now (skew either
// side; DefaultSkew when zero). It returns the certificate, or nil for a
// share not made on behalf.
func CheckOnBehalf(m *Manifest, rs *Records, now time.Time, skew time.Duration) (*Delegation, error) {
	if m.OnBehalf == nil {
		return nil, nil
	}
	if skew == 0 {
		skew = DefaultSkew
	}
	d, err := ParseDelegation([]byte(m.OnBehalf.Certificate))
	if err != nil {
		return nil, err
	}
	switch {
	case d.Delegate.Ed25519 != m.Issuer.Ed25519 || d.Delegate.X25519 != m.Issuer.X25519:
		return nil, refuse(CodeBehalfDelegate, "the certificate is for another delegate than the one who signed")
	case d.Owner.Ed25519 == m.Issuer.Ed25519:
		return nil, refuse(CodeBehalfDelegate, "the certificate's owner signed the bundle")
	case d.Role != roleManage:
		return nil, refuse(CodeBehalfRole, "the certificate's role is %q, not manage", printable(d.Role))
	case d.EmergencyWait != 0:
		return nil, refuse(CodeBehalfEmergency, "an emergency grant cannot be shown to open on its own")
	case m.Created.Add(skew).Before(d.ValidFrom):
		return nil, refuse(CodeBehalfNotYetValid, "the certificate is valid from %s, the bundle was made at %s",
			d.ValidFrom.Format(time.RFC3339), m.Created.Format(time.RFC3339))
	case !m.Created.Before(d.ValidUntil), !now.Add(-skew).Before(d.ValidUntil):
		return nil, refuse(CodeBehalfExpired, "the certificate ended at %s", d.ValidUntil.Format(time.RFC3339))
	}
	for _, c := range m.Scope.Categories {
		if !d.Covers(c) {
			return nil, refuse(CodeBehalfScope, "the category %q is outside the certificate", printable(c))
		}
	}
	if rs != nil {
		for _, r := range rs.Records {
			if !d.Covers(r.Category) {
				return nil, refuse(CodeBehalfScope, "a record of category %q is outside the certificate", printable(r.Category))
			}
		}
		for _, doc := range rs.Documents {
			if doc.Record == "" && !d.coversAll() {
				return nil, refuse(CodeBehalfScope, "a document linked to no record needs a certificate for every category")
			}
		}
	}
	return d, nil
}
