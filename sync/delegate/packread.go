package delegate

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"kluis/internal/sign"
	"kluis/sync/replica"
)

// A pack's statement can be too large to hold: 100,000 records are 45 MB
// of JSON and well over 100 MiB decoded. So it is read twice, as it
// streams out of age, and never held whole:
//
//  1. PackSignature skips the body line and reads the signature after it.
//  2. ReadPack reads the body again, hands each record to the caller as it
//     is decoded (sync keeps them in a compact vault.RecordSet) and
//     verifies the signature over the bytes as they pass (sign.Verifier).
//
// Ed25519 hashes the signer's key before the message, so the sender must
// be known before the body's first byte: a pack's body starts with its
// format and its sender, as every Kluis writes it (the members in the
// order of docs/FORMAT.md §9.5), and a body that does not is refused
// (not_pack). Nothing a pack says is acted on before ReadPack has
// verified it.

// packPrefix is how a pack's body starts: its format and, after it, the
// sender's vault id (64 hex digits) and a closing quote.
const packPrefix = `{"format":"` + PackFormat + `","from":"`

// PackSignature reads a decrypted pack's signed statement from r to its
// end and returns the signature on its second line, without keeping the
// body.
func PackSignature(r *bufio.Reader) ([]byte, error) {
	n := 0
	for {
		chunk, err := r.ReadSlice('\n')
		n += len(chunk)
		if n > MaxPackSize {
			return nil, refused(CodeNotPack, errors.New("too large"))
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return nil, refused(CodeNotPack, errors.New("the pack ends before its signature"))
		}
		if err != nil {
			return nil, err
		}
		break
	}
	return readSignatureLine(r)
}

// readSignatureLine reads the line after a body: standard padded base64 of
// a 64-byte signature and a line break.
func readSignatureLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || err == io.EOF {
		return nil, refused(CodeNotPack, errors.New("no signature line"))
	}
	if err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(string(line[:len(line)-1]))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, refused(CodeNotPack, errors.New("the signature line is not a base64 Ed25519 signature"))
	}
	return sig, nil
}

// ReadPack reads a decrypted pack's signed statement from r (after
// PackSignature gave its signature sig from a first reading of the same
// pack), leaving r at what follows it (the documents' archive). It hands
// every record to record as it is decoded, in the pack's order; the Pack
// it returns holds everything else. key gives the Ed25519 key of the
// sender with this vault id, nil when none is known.
//
// signer is that key when the signature verifies over the body and the
// body's second reading ended with the same signature, else nil. Until
// then, what the pack says — its records included — must be held, never
// acted on.
func ReadPack(r *bufio.Reader, sig []byte, key func(from string) ed25519.PublicKey, record func(replica.Record)) (p *Pack, signer ed25519.PublicKey, err error) {
	head, err := r.Peek(len(packPrefix) + 65)
	if err != nil || !bytes.HasPrefix(head, []byte(packPrefix)) || head[len(head)-1] != '"' || !isHex64(string(head[len(packPrefix):len(head)-1])) {
		return nil, nil, refused(CodeNotPack, errors.New("the body does not start with the pack's format and sender"))
	}
	k := key(string(head[len(packPrefix) : len(head)-1]))
	ver := sign.NewVerifier(k, DomainPack, sig) // nil without a key: nothing verifies
	body := &lineReader{r: r, limit: MaxPackSize}
	if ver != nil {
		body.tee = ver
	}
	p = &Pack{}
	if err := decodePack(body, p, record); err != nil {
		return nil, nil, refused(CodeNotPack, err)
	}
	if !body.ended {
		return nil, nil, refused(CodeNotPack, errors.New("data after the JSON value"))
	}
	again, err := readSignatureLine(r)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(again, sig) {
		return nil, nil, refused(CodeNotPack, errors.New("the pack changed between two readings"))
	}
	switch {
	case p.Format != PackFormat:
		return nil, nil, refused(CodeNotPack, errors.New("unknown format"))
	case !isHex64(p.From) || !isHex64(p.To) || p.Seq == 0 || p.UpTo < p.Since:
		return nil, nil, refused(CodeNotPack, errors.New("bad header"))
	case len(p.Statements) > maxPackStatements || len(p.Reports) > 1024 || len(p.Documents) > maxPackDocuments || len(p.Shares) > 1024:
		return nil, nil, refused(CodeNotPack, errors.New("too many entries"))
	}
	if ver != nil && ver.Verify() {
		return p, k, nil
	}
	return p, nil, nil
}

// decodePack decodes a body into p, handing records to record one at a
// time. Like signed.UnmarshalStrict it refuses unknown members and
// anything after the object; it also refuses a member given twice.
func decodePack(body io.Reader, p *Pack, record func(replica.Record)) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("the body is not a JSON object")
	}
	members := map[string]any{
		"format": &p.Format, "from": &p.From, "to": &p.To, "seq": &p.Seq, "created": &p.Created,
		"since": &p.Since, "up_to": &p.UpTo, "ack": &p.Ack, "statements": &p.Statements,
		"reports": &p.Reports, "documents": &p.Documents, "shares": &p.Shares,
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		if seen[name] {
			return fmt.Errorf("member %q twice", name)
		}
		seen[name] = true
		if name == "records" {
			if err := decodeRecords(dec, record); err != nil {
				return err
			}
			continue
		}
		dst, ok := members[name]
		if !ok {
			return fmt.Errorf("unknown member %q", name)
		}
		if err := dec.Decode(dst); err != nil {
			return err
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return errors.New("the body is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// decodeRecords decodes the records array (or null) one record at a time.
func decodeRecords(dec *json.Decoder, record func(replica.Record)) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return errors.New("records is not an array")
	}
	n := 0
	for dec.More() {
		if n++; n > maxPackRecords {
			return errors.New("too many entries")
		}
		var rec replica.Record
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		record(rec)
	}
	_, err = dec.Token() // ']'
	return err
}

// lineReader reads the body line of a signed statement from r, at most
// limit bytes, writing every byte it gives into tee (when not nil). It
// ends at the line break, which it consumes.
type lineReader struct {
	r     *bufio.Reader
	n     int
	limit int
	tee   io.Writer
	ended bool
}

func (l *lineReader) Read(b []byte) (int, error) {
	if l.ended {
		return 0, io.EOF
	}
	if _, err := l.r.Peek(1); err != nil {
		if err == io.EOF {
			return 0, errors.New("the pack ends before its signature")
		}
		return 0, err
	}
	buf, _ := l.r.Peek(l.r.Buffered())
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i]
		if len(buf) == 0 {
			l.r.Discard(1)
			l.ended = true
			return 0, io.EOF
		}
	}
	n := copy(b, buf)
	if l.n += n; l.n > l.limit {
		return 0, errors.New("too large")
	}
	if l.tee != nil {
		l.tee.Write(b[:n])
	}
	l.r.Discard(n)
	return n, nil
}
