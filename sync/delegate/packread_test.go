package delegate

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"kluis/internal/sign"
	"kluis/sync/hlc"
	"kluis/sync/replica"
	"kluis/sync/signed"
)

// readTwice reads a decrypted pack as sync does: the signature first, then
// the statement with its records.
func readTwice(t *testing.T, plain []byte, key ed25519.PublicKey) (*Pack, []replica.Record, ed25519.PublicKey, error) {
	t.Helper()
	sig, err := PackSignature(bufio.NewReader(bytes.NewReader(plain)))
	if err != nil {
		return nil, nil, nil, err
	}
	var recs []replica.Record
	p, signer, err := ReadPack(bufio.NewReader(bytes.NewReader(plain)), sig, func(string) ed25519.PublicKey { return key },
		func(r replica.Record) { recs = append(recs, r) })
	return p, recs, signer, err
}

func testPack(n int) *Pack {
	now := hlc.New(time.Now().UnixMilli(), 0)
	p := &Pack{Format: PackFormat, From: strings.Repeat("ab", 32), To: strings.Repeat("cd", 32), Seq: 3, Created: time.Now().UTC().Truncate(time.Second),
		UpTo: now, Statements: []string{"x"}, Records: []replica.Record{}}
	for i := range n {
		p.Records = append(p.Records, replica.Record{ID: fmt.Sprintf("0b8a0d56-8d2e-4a57-9a3e-%012d", i), Category: "debts",
			Fields: map[string]string{"creditor": fmt.Sprint("S", i)}, Stamps: map[string]hlc.Timestamp{"creditor": now},
			Created: now, Modified: now, Author: replica.Author{Person: "Y", Device: "d"}})
	}
	return p
}

// TestReadPackVerifiesAsItStreams: ReadPack hands back every record in
// order and the pack's other members, and names the signer only when the
// signature verifies with the sender's key over every byte of the body.
func TestReadPackVerifiesAsItStreams(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	want := testPack(2000)
	plain, err := signed.Sign(keySigner(priv), DomainPack, want)
	if err != nil {
		t.Fatal(err)
	}
	p, recs, signer, err := readTwice(t, plain, pub)
	if err != nil || !signer.Equal(pub) {
		t.Fatalf("a good pack: signer %x, %v", signer, err)
	}
	if len(recs) != len(want.Records) || recs[1999].ID != want.Records[1999].ID || p.Seq != 3 || p.Statements[0] != "x" || p.Records != nil {
		t.Fatalf("read back %d records, %+v", len(recs), p)
	}
	if _, _, signer, err := readTwice(t, plain, other); err != nil || signer != nil {
		t.Fatalf("another key: signer %x, %v", signer, err)
	}
	if _, _, signer, err := readTwice(t, plain, nil); err != nil || signer != nil {
		t.Fatalf("no key: signer %x, %v", signer, err)
	}
	// One byte of one record changed, the signature kept.
	bad := bytes.Replace(plain, []byte(`"S1234"`), []byte(`"S1235"`), 1)
	if bytes.Equal(bad, plain) {
		t.Fatal("the test changed nothing")
	}
	if _, _, signer, err := readTwice(t, bad, pub); err != nil || signer != nil {
		t.Fatalf("a changed record: signer %x, %v", signer, err)
	}
	// A second reading that ends with another signature than the first.
	sig2 := sign.With(priv, DomainPack, []byte("something else"))
	if _, _, err := ReadPack(bufio.NewReader(bytes.NewReader(plain)), sig2, func(string) ed25519.PublicKey { return pub }, func(replica.Record) {}); !isNotPack(err) {
		t.Fatalf("another signature on the second reading: %v", err)
	}
}

func isNotPack(err error) bool {
	var re *RefusedError
	return errors.As(err, &re) && re.Code == CodeNotPack
}

// TestReadPackRefusesMalformedBodies: what signed.UnmarshalStrict refused
// is refused, and so is a body that does not start with its format and
// sender, or names a member twice.
func TestReadPackRefusesMalformedBodies(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := signed.MarshalCompact(testPack(3))
	from := strings.Repeat("ab", 32)
	for name, b := range map[string]string{
		"records first":       strings.Replace(string(body), `{"format":"kluis-pack/v1","from":"`+from+`",`, `{"records":[],"format":"kluis-pack/v1","from":"`+from+`",`, 1),
		"sender second":       strings.Replace(string(body), `{"format":"kluis-pack/v1","from":"`+from+`",`, `{"from":"`+from+`","format":"kluis-pack/v1",`, 1),
		"unknown member":      strings.Replace(string(body), `"seq":3`, `"seq":3,"extra":1`, 1),
		"twice":               strings.Replace(string(body), `"seq":3`, `"seq":3,"seq":4`, 1),
		"unknown in a record": strings.Replace(string(body), `"category":"debts"`, `"category":"debts","x":1`, 1),
		"after":               string(body) + " {}",
		"not an object":       `{"format":"kluis-pack/v1","from":"` + from + `"]`,
		"no seq":              strings.Replace(string(body), `"seq":3`, `"seq":0`, 1),
	} {
		sig, _ := keySigner(priv).Sign(DomainPack, []byte(b))
		plain := signed.Join([]byte(b), sig)
		if _, _, _, err := readTwice(t, plain, pub); !isNotPack(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, plain := range map[string]string{
		"no signature line": string(body) + "\n",
		"no line break":     string(body),
		"bad signature":     string(body) + "\nnot base64\n",
	} {
		if _, _, _, err := readTwice(t, []byte(plain), pub); !isNotPack(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
