// Package indextest makes the neighbourhood index's test material for the
// tests of the packages that use sync/index: an organisation, a signed
// definition with every kind of question, donors and their donations. It
// is for tests only and must never be imported by a program.
package indextest

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/index"
)

// Now is the clock of the test definitions: inside their period.
var Now = time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)

// NewOrg makes an organisation that runs a Jongerenindex.
func NewOrg(t testing.TB, name string) *bundle.OrgIdentity {
	t.Helper()
	id, err := bundle.GenerateOrgIdentity(name, "", []string{"Jongerenindex"}, Now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Fields is a definition for 2026-Q4 with three wijken and a question of
// each kind (two with a prefill hint).
func Fields() index.Fields {
	p, _ := index.ParsePeriod("2026-Q4")
	return index.Fields{
		ID:      "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
		Title:   "Jongerenindex Zwolle",
		Purpose: "Zien wat jongeren in de wijk helpt of zorgen geeft, zonder gegevens van personen.",
		Period:  p,
		Wijken: []index.Wijk{
			{Name: "Assendorp", Postcodes: []index.Range{{From: 8011, To: 8012}}},
			{Name: "Holtenbroek", Postcodes: []index.Range{{From: 8031, To: 8031}, {From: 8033, To: 8034}}},
			{Name: "Stadshagen", Postcodes: []index.Range{{From: 8041, To: 8046}}},
		},
		Questions: []index.Question{
			{ID: "leeftijd", Text: "Hoe oud bent u?", Kind: index.KindAgeBand, Answers: []string{"12-15", "16-17", "18+"}, Prefill: index.PrefillAgeBand},
			{ID: "schulden", Text: "Heeft u schulden die nog open staan?", Kind: index.KindYesNo, Answers: []string{"ja", "nee"}, Prefill: index.PrefillOpenDebt},
			{ID: "veilig", Text: "Hoe veilig voelt u zich in uw wijk? 1 is heel onveilig, 5 is heel veilig.", Kind: index.KindScale, Answers: index.AnswersOf(index.KindScale)},
		},
	}
}

// DomainFields is a youth index for period (such as "2026-Q4") with the
// three wijken of Fields, an age band question and seven questions in five
// domains, each answer protective or risk.
func DomainFields(period string) index.Fields {
	p, err := index.ParsePeriod(period)
	if err != nil {
		panic(err)
	}
	yesNo, scale := index.AnswersOf(index.KindYesNo), index.AnswersOf(index.KindScale)
	prot, risk := index.DirProtective, index.DirRisk
	f := Fields()
	f.ID, f.Period, f.Title = "", p, "Jongerenindex Zwolle"
	f.Questions = []index.Question{
		{ID: "leeftijd", Text: "Hoe oud ben je?", Kind: index.KindAgeBand, Answers: []string{"12-15", "16-17", "18-23"}, Prefill: index.PrefillAgeBand},
		{ID: "spijbelen", Text: "Ben je de afgelopen maand weleens niet naar school of werk gegaan zonder goede reden?", Kind: index.KindYesNo, Answers: yesNo, Directions: []string{risk, prot}},
		{ID: "toekomst", Text: "Weet je wat je na je opleiding wilt gaan doen?", Kind: index.KindYesNo, Answers: yesNo, Directions: []string{prot, risk}},
		{ID: "slapen", Text: "Slaap je meestal genoeg?", Kind: index.KindYesNo, Answers: yesNo, Directions: []string{prot, risk}},
		{ID: "gezond", Text: "Hoe gezond voel je je? 1 is heel slecht, 5 is heel goed.", Kind: index.KindScale, Answers: scale, Directions: []string{risk, risk, risk, prot, prot}},
		{ID: "schulden", Text: "Zijn er thuis schulden die nog open staan?", Kind: index.KindYesNo, Answers: yesNo, Directions: []string{risk, prot}, Prefill: index.PrefillOpenDebt},
		{ID: "veilig", Text: "Hoe veilig voel je je in je wijk? 1 is heel onveilig, 5 is heel veilig.", Kind: index.KindScale, Answers: scale, Directions: []string{risk, risk, risk, prot, prot}},
		{ID: "vriend", Text: "Heb je iemand met wie je over je zorgen kunt praten?", Kind: index.KindYesNo, Answers: yesNo, Directions: []string{prot, risk}},
	}
	f.Domains = []index.Theme{
		{ID: "school", Name: "School en werk", Questions: []string{"spijbelen", "toekomst"}},
		{ID: "gezondheid", Name: "Gezondheid en welzijn", Questions: []string{"slapen", "gezond"}},
		{ID: "geld", Name: "Geld thuis", Questions: []string{"schulden"}},
		{ID: "veiligheid", Name: "Veiligheid", Questions: []string{"veilig"}},
		{ID: "vrije_tijd", Name: "Vrije tijd en vrienden", Questions: []string{"vriend"}},
	}
	return f
}

// NewDefinition signs f as org and parses it back.
func NewDefinition(t testing.TB, org *bundle.OrgIdentity, f index.Fields) *index.Parsed {
	t.Helper()
	file, err := index.New(org, f, Now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p, err := index.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A KeySigner signs with a bare Ed25519 key: a donor's vault, or someone
// who is not the organisation.
type KeySigner struct{ Key ed25519.PrivateKey }

// Sign signs under Kluis's scheme.
func (k KeySigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(k.Key, domain, msg), nil
}

// NewKeySigner makes a signer with a fresh key.
func NewKeySigner(t testing.TB) KeySigner {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return KeySigner{priv}
}

// Donate makes donor's donation to p from wijk with answers.
func Donate(t testing.TB, p *index.Parsed, donor bundle.Signer, wijk string, answers ...index.Answer) []byte {
	t.Helper()
	ps, rk, err := index.DonorKeys(donor, p.Definition.ID, p.Definition.Period.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Definition.HasDomains() {
		rk = "" // as a donor's app leaves it out
	}
	file, err := index.NewDonation(p, &index.Donation{Pseudonym: ps, RecordKey: rk, Wijk: wijk, Answers: answers})
	if err != nil {
		t.Fatal(err)
	}
	return file
}
