package index

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"

	"kluis/sync/bundle"
)

// The test vectors in testdata/vectors are for any implementation of
// docs/FORMAT.md §10.
//
// org.card is the test organisation's card and org.key its identity file
// (§2.1), protected with the passphrase "test vectors only" (a test key:
// never use it for real). Its x25519 key opens the donations.
//
// Each NAME.index is an index definition: header lines, an empty line, and
// the definition as it travels (file, armored text or link).
//
//	expect: ok            (or a refusal code, such as bad_signature)
//	now: 2026-10-14T09:30:00Z
//
// A reader parses it and, when that passes, checks that the period is open
// at now (outside_period otherwise), as a donor's app does before it offers
// to donate.
//
// Each NAME.donation is a donation: header lines, an empty line, and the
// binary age file in age's ASCII armor.
//
//	expect: ok            (or a refusal code, such as other_period)
//	definition: ok.index  (the definition it is read against)
//	plaintext: {…}        (what the file decrypts to, when it does)
//
// A reader removes the armor, then opens the donation with org.key against
// the definition.
//
// pseudonyms.txt holds blocks of a donor's Ed25519 seed, an index id and a
// period, with the signature, secret and pseudonym §10.2 derives from them.
//
// go test ./sync/index -run TestVectors -update writes them again. It
// keeps org.key when there is one, so the definitions come out the same
// byte for byte (Ed25519 is deterministic); donations differ in their
// random age keys.
var update = flag.Bool("update", false, "write the test vectors again")

const (
	vectorsDir       = "testdata/vectors"
	vectorPassphrase = "test vectors only"
	vectorDefinition = "ok.index" // the definition the donation vectors are read against
	pseudonymsFile   = "pseudonyms.txt"

	// Test donor keys (Ed25519 seeds) for the pseudonyms; never use them
	// for real.
	vectorDonorSeed  = "99c68bb35729f5d3a6aab6b8ab3cc9938236343f02aeb7f98cef26926a37ce90"
	vectorDonorSeed2 = "3f0a6d1e9b27c4858e1f5a0c7d3b29e6415c8a9f0e7d2b3c6a5948f1e0d7c3b2"

	// Another index id and another organisation's fingerprint, for the
	// donations that name them.
	vectorOtherIndex = "0e1d2c3b-4a59-4867-9a5b-4c3d2e1f0a9b"
	vectorOtherOrg   = "5b0e2f6a9c3d8e1f4a7b0c2d5e8f1a3b6c9d0e2f5a8b1c4d7e0f3a6b9c2d5e8f"

	minDefinitionVectors = 20
	minDonationVectors   = 20
	minPseudonymVectors  = 4
)

// vectorNow is the vectors' clock: inside the period 2026-Q4.
var vectorNow = time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)

func vectorFields() Fields {
	p, err := ParsePeriod("2026-Q4")
	if err != nil {
		panic(err)
	}
	return Fields{
		ID:      "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
		Title:   "Jongerenindex Voorbeeld",
		Purpose: "Zien wat jongeren in de wijk helpt of zorgen geeft, zonder gegevens van personen.",
		Period:  p,
		Wijken: []Wijk{
			{Name: "Binnenstad", Postcodes: []Range{{8011, 8012}}},
			{Name: "Noord", Postcodes: []Range{{8031, 8031}, {8033, 8034}}},
			{Name: "Zuid", Postcodes: []Range{{8041, 8046}}},
		},
		Questions: []Question{
			{ID: "leeftijd", Text: "Hoe oud bent u?", Kind: KindAgeBand, Answers: []string{"12-15", "16-17", "18+"}, Prefill: PrefillAgeBand},
			{ID: "schulden", Text: "Heeft u schulden die nog open staan?", Kind: KindYesNo, Answers: []string{"ja", "nee"}, Prefill: PrefillOpenDebt},
			{ID: "veilig", Text: "Hoe veilig voelt u zich in uw wijk? 1 is heel onveilig, 5 is heel veilig.", Kind: KindScale, Answers: AnswersOf(KindScale)},
		},
	}
}

