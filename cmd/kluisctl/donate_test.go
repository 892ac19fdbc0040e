package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDonateScenario: the municipality defines a wijkonderzoek; a citizen
// donates with kluisctl, answers prefilled from the vault (an open debt,
// the wijk from the postcode) plus one given by hand; the municipality
// counts it; a second donation in the period replaces the first; the
// donor's log says a donation was made and nothing more; and a 14-year-old
// without a parent helping is refused with the rule explained.
func TestDonateScenario(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.lang = "nl_NL.UTF-8"
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "-o", filepath.Join(e.dir, "org"))
	period := time.Now().UTC().Format("2006")
	e.intakeOK("index", "define", "--title", "Jongerenindex", "--period", period,
		"--wijk", "Assendorp=8011-8012", "--wijk", "Holtenbroek=8031,8033-8034", "--wijk", "Stadshagen=8041-8046",
		"--question", "schulden:Heeft u schulden die nog open staan?:ja/nee", "--prefill", "schulden=debts.open",
		"--question", "veilig:Hoe veilig voelt u zich in uw wijk?:1/2/3/4/5",
		"-o", "index.kluis-index")

	e.init()
	e.add("personal", "surname=Jansen", "birth_date=1990-04-01")
	e.add("housing", "kind=rent_social", "postcode=8011 AB")
	e.add("debts", "creditor=CJIB", "amount=120", "status=open")
	out := e.ok("donate", "index.kluis-index", "--answer", "veilig=4", "-o", "bijdrage.kluis-donation")
	for _, want := range []string{"Wijk: Assendorp", "Heeft u schulden die nog open staan? → ja (uit uw kluis)", "→ 4", "Er staat geen naam of adres in"} {
		if !strings.Contains(out, want) {
			t.Fatalf("donate output lacks %q:\n%s", want, out)
		}
	}
	b, _ := os.ReadFile(filepath.Join(e.dir, "bijdrage.kluis-donation"))
	for _, secret := range []string{"Jansen", "8011", "CJIB"} {
		if strings.Contains(string(b), secret) {
			t.Fatalf("the donation file holds %q", secret)
		}
	}
	if r := e.intakeOK("index", "import", "bijdrage.kluis-donation"); r == "" {
		t.Fatal("import said nothing")
	}
	// Again in the same period, skipping a question: it replaces the first.
	e.ok("donate", "index.kluis-index", "--skip", "veilig", "-o", "tweede.kluis-donation")
	if out := e.intakeOK("index", "import", "tweede.kluis-donation"); !strings.Contains(out, "vervangt") && !strings.Contains(out, "replaces") {
		t.Fatalf("a second donation did not replace the first: %s", out)
	}
	log := e.ok("log", "--json")
	if !strings.Contains(log, `"index.donated"`) || strings.Contains(log, "Assendorp") {
		t.Fatalf("log: the donation must be noted without its wijk or answers:\n%s", log)
	}
	// Bad input: an answer the question does not offer, a question it does not ask.
	e.fails(1, []string{"kluisctl: "}, "donate", "index.kluis-index", "--answer", "veilig=9", "-o", "x")
	e.fails(1, []string{"kluisctl: "}, "donate", "index.kluis-index", "--answer", "schoenmaat=44", "-o", "x")
	if _, err := os.Stat(filepath.Join(e.dir, "x")); err == nil {
		t.Fatal("a refused donation left a file")
	}

	// A postcode outside every wijk: kluisctl asks for --wijk and names
	// the wijken, rather than calling a wijk nobody chose unknown.
	n := newEnv(t)
	n.lang = "nl_NL.UTF-8"
	n.init()
	n.add("housing", "postcode=9999 ZZ")
	idx, _ := os.ReadFile(filepath.Join(e.dir, "index.kluis-index"))
	n.write("index.kluis-index", string(idx))
	n.fails(1, []string{"Kluis kan uw wijk niet uit de postcode van uw woning halen. Kies de wijk waar u woont met --wijk NAAM. De wijken: Assendorp, Holtenbroek, Stadshagen."},
		"donate", "index.kluis-index", "--answer", "veilig=3", "-o", "b")
	n.fails(1, []string{`De wijk "Nergens" hoort niet bij dit onderzoek.`}, "donate", "index.kluis-index", "--wijk", "Nergens", "--answer", "veilig=3", "-o", "b")
	n.ok("donate", "index.kluis-index", "--wijk", "Stadshagen", "--answer", "veilig=3", "-o", "b")

	// The youth rule.
	y := newEnv(t)
	y.lang = "nl_NL.UTF-8"
	y.init()
	y.add("personal", "surname=de Boer", "birth_date="+time.Now().AddDate(-14, 0, 0).Format("2006-01-02"))
	y.add("housing", "postcode=8041 CD")
	y.write("index.kluis-index", string(idx))
	y.fails(1, []string{"Tussen 12 en 15 jaar kan het alleen als een ouder u helpt"}, "donate", "index.kluis-index", "--answer", "veilig=3", "-o", "b")
}

