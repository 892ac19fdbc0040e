package bundle

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	for _, tc := range []struct {
		name            string
		armor, compress bool
	}{{"binary", false, false}, {"armored", true, false}, {"compressed", false, true}, {"armored compressed", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShare(t, signer, org, 200<<10, 1)
			s.Armor, s.Compress = tc.armor, tc.compress
			data := build(t, s, signer)
			if tc.armor != strings.HasPrefix(string(data), "-----BEGIN AGE ENCRYPTED FILE-----") {
				t.Fatalf("armor %v, file starts %q", tc.armor, data[:20])
			}
			r, docs, err := readAll(data, Options{Org: org})
			if err != nil {
				t.Fatal(err)
			}
			m := r.Manifest()
			if m.ID != bundleID || m.Recipient.Fingerprint != org.Card().Fingerprint() || m.Purpose != "Aanvraag schuldhulp" {
				t.Errorf("manifest = %+v", m)
			}
			if len(r.Records().Records) != 2 || r.Records().Records[0].Fields["amount"] != int64(123456) {
				t.Errorf("records = %+v", r.Records().Records)
			}
			if len(docs[doc1ID]) != 200<<10 || len(docs[doc2ID]) != 1 {
				t.Errorf("documents: %d and %d bytes", len(docs[doc1ID]), len(docs[doc2ID]))
			}
		})
	}
}

func TestShareCodeRoundTrip(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	s := testShare(t, signer, nil, 1000)
	s.Code = NewShareCode()
	data := build(t, s, signer)
	typed := strings.ToLower(strings.ReplaceAll(s.Code.String(), "-", " "))
	code, err := ParseShareCode(typed)
	if err != nil || code != s.Code {
		t.Fatalf("ParseShareCode(%q) = %q, %v; want %q", typed, code, err, s.Code)
	}
	if _, _, err := readAll(data, Options{Code: code}); err != nil {
		t.Fatal(err)
	}
	t.Run("wrong code", func(t *testing.T) {
		_, _, err := readAll(data, Options{Code: NewShareCode()})
		wantCode(t, err, CodeWrongShareCode)
	})
	t.Run("organisation key on a share-code bundle", func(t *testing.T) {
		_, _, err := readAll(data, Options{Org: newOrg(t, "Gemeente Ander")})
		wantCode(t, err, CodeNotAddressed)
	})
	t.Run("share code on a card bundle", func(t *testing.T) {
		org := newOrg(t, "Gemeente Zwolle")
		_, _, err := readAll(build(t, testShare(t, signer, org), signer), Options{Code: code})
		wantCode(t, err, CodeNotAddressed)
	})
	for _, bad := range []string{"", "ABCD", "QX4M-7TZA-KD2P-W6NB-R3HF-YJ5C-AAAA", "QX4M-7TZA-KD2P-W6NB-R3HF-YJ5!"} {
		if _, err := ParseShareCode(bad); CodeOf(err) != CodeBadShareCode {
			t.Errorf("ParseShareCode(%q) = %v, want bad_share_code", bad, err)
		}
	}
}

func TestNotAddressedToUs(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	data := build(t, testShare(t, signer, newOrg(t, "Gemeente Zwolle"), 10), signer)
	_, _, err := readAll(data, Options{Org: newOrg(t, "Gemeente Kampen")})
	wantCode(t, err, CodeNotAddressed)
}

// ageLayout finds the regions of an age file: the header's end (after the
// MAC line), the MAC line's start and the start of the payload's chunks.
func ageLayout(t *testing.T, data []byte) (stanzaAt, macAt, nonceAt, chunksAt int) {
	t.Helper()
	stanzaAt = bytes.Index(data, []byte("\n-> ")) + 1
	macAt = bytes.Index(data, []byte("\n--- ")) + 1
	if stanzaAt <= 0 || macAt <= 0 {
		t.Fatal("not a binary age file")
	}
	nonceAt = macAt + bytes.IndexByte(data[macAt:], '\n') + 1
	return stanzaAt, macAt, nonceAt, nonceAt + 16
}

const chunkSize, chunkOverhead = 64 << 10, 16

