package index

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
)

// The vectors of an index with domains (docs/FORMAT.md §10.5 and §10.6):
//
//   - ok-domains.index: the definition of vectorFields with its two
//     scored questions in two domains; the donations *.donation whose
//     definition line names it are read against it;
//   - next-period*.index: definitions of 2027-Q1 that name ok-domains.index
//     as their predecessor (header "predecessor: ok-domains.index"); a
//     reader parses them and then checks the predecessor (§10.1), as the
//     organisation's own store does: expect ok or bad_predecessor;
//   - recordkeys.txt: the record key of §10.2, step by step, for the test
//     donor keys;
//   - cellkeys.txt: cell keys from record keys and the perturbation table's
//     lookup (§10.6).
const (
	vectorDomainDefinition = "ok-domains.index"
	recordKeysFile         = "recordkeys.txt"
	cellKeysFile           = "cellkeys.txt"
	minCellKeyVectors      = 20
)

// vectorNextNow is inside 2027-Q1, the period after the vectors' own.
var vectorNextNow = time.Date(2027, 1, 14, 9, 30, 0, 0, time.UTC)

func vectorDomainFields() Fields {
	f := vectorFields()
	f.ID = "7a2d3c4b-5e6f-4a70-9b8c-0d1e2f3a4b5c"
	f.Questions[1].Directions = []string{DirRisk, DirProtective}
	f.Questions[2].Directions = []string{DirRisk, DirRisk, DirRisk, DirProtective, DirProtective}
	f.Domains = []Theme{
		{ID: "geld", Name: "Geld thuis", Questions: []string{"schulden"}},
		{ID: "veiligheid", Name: "Veiligheid", Questions: []string{"veilig"}},
	}
	return f
}

