package bundle

import (
	"bytes"
	"encoding/hex"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kluis/sync/signed"

	"filippo.io/age"

	"kluis/internal/safetext"
	"kluis/sync/schema"
)

// Format ids and fixed entry names of a bundle (version 1).
const (
	ManifestFormat = "kluis-bundle/v1"
	ManifestPath   = "manifest.json"
	SignaturePath  = "manifest.sig"
	RecordsPath    = "records.json"
	documentsDir   = "documents/"
)

// Recipient kinds in a manifest.
const (
	RecipientCard      = "card"
	RecipientShareCode = "share-code"
)

// maxValidity is the longest window a bundle may be valid for.
const maxValidity = 2 * 366 * 24 * time.Hour

// A Manifest describes a bundle: who made it, for whom, why, until when,
// what it covers and every entry that follows the signature. It is the
// first entry of the archive; manifest.sig signs its exact bytes.
type Manifest struct {
	Format        string    `json:"format"` // ManifestFormat
	ID            string    `json:"id"`     // random UUID v4, lower case
	Created       time.Time `json:"created"`
	NotBefore     time.Time `json:"not_before"`
	NotAfter      time.Time `json:"not_after"`
	Purpose       string    `json:"purpose"`
	RequestID     string    `json:"request_id,omitempty"`     // the data request answered, if any
	CaseReference string    `json:"case_reference,omitempty"` // the organisation's case reference, if any
	Message       string    `json:"message,omitempty"`        // a short note from the citizen, if any
	Issuer        Issuer    `json:"issuer"`
	// OnBehalf, for a share made by a delegate on the owner's behalf,
	// carries the owner's delegation certificate; Issuer is then the
	// delegate, who signs the manifest.
	OnBehalf  *OnBehalf `json:"on_behalf,omitempty"`
	Recipient Recipient `json:"recipient"`
	Scope     Scope     `json:"scope"`
	Entries   []Entry   `json:"entries"` // records.json first, then documents, in archive order
}

// Issuer is the citizen who made the bundle: a display name and public
// keys. The Ed25519 key signs the manifest and later revocation notices.
type Issuer struct {
	Name    string `json:"name"`
	X25519  string `json:"x25519"`
	Ed25519 string `json:"ed25519"`
}