func TestFlippedByteInEveryRegion(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	data := build(t, testShare(t, signer, org, 300<<10, 5000), signer)
	stanza, mac, nonce, chunks := ageLayout(t, data)
	nChunks := (len(data) - chunks + chunkSize + chunkOverhead - 1) / (chunkSize + chunkOverhead)
	if nChunks < 5 {
		t.Fatalf("only %d chunks", nChunks)
	}
	at := map[string]int{
		"intro line":    3,
		"stanza type":   stanza + 4,
		"stanza share":  stanza + 12,
		"stanza body":   mac - 5,
		"header MAC":    mac + 10,
		"payload nonce": nonce + 3,
		// The manifest and its signature sit in the first chunk; flip a
		// byte of each through the ciphertext.
		"manifest (first chunk)":  chunks + 600,
		"signature (first chunk)": chunks + 512*3 + 520 + 10,
	}
	for i := 0; i < nChunks; i++ {
		off := chunks + i*(chunkSize+chunkOverhead) + 100
		if i == nChunks-1 {
			off = len(data) - 3 // the last chunk's tag
		}
		at["chunk "+string(rune('0'+i))] = off
	}
	for name, off := range at {
		t.Run(name, func(t *testing.T) {
			bad := bytes.Clone(data)
			bad[off] ^= 0x01
			_, _, err := readAll(bad, Options{Org: org})
			wantCode(t, err, CodeDamaged, CodeNotAddressed, CodeNotAge)
			if strings.HasPrefix(name, "chunk") || strings.HasPrefix(name, "payload") || name == "header MAC" {
				wantCode(t, err, CodeDamaged)
			}
		})
	}
}

