package post

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	"github.com/google/uuid"

	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/signed"
)

// Format ids and signature domains of this package.
const (
	MessageFormat = "kluis-message/v1"
	PickupFormat  = "kluis-pickup/v1"
	AccessFormat  = "kluis-access/v1"

	DomainMessage = MessageFormat
	DomainPickup  = PickupFormat
	DomainAccess  = AccessFormat
)

// Limits.
const (
	MaxText = 4000 // characters of a message's text
	// MaxMessageSigned bounds a message's signed file, MaxMessageFile its
	// encrypted form: what a reader accepts before it decrypts anything.
	MaxMessageSigned = 64 << 10
	MaxMessageFile   = MaxMessageSigned + 1024
)

// Party kinds.
const (
	Citizen      = "citizen"
	Organisation = "organisation"
)

// A Party is one side of a message: its kind, its name as it gives it,
// and its keys. For an organisation they are its card's keys.
type Party struct {
	Kind    string `json:"kind"` // Citizen or Organisation
	Name    string `json:"name"`
	X25519  string `json:"x25519"`
	Ed25519 string `json:"ed25519"`
}

// PartyOfCard is the organisation of card as a Party.
func PartyOfCard(c *bundle.Card) Party {
	return Party{Kind: Organisation, Name: c.Org, X25519: c.X25519, Ed25519: c.Ed25519}
}

// PartyOfIssuer is a bundle's issuer — the citizen — as a Party.
func PartyOfIssuer(i bundle.Issuer) Party {
	return Party{Kind: Citizen, Name: i.Name, X25519: i.X25519, Ed25519: i.Ed25519}
}

// Fingerprint is the party's key fingerprint (bundle.Fingerprint): for an
// organisation, its card's full fingerprint.
func (p Party) Fingerprint() string {
	pub, err := bundle.ParseCardKey(p.Ed25519)
	if err != nil {
		return ""
	}
	return bundle.Fingerprint(p.X25519, pub)
}

// Same reports whether p and q have the same kind and keys (names may
// differ: a citizen may have renamed their vault).
func (p Party) Same(q Party) bool {
	return p.Kind == q.Kind && p.X25519 == q.X25519 && p.Ed25519 == q.Ed25519
}

func (p Party) check() error {
	if p.Kind != Citizen && p.Kind != Organisation {
		return refuse(CodeBadMessage, "party kind %q", signed.Printable(p.Kind))
	}
	if err := signed.CheckLine(p.Name, 1, 200); err != nil {
		return refuseErr(CodeBadMessage, err, "party name")
	}
	if _, err := age.ParseX25519Recipient(p.X25519); err != nil {
		return refuseErr(CodeBadMessage, err, "party x25519")
	}
	if _, err := bundle.ParseCardKey(p.Ed25519); err != nil {
		return refuseErr(CodeBadMessage, err, "party ed25519")
	}
	return nil
}

// A Case names what a message is about: the bundle (a share or an
// answer), the data request, and the organisation's case number — at
// least one of them.
type Case struct {
	BundleID      string `json:"bundle_id,omitempty"`
	RequestID     string `json:"request_id,omitempty"`
	CaseReference string `json:"case_reference,omitempty"`
}

// IsZero reports whether c names nothing.
func (c Case) IsZero() bool { return c == Case{} }

func (c Case) check() error {
	if c.IsZero() {
		return refuse(CodeBadMessage, "the message names no case")
	}
	for _, id := range []string{c.BundleID, c.RequestID} {
		if id != "" && !signed.IsUUIDv4(id) {
			return refuse(CodeBadMessage, "case ids must be UUIDv4")
		}
	}
	if c.CaseReference != "" {
		if err := signed.CheckLine(c.CaseReference, 1, 100); err != nil {
			return refuseErr(CodeBadMessage, err, "case_reference")
		}
	}
	return nil
}

// A Message is a note from one party to the other about one case. Refuses,
// set only by a citizen, names a data request this message refuses.
type Message struct {
	Format  string    `json:"format"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"` // UTC, whole seconds
	From    Party     `json:"from"`
	To      Party     `json:"to"`
	Case    Case      `json:"case"`
	Refuses string    `json:"refuses,omitempty"`
	Text    string    `json:"text"`
}

// NewMessage returns a message with a new id, created now.
func NewMessage(from, to Party, c Case, text string, now time.Time) *Message {
	return &Message{Format: MessageFormat, ID: uuid.NewString(), Created: now.UTC().Truncate(time.Second),
		From: from, To: to, Case: c, Text: NormalizeText(text)}
}

// NormalizeText makes a typed text fit the format: line breaks as "\n",
// no trailing space on a line, no empty lines at either end.
func NormalizeText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n \t")
}

// CheckText checks a message's text: 1 to MaxText characters, lines
// without control or bidirectional formatting characters, no space at
// either end.
func CheckText(s string) error {
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return refuse(CodeBadMessage, "the text must be UTF-8 without space at either end")
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxText {
		return refuse(CodeBadMessage, "a message has 1 to %d characters", MaxText)
	}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		if err := signed.CheckLine(strings.TrimSpace(line), 1, MaxText); err != nil {
			return refuseErr(CodeBadMessage, err, "text")
		}
	}
	return nil
}