// domainDefinitionVectors makes the definition vectors of an index with
// domains and of the period after it.
func domainDefinitionVectors(t *testing.T, org *bundle.OrgIdentity) map[string]vectorCase {
	ok, err := New(org, vectorDomainFields(), vectorNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	prev, err := Parse(ok)
	if err != nil {
		t.Fatal(err)
	}
	next := vectorDomainFields()
	next.ID = "8b3e4d5c-6f70-4b81-8c9d-1e2f3a4b5c6d"
	if next.Period, err = ParsePeriod("2027-Q1"); err != nil {
		t.Fatal(err)
	}
	next.Previous = prev
	nextFile, err := New(org, next, vectorNextNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(file []byte, old, new string) []byte { return resign(t, file, org, mustReplace(t, old, new)) }
	// Another organisation's definition naming ok-domains.index.
	other, err := bundle.GenerateOrgIdentity("Gemeente Elders", "", []string{"Jongerenindex"}, vectorNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	alone := next
	alone.Previous = nil
	otherFile, err := New(other, alone, vectorNextNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pre := PredecessorOf(prev)
	named := fmt.Sprintf(`"predecessor":{"id":%q,"period":%q,"sha256":%q},"card":`, pre.ID, pre.Period, pre.SHA256)
	otherFile = resign(t, otherFile, other, mustReplace(t, `"card":`, named))

	at := func(expect string, data []byte) vectorCase {
		return vectorCase{expect: expect, now: vectorNow, data: data}
	}
	next1 := func(expect Code, data []byte) vectorCase {
		return vectorCase{expect: string(expect), now: vectorNextNow, data: data, predecessor: vectorDomainDefinition}
	}
	bad := string(CodeBadDefinition)
	return map[string]vectorCase{
		"ok-domains":                  at("ok", ok),
		"domain-without-question":     at(bad, edit(ok, `"questions":["schulden"]`, `"questions":[]`)),
		"domain-unknown-question":     at(bad, edit(ok, `"questions":["schulden"]`, `"questions":["inkomen"]`)),
		"question-in-two-domains":     at(bad, edit(ok, `"questions":["veilig"]`, `"questions":["veilig","schulden"]`)),
		"answer-without-direction":    at(bad, edit(ok, `"directions":["risk","protective"]`, `"directions":["risk"]`)),
		"direction-unknown":           at(bad, edit(ok, `"directions":["risk","protective"]`, `"directions":["risk","good"]`)),
		"direction-outside-domain":    at(bad, edit(ok, `"answers":["12-15","16-17","18+"]`, `"answers":["12-15","16-17","18+"],"directions":["risk","protective","risk"]`)),
		"age-band-in-domain":          at(bad, edit(ok, `"questions":["veilig"]`, `"questions":["veilig","leeftijd"]`)),
		"predecessor-without-hash":    at(bad, edit(nextFile, `"sha256":"`+pre.SHA256+`"`, `"sha256":""`)),
		"next-period":                 next1("ok", nextFile),
		"next-period-other-org":       next1(CodeBadPredecessor, otherFile),
		"next-period-not-consecutive": next1(CodeBadPredecessor, edit(nextFile, `"name":"2027-Q1","start":"2027-01-01"`, `"name":"2027-Q1","start":"2027-01-02"`)),
		"next-period-other-question":  next1(CodeBadPredecessor, edit(nextFile, `Heeft u schulden die nog open staan?`, `Heeft u schulden?`)),
		"next-period-other-file":      next1(CodeBadPredecessor, edit(nextFile, `"sha256":"`+pre.SHA256[:4], `"sha256":"0000`)),
	}
}

// domainDonationVectors are the donations read against ok-domains.index.
func domainDonationVectors(t *testing.T, org *bundle.OrgIdentity, p *Parsed) map[string]vectorCase {
	def := p.Definition
	ps, rk, err := DonorKeys(vectorDonor(t, vectorDonorSeed), def.ID, def.Period.Name)
	if err != nil {
		t.Fatal(err)
	}
	base := func() *Donation {
		return &Donation{Format: DonationFormat, Index: def.ID, Period: def.Period.Name, Org: org.Card().Fingerprint(),
			Pseudonym: ps, RecordKey: rk, Wijk: "Noord", Answers: []Answer{{"leeftijd", "12-15"}, {"schulden", "nee"}, {"veilig", "5"}}}
	}
	sealed := func(expect Code, d *Donation) vectorCase {
		b, err := marshalCompact(d)
		if err != nil {
			t.Fatal(err)
		}
		return vectorCase{expect: string(expect), plain: b, data: vectorSeal(t, b, org.Card().Recipient()), definition: vectorDomainDefinition}
	}
	ok := base()
	okFile, err := NewDonation(p, ok)
	if err != nil {
		t.Fatal(err)
	}
	okCase := sealed("ok", base())
	okCase.data = okFile
	noKey, upper, short := base(), base(), base()
	noKey.RecordKey = ""
	upper.RecordKey = strings.ToUpper(rk)
	short.RecordKey = rk[:15]
	return map[string]vectorCase{
		"ok-domains":           okCase,
		"no-record-key":        sealed(CodeBadDonation, noKey),
		"record-key-upper":     sealed(CodeBadDonation, upper),
		"record-key-too-short": sealed(CodeBadDonation, short),
	}
}

// A recordKeyCase is one block of recordkeys.txt.
type recordKeyCase struct {
	seed, index, period    string
	signature, secret, key string // hex
}

func (c recordKeyCase) text() string {
	return "donor-ed25519-seed: " + c.seed + "\nindex: " + c.index + "\nperiod: " + c.period +
		"\nsignature: " + c.signature + "\nsecret: " + c.secret + "\nrecord-key: " + c.key + "\n"
}

// deriveRecordKey follows §10.2 step by step, apart from RecordKey.
func deriveRecordKey(t *testing.T, seedHex, index, period string) recordKeyCase {
	t.Helper()
	donor := vectorDonor(t, seedHex)
	m := index + "\x00" + period
	sig := ed25519.Sign(donor.priv, []byte("kluis-index-pseudonym/v1\x00"+m))
	secret := sha256.Sum256(sig)
	mac := hmac.New(sha256.New, secret[:])
	mac.Write([]byte("kluis-index-record-key/v1\x00" + m))
	return recordKeyCase{seed: seedHex, index: index, period: period, signature: hex.EncodeToString(sig),
		secret: hex.EncodeToString(secret[:]), key: hex.EncodeToString(mac.Sum(nil)[:8])}
}

func recordKeyVectors(t *testing.T) []recordKeyCase {
	id := vectorDomainFields().ID
	return []recordKeyCase{
		deriveRecordKey(t, vectorDonorSeed, id, "2026-Q4"),
		deriveRecordKey(t, vectorDonorSeed, id, "2027-Q1"),
		deriveRecordKey(t, vectorDonorSeed, vectorOtherIndex, "2026-Q4"),
		deriveRecordKey(t, vectorDonorSeed2, id, "2026-Q4"),
	}
}

// A cellKeyCase is one block of cellkeys.txt: the record keys of the
// donations a count counts (their number is the count), the cell key,
// its bucket, the deviation and the published value.
type cellKeyCase struct {
	keys []uint64
}

func (c cellKeyCase) text() string {
	var ks []string
	for _, k := range c.keys {
		ks = append(ks, fmt.Sprintf("%016x", k))
	}
	list := strings.Join(ks, " ")
	if list == "" {
		list = "-"
	}
	ck := CellKey(c.keys...)
	n := len(c.keys)
	return fmt.Sprintf("record-keys: %s\ncount: %d\ncell-key: %016x\nbucket: %d\ndeviation: %d\npublished: %d\n",
		list, n, ck, Bucket(ck), Deviation(n, ck), Perturb(n, ck))
}

// cellKeyVectors cover each row of the table, every bucket of the row for
// 3 or more, the edges of the buckets, and a sum that wraps around 2⁶⁴.
func cellKeyVectors() []cellKeyCase {
	const edge = uint64(1<<64-1)/Buckets + 1 // the first key of bucket 1 is ⌈2⁶⁴/20⌉
	var out []cellKeyCase
	out = append(out, cellKeyCase{}, cellKeyCase{keys: []uint64{0xfedcba9876543210}})
	for _, b := range []uint64{0, 4, 5, 14, 15, 19} {
		out = append(out, cellKeyCase{keys: []uint64{b * edge, 0}})
	}
	out = append(out, cellKeyCase{keys: []uint64{edge - 1, 0}})
	for b := uint64(0); b < Buckets; b++ {
		out = append(out, cellKeyCase{keys: []uint64{b*edge + 12345, 0, 0}})
	}
	out = append(out,
		cellKeyCase{keys: []uint64{0xffffffffffffffff, 0x0000000000000002, 0x8000000000000000}},
		cellKeyCase{keys: []uint64{0x9e3779b97f4a7c15, 0xf39cc0605cedc834, 0x1082276bf3a27251, 0xf86c6a11d0c18e95, 0x2545f4914f6cdd1d}},
	)
	return out
}

// readBlocks returns the blocks of a vectors text file, each a map of its
// lines, after the # comment lines.
func readBlocks(t *testing.T, name string) []map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, block := range strings.Split(strings.TrimSpace(string(raw)), "\n\n") {
		if strings.HasPrefix(block, "#") {
			continue
		}
		v := map[string]string{"": block + "\n"}
		for _, line := range strings.Split(block, "\n") {
			k, val, ok := strings.Cut(line, ": ")
			if !ok {
				t.Fatalf("%s: line %q", name, line)
			}
			v[k] = val
		}
		out = append(out, v)
	}
	return out
}

// writeDomainVectors writes recordkeys.txt and cellkeys.txt (-update).
func writeDomainVectors(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Record keys of docs/FORMAT.md §10.2, for test donor keys (Ed25519 seeds,\n# hex): never use them for real.\n")
	for _, c := range recordKeyVectors(t) {
		b.WriteString("\n" + c.text())
	}
	if err := os.WriteFile(filepath.Join(vectorsDir, recordKeysFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	b.WriteString("# Cell keys and the perturbation table of docs/FORMAT.md §10.6: per block the\n# record keys (hex, big-endian; - for none) of the donations a count counts,\n# the count, the cell key (their sum modulo 2^64), its bucket\n# (floor(cell key * 20 / 2^64)), the table's deviation and the published value.\n")
	for _, c := range cellKeyVectors() {
		b.WriteString("\n" + c.text())
	}
	if err := os.WriteFile(filepath.Join(vectorsDir, cellKeysFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDomainVectors checks recordkeys.txt step by step and with RecordKey,
// and cellkeys.txt by its own arithmetic (below) and with CellKey,
// Bucket, Deviation and Perturb.
func TestDomainVectors(t *testing.T) {
	if *update {
		writeDomainVectors(t)
	}
	blocks := readBlocks(t, recordKeysFile)
	seen := map[string]bool{}
	for _, v := range blocks {
		want := deriveRecordKey(t, v["donor-ed25519-seed"], v["index"], v["period"])
		if got := want.text(); got != v[""] {
			t.Errorf("%s: block\n%s\nwhere §10.2 derives\n%s", recordKeysFile, v[""], got)
		}
		got, err := RecordKey(vectorDonor(t, want.seed), want.index, want.period)
		if err != nil || got != want.key {
			t.Errorf("%s: RecordKey gives %s (%v), §10.2 %s", recordKeysFile, got, err, want.key)
		}
		seen[want.key] = true
	}
	if len(seen) < 4 {
		t.Errorf("only %d record keys in %s", len(seen), recordKeysFile)
	}
	// The table of §10.6, written out again for this check.
	table := func(count, bucket int) int {
		switch {
		case count <= 1:
			return 0
		case count == 2 && bucket < 5:
			return -1
		case count == 2 && bucket < 15:
			return 0
		case count == 2:
			return 1
		}
		switch {
		case bucket < 2:
			return -2
		case bucket < 6:
			return -1
		case bucket < 14:
			return 0
		case bucket < 18:
			return 1
		}
		return 2
	}
	cells := readBlocks(t, cellKeysFile)
	if len(cells) < minCellKeyVectors {
		t.Fatalf("only %d blocks in %s", len(cells), cellKeysFile)
	}
	buckets := map[int]bool{}
	for _, v := range cells {
		var keys []uint64
		if v["record-keys"] != "-" {
			for _, h := range strings.Fields(v["record-keys"]) {
				k, err := ParseRecordKey(h)
				if err != nil {
					t.Fatalf("%s: %v", cellKeysFile, err)
				}
				keys = append(keys, k)
			}
		}
		var sum uint64
		for _, k := range keys {
			sum += k
		}
		hi, _ := mulHi(sum, 20)
		count := len(keys)
		want := fmt.Sprintf("record-keys: %s\ncount: %d\ncell-key: %016x\nbucket: %d\ndeviation: %d\npublished: %d\n",
			v["record-keys"], count, sum, hi, table(count, int(hi)), count+table(count, int(hi)))
		if want != v[""] {
			t.Errorf("%s: block\n%s\nwhere §10.6 gives\n%s", cellKeysFile, v[""], want)
		}
		if got := (cellKeyCase{keys: keys}).text(); got != v[""] {
			t.Errorf("%s: the code gives\n%s", cellKeysFile, got)
		}
		if count >= 3 {
			buckets[int(hi)] = true
		}
	}
	if len(buckets) != Buckets {
		t.Errorf("%s covers %d of the %d buckets for counts of 3 or more", cellKeysFile, len(buckets), Buckets)
	}
}

// mulHi is the high word of a × b, by long multiplication in 32-bit
// halves (apart from math/bits, which Bucket uses).
func mulHi(a, b uint64) (uint64, uint64) {
	a1, a0 := a>>32, a&0xffffffff
	b1, b0 := b>>32, b&0xffffffff
	p00, p01, p10, p11 := a0*b0, a0*b1, a1*b0, a1*b1
	mid := p00>>32 + p01&0xffffffff + p10&0xffffffff
	return p11 + p01>>32 + p10>>32 + mid>>32, a * b
}
