package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/intake/tally"
	"kluis/sync/index"
)

// youthIndexFlags define the youth index of the README: three wijken, an
// age question and seven questions in five domains.
var youthIndexFlags = []string{
	"--wijk", "Assendorp=8011-8012", "--wijk", "Holtenbroek=8031,8033-8034", "--wijk", "Stadshagen=8041-8046",
	"--question", "leeftijd:Hoe oud ben je?:12-15/16-17/18-23",
	"--question", "spijbelen:Ben je de afgelopen maand weleens niet naar school of werk gegaan zonder goede reden?:ja/nee",
	"--question", "toekomst:Weet je wat je na je opleiding wilt gaan doen?:ja/nee",
	"--question", "slapen:Slaap je meestal genoeg?:ja/nee",
	"--question", "gezond:Hoe gezond voel je je? 1 is heel slecht, 5 is heel goed.:1/2/3/4/5",
	"--question", "schulden:Zijn er thuis schulden die nog open staan?:ja/nee", "--prefill", "schulden=debts.open",
	"--question", "veilig:Hoe veilig voel je je in je wijk? 1 is heel onveilig, 5 is heel veilig.:1/2/3/4/5",
	"--question", "vriend:Heb je iemand met wie je over je zorgen kunt praten?:ja/nee",
	"--domain", "school:School en werk:spijbelen,toekomst",
	"--domain", "gezondheid:Gezondheid en welzijn:slapen,gezond",
	"--domain", "geld:Geld thuis:schulden",
	"--domain", "veiligheid:Veiligheid:veilig",
	"--domain", "vrije_tijd:Vrije tijd en vrienden:vriend",
	"--protective", "spijbelen=nee", "--protective", "toekomst=ja", "--protective", "slapen=ja", "--protective", "gezond=4,5",
	"--protective", "schulden=nee", "--protective", "veilig=4,5", "--protective", "vriend=ja",
}