// vectorOrg reads the test organisation from org.key, or with -update
// makes one when there is none. It checks that org.card is its card.
func vectorOrg(t *testing.T) *bundle.OrgIdentity {
	t.Helper()
	keyPath, cardPath := filepath.Join(vectorsDir, "org.key"), filepath.Join(vectorsDir, "org.card")
	key, err := os.ReadFile(keyPath)
	if errors.Is(err, fs.ErrNotExist) && *update {
		id, err := bundle.GenerateOrgIdentity("Gemeente Voorbeeld", "00000001234567890000", []string{"Jongerenindex"}, vectorNow.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if key, err = id.Marshal([]byte(vectorPassphrase)); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(vectorsDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyPath, key, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	id, err := bundle.ParseOrgIdentity(key, []byte(vectorPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(cardPath, id.CardFile(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	card, err := os.ReadFile(cardPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(card, id.CardFile()) {
		t.Fatal("org.card is not the card in org.key")
	}
	return id
}

func vectorDonor(t *testing.T, seedHex string) keySigner {
	t.Helper()
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("donor seed %q", seedHex)
	}
	return keySigner{ed25519.NewKeyFromSeed(seed)}
}

// A vectorCase is one vector as the generator makes it.
type vectorCase struct {
	expect      string
	definition  string    // donations: the definition it is read against; vectorDefinition when empty
	predecessor string    // definitions: the predecessor it is checked against, or none
	now         time.Time // definitions: the clock to check the period at
	plain       []byte    // donations: what the age file decrypts to, or nil when it does not (or is too large to read)
	data        []byte    // the definition as it travels, or the binary donation
}

// header returns the header lines of a definition (now set) or a donation.
func (c vectorCase) header() string {
	h := "expect: " + c.expect + "\n"
	if !c.now.IsZero() {
		h += "now: " + c.now.Format(time.RFC3339) + "\n"
		if c.predecessor != "" {
			h += "predecessor: " + c.predecessor + "\n"
		}
		return h
	}
	h += "definition: " + c.def() + "\n"
	if c.plain != nil {
		h += "plaintext: " + string(c.plain) + "\n"
	}
	return h
}

func (c vectorCase) def() string {
	if c.definition == "" {
		return vectorDefinition
	}
	return c.definition
}

// mustReplace is replace that fails when old is not there, so that no
// vector is made from an edit that did nothing.
func mustReplace(t *testing.T, old, new string) func([]byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("vector edit: %q not found", old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
}

// definitionVectors makes every definition vector. ok is the same
// definition in each ok vector.
func definitionVectors(t *testing.T, org *bundle.OrgIdentity) map[string]vectorCase {
	ok, err := New(org, vectorFields(), vectorNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	body, _, err := splitSigned(ok)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) []byte { return resign(t, ok, org, mustReplace(t, old, new)) }
	start, end, err := vectorFields().Period.PeriodDates()
	if err != nil {
		t.Fatal(err)
	}
	opens := start.Add(-Skew)                // the first moment the period is open
	closes := end.AddDate(0, 0, 1).Add(Skew) // the first moment it is closed again

	// Over the limit by one byte, and otherwise refused only for its
	// purpose's length.
	large := edit(`"purpose":"`, `"purpose":"`+strings.Repeat("x", MaxDefinition+1-len(ok)))
	if len(large) != MaxDefinition+1 {
		t.Fatalf("too-large vector has %d bytes", len(large))
	}
	link := Link(ok)
	damaged := []byte(link[:len(LinkPrefix)+10] + "+" + link[len(LinkPrefix)+11:] + "\n")
	armored := Armor(ok)
	forger := vectorDonor(t, vectorDonorSeed2)
	wrongDomain, err := org.Sign("kluis-data-request/v1", body)
	if err != nil {
		t.Fatal(err)
	}
	at := func(expect string, data []byte) vectorCase {
		return vectorCase{expect: expect, now: vectorNow, data: data}
	}
	out := domainDefinitionVectors(t, org)
	for name, c := range map[string]vectorCase{
		"ok":                     at("ok", ok),
		"ok-armored":             at("ok", armored),
		"ok-armored-crlf":        at("ok", bytes.ReplaceAll(armored, []byte("\n"), []byte("\r\n"))),
		"ok-link":                at("ok", []byte(link+"\n")),
		"ok-period-opens":        {expect: "ok", now: opens, data: ok},
		"ok-period-closes":       {expect: "ok", now: closes.Add(-time.Second), data: ok},
		"before-period":          {expect: string(CodeOutsidePeriod), now: opens.Add(-time.Second), data: ok},
		"after-period":           {expect: string(CodeOutsidePeriod), now: closes, data: ok},
		"too-large":              at(string(CodeTooLarge), large),
		"link-damaged":           at(string(CodeBadLink), damaged),
		"link-other-kind":        at(string(CodeBadLink), []byte("kluis:request/v1/"+strings.TrimPrefix(link, LinkPrefix)+"\n")),
		"armor-without-end":      at(string(CodeBadLink), bytes.TrimSuffix(armored, []byte("-----END KLUIS INDEX DEFINITION-----\n"))),
		"plain-text":             at(string(CodeNotDefinition), []byte("Doe mee met de jongerenindex!\n")),
		"other-format":           at(string(CodeNotDefinition), edit(`"format":"kluis-index/v1"`, `"format":"kluis-index/v2"`)),
		"unsigned":               at(string(CodeUnsigned), append(bytes.Clone(body), '\n')),
		"signature-not-base64":   at(string(CodeUnsigned), append(append(bytes.Clone(body), '\n'), "getekend door de gemeente\n"...)),
		"altered":                at(string(CodeBadSignature), mustReplace(t, "Binnenstad", "Binnenstaf")(bytes.Clone(ok))),
		"forged":                 at(string(CodeBadSignature), resign(t, ok, forger, func(b []byte) []byte { return b })),
		"wrong-domain":           at(string(CodeBadSignature), joinSigned(body, wrongDomain)),
		"bad-card":               at(string(CodeBadCard), edit(`\"org\":\"Gemeente Voorbeeld\"`, `\"org\":\"Gemeente Voorbeelt\"`)),
		"not-canonical":          at(string(CodeBadDefinition), edit(`"format":"kluis-index/v1",`, `"format": "kluis-index/v1",`)),
		"unknown-member":         at(string(CodeBadDefinition), edit(`"format":"kluis-index/v1",`, `"format":"kluis-index/v1","contact":"jeugd@voorbeeld.nl",`)),
		"free-text-question":     at(string(CodeBadDefinition), edit(`"kind":"yes_no"`, `"kind":"free_text"`)),
		"postcode-in-two-wijken": at(string(CodeBadDefinition), edit(`{"from":8041,"to":8046}`, `{"from":8012,"to":8046}`)),
		"age-bands-descending":   at(string(CodeBadDefinition), edit(`["12-15","16-17","18+"]`, `["16-17","12-15","18+"]`)),
		"prefill-mismatch":       at(string(CodeBadDefinition), edit(`"prefill":"debts.open"`, `"prefill":"personal.age_band"`)),
	} {
		out[name] = c
	}
	return out
}

// vectorSeal encrypts plain to r: a donation file with any plaintext.
func vectorSeal(t *testing.T, plain []byte, r age.Recipient) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := age.Encrypt(&b, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// donationVectors makes every donation vector for the definition p of
// org.
func donationVectors(t *testing.T, org *bundle.OrgIdentity, p *Parsed) map[string]vectorCase {
	def := p.Definition
	ps, err := Pseudonym(vectorDonor(t, vectorDonorSeed), def.ID, def.Period.Name)
	if err != nil {
		t.Fatal(err)
	}
	base := func() *Donation {
		return &Donation{Format: DonationFormat, Index: def.ID, Period: def.Period.Name, Org: org.Card().Fingerprint(),
			Pseudonym: ps, Wijk: "Binnenstad", Answers: []Answer{{"leeftijd", "16-17"}, {"schulden", "ja"}, {"veilig", "4"}}}
	}
	plain := func(d *Donation) []byte {
		b, err := marshalCompact(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// sealed is a donation whose plaintext the organisation can read.
	sealed := func(expect Code, b []byte) vectorCase {
		return vectorCase{expect: string(expect), plain: b, data: vectorSeal(t, b, org.Card().Recipient())}
	}
	with := func(expect Code, change func(d *Donation)) vectorCase {
		d := base()
		change(d)
		return sealed(expect, plain(d))
	}
	// broken is a donation the organisation cannot decrypt or read.
	broken := func(expect Code, data []byte) vectorCase { return vectorCase{expect: string(expect), data: data} }

	okFile, err := NewDonation(p, base())
	if err != nil {
		t.Fatal(err)
	}
	ok := vectorCase{expect: "ok", plain: plain(base()), data: okFile}
	one := base()
	one.Wijk, one.Answers = "Zuid", []Answer{{"veilig", "2"}}
	oneFile, err := NewDonation(p, one)
	if err != nil {
		t.Fatal(err)
	}

	stranger, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(okFile)
	flipped[len(flipped)-5] ^= 1
	mac := bytes.Clone(okFile)
	i := bytes.Index(mac, []byte("\n--- ")) + len("\n--- ")
	if i < len("\n--- ") {
		t.Fatal("no header MAC in the donation")
	}
	if mac[i] == 'A' { // the MAC's first six bits change either way
		mac[i] = 'B'
	} else {
		mac[i] = 'A'
	}
	// An age file to us of exactly one byte over the limit.
	overhead := len(vectorSeal(t, nil, org.Card().Recipient()))
	padded := append(bytes.Clone(ok.plain), bytes.Repeat([]byte(" "), MaxDonation+1-overhead-len(ok.plain))...)
	large := vectorSeal(t, padded, org.Card().Recipient())
	if len(large) != MaxDonation+1 {
		t.Fatalf("too-large donation has %d bytes", len(large))
	}

	return map[string]vectorCase{
		"ok":                       ok,
		"ok-one-answer":            {expect: "ok", plain: plain(one), data: oneFile},
		"not-for-us":               broken(CodeNotForUs, vectorSeal(t, ok.plain, stranger.Recipient())),
		"not-age":                  broken(CodeTampered, []byte("Ik doe mee: Binnenstad, schulden ja.\n")),
		"flipped-payload":          broken(CodeTampered, flipped),
		"flipped-header-mac":       broken(CodeTampered, mac),
		"truncated":                broken(CodeTampered, okFile[:len(okFile)-20]),
		"appended":                 broken(CodeTampered, append(bytes.Clone(okFile), 0)),
		"too-large":                broken(CodeTooLarge, large),
		"other-format":             with(CodeBadDonation, func(d *Donation) { d.Format = "kluis-donation/v2" }),
		"not-canonical":            sealed(CodeBadDonation, mustReplace(t, `"format":"kluis-donation/v1"`, `"format": "kluis-donation/v1"`)(plain(base()))),
		"unknown-member":           sealed(CodeBadDonation, mustReplace(t, `"format":"kluis-donation/v1",`, `"format":"kluis-donation/v1","naam":"Jan Jansen",`)(plain(base()))),
		"bad-pseudonym":            with(CodeBadDonation, func(d *Donation) { d.Pseudonym = strings.ToUpper(d.Pseudonym) }),
		"no-answers":               with(CodeBadDonation, func(d *Donation) { d.Answers = []Answer{} }),
		"answers-out-of-order":     with(CodeBadDonation, func(d *Donation) { d.Answers = []Answer{{"veilig", "4"}, {"schulden", "ja"}} }),
		"answered-twice":           with(CodeBadDonation, func(d *Donation) { d.Answers = []Answer{{"schulden", "ja"}, {"schulden", "nee"}} }),
		"other-index":              with(CodeOtherIndex, func(d *Donation) { d.Index = vectorOtherIndex }),
		"other-org":                with(CodeOtherIndex, func(d *Donation) { d.Org = vectorOtherOrg }),
		"other-period":             with(CodeOtherPeriod, func(d *Donation) { d.Period = "2027-Q1" }),
		"unknown-wijk":             with(CodeUnknownWijk, func(d *Donation) { d.Wijk = "Oost" }),
		"wijk-other-case":          with(CodeUnknownWijk, func(d *Donation) { d.Wijk = "binnenstad" }),
		"unknown-question":         with(CodeUnknownQuestion, func(d *Donation) { d.Answers = []Answer{{"inkomen", "ja"}} }),
		"undefined-answer":         with(CodeUndefinedAnswer, func(d *Donation) { d.Answers = []Answer{{"veilig", "6"}} }),
		"answer-of-other-question": with(CodeUndefinedAnswer, func(d *Donation) { d.Answers = []Answer{{"schulden", "4"}} }),
	}
}

// A pseudonymCase is one block of pseudonyms.txt.
type pseudonymCase struct {
	seed, index, period       string
	signature, secret, pseudo string // hex
}

func (c pseudonymCase) text() string {
	return "donor-ed25519-seed: " + c.seed + "\nindex: " + c.index + "\nperiod: " + c.period +
		"\nsignature: " + c.signature + "\nsecret: " + c.secret + "\npseudonym: " + c.pseudo + "\n"
}

// derivePseudonym follows docs/FORMAT.md §10.2 step by step, apart from
// Pseudonym, so that the two are checked against each other.
func derivePseudonym(t *testing.T, seedHex, index, period string) pseudonymCase {
	t.Helper()
	donor := vectorDonor(t, seedHex)
	m := index + "\x00" + period
	sig := ed25519.Sign(donor.priv, []byte("kluis-index-pseudonym/v1\x00"+m))
	secret := sha256.Sum256(sig)
	mac := hmac.New(sha256.New, secret[:])
	mac.Write([]byte("kluis-index-pseudonym/v1\x00" + m))
	return pseudonymCase{seed: seedHex, index: index, period: period, signature: hex.EncodeToString(sig),
		secret: hex.EncodeToString(secret[:]), pseudo: hex.EncodeToString(mac.Sum(nil))}
}

func pseudonymVectors(t *testing.T) []pseudonymCase {
	id := vectorFields().ID
	return []pseudonymCase{
		derivePseudonym(t, vectorDonorSeed, id, "2026-Q4"),
		derivePseudonym(t, vectorDonorSeed, id, "2027-Q1"),
		derivePseudonym(t, vectorDonorSeed, vectorOtherIndex, "2026-Q4"),
		derivePseudonym(t, vectorDonorSeed2, id, "2026-Q4"),
	}
}

// writeVectors writes every vector again (-update), keeping org.key.
func writeVectors(t *testing.T, org *bundle.OrgIdentity) {
	for _, pattern := range []string{"*.index", "*.donation", pseudonymsFile, recordKeysFile, cellKeysFile} {
		old, _ := filepath.Glob(filepath.Join(vectorsDir, pattern))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(vectorsDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	defs := definitionVectors(t, org)
	for name, c := range defs {
		write(name+".index", append([]byte(c.header()+"\n"), c.data...))
	}
	p, err := Parse(defs[strings.TrimSuffix(vectorDefinition, ".index")].data)
	if err != nil {
		t.Fatal(err)
	}
	pd, err := Parse(defs[strings.TrimSuffix(vectorDomainDefinition, ".index")].data)
	if err != nil {
		t.Fatal(err)
	}
	dons := donationVectors(t, org, p)
	for name, c := range domainDonationVectors(t, org, pd) {
		dons[name] = c
	}
	for name, c := range dons {
		if bytes.ContainsAny(c.plain, "\r\n") {
			t.Fatalf("%s: the plaintext does not fit on a header line", name)
		}
		var b bytes.Buffer
		b.WriteString(c.header() + "\n")
		w := armor.NewWriter(&b)
		if _, err := w.Write(c.data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		write(name+".donation", b.Bytes())
	}
	var b strings.Builder
	b.WriteString("# Donor pseudonyms of docs/FORMAT.md §10.2, for test donor keys (Ed25519 seeds,\n# hex): never use them for real.\n")
	for _, c := range pseudonymVectors(t) {
		b.WriteString("\n" + c.text())
	}
	write(pseudonymsFile, []byte(b.String()))
	writeDomainVectors(t)
}

// readVector splits a vector file into its header lines, which must be
// among keys, and what follows the empty line. head is the header as
// written, each line ending in a line break.
func readVector(t *testing.T, path string, keys ...string) (h map[string]string, head string, data []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	top, data, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no empty line after the header", path)
	}
	h = map[string]string{}
	for _, line := range strings.Split(string(top), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || !containsString(keys, k) || h[k] != "" {
			t.Fatalf("%s: header line %q", path, line)
		}
		h[k] = v
	}
	if h["expect"] == "" {
		t.Fatalf("%s: no expect line", path)
	}
	return h, string(top) + "\n", data
}

// vectorFiles returns the names (without ext) of the vectors with ext,
// failing when there are fewer than min or one that the generator makes is
// missing.
func vectorFiles(t *testing.T, ext string, min int, want map[string]vectorCase) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(vectorsDir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < min {
		t.Fatalf("only %d %s vectors in %s", len(paths), ext, vectorsDir)
	}
	var names []string
	have := map[string]bool{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ext)
		names = append(names, name)
		have[name] = true
	}
	for name := range want {
		if !have[name] {
			t.Errorf("vector %s%s is missing", name, ext)
		}
	}
	return names
}

func TestVectors(t *testing.T) {
	org := vectorOrg(t)
	if *update {
		writeVectors(t, org)
	}

	// Definitions.
	defs := definitionVectors(t, org)
	okHead, _, okFile := readVector(t, filepath.Join(vectorsDir, vectorDefinition), "expect", "now")
	okDef, err := Parse(okFile)
	if err != nil || okHead["expect"] != "ok" {
		t.Fatalf("%s does not parse: %v", vectorDefinition, err)
	}
	_, _, domainFile := readVector(t, filepath.Join(vectorsDir, vectorDomainDefinition), "expect", "now")
	domainDef, err := Parse(domainFile)
	if err != nil || !domainDef.Definition.HasDomains() {
		t.Fatalf("%s does not parse, or has no domains: %v", vectorDomainDefinition, err)
	}
	readAs := map[string]*Parsed{vectorDefinition: okDef, vectorDomainDefinition: domainDef}
	for _, name := range vectorFiles(t, ".index", minDefinitionVectors, defs) {
		t.Run(name+".index", func(t *testing.T) {
			h, head, data := readVector(t, filepath.Join(vectorsDir, name+".index"), "expect", "now", "predecessor")
			now, err := time.Parse(time.RFC3339, h["now"])
			if err != nil {
				t.Fatalf("now: %v", err)
			}
			if c, ok := defs[name]; ok && c.header() != head {
				t.Errorf("header differs from what the generator makes:\n%s", c.header())
			}
			got := "ok"
			p, err := Parse(data)
			if err == nil && !p.Definition.Period.Open(now) {
				err = refuse(CodeOutsidePeriod, "period %s is not open at %s", p.Definition.Period.Name, h["now"])
			}
			if pre := h["predecessor"]; err == nil && pre != "" {
				if readAs[pre] == nil {
					t.Fatalf("predecessor %q is not a definition of the vectors", pre)
				}
				// As the organisation's store checks its own definitions.
				err = CheckPredecessor(p.Definition, p.Card.Fingerprint(), readAs[pre])
			}
			if err != nil {
				got = string(CodeOf(err))
				t.Log(err)
			}
			if got != h["expect"] {
				t.Fatalf("got %s (%v), want %s", got, err, h["expect"])
			}
			if err == nil && h["predecessor"] == "" && (!bytes.Equal(p.File, okDef.File) && !bytes.Equal(p.File, domainDef.File) || p.Card.Fingerprint() != org.Card().Fingerprint()) {
				t.Error("an ok vector that is not the definition in ok.index or ok-domains.index")
			}
		})
	}

	// Donations.
	dons := donationVectors(t, org, okDef)
	for name, c := range domainDonationVectors(t, org, domainDef) {
		dons[name] = c
	}
	for _, name := range vectorFiles(t, ".donation", minDonationVectors, dons) {
		t.Run(name+".donation", func(t *testing.T) {
			h, head, armored := readVector(t, filepath.Join(vectorsDir, name+".donation"), "expect", "definition", "plaintext")
			against := readAs[h["definition"]]
			if against == nil {
				t.Fatalf("read against %q; the donations are read against %s or %s", h["definition"], vectorDefinition, vectorDomainDefinition)
			}
			if c, ok := dons[name]; ok && c.header() != head {
				t.Errorf("header differs from what the generator makes:\n%s", c.header())
			}
			file, err := io.ReadAll(armor.NewReader(bytes.NewReader(armored)))
			if err != nil {
				t.Fatalf("armor: %v", err)
			}
			if want := h["plaintext"]; want != "" {
				r, err := age.Decrypt(bytes.NewReader(file), org.AgeIdentity())
				if err != nil {
					t.Fatalf("does not decrypt, but has a plaintext line: %v", err)
				}
				if b, err := io.ReadAll(r); err != nil || string(b) != want {
					t.Fatalf("decrypts to %q (%v), not to its plaintext line", b, err)
				}
			}
			got := "ok"
			d, err := OpenDonation(file, org, against.Definition)
			if err != nil {
				got = string(CodeOf(err))
				t.Log(err)
			}
			if got != h["expect"] {
				t.Fatalf("got %s (%v), want %s", got, err, h["expect"])
			}
			if err == nil {
				ps, rk, _ := DonorKeys(vectorDonor(t, vectorDonorSeed), against.Definition.ID, against.Definition.Period.Name)
				if d.Pseudonym != ps || (against.Definition.HasDomains() && d.RecordKey != rk) {
					t.Error("an ok donation whose pseudonym or record key is not the test donor's")
				}
			}
		})
	}

	// Pseudonyms.
	raw, err := os.ReadFile(filepath.Join(vectorsDir, pseudonymsFile))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, block := range strings.Split(strings.TrimSpace(string(raw)), "\n\n") {
		if strings.HasPrefix(block, "#") {
			continue
		}
		v := map[string]string{}
		for _, line := range strings.Split(block, "\n") {
			k, val, ok := strings.Cut(line, ": ")
			if !ok {
				t.Fatalf("%s: line %q", pseudonymsFile, line)
			}
			v[k] = val
		}
		want := derivePseudonym(t, v["donor-ed25519-seed"], v["index"], v["period"])
		if got := want.text(); got != block+"\n" {
			t.Errorf("%s: block\n%s\nwhere §10.2 derives\n%s", pseudonymsFile, block, got)
		}
		got, err := Pseudonym(vectorDonor(t, want.seed), want.index, want.period)
		if err != nil || got != want.pseudo {
			t.Errorf("%s: Pseudonym gives %s (%v), §10.2 %s", pseudonymsFile, got, err, want.pseudo)
		}
		if seen[want.pseudo] {
			t.Errorf("%s: pseudonym %s twice", pseudonymsFile, want.pseudo)
		}
		seen[want.pseudo] = true
	}
	if len(seen) < minPseudonymVectors {
		t.Errorf("only %d pseudonyms in %s", len(seen), pseudonymsFile)
	}
	for _, c := range pseudonymVectors(t) {
		if !seen[c.pseudo] {
			t.Errorf("%s: the pseudonym of %s, %s is missing", pseudonymsFile, c.index, c.period)
		}
	}
}