// TestDonateToIndexWithDomains: kluisctl donates to a youth index with
// domains, as kluis-intake defines it; the donation carries the vault's
// record key (the import refuses a donation to such an index without
// one), a second donation of the same vault replaces the first rather than
// being refused as a copied record key, and another vault's donation is
// counted beside it.
func TestDonateToIndexWithDomains(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.lang = "nl_NL.UTF-8"
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "-o", filepath.Join(e.dir, "org"))
	period := time.Now().UTC().Format("2006")
	e.intakeOK("index", "define", "--title", "Jongerenindex", "--period", period,
		"--wijk", "Assendorp=8011-8012", "--wijk", "Stadshagen=8041-8046",
		"--question", "leeftijd:Hoe oud ben je?:12-15/16-17/18-23",
		"--question", "spijbelen:Ben je de afgelopen maand weleens niet naar school gegaan zonder goede reden?:ja/nee",
		"--question", "veilig:Hoe veilig voel je je in je wijk?:1/2/3/4/5",
		"--domain", "school:School en werk:spijbelen", "--domain", "veiligheid:Veiligheid:veilig",
		"--protective", "spijbelen=nee", "--protective", "veilig=4,5",
		"-o", "index.kluis-index")
	e.init()
	e.add("personal", "surname=Jansen", "birth_date="+time.Now().AddDate(-17, 0, 0).Format("2006-01-02"))
	e.add("housing", "postcode=8011 AB")
	e.ok("donate", "index.kluis-index", "--answer", "spijbelen=nee", "--answer", "veilig=4", "-o", "een.kluis-donation")
	if out := e.intakeOK("index", "import", "een.kluis-donation"); !strings.Contains(out, "geteld") {
		t.Fatalf("import: %s", out)
	}
	e.ok("donate", "index.kluis-index", "--answer", "spijbelen=ja", "--answer", "veilig=2", "-o", "twee.kluis-donation")
	if out := e.intakeOK("index", "import", "twee.kluis-donation"); !strings.Contains(out, "vervangt") {
		t.Fatalf("a second donation of the same vault: %s", out)
	}
	o := newEnv(t)
	o.lang = "nl_NL.UTF-8"
	o.init()
	o.add("housing", "postcode=8041 CD")
	idx, _ := os.ReadFile(filepath.Join(e.dir, "index.kluis-index"))
	o.write("index.kluis-index", string(idx))
	o.ok("donate", "index.kluis-index", "--answer", "veilig=5", "-o", "ander.kluis-donation")
	b, _ := os.ReadFile(filepath.Join(o.dir, "ander.kluis-donation"))
	e.write("ander.kluis-donation", string(b))
	if out := e.intakeOK("index", "import", "ander.kluis-donation"); !strings.Contains(out, "geteld") {
		t.Fatalf("another vault's donation: %s", out)
	}
}