// TestIndexTwoPeriods: a municipality defines a youth index with domains
// for this month and, naming it as predecessor, for the next; 40 scripted
// donors (each its own key, donating as a donor's Kluis does: pseudonym
// and record key derived from that key, the donation encrypted to the
// card) in three wijken donate to both; a report before the index closes
// is refused; once closed (purge --at) both periods' reports are written
// as HTML, CSV and PNG with scores, margins and, for the second, the change
// since the first; and a late donation, a copied record key, and the
// definition mistakes of issue 16 are refused in words.
func TestIndexTwoPeriods(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	for _, org := range []string{"k", "other"} {
		if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente Zwolle", "-o", org, "--new-passphrase-file", "pass"); code != 0 {
			t.Fatalf("keygen: %s", stderr)
		}
	}
	env := []string{"KLUIS_INTAKE_KEY=k/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"}
	nl := append(slices.Clone(env), "LANG=nl_NL.UTF-8")
	now := time.Now().UTC()
	first := now.Format("2006-01")
	second := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	define := func(env []string, period, out string, extra ...string) *index.Parsed {
		t.Helper()
		args := append([]string{"--store", "s", "index", "define", "--title", "Jongerenindex Zwolle", "--period", period}, youthIndexFlags...)
		if o, stderr, code := runIntake(t, dir, env, append(append(args, extra...), "-o", out)...); code != 0 {
			t.Fatalf("index define %s: exit %d\n%s%s", period, code, o, stderr)
		}
		b, _ := os.ReadFile(filepath.Join(dir, out))
		p, err := index.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1 := define(env, first, "q1.kluis-index")
	p2 := define(env, second, "q2.kluis-index", "--predecessor", "q1.kluis-index")
	if p2.Definition.Predecessor == nil || p2.Definition.Predecessor.ID != p1.Definition.ID {
		t.Fatal("the second period does not name the first")
	}

	// 40 donors: 14 in Assendorp, 13 in Holtenbroek and Stadshagen. In
	// Stadshagen most answers are good signs, in Holtenbroek fewer; in
	// the second period Holtenbroek does better on safety.
	rng := rand.New(rand.NewPCG(40, 16))
	wijken := []string{"Assendorp", "Holtenbroek", "Stadshagen"}
	good := map[string]float64{"Assendorp": 0.65, "Holtenbroek": 0.4, "Stadshagen": 0.9}
	donors := make([]testDonor, 40)
	for i := range donors {
		_, priv, _ := ed25519.GenerateKey(nil)
		donors[i] = testDonor{priv}
	}
	answer := func(p *index.Parsed, i int) (string, []index.Answer) {
		w := wijken[min(i/14, 2)]
		chance := good[w]
		var out []index.Answer
		for _, q := range p.Definition.Questions {
			c := chance
			if q.ID == "veilig" && w == "Holtenbroek" && p == p2 {
				c = 0.95
			}
			var a string
			switch {
			case q.ID == "leeftijd":
				a = q.Answers[rng.IntN(3)]
			case rng.Float64() < 0.05:
				continue // skipped
			default:
				var prot, risk []string
				for j, x := range q.Answers {
					if q.Directions[j] == index.DirProtective {
						prot = append(prot, x)
					} else {
						risk = append(risk, x)
					}
				}
				if rng.Float64() < c {
					a = prot[rng.IntN(len(prot))]
				} else {
					a = risk[rng.IntN(len(risk))]
				}
			}
			out = append(out, index.Answer{Question: q.ID, Answer: a})
		}
		return w, out
	}
	var files []string
	var keys1 []string
	for _, p := range []*index.Parsed{p1, p2} {
		for i, donor := range donors {
			ps, rk, err := index.DonorKeys(donor, p.Definition.ID, p.Definition.Period.Name)
			if err != nil {
				t.Fatal(err)
			}
			if p == p1 {
				keys1 = append(keys1, rk)
			}
			w, answers := answer(p, i)
			file, err := index.NewDonation(p, &index.Donation{Pseudonym: ps, RecordKey: rk, Wijk: w, Answers: answers})
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("%s-%02d.kluis-donation", p.Definition.Period.Name, i)
			os.WriteFile(filepath.Join(dir, name), file, 0o600)
			files = append(files, name)
		}
	}
	if out, stderr, code := runIntake(t, dir, env, append([]string{"--store", "s", "index", "import"}, files...)...); code != 0 || strings.Count(out, "counted") != 80 {
		t.Fatalf("index import: exit %d\n%s%s", code, out, stderr)
	}

	// A copy of a donor's record key under another pseudonym is refused.
	copied, _ := index.NewDonation(p1, &index.Donation{Pseudonym: strings.Repeat("ab", 32), RecordKey: keys1[3], Wijk: "Assendorp",
		Answers: []index.Answer{{Question: "vriend", Answer: "ja"}}})
	os.WriteFile(filepath.Join(dir, "copy.kluis-donation"), copied, 0o600)
	if _, stderr, code := runIntake(t, dir, nl, "--store", "s", "index", "import", "copy.kluis-donation"); code != 1 || !strings.Contains(stderr, "hetzelfde geheime getal") {
		t.Errorf("a copied record key: exit %d %q", code, stderr)
	}

	// Before the index closes there is no report.
	if _, stderr, code := runIntake(t, dir, nl, "--store", "s", "index", "report", "--index", p1.Definition.ID, "--html", "early.html"); code != 1 ||
		!strings.Contains(stderr, "kan pas als het onderzoek gesloten is") {
		t.Fatalf("a report of an open index: exit %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "early.html")); err == nil {
		t.Error("a refused report was written")
	}

	// Both periods close.
	_, end, _ := p2.Definition.Period.PeriodDates()
	at := end.AddDate(0, 0, 16).Format(time.RFC3339)
	if out, stderr, code := runIntake(t, dir, env, "--store", "s", "purge", "--at", at, "--force"); code != 0 || strings.Count(out, "is closed") != 2 {
		t.Fatalf("purge --at %s: exit %d\n%s%s", at, code, out, stderr)
	}
	late, _ := index.NewDonation(p2, &index.Donation{Pseudonym: strings.Repeat("cd", 32), RecordKey: "0123456789abcdef", Wijk: "Stadshagen",
		Answers: []index.Answer{{Question: "vriend", Answer: "nee"}}})
	os.WriteFile(filepath.Join(dir, "late.kluis-donation"), late, 0o600)
	if _, stderr, code := runIntake(t, dir, env, "--store", "s", "index", "import", "late.kluis-donation"); code != 1 || !strings.Contains(stderr, "This neighbourhood index is closed") {
		t.Errorf("a late donation: exit %d %q", code, stderr)
	}

	for i, p := range []*index.Parsed{p1, p2} {
		base := fmt.Sprintf("rapport-%d", i+1)
		out, stderr, code := runIntake(t, dir, nl, "--store", "s", "index", "report", "--index", p.Definition.ID,
			"--html", base+".html", "--csv", base+".csv", "--png", base+".png")
		if code != 0 {
			t.Fatalf("report %s: exit %d\n%s%s", p.Definition.Period.Name, code, out, stderr)
		}
		for _, want := range []string{"Goede antwoorden", "Marge", "Verschil met", "duidelijk", "met opzet een klein beetje veranderd"} {
			html, _ := os.ReadFile(filepath.Join(dir, base+".html"))
			if want == "Verschil met" && i == 0 {
				if bytes.Contains(html, []byte(want)) {
					t.Error("the first period's report compares with a period before it")
				}
				continue
			}
			if !bytes.Contains(html, []byte(want)) {
				t.Errorf("%s.html lacks %q", base, want)
			}
		}
		if !strings.Contains(out, "School en werk") || !strings.Contains(out, "Hele gemeente") {
			t.Errorf("report %d text:\n%s", i+1, out)
		}
		f, _ := os.Open(filepath.Join(dir, base+".csv"))
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || !slices.Equal(rows[0], tally.CSVHeader) {
			t.Fatalf("%s.csv: %v %v", base, err, rows[:1])
		}
		kinds := map[string]int{}
		for _, r := range rows[1:] {
			kinds[r[0]]++
			if r[0] == "score" && r[2] == "" && r[3] == "" && (r[7] == "" || r[8] == "" || r[9] == "") {
				t.Errorf("%s.csv: the municipality's overall score has no margin: %v", base, r)
			}
			if r[0] == "score" && r[14] != "" {
				kinds["trend"]++
			}
		}
		if kinds["donors"] != 3 || kinds["score"] != 6*4 || kinds["count"] == 0 || (i == 1) != (kinds["trend"] > 0) {
			t.Errorf("%s.csv rows: %v", base, kinds)
		}
		img, _ := os.ReadFile(filepath.Join(dir, base+".png"))
		if _, err := png.Decode(bytes.NewReader(img)); err != nil {
			t.Errorf("%s.png: %v", base, err)
		}
		if demo := os.Getenv("KLUIS_INDEX_DEMO_DIR"); demo != "" {
			for _, ext := range []string{".html", ".csv", ".png"} {
				b, _ := os.ReadFile(filepath.Join(dir, base+ext))
				os.WriteFile(filepath.Join(demo, base+ext), b, 0o644)
			}
		}
	}
	out, _, code := runIntake(t, dir, env, "--store", "s", "index", "report", "--index", p2.Definition.ID, "--json")
	var rep struct {
		Scores tally.Scores `json:"scores"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Scores.Previous == nil || rep.Scores.Previous.Name != first {
		t.Fatalf("report --json: exit %d %v\n%s", code, err, out)
	}
	shown := 0
	for _, d := range rep.Scores.Domains {
		for _, sc := range d.Wijken {
			if sc.Shown {
				shown++
			}
		}
	}
	if shown == 0 {
		t.Error("no wijk got a score")
	}
	// The same report again is the same, byte for byte.
	again, _, _ := runIntake(t, dir, env, "--store", "s", "index", "report", "--index", p2.Definition.ID, "--json")
	if again != out {
		t.Error("a second report differs from the first")
	}

	// Definition mistakes, each refused in words and nothing written.
	base := append([]string{"--store", "s", "index", "define", "--title", "Jongerenindex", "--period", "2030-Q1"}, youthIndexFlags...)
	swap := func(old, new string) []string {
		out := slices.Clone(base)
		for i := range out {
			if out[i] == old {
				out[i] = new
				return out
			}
		}
		t.Fatalf("no %q", old)
		return nil
	}
	drop := func(flag, value string) []string {
		out := slices.Clone(base)
		for i := range out {
			if out[i] == value && out[i-1] == flag {
				return append(out[:i-1], out[i+1:]...)
			}
		}
		t.Fatalf("no %s %s", flag, value)
		return nil
	}
	// The other organisation's first period, as a predecessor.
	if _, stderr, code := runIntake(t, dir, []string{"KLUIS_INTAKE_KEY=other/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"},
		append([]string{"--store", "s2"}, append(slices.Clone(base[2:6]), append([]string{"--period", "2029-Q4"}, append(youthIndexFlags, "-o", "other.kluis-index")...)...)...)...); code != 0 {
		t.Fatalf("the other organisation's index: %s", stderr)
	}
	for _, c := range []struct {
		args     []string
		nl, en   string
		exitCode int
	}{
		{swap("geld:Geld thuis:schulden", "geld:Geld thuis:"), "heeft geen vragen", "has no questions", 2},
		{swap("veiligheid:Veiligheid:veilig", "veiligheid:Veiligheid:veilig,schulden"), "staat in twee onderwerpen", "is in two topics", 2},
		{drop("--protective", "vriend=ja"), "staat niet bij elk antwoord of het een goed teken is", "does not say for every answer", 2},
		{swap("veiligheid:Veiligheid:veilig", "veiligheid:Veiligheid:veilig,leeftijd"), "kan niet in een onderwerp", "cannot be in a topic", 2},
		{append(slices.Clone(base), "--predecessor", "other.kluis-index"), "niet ondertekend door deze gemeente", "not signed by this municipality", 2},
		{append(slices.Clone(base), "--predecessor", "q2.kluis-index"), "eindigt niet op de dag voor", "does not end on the day before", 2},
	} {
		for _, lang := range []struct {
			env  []string
			want string
		}{{nl, c.nl}, {env, c.en}} {
			_, stderr, code := runIntake(t, dir, lang.env, append(c.args, "-o", "bad.kluis-index")...)
			if code != c.exitCode || !strings.Contains(stderr, lang.want) {
				t.Errorf("%v: exit %d %q; want %q", c.args[len(c.args)-2:], code, stderr, lang.want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.kluis-index")); err == nil {
		t.Error("a refused definition was written")
	}
}