func (m *Message) check() error {
	if m.Format != MessageFormat {
		return refuse(CodeNotMessage, "format %q", signed.Printable(m.Format))
	}
	if !signed.IsUUIDv4(m.ID) {
		return refuse(CodeBadMessage, "id must be a UUIDv4")
	}
	if !signed.IsCanonicalTime(m.Created) {
		return refuse(CodeBadMessage, "created must be a UTC time in whole seconds")
	}
	if err := m.From.check(); err != nil {
		return err
	}
	if err := m.To.check(); err != nil {
		return err
	}
	if m.From.Kind == m.To.Kind {
		return refuse(CodeBadMessage, "a message goes between a citizen and an organisation")
	}
	if err := m.Case.check(); err != nil {
		return err
	}
	if m.Refuses != "" && (m.From.Kind != Citizen || !signed.IsUUIDv4(m.Refuses)) {
		return refuse(CodeBadMessage, "only a citizen refuses, and names the request by its id")
	}
	return CheckText(m.Text)
}

// Seal signs m with s, which must hold m.From's Ed25519 key, and encrypts
// the signed file to m.To: the result is the message file.
func Seal(s sign.Signer, m *Message) (file, signedFile []byte, err error) {
	if err := m.check(); err != nil {
		return nil, nil, err
	}
	signedFile, err = signed.Sign(s, DomainMessage, m)
	if err != nil {
		return nil, nil, err
	}
	if len(signedFile) > MaxMessageSigned {
		return nil, nil, refuse(CodeTooLarge, "the message is over %d bytes", MaxMessageSigned)
	}
	pub, _ := bundle.ParseCardKey(m.From.Ed25519)
	if body, sig, err := signed.Split(signedFile, MaxMessageSigned); err != nil || !sign.Verify(pub, DomainMessage, body, sig) {
		return nil, nil, refuse(CodeWrongSender, "the signer does not hold the sender's key")
	}
	r, err := age.ParseX25519Recipient(m.To.X25519)
	if err != nil {
		return nil, nil, refuseErr(CodeBadMessage, err, "to.x25519")
	}
	var b bytes.Buffer
	w, err := age.Encrypt(&b, r)
	if err != nil {
		return nil, nil, err
	}
	if _, err := w.Write(signedFile); err != nil {
		return nil, nil, err
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), signedFile, nil
}

// Open decrypts a message file with id, checks it whole and returns it
// with its signed file. me is the reader: a message addressed to other
// keys is refused (CodeNotForYou), even when id could decrypt it. The
// caller checks that m.From is who it expects (Party.Same).
func Open(file []byte, id *age.X25519Identity, me Party) (*Message, []byte, error) {
	if len(file) > MaxMessageFile {
		return nil, nil, refuse(CodeTooLarge, "the message file is over %d bytes", MaxMessageFile)
	}
	r, err := age.Decrypt(bytes.NewReader(file), id)
	if err != nil {
		return nil, nil, refuseErr(CodeNotMessage, err, "decrypt")
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxMessageSigned+1))
	if err != nil {
		return nil, nil, refuseErr(CodeNotMessage, err, "decrypt")
	}
	m, err := ReadSigned(plain)
	if err != nil {
		return nil, nil, err
	}
	if !m.To.Same(me) {
		return nil, nil, refuse(CodeNotForYou, "the message is addressed to other keys")
	}
	return m, plain, nil
}

// ReadSigned checks a message's signed file (as Seal made it, before
// encryption): layout, format, and the signature of m.From.
func ReadSigned(file []byte) (*Message, error) {
	var m Message
	err := signed.Read(file, MaxMessageSigned, MessageFormat, DomainMessage, &m, func() (ed25519.PublicKey, error) {
		if err := m.check(); err != nil {
			return nil, err
		}
		pub, _ := bundle.ParseCardKey(m.From.Ed25519)
		return pub, nil
	})
	return &m, readErr(err, CodeNotMessage, CodeBadMessage)
}

// readErr maps the errors of signed.Read to this package's codes.
func readErr(err error, notKind, bad Code) error {
	if err == nil {
		return nil
	}
	var pe *Error
	var be *signed.BodyError
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, signed.ErrTooLarge):
		return refuseErr(CodeTooLarge, err, "")
	case errors.Is(err, signed.ErrSignatureMismatch):
		return refuseErr(CodeBadSignature, err, "")
	case errors.As(err, &be) && be.OtherFormat:
		return refuseErr(notKind, err, "")
	}
	return refuseErr(bad, err, "")
}

// EncodeFile is a message file as one line of text (base64), for a JSON
// answer or a link; DecodeFile reverses it.
func EncodeFile(file []byte) string { return base64.StdEncoding.EncodeToString(file) }

// DecodeFile reverses EncodeFile, refusing more than MaxMessageFile.
func DecodeFile(s string) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(MaxMessageFile) {
		return nil, refuse(CodeTooLarge, "the message file is over %d bytes", MaxMessageFile)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, refuseErr(CodeNotMessage, err, "base64")
	}
	return b, nil
}
