package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// The test vectors in testdata/vectors are for any implementation of
// docs/FORMAT.md. Each NAME.kluis is a few header lines, an empty line,
// and an armored bundle:
//
//	expect: ok                 (or a refusal code, such as expired)
//	now: 2026-03-02T09:30:00Z  (the clock to open it at)
//	share-code: XXXX-…         (only for bundles protected with a share code)
//
// Bundles without a share code are for the organisation in org.card, whose
// X25519 identity is in org.identity (a test key: never use it for real).
const vectorsDir = "testdata/vectors"

type vector struct {
	name   string
	expect Code // "" for ok
	now    time.Time
	code   ShareCode
	data   []byte // binary bundle
}

func loadVectorOrg(t *testing.T) *OrgIdentity {
	t.Helper()
	cardFile, err := os.ReadFile(filepath.Join(vectorsDir, "org.card"))
	if err != nil {
		t.Fatal(err)
	}
	card, err := ParseCard(cardFile)
	if err != nil {
		t.Fatal(err)
	}
	idFile, err := os.ReadFile(filepath.Join(vectorsDir, "org.identity"))
	if err != nil {
		t.Fatal(err)
	}
	var x *age.X25519Identity
	var seed []byte
	for _, line := range strings.Split(string(idFile), "\n") {
		if v, ok := strings.CutPrefix(line, "x25519: "); ok {
			x, err = age.ParseX25519Identity(v)
		}
		if v, ok := strings.CutPrefix(line, "ed25519-seed: "); ok {
			seed, err = base64.StdEncoding.DecodeString(v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return &OrgIdentity{x25519: x, signing: ed25519.NewKeyFromSeed(seed), card: card, cardRaw: cardFile}
}

func parseVector(t *testing.T, name string, b []byte) vector {
	t.Helper()
	v := vector{name: name}
	head, body, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no empty line after the header", name)
	}
	for _, line := range strings.Split(string(head), "\n") {
		k, val, _ := strings.Cut(line, ": ")
		switch k {
		case "expect":
			if val != "ok" {
				v.expect = Code(val)
			}
		case "now":
			n, err := time.Parse(time.RFC3339, val)
			if err != nil {
				t.Fatalf("%s: now: %v", name, err)
			}
			v.now = n
		case "share-code":
			v.code = ShareCode(val)
		default:
			t.Fatalf("%s: unknown header line %q", name, line)
		}
	}
	data, err := io.ReadAll(armor.NewReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("%s: armor: %v", name, err)
	}
	v.data = data
	return v
}

func TestVectors(t *testing.T) {
	if *update {
		writeVectors(t)
	}
	org := loadVectorOrg(t)
	files, _ := filepath.Glob(filepath.Join(vectorsDir, "*.kluis"))
	if len(files) < 15 {
		t.Fatalf("only %d vectors in %s", len(files), vectorsDir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v := parseVector(t, filepath.Base(f), b)
		t.Run(v.name, func(t *testing.T) {
			opts := Options{Org: org, Now: func() time.Time { return v.now }}
			if v.code != "" {
				opts = Options{Code: v.code, Now: opts.Now}
			}
			_, _, err := readAll(v.data, opts)
			if v.expect == "" && err != nil {
				t.Fatalf("expect ok, got %v", err)
			}
			if v.expect != "" && CodeOf(err) != v.expect {
				t.Fatalf("expect %s, got %v", v.expect, err)
			}
		})
	}
}

// writeVectors makes a new organisation and every vector (go test
// -run TestVectors -update).
func writeVectors(t *testing.T) {
	os.MkdirAll(vectorsDir, 0o755)
	old, _ := filepath.Glob(filepath.Join(vectorsDir, "*"))
	for _, f := range old {
		os.Remove(f)
	}
	org := newOrg(t, "Gemeente Testvector")
	os.WriteFile(filepath.Join(vectorsDir, "org.card"), org.CardFile(), 0o644)
	os.WriteFile(filepath.Join(vectorsDir, "org.identity"), fmt.Appendf(nil,
		"# Test key for the vectors only. Never use it for anything else.\nx25519: %s\ned25519-seed: %s\n",
		org.AgeIdentity(), base64.StdEncoding.EncodeToString(org.signing.Seed())), 0o644)
	signer := newKeySigner(t)
	other := newOrg(t, "Gemeente Elders")
	good := build(t, testShare(t, signer, org, 70000, 300), signer)
	code := ShareCode("QX4M-7TZA-KD2P-W6NB-R3HF-YJ5C")
	write := func(name string, expect Code, now time.Time, sc ShareCode, data []byte) {
		var b bytes.Buffer
		e := "ok"
		if expect != "" {
			e = string(expect)
		}
		fmt.Fprintf(&b, "expect: %s\nnow: %s\n", e, now.Format(time.RFC3339))
		if sc != "" {
			fmt.Fprintf(&b, "share-code: %s\n", sc)
		}
		b.WriteString("\n")
		w := armor.NewWriter(&b)
		w.Write(data)
		w.Close()
		b.WriteString("\n")
		if err := os.WriteFile(filepath.Join(vectorsDir, name+".kluis"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok-card", "", testNow, "", good)
	s := testShare(t, signer, nil, 10)
	s.Code = code
	write("ok-share-code", "", testNow, code, build(t, s, signer))
	s = testShare(t, signer, org, 2000)
	s.Compress = true
	write("ok-compressed", "", testNow, "", build(t, s, signer))
	s = testShare(t, signer, org)
	write("ok-no-documents", "", testNow, "", build(t, s, signer))
	write("ok-at-skew-edge", "", testNow.Add(14*24*time.Hour+DefaultSkew-time.Second), "", good)
	write("expired", CodeExpired, testNow.Add(14*24*time.Hour+DefaultSkew), "", good)
	write("not-yet-valid", CodeNotYetValid, testNow.Add(-DefaultSkew-time.Second), "", good)
	s = testShare(t, signer, nil, 10)
	s.Code = code
	write("wrong-share-code", CodeWrongShareCode, testNow, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", build(t, s, signer))
	write("not-addressed", CodeNotAddressed, testNow, "", build(t, testShare(t, signer, other, 10), signer))
	flipped := slices.Clone(good)
	flipped[len(flipped)-100] ^= 1
	write("tampered-last-chunk", CodeDamaged, testNow, "", flipped)
	_, mac, _, chunks := ageLayout(&testing.T{}, good)
	flipped = slices.Clone(good)
	flipped[mac+8] ^= 1
	write("tampered-header-mac", CodeDamaged, testNow, "", flipped)
	write("truncated-at-chunk", CodeDamaged, testNow, "", good[:chunks+64<<10+16])
	write("appended", CodeDamaged, testNow, "", append(slices.Clone(good), 0))
	resent := encrypt(t, makeTar(t, decryptTar(t, build(t, testShare(t, signer, other, 10), signer), other)), org.Card().Recipient())
	write("wrong-recipient", CodeWrongRecipient, testNow, "", resent)
	edit := func(name string, want Code, f func([]rawEntry) []rawEntry) {
		write(name, want, testNow, "", encrypt(t, makeTar(t, f(decryptTar(t, good, org))), org.Card().Recipient()))
	}
	edit("unsigned", CodeUnsigned, func(e []rawEntry) []rawEntry { return append(e[:1:1], e[2:]...) })
	edit("bad-signature", CodeBadSignature, func(e []rawEntry) []rawEntry {
		sig, _ := newKeySigner(t).Sign(DomainManifest, e[0].data)
		e[1] = reg(SignaturePath, sig)
		return e
	})
	edit("hash-mismatch", CodeEntryMismatch, func(e []rawEntry) []rawEntry { e[3].data[0] ^= 1; return e })
	edit("size-mismatch", CodeEntryMismatch, func(e []rawEntry) []rawEntry { e[4] = reg(e[4].hdr.Name, e[4].data[:10]); return e })
	edit("entry-missing", CodeEntryMissing, func(e []rawEntry) []rawEntry { return e[:4] })
	edit("entry-extra", CodeEntryExtra, func(e []rawEntry) []rawEntry { return append(e, reg("extra.txt", []byte("x"))) })
	edit("entry-duplicate", CodeEntryDuplicate, func(e []rawEntry) []rawEntry { return append(e, e[3]) })
	edit("entry-order", CodeEntryOrder, func(e []rawEntry) []rawEntry { e[3], e[4] = e[4], e[3]; return e })
	edit("unsafe-name", CodeUnsafeName, func(e []rawEntry) []rawEntry { e[3].hdr.Name = "../../etc/passwd"; return e })
	edit("symlink", CodeEntryType, func(e []rawEntry) []rawEntry {
		e[3].hdr.Typeflag, e[3].hdr.Linkname, e[3].hdr.Size, e[3].data = '2', "/etc/passwd", 0, nil
		return e
	})
	notBundle := encrypt(t, []byte("Geachte heer, mevrouw,\n"), org.Card().Recipient())
	write("not-a-bundle", CodeEntryMissing, testNow, "", notBundle)
}