func TestTruncatedAtEveryChunkBoundary(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	data := build(t, testShare(t, signer, org, 400<<10, 64<<10), signer)
	_, mac, nonce, chunks := ageLayout(t, data)
	cuts := []int{0, 10, mac, nonce, nonce + 8, chunks}
	for off := chunks; off < len(data); off += chunkSize + chunkOverhead {
		cuts = append(cuts, off, off+chunkSize) // at the boundary, and inside the tag
	}
	cuts = append(cuts, len(data)-1)
	for _, n := range cuts {
		if n >= len(data) {
			continue
		}
		_, _, err := readAll(data[:n], Options{Org: org})
		if err == nil {
			t.Fatalf("cut at %d of %d bytes: accepted", n, len(data))
		}
		if c := CodeOf(err); c != CodeDamaged && c != CodeNotAge {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
}

func TestAppendedBytes(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	for _, armored := range []bool{false, true} {
		s := testShare(t, signer, org, 1000)
		s.Armor = armored
		data := build(t, s, signer)
		for _, tail := range []string{"\x00", "x", strings.Repeat("A", 70000)} {
			_, _, err := readAll(append(bytes.Clone(data), tail...), Options{Org: org})
			wantCode(t, err, CodeDamaged)
		}
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	s := testShare(t, signer, org)
	s.NotBefore = testNow.Add(time.Hour)
	s.NotAfter = testNow.Add(48 * time.Hour)
	data := build(t, s, signer)
	for _, tc := range []struct {
		now  time.Time
		want Code
	}{
		{testNow, CodeNotYetValid},
		{s.NotBefore.Add(-DefaultSkew - time.Second), CodeNotYetValid},
		{s.NotBefore.Add(-DefaultSkew), ""},
		{s.NotAfter.Add(DefaultSkew - time.Second), ""},
		{s.NotAfter.Add(DefaultSkew), CodeExpired},
		{s.NotAfter.Add(30 * 24 * time.Hour), CodeExpired},
	} {
		_, _, err := readAll(data, Options{Org: org, Now: func() time.Time { return tc.now }})
		if CodeOf(err) != tc.want || (tc.want == "" && err != nil) {
			t.Errorf("at %s: %v, want %q", tc.now, err, tc.want)
		}
	}
}

func TestOversize(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	data := build(t, testShare(t, signer, org, 100<<10), signer)
	_, _, err := readAll(data, Options{Org: org, Limits: Limits{MaxInput: int64(len(data) - 1)}})
	wantCode(t, err, CodeTooLarge)
	if _, _, err := readAll(data, Options{Org: org, Limits: Limits{MaxInput: int64(len(data))}}); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
	_, _, err = readAll(data, Options{Org: org, Limits: Limits{MaxEntry: 100<<10 - 1}})
	wantCode(t, err, CodeTooLarge)
	_, _, err = readAll(data, Options{Org: org, Limits: Limits{MaxManifest: 100}})
	wantCode(t, err, CodeTooLarge)
	_, _, err = readAll(data, Options{Org: org, Limits: Limits{MaxRecords: 10}})
	wantCode(t, err, CodeTooLarge)
}

func TestNotABundle(t *testing.T) {
	t.Parallel()
	org := newOrg(t, "Gemeente Zwolle")
	_, _, err := readAll([]byte("hello, this is not age"), Options{Org: org})
	wantCode(t, err, CodeNotAge)
	_, _, err = readAll(nil, Options{Org: org})
	wantCode(t, err, CodeNotAge)
	_, _, err = readAll(encrypt(t, []byte("just a letter\n"), org.Card().Recipient()), Options{Org: org})
	wantCode(t, err, CodeNotBundle, CodeEntryMissing)
	_, _, err = readAll(encrypt(t, makeTar(t, []rawEntry{reg("hello.txt", []byte("hi"))}), org.Card().Recipient()), Options{Org: org})
	wantCode(t, err, CodeNotBundle)
}

// tamper rebuilds a valid bundle's archive after edit changed its
// entries, re-encrypting it to org.
func tamper(t *testing.T, org *OrgIdentity, data []byte, edit func([]rawEntry) []rawEntry) []byte {
	t.Helper()
	return encrypt(t, makeTar(t, edit(decryptTar(t, data, org))), org.Card().Recipient())
}

func TestArchiveRefusals(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	data := build(t, testShare(t, signer, org, 3000, 2000), signer)
	if _, _, err := readAll(tamper(t, org, data, func(e []rawEntry) []rawEntry { return e }), Options{Org: org}); err != nil {
		t.Fatalf("re-encrypted unchanged archive: %v", err)
	}
	other := newKeySigner(t)
	for _, tc := range []struct {
		name string
		edit func([]rawEntry) []rawEntry
		want Code
	}{
		{"unsigned", func(e []rawEntry) []rawEntry { return append(e[:1:1], e[2:]...) }, CodeUnsigned},
		{"signature only", func(e []rawEntry) []rawEntry { return e[:1] }, CodeUnsigned},
		{"signed by another key", func(e []rawEntry) []rawEntry {
			sig, _ := other.Sign(DomainManifest, e[0].data)
			e[1] = reg(SignaturePath, sig)
			return e
		}, CodeBadSignature},
		{"signature with another domain", func(e []rawEntry) []rawEntry {
			sig, _ := signer.Sign(DomainReceipt, e[0].data)
			e[1] = reg(SignaturePath, sig)
			return e
		}, CodeBadSignature},
		{"manifest changed after signing", func(e []rawEntry) []rawEntry {
			e[0] = reg(ManifestPath, bytes.Replace(e[0].data, []byte("schuldhulp"), []byte("schuldhulq"), 1))
			return e
		}, CodeBadSignature},
		{"manifest not first", func(e []rawEntry) []rawEntry { e[0], e[2] = e[2], e[0]; return e }, CodeNotBundle},
		{"document content changed", func(e []rawEntry) []rawEntry { e[3].data[10] ^= 1; return e }, CodeEntryMismatch},
		{"document shorter", func(e []rawEntry) []rawEntry { e[3] = reg(e[3].hdr.Name, e[3].data[:100]); return e }, CodeEntryMismatch},
		{"document longer", func(e []rawEntry) []rawEntry {
			e[3] = reg(e[3].hdr.Name, append(e[3].data, 'x'))
			return e
		}, CodeEntryMismatch},
		{"records changed", func(e []rawEntry) []rawEntry {
			e[2] = reg(RecordsPath, bytes.Replace(e[2].data, []byte("UWV"), []byte("SVB"), 1))
			return e
		}, CodeEntryMismatch},
		{"document missing", func(e []rawEntry) []rawEntry { return e[:4] }, CodeEntryMissing},
		{"records missing", func(e []rawEntry) []rawEntry { return e[:2] }, CodeEntryMissing},
		{"extra entry at the end", func(e []rawEntry) []rawEntry { return append(e, reg("documents/extra.txt", []byte("x"))) }, CodeEntryExtra},
		{"extra entry in between", func(e []rawEntry) []rawEntry {
			return append(e[:3:3], append([]rawEntry{reg("notes.txt", []byte("x"))}, e[3:]...)...)
		}, CodeEntryExtra},
		{"duplicate document", func(e []rawEntry) []rawEntry { return append(e, e[4]) }, CodeEntryDuplicate},
		{"duplicate manifest", func(e []rawEntry) []rawEntry { return append(e[:3:3], append([]rawEntry{e[0]}, e[3:]...)...) }, CodeEntryDuplicate},
		{"documents swapped", func(e []rawEntry) []rawEntry { e[3], e[4] = e[4], e[3]; return e }, CodeEntryOrder},
		{"dot-dot name", func(e []rawEntry) []rawEntry { e[3].hdr.Name = "documents/../../etc/passwd"; return e }, CodeUnsafeName},
		{"absolute name", func(e []rawEntry) []rawEntry { e[3].hdr.Name = "/etc/passwd"; return e }, CodeUnsafeName},
		{"backslash name", func(e []rawEntry) []rawEntry { e[3].hdr.Name = `documents\x`; return e }, CodeUnsafeName},
		{"control character", func(e []rawEntry) []rawEntry { e[3].hdr.Name = "documents/a\x1bb"; return e }, CodeUnsafeName},
		{"symlink", func(e []rawEntry) []rawEntry {
			e[3].hdr.Typeflag, e[3].hdr.Linkname, e[3].hdr.Size, e[3].data = 0x32, "/etc/passwd", 0, nil
			return e
		}, CodeEntryType},
		{"hard link", func(e []rawEntry) []rawEntry {
			e[3].hdr.Typeflag, e[3].hdr.Linkname, e[3].hdr.Size, e[3].data = '1', "records.json", 0, nil
			return e
		}, CodeEntryType},
		{"character device", func(e []rawEntry) []rawEntry {
			e[3].hdr.Typeflag, e[3].hdr.Size, e[3].data = '3', 0, nil
			return e
		}, CodeEntryType},
		{"folder", func(e []rawEntry) []rawEntry {
			e[3].hdr.Typeflag, e[3].hdr.Size, e[3].data = '5', 0, nil
			return e
		}, CodeEntryType},
		{"setuid", func(e []rawEntry) []rawEntry { e[3].hdr.Mode = 0o4755; return e }, CodeEntryType},
		{"trailing garbage after the archive", nil, CodeTrailingData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bad []byte
			if tc.edit == nil {
				plain := makeTar(t, decryptTar(t, data, org))
				bad = encrypt(t, append(plain, "garbage"...), org.Card().Recipient())
			} else {
				bad = tamper(t, org, data, tc.edit)
			}
			_, _, err := readAll(bad, Options{Org: org})
			wantCode(t, err, tc.want)
		})
	}
}

// TestSignedForAnotherRecipient: a bundle properly signed by the citizen
// for organisation A, re-encrypted by A to organisation B, is refused by B.
func TestSignedForAnotherRecipient(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	a, b := newOrg(t, "Gemeente A"), newOrg(t, "Gemeente B")
	data := build(t, testShare(t, signer, a, 100), signer)
	resent := encrypt(t, makeTar(t, decryptTar(t, data, a)), b.Card().Recipient())
	_, _, err := readAll(resent, Options{Org: b})
	wantCode(t, err, CodeWrongRecipient)

	// And a bundle for a card, re-protected with a share code.
	code := NewShareCode()
	rcpt, _ := code.recipient()
	_, _, err = readAll(encrypt(t, makeTar(t, decryptTar(t, data, a)), rcpt), Options{Code: code})
	wantCode(t, err, CodeWrongRecipient)
}

func TestManifestChecks(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	s := testShare(t, signer, org, 10)
	for _, tc := range []struct {
		name string
		edit func(m *Manifest)
		want Code
	}{
		{"unknown format", func(m *Manifest) { m.Format = "kluis-bundle/v9" }, CodeBadManifest},
		{"id not v4", func(m *Manifest) { m.ID = "00000000-0000-1000-8000-000000000000" }, CodeBadManifest},
		{"window reversed", func(m *Manifest) { m.NotAfter = m.NotBefore.Add(-time.Second) }, CodeBadManifest},
		{"unknown category", func(m *Manifest) { m.Scope.Categories = []string{"secrets"} }, CodeBadManifest},
		{"unsafe entry in manifest", func(m *Manifest) { m.Entries[1].Path = "documents/../x" }, CodeUnsafeName},
		{"duplicate entry in manifest", func(m *Manifest) { m.Entries = append(m.Entries, m.Entries[1]) }, CodeEntryDuplicate},
		{"huge entry", func(m *Manifest) { m.Entries[1].Size = 1 << 50 }, CodeTooLarge},
		{"negative size", func(m *Manifest) { m.Entries[1].Size = -1 }, CodeTooLarge},
		{"upper-case hash", func(m *Manifest) { m.Entries[1].SHA256 = strings.ToUpper(m.Entries[1].SHA256) }, CodeBadManifest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mb, sig, _ := signedParts(t, s, signer, tc.edit)
			_, err := ParseManifest(mb, Limits{})
			wantCode(t, err, tc.want)
			// And inside a bundle.
			data := build(t, testShare(t, signer, org, 10), signer)
			bad := tamper(t, org, data, func(e []rawEntry) []rawEntry {
				e[0], e[1] = reg(ManifestPath, mb), reg(SignaturePath, sig)
				return e
			})
			_, _, err = readAll(bad, Options{Org: org})
			wantCode(t, err, tc.want)
		})
	}
	t.Run("not canonical", func(t *testing.T) {
		mb, _, _ := signedParts(t, s, signer, nil)
		_, err := ParseManifest(bytes.Replace(mb, []byte(`{"format"`), []byte(`{ "format"`), 1), Limits{})
		wantCode(t, err, CodeBadManifest)
	})
}

func TestRecordsChecks(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	for _, tc := range []struct {
		name string
		edit func(s *Share)
	}{
		{"money as text", func(s *Share) { s.Records[0].Fields["amount"] = "1234,56" }},
		{"not canonical IBAN", func(s *Share) { s.Records[1].Fields["creditor_iban"] = "nl91 abna 0417 1643 00" }},
		{"unknown field", func(s *Share) { s.Records[0].Fields["password"] = "x" }},
		{"excluded field present", func(s *Share) { s.Records[0].Fields["iban"] = "NL91ABNA0417164300" }},
		{"required field missing", func(s *Share) { delete(s.Records[1].Fields, "creditor") }},
		{"out of scope", func(s *Share) { s.Records[1].Category = "care"; s.Records[1].Fields = map[string]any{"provider": "X"} }},
		{"bad choice", func(s *Share) { s.Records[0].Fields["period"] = "fortnight" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShare(t, signer, org)
			tc.edit(s)
			var b bytes.Buffer
			_, err := Write(&b, s, signer)
			wantCode(t, err, CodeBadRecords)
			// Forced past the writer's own check, the reader refuses it.
			rs := Records{Format: RecordsFormat, Records: s.Records, Documents: []Document{}}
			rb, _ := marshalCompact(rs)
			good := testShare(t, signer, org)
			mb, sig, _ := signedParts(t, good, signer, func(m *Manifest) {
				m.Entries[0] = Entry{Path: RecordsPath, Size: int64(len(rb)), SHA256: sha(rb)}
			})
			plain := makeTar(t, []rawEntry{reg(ManifestPath, mb), reg(SignaturePath, sig), reg(RecordsPath, rb)})
			_, _, err = readAll(encrypt(t, plain, org.Card().Recipient()), Options{Org: org})
			wantCode(t, err, CodeBadRecords)
		})
	}
	t.Run("excluded required field may be absent", func(t *testing.T) {
		s := testShare(t, signer, org)
		s.Scope.ExcludedFields = append(s.Scope.ExcludedFields, "debts.creditor")
		delete(s.Records[1].Fields, "creditor")
		if _, _, err := readAll(build(t, s, signer), Options{Org: org}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCard(t *testing.T) {
	t.Parallel()
	org := newOrg(t, "Gemeente Zwolle")
	file := org.CardFile()
	c, err := ParseCard(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Org != "Gemeente Zwolle" || c.Fingerprint() != org.Card().Fingerprint() {
		t.Errorf("card = %+v", c)
	}
	if fp := ShortFingerprint(c.Fingerprint()); len(fp) != 19 || strings.Count(fp, "-") != 3 {
		t.Errorf("short fingerprint %q", fp)
	}
	for name, bad := range map[string][]byte{
		"name changed":  bytes.Replace(file, []byte("Zwolle"), []byte("Zwollf"), 1),
		"no signature":  file[:bytes.IndexByte(file, '\n')+1],
		"extra line":    append(bytes.Clone(file), "x\n"...),
		"empty":         nil,
		"not json":      []byte("hello\nAAAA\n"),
		"another's sig": append(file[:bytes.IndexByte(file, '\n')+1], newOrg(t, "X").CardFile()[bytes.IndexByte(newOrg(t, "X").CardFile(), '\n')+1:]...),
	} {
		if _, err := ParseCard(bad); CodeOf(err) != CodeBadCard {
			t.Errorf("%s: %v, want bad_card", name, err)
		}
	}
}

func TestIdentityFile(t *testing.T) {
	t.Parallel()
	org := newOrg(t, "Gemeente Zwolle")
	file, err := org.Marshal([]byte("organisatie wachtwoord"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseOrgIdentity(file, []byte("organisatie wachtwoord"))
	if err != nil {
		t.Fatal(err)
	}
	if back.Card().Fingerprint() != org.Card().Fingerprint() {
		t.Error("identity changed in a round trip")
	}
	if _, err := ParseOrgIdentity(file, []byte("wrong")); err != ErrWrongPassphrase {
		t.Errorf("wrong passphrase: %v", err)
	}
	// A file with a work factor below the floor is refused before scrypt runs.
	r, _ := age.NewScryptRecipient("organisatie wachtwoord")
	r.SetWorkFactor(scryptLogN - 1)
	if _, err := ParseOrgIdentity(encrypt(t, []byte("{}"), r), []byte("organisatie wachtwoord")); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("downgraded file: %v", err)
	}
}

func TestStatements(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	nb, err := NewNotice(signer, signer.public(), bundleID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNotice(nb)
	if err != nil || n.BundleID != bundleID || !bytes.Equal(n.IssuerKey(), signer.public()) {
		t.Fatalf("notice %+v, %v", n, err)
	}
	if _, err := ParseNotice(bytes.Replace(nb, []byte(bundleID[:8]), []byte("00000000"), 1)); CodeOf(err) != CodeBadNotice {
		t.Errorf("altered notice: %v", err)
	}
	rb, err := NewReceipt(org, bundleID, sha([]byte("m")), testNow, testNow.Add(14*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ParseReceipt(rb)
	if err != nil || !rc.FromCard(org.Card().Fingerprint(), org.Card().PublicKey()) {
		t.Fatalf("receipt %+v, %v", rc, err)
	}
	if _, err := ParseReceipt(bytes.Replace(rb, []byte("2026-03-16"), []byte("2027-03-16"), 1)); CodeOf(err) != CodeBadReceipt {
		t.Errorf("altered receipt: %v", err)
	}
	// A receipt is not a notice, whatever its bytes.
	if _, err := ParseNotice(rb); err == nil {
		t.Error("a receipt parsed as a notice")
	}
}

func TestURI(t *testing.T) {
	t.Parallel()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	s := testShare(t, signer, org)
	s.Compress = true
	data := build(t, s, signer)
	uri := BundleURI(data)
	if len(uri) > MaxURILength {
		t.Errorf("a small compressed bundle makes a %d-character link, over the QR limit %d", len(uri), MaxURILength)
	}
	back, err := ParseBundleURI(uri)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("ParseBundleURI: %v", err)
	}
	if _, _, err := readAll(back, Options{Org: org}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBundleURI("kluis:request/v1/abc"); CodeOf(err) != CodeBadURI {
		t.Errorf("other link: %v", err)
	}
}