// Recipient names who the bundle is for. For a card it is the card's full
// fingerprint (and, for people, its organisation name and OIN); for a share
// code only the kind.
type Recipient struct {
	Kind        string `json:"kind"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Org         string `json:"org,omitempty"`
	OIN         string `json:"oin,omitempty"`
}

// Scope is what the citizen chose to share: whole categories, single
// records, and fields left out everywhere ("income.iban").
type Scope struct {
	Categories     []string `json:"categories"`
	Records        []string `json:"records"`
	ExcludedFields []string `json:"excluded_fields"`
}

// An Entry is one file of the archive after the signature.
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // lower-case hex
}

// ParseManifest parses and checks a manifest. It requires the canonical
// encoding (what Marshal writes), so one manifest has exactly one form.
func ParseManifest(b []byte, lim Limits) (*Manifest, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxManifest {
		return nil, refuse(CodeTooLarge, "the manifest is over %d bytes", lim.MaxManifest)
	}
	var m Manifest
	if err := unmarshalStrict(b, &m); err != nil {
		return nil, refuseErr(CodeBadManifest, err, "not a manifest")
	}
	if err := m.check(lim); err != nil {
		return nil, err
	}
	again, err := m.Marshal()
	if err != nil || !bytes.Equal(again, b) {
		return nil, refuse(CodeBadManifest, "not in canonical form")
	}
	return &m, nil
}

// Marshal returns the canonical encoding of m: compact JSON, fields in
// declaration order, no HTML escaping, no trailing line break.
func (m *Manifest) Marshal() ([]byte, error) {
	return marshalCompact(m)
}

func (m *Manifest) check(lim Limits) error {
	bad := func(format string, args ...any) error { return refuse(CodeBadManifest, format, args...) }
	if m.Format != ManifestFormat {
		return bad("unknown format %q", printable(m.Format))
	}
	if !isUUIDv4(m.ID) {
		return bad("id is not a lower-case UUID v4")
	}
	for name, t := range map[string]time.Time{"created": m.Created, "not_before": m.NotBefore, "not_after": m.NotAfter} {
		if !isCanonicalTime(t) {
			return bad("%s must be a UTC time in whole seconds", name)
		}
	}
	if m.NotAfter.Before(m.NotBefore) || m.NotAfter.Sub(m.NotBefore) > maxValidity {
		return bad("not_after must be after not_before, within %d days", int(maxValidity.Hours()/24))
	}
	if err := checkLine(m.Purpose, 1, 500); err != nil {
		return refuseErr(CodeBadManifest, err, "purpose")
	}
	if m.RequestID != "" && !isUUIDv4(m.RequestID) {
		return bad("request_id is not a lower-case UUID v4")
	}
	if m.CaseReference != "" {
		if err := checkLine(m.CaseReference, 1, 100); err != nil {
			return refuseErr(CodeBadManifest, err, "case_reference")
		}
	}
	if m.Message != "" {
		if err := CheckMessage(m.Message); err != nil {
			return refuseErr(CodeBadManifest, err, "message")
		}
	}
	if err := checkLine(m.Issuer.Name, 1, 200); err != nil {
		return refuseErr(CodeBadManifest, err, "issuer name")
	}
	if _, err := age.ParseX25519Recipient(m.Issuer.X25519); err != nil {
		return bad("issuer x25519 is not an age recipient")
	}
	if _, err := parseEd25519(m.Issuer.Ed25519); err != nil {
		return bad("issuer ed25519: %v", err)
	}
	if m.OnBehalf != nil && (m.OnBehalf.Certificate == "" || len(m.OnBehalf.Certificate) > maxCertificate) {
		return bad("on_behalf must hold a certificate of 1 to %d bytes", maxCertificate)
	}
	switch m.Recipient.Kind {
	case RecipientCard:
		if len(m.Recipient.Fingerprint) != 64 || !isLowerHex(m.Recipient.Fingerprint) {
			return bad("recipient fingerprint must be 64 lower-case hex digits")
		}
		if err := checkLine(m.Recipient.Org, 1, 200); err != nil {
			return refuseErr(CodeBadManifest, err, "recipient org")
		}
		if m.Recipient.OIN != "" && !isDigits(m.Recipient.OIN, 20) {
			return bad("recipient oin must be 20 digits")
		}
	case RecipientShareCode:
		if m.Recipient.Fingerprint != "" || m.Recipient.Org != "" || m.Recipient.OIN != "" {
			return bad("a share-code recipient has no fingerprint, org or oin")
		}
	default:
		return bad("unknown recipient kind %q", printable(m.Recipient.Kind))
	}
	if err := m.Scope.check(); err != nil {
		return err
	}
	if len(m.Entries) == 0 || m.Entries[0].Path != RecordsPath {
		return bad("the first entry must be %s", RecordsPath)
	}
	if len(m.Entries) > lim.MaxEntries {
		return refuse(CodeTooLarge, "more than %d entries", lim.MaxEntries)
	}
	seen := make(map[string]bool, len(m.Entries))
	var total int64
	for i, e := range m.Entries {
		if err := checkEntryPath(e.Path, i == 0); err != nil {
			return err
		}
		if seen[e.Path] {
			return refuse(CodeEntryDuplicate, "the manifest names %q twice", printable(e.Path))
		}
		seen[e.Path] = true
		max := lim.MaxEntry
		if i == 0 {
			max = lim.MaxRecords
		}
		if e.Size < 0 || e.Size > max {
			return refuse(CodeTooLarge, "entry %q is over %d bytes", printable(e.Path), max)
		}
		if total += e.Size; total > lim.MaxInput {
			return refuse(CodeTooLarge, "the entries together are over %d bytes", lim.MaxInput)
		}
		if len(e.SHA256) != 64 || !isLowerHex(e.SHA256) {
			return bad("entry %q: sha256 must be 64 lower-case hex digits", printable(e.Path))
		}
	}
	return nil
}

func (s *Scope) check() error {
	bad := func(format string, args ...any) error { return refuse(CodeBadManifest, format, args...) }
	if s.Categories == nil || s.Records == nil || s.ExcludedFields == nil {
		return bad("scope lists must be present (possibly empty)")
	}
	if len(s.Categories)+len(s.Records) == 0 {
		return bad("the scope is empty")
	}
	if !isSortedUnique(s.Categories) || !isSortedUnique(s.Records) || !isSortedUnique(s.ExcludedFields) {
		return bad("scope lists must be sorted and without duplicates")
	}
	for _, c := range s.Categories {
		if _, ok := schema.Lookup(c); !ok {
			return bad("unknown category %q", printable(c))
		}
	}
	if len(s.Records) > 100000 || len(s.ExcludedFields) > 1000 {
		return bad("scope lists are too long")
	}
	for _, id := range s.Records {
		if !isUUIDv4(id) {
			return bad("a scope record id is not a lower-case UUID v4")
		}
	}
	for _, cf := range s.ExcludedFields {
		cat, field, ok := strings.Cut(cf, ".")
		c, known := schema.Lookup(cat)
		if !ok || !known {
			return bad("excluded field %q is not CATEGORY.FIELD", printable(cf))
		}
		if _, ok := c.Field(field); !ok {
			return bad("excluded field %q is unknown", printable(cf))
		}
	}
	return nil
}

// MaxMessage is the longest short message (in characters) a bundle or a
// data request carries.
const MaxMessage = 1000

// CheckMessage checks a short message from one person to another: valid
// UTF-8, 1 to MaxMessage characters, no leading or trailing space, no
// control or bidirectional formatting characters except line breaks
// ("\n").
func CheckMessage(s string) error {
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		if err := checkLine(strings.TrimSpace(line), 1, MaxMessage); err != nil {
			return err
		}
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxMessage {
		return errText("a message has 1 to 1000 characters")
	}
	if strings.TrimSpace(s) != s || !utf8.ValidString(s) {
		return errText("leading or trailing space")
	}
	return nil
}

// Excludes reports whether field of category is left out.
func (s *Scope) Excludes(category, field string) bool {
	_, found := slices.BinarySearch(s.ExcludedFields, category+"."+field)
	return found
}

// covers reports whether a record of category with id is in scope.
func (s *Scope) covers(category, id string) bool {
	_, inCat := slices.BinarySearch(s.Categories, category)
	_, inRec := slices.BinarySearch(s.Records, id)
	return inCat || inRec
}

// checkEntryPath allows exactly "records.json" first and
// "documents/<uuid>/<name>" after it, where name is one safe path element.
func checkEntryPath(p string, first bool) error {
	if first {
		if p != RecordsPath {
			return refuse(CodeBadManifest, "the first entry must be %s", RecordsPath)
		}
		return nil
	}
	if err := safeName(p); err != nil {
		return err
	}
	rest, ok := strings.CutPrefix(p, documentsDir)
	id, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || !isUUIDv4(id) {
		return refuse(CodeUnsafeName, "%q is not documents/<id>/<name>", printable(p))
	}
	if err := checkDocName(name); err != nil {
		return refuse(CodeUnsafeName, "%q: %v", printable(p), err)
	}
	return nil
}

// safeName refuses names that could escape a folder or hide what they are:
// empty, absolute, with "..", ".", empty elements, a backslash, a NUL,
// control characters or invalid UTF-8, or over 1024 bytes.
func safeName(p string) error {
	switch {
	case p == "", len(p) > 1024:
		return refuse(CodeUnsafeName, "empty or too long name")
	case !utf8.ValidString(p):
		return refuse(CodeUnsafeName, "name is not UTF-8")
	case strings.HasPrefix(p, "/"), strings.Contains(p, `\`):
		return refuse(CodeUnsafeName, "%q is absolute or has a backslash", printable(p))
	case path.Clean(p) != p:
		return refuse(CodeUnsafeName, "%q is not a clean path", printable(p))
	}
	for _, el := range strings.Split(p, "/") {
		if el == "." || el == ".." || el == "" {
			return refuse(CodeUnsafeName, "%q has a . or .. element", printable(p))
		}
	}
	if _, _, hidden := safetext.Find(p); hidden {
		return refuse(CodeUnsafeName, "name has a control or formatting character")
	}
	return nil
}

// checkDocName checks a document's file name: one element, 1–255 bytes,
// not "." or "..", no slash or backslash, no control characters, not
// starting with a space or a dot-only name.
func checkDocName(name string) error {
	switch {
	case name == "" || len(name) > 255:
		return errText("a document name has 1 to 255 bytes")
	case name == "." || name == "..":
		return errText("a document name cannot be . or ..")
	case strings.ContainsAny(name, `/\`):
		return errText("a document name has no folders")
	case strings.TrimSpace(name) != name:
		return errText("a document name has no leading or trailing space")
	}
	return checkLine(name, 1, 255)
}

func isLowerHex(s string) bool {
	if _, err := hex.DecodeString(s); err != nil {
		return false
	}
	return strings.ToLower(s) == s
}

func isSortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// utc returns t in UTC, in whole seconds: the form every time in a bundle
// takes.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

var isUUIDv4 = signed.IsUUIDv4

var isCanonicalTime = signed.IsCanonicalTime
