package index

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"

	"filippo.io/age"

	"kluis/sync/bundle"
)

// DonationFormat is the format id of a donation.
const DonationFormat = "kluis-donation/v1"

// DomainPseudonym separates the signature a vault makes to derive its
// pseudonym secret from every other Kluis signature. That signature never
// leaves the vault.
const DomainPseudonym = "kluis-index-pseudonym/v1"

// MaxDonation bounds a donation file (the age file), checked before
// decrypting.
const MaxDonation = 16 << 10

// A Donation is the plaintext inside a donation file: what leaves the
// donor's vault, and nothing more. Its members are in the canonical order
// (docs/FORMAT.md §10.2).
type Donation struct {
	Format    string `json:"format"`    // DonationFormat
	Index     string `json:"index"`     // the definition's id
	Period    string `json:"period"`    // the definition's period name
	Org       string `json:"org"`       // the recipient card's full fingerprint
	Pseudonym string `json:"pseudonym"` // 64 lower-case hex digits (see Pseudonym)
	// RecordKey is the donation's record key: 16 lower-case hex digits
	// (see RecordKey), from which the published counts get their noise.
	// Required for an index with domains; a donation to an index without
	// domains may leave it out.
	RecordKey string   `json:"record_key,omitempty"`
	Wijk      string   `json:"wijk"`    // one of the definition's wijk names
	Answers   []Answer `json:"answers"` // 1 or more, in the definition's question order
}

// An Answer is one answered question; skipped questions are left out.
type Answer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Pseudonym returns the donor's pseudonym for one index and period:
//
//	secret    = SHA-256(Ed25519 signature by the donor's signing key over
//	            DomainPseudonym ‖ 0x00 ‖ index id ‖ 0x00 ‖ period name)
//	pseudonym = lower-case hex of HMAC-SHA256(secret,
//	            DomainPseudonym ‖ 0x00 ‖ index id ‖ 0x00 ‖ period name)
//
// Ed25519 signatures are deterministic, so a vault gets the same pseudonym
// every time for the same index and period, and a different one for any
// other. The signature stays in the vault; without it the pseudonym
// cannot be computed or linked to the donor's public key.
func Pseudonym(s bundle.Signer, indexID, period string) (string, error) {
	pseudonym, _, err := DonorKeys(s, indexID, period)
	return pseudonym, err
}

// DomainRecordKey separates the record key from the pseudonym, which is
// derived from the same secret.
const DomainRecordKey = "kluis-index-record-key/v1"

// RecordKey returns the donor's record key for one index and period: the
// first 8 bytes, as 16 lower-case hex digits, of
//
//	HMAC-SHA256(secret, DomainRecordKey ‖ 0x00 ‖ index id ‖ 0x00 ‖ period name)
//
// with the secret of Pseudonym. Read as a number it is uniform on 0 …
// 2⁶⁴−1 to anyone without the donor's signing key: the organisation can
// neither choose nor predict it, and it links nothing across periods or
// indexes, just like the pseudonym.
func RecordKey(s bundle.Signer, indexID, period string) (string, error) {
	_, key, err := DonorKeys(s, indexID, period)
	return key, err
}

// DonorKeys returns the pseudonym and the record key with one signature.
func DonorKeys(s bundle.Signer, indexID, period string) (pseudonym, recordKey string, err error) {
	msg := []byte(indexID + "\x00" + period)
	sig, err := s.Sign(DomainPseudonym, msg)
	if err != nil {
		return "", "", err
	}
	secret := sha256.Sum256(sig)
	clear(sig)
	defer clear(secret[:])
	derive := func(label string) []byte {
		mac := hmac.New(sha256.New, secret[:])
		mac.Write([]byte(label + "\x00"))
		mac.Write(msg)
		return mac.Sum(nil)
	}
	return hex.EncodeToString(derive(DomainPseudonym)), hex.EncodeToString(derive(DomainRecordKey)[:8]), nil
}

// NewDonation checks the donation against the definition and encrypts it
// to the definition's organisation card. The result is a binary age file.
// It is not signed: see the package comment.
func NewDonation(p *Parsed, d *Donation) ([]byte, error) {
	d.Format = DonationFormat
	d.Index = p.Definition.ID
	d.Period = p.Definition.Period.Name
	d.Org = p.Card.Fingerprint()
	if err := d.check(p.Definition, d.Org); err != nil {
		return nil, err
	}
	body, err := marshalCompact(d)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, p.Card.Recipient())
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var (
	rePseudonym = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reRecordKey = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// check checks a donation against the definition it answers and the
// fingerprint of the organisation receiving it.
func (d *Donation) check(def *Definition, org string) error {
	if d.Format != DonationFormat {
		return refuse(CodeBadDonation, "unknown format %q", printable(d.Format))
	}
	if d.Index != def.ID || d.Org != org {
		return refuse(CodeOtherIndex, "the donation is for another index or organisation")
	}
	if d.Period != def.Period.Name {
		return refuse(CodeOtherPeriod, "the donation is for period %q, the index is in %q", printable(d.Period), def.Period.Name)
	}
	if !rePseudonym.MatchString(d.Pseudonym) {
		return refuse(CodeBadDonation, "pseudonym must be 64 lower-case hex digits")
	}
	if d.RecordKey != "" && !reRecordKey.MatchString(d.RecordKey) {
		return refuse(CodeBadDonation, "record key must be 16 lower-case hex digits")
	}
	if d.RecordKey == "" && def.HasDomains() {
		return refuse(CodeBadDonation, "a donation to an index with domains carries a record key")
	}
	if !def.HasWijk(d.Wijk) {
		return refuse(CodeUnknownWijk, "%q", printable(d.Wijk))
	}
	if len(d.Answers) == 0 {
		return refuse(CodeBadDonation, "no answers")
	}
	last := -1
	for _, a := range d.Answers {
		q, i, ok := def.Question(a.Question)
		if !ok {
			return refuse(CodeUnknownQuestion, "%q", printable(a.Question))
		}
		if i <= last {
			return refuse(CodeBadDonation, "answers must follow the question order, one per question")
		}
		last = i
		if !containsString(q.Answers, a.Answer) {
			return refuse(CodeUndefinedAnswer, "question %s offers no answer %q", q.ID, printable(a.Answer))
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OpenDonation decrypts a donation file with the organisation's identity
// and checks it against def, which must be the organisation's own
// definition. It reads the whole file (age authenticates every chunk)
// before it parses anything.
func OpenDonation(file []byte, org *bundle.OrgIdentity, def *Definition) (*Donation, error) {
	if len(file) > MaxDonation {
		return nil, refuse(CodeTooLarge, "over %d bytes", MaxDonation)
	}
	r, err := age.Decrypt(bytes.NewReader(file), org.AgeIdentity())
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, refuse(CodeNotForUs, "the donation is encrypted to another key")
		}
		return nil, refuseErr(CodeTampered, err, "not an age file for us")
	}
	body, err := io.ReadAll(io.LimitReader(r, MaxDonation+1))
	if err != nil {
		return nil, refuseErr(CodeTampered, err, "the donation does not authenticate")
	}
	if len(body) > MaxDonation {
		return nil, refuse(CodeTooLarge, "over %d bytes", MaxDonation)
	}
	d, err := parseDonation(body)
	if err != nil {
		return nil, err
	}
	if err := d.check(def, org.Card().Fingerprint()); err != nil {
		return nil, err
	}
	return d, nil
}

// parseDonation parses the plaintext of a donation in its canonical form.
func parseDonation(body []byte) (*Donation, error) {
	var d Donation
	if err := unmarshalStrict(body, &d); err != nil {
		return nil, refuseErr(CodeBadDonation, err, "body")
	}
	if again, err := marshalCompact(&d); err != nil || !bytes.Equal(again, body) {
		return nil, refuse(CodeBadDonation, "not in canonical form")
	}
	return &d, nil
}

// OpenDonationFor decrypts a donation like OpenDonation and checks it
// against whichever of defs it names; a donation for none of them is
// refused with CodeOtherIndex.
func OpenDonationFor(file []byte, org *bundle.OrgIdentity, defs []*Definition) (*Donation, *Definition, error) {
	for _, def := range defs {
		d, err := OpenDonation(file, org, def)
		if CodeOf(err) == CodeOtherIndex || CodeOf(err) == CodeOtherPeriod {
			continue
		}
		return d, def, err
	}
	return nil, nil, refuse(CodeOtherIndex, "the donation is for none of this organisation's indexes")
}
