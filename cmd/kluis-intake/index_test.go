package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/internal/sign"

	"kluis/intake/tally"

	"kluis/sync/index"
)

type testDonor struct{ priv ed25519.PrivateKey }

func (k testDonor) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(k.priv, domain, msg), nil
}

// TestIndexScenario: a demo index for three wijken, defined through the
// real CLI, receives 60 donations made the way kluisctl makes them (a
// donor key, its pseudonym, the donation encrypted to the card); a replay
// and a second donation count once; the report hides small cells; and
// neither the store's bytes nor the report hold any pseudonym or donor key.
func TestIndexScenario(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente Zwolle", "-o", "k", "--new-passphrase-file", "pass"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	env := []string{"KLUIS_INTAKE_KEY=k/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"}
	period := time.Now().UTC().Format("2006")
	out, stderr, code := runIntake(t, dir, env, "--store", "s", "index", "define", "--title", "Jongerenindex", "--period", period,
		"--wijk", "Assendorp=8011-8012", "--wijk", "Holtenbroek=8031,8033-8034", "--wijk", "Stadshagen=8041-8046",
		"--question", "leeftijd:Hoe oud bent u?:12-15/16-17/18+",
		"--question", "schulden:Heeft u schulden die nog open staan?:ja/nee", "--prefill", "schulden=debts.open",
		"--question", "veilig:Hoe veilig voelt u zich in uw wijk? 1 is heel onveilig, 5 is heel veilig.:1/2/3/4/5",
		"-o", "index.kluis-index", "--qr", "index.png")
	if code != 0 || !strings.Contains(out, index.LinkPrefix) {
		t.Fatalf("index define: exit %d\n%s%s", code, out, stderr)
	}
	defFile, _ := os.ReadFile(filepath.Join(dir, "index.kluis-index"))
	p, err := index.Parse(defFile)
	if err != nil {
		t.Fatal(err)
	}
	def := p.Definition

	rng := rand.New(rand.NewPCG(60, 3))
	var pseudonyms, keys []string
	var files []string
	// Assendorp and Holtenbroek get most donors; Stadshagen only a few.
	wijkOf := func(i int) string {
		switch {
		case i < 30:
			return "Assendorp"
		case i < 55:
			return "Holtenbroek"
		}
		return "Stadshagen"
	}
	for i := 0; i < 60; i++ {
		_, priv, _ := ed25519.GenerateKey(nil)
		donor := testDonor{priv}
		ps, _ := index.Pseudonym(donor, def.ID, def.Period.Name)
		pseudonyms = append(pseudonyms, ps)
		keys = append(keys, string(priv.Public().(ed25519.PublicKey)))
		answers := []index.Answer{{Question: "leeftijd", Answer: []string{"12-15", "16-17", "18+"}[rng.IntN(3)]}}
		if i%3 != 0 {
			answers = append(answers, index.Answer{Question: "schulden", Answer: []string{"ja", "nee", "nee"}[rng.IntN(3)]})
		}
		answers = append(answers, index.Answer{Question: "veilig", Answer: fmt.Sprint(1 + rng.IntN(5))})
		file, err := index.NewDonation(p, &index.Donation{Pseudonym: ps, Wijk: wijkOf(i), Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("d%02d.kluis-donation", i)
		os.WriteFile(filepath.Join(dir, name), file, 0o600)
		files = append(files, name)
	}
	if out, stderr, code := runIntake(t, dir, env, append([]string{"--store", "s", "index", "import"}, files...)...); code != 0 || strings.Count(out, "counted") != 60 {
		t.Fatalf("index import: exit %d\n%s%s", code, out, stderr)
	}
	// A replay changes nothing; the first donor donating again replaces.
	if out, _, code := runIntake(t, dir, env, "--store", "s", "index", "import", files[5]); code != 0 || !strings.Contains(out, "counted before") {
		t.Errorf("replay: exit %d %s", code, out)
	}
	again, _ := index.NewDonation(p, &index.Donation{Pseudonym: pseudonyms[0], Wijk: "Assendorp", Answers: []index.Answer{{Question: "veilig", Answer: "5"}}})
	os.WriteFile(filepath.Join(dir, "again.kluis-donation"), again, 0o600)
	if out, _, code := runIntake(t, dir, env, "--store", "s", "index", "import", "again.kluis-donation"); code != 0 || !strings.Contains(out, "replaces") {
		t.Errorf("second donation: exit %d %s", code, out)
	}
	// Forged and foreign donations are refused, and say why.
	bad := bytes.Clone(again)
	bad[len(bad)-3] ^= 1
	os.WriteFile(filepath.Join(dir, "bad.kluis-donation"), bad, 0o600)
	if _, stderr, code := runIntake(t, dir, env, "--store", "s", "index", "import", "bad.kluis-donation"); code != 1 || !strings.Contains(stderr, "damaged or was changed") {
		t.Errorf("tampered donation: exit %d %q", code, stderr)
	}

	out, stderr, code = runIntake(t, dir, env, "--store", "s", "index", "report", "--json", "--png", "report.png")
	if code != 0 {
		t.Fatalf("report: %s", stderr)
	}
	var rep struct {
		Report    tally.Report `json:"report"`
		Donations int          `json:"donations"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Donations != 60 || len(rep.Report.Tables) != 3 || rep.Report.MinGroup != tally.DefaultMinGroup {
		t.Fatalf("report: %d donations, %d tables", rep.Donations, len(rep.Report.Tables))
	}
	shown, hidden := 0, 0
	for _, tb := range rep.Report.Tables {
		values := append([]tally.Value{tb.Total}, append(tb.RowTotals, tb.ColTotals...)...)
		for _, row := range tb.Cells {
			values = append(values, row...)
		}
		for _, v := range values {
			if v.Suppressed {
				hidden++
			} else if shown++; v.N > 0 && v.N < tally.DefaultMinGroup {
				t.Errorf("question %s shows %d", tb.Question, v.N)
			}
		}
		// Stadshagen has five donors: its row is hidden.
		for _, v := range tb.Cells[2] {
			if !v.Suppressed && v.N != 0 {
				t.Errorf("question %s: Stadshagen shows %d", tb.Question, v.N)
			}
		}
	}
	if shown == 0 || hidden == 0 {
		t.Errorf("report shows %d and hides %d numbers", shown, hidden)
	}
	text, _, _ := runIntake(t, dir, env, "--store", "s", "index", "report")
	if !strings.Contains(text, "Stadshagen") || !strings.Contains(text, "•") {
		t.Errorf("text report:\n%s", text)
	}
	if png, _ := os.ReadFile(filepath.Join(dir, "report.png")); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Error("no chart")
	}

	// Nothing in the store's file or the reports identifies a donor.
	store, err := os.ReadFile(filepath.Join(dir, "s", "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	haystacks := map[string][]byte{"store": store, "json report": []byte(out), "text report": []byte(text)}
	for name, h := range haystacks {
		for i := range pseudonyms {
			for _, needle := range [][]byte{[]byte(pseudonyms[i]), []byte(keys[i]), []byte(fmt.Sprintf("%x", keys[i]))} {
				if bytes.Contains(h, needle) {
					t.Fatalf("%s holds donor %d's pseudonym or key", name, i)
				}
			}
		}
		if bytes.Contains(h, []byte("kluis-donation/v1")) {
			t.Errorf("%s holds a donation in plaintext", name)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "s", "docs"))
	if len(entries) != 0 {
		t.Errorf("the store kept %d files", len(entries))
	}
}

// TestIndexClosedByPurge: purge closes the tally of an index once its
// period and tally.CloseGrace are over, and only then; it says so in
// English and Dutch; the report stays the same, and a later donation is
// refused with "closed" and changes nothing in the store.
func TestIndexClosedByPurge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente Zwolle", "-o", "k", "--new-passphrase-file", "pass"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	env := []string{"KLUIS_INTAKE_KEY=k/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"}
	nl := append(slices.Clone(env), "LANG=nl_NL.UTF-8")
	define := func(period, out string) *index.Parsed {
		t.Helper()
		if o, stderr, code := runIntake(t, dir, env, "--store", "s", "index", "define", "--title", "Jongerenindex "+period, "--period", period,
			"--wijk", "Assendorp=8011-8012", "--wijk", "Holtenbroek=8031-8034",
			"--question", "veilig:Hoe veilig voelt u zich in uw wijk?:1/2/3/4/5", "-o", out); code != 0 {
			t.Fatalf("index define %s: exit %d\n%s%s", period, code, o, stderr)
		}
		file, _ := os.ReadFile(filepath.Join(dir, out))
		p, err := index.Parse(file)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	year := time.Now().UTC().Year()
	current := define(fmt.Sprint(year), "nu.kluis-index")
	past := define("2020", "oud.kluis-index")
	donate := func(p *index.Parsed, name, answer string) []string {
		t.Helper()
		_, priv, _ := ed25519.GenerateKey(nil)
		ps, _ := index.Pseudonym(testDonor{priv}, p.Definition.ID, p.Definition.Period.Name)
		file, err := index.NewDonation(p, &index.Donation{Pseudonym: ps, Wijk: "Assendorp", Answers: []index.Answer{{Question: "veilig", Answer: answer}}})
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), file, 0o600)
		return []string{name, ps}
	}

	// The index of 2020 is long over: the first purge closes it, and
	// only it.
	out, stderr, code := runIntake(t, dir, env, "--store", "s", "purge")
	if code != 0 || !strings.Contains(out, "0 imports removed") || strings.Count(out, "is closed") != 1 ||
		!strings.Contains(out, "Neighbourhood index "+past.Definition.ID+" (period 2020) is closed") || strings.Contains(out, current.Definition.ID) {
		t.Fatalf("first purge: exit %d\n%s%s", code, out, stderr)
	}
	late := donate(past, "laat.kluis-donation", "3")
	if _, stderr, code := runIntake(t, dir, env, "--store", "s", "index", "import", late[0]); code != 1 || !strings.Contains(stderr, "This neighbourhood index is closed") {
		t.Errorf("donation to a closed index: exit %d %q", code, stderr)
	}

	var files, pseudonyms []string
	for i := 0; i < 15; i++ {
		d := donate(current, fmt.Sprintf("d%02d.kluis-donation", i), fmt.Sprint(1+i%3))
		files, pseudonyms = append(files, d[0]), append(pseudonyms, d[1])
	}
	if out, stderr, code := runIntake(t, dir, env, append([]string{"--store", "s", "index", "import"}, files...)...); code != 0 || strings.Count(out, "counted") != 15 {
		t.Fatalf("index import: exit %d\n%s%s", code, out, stderr)
	}
	report := func() string {
		t.Helper()
		out, stderr, code := runIntake(t, dir, env, "--store", "s", "index", "report", "--index", current.Definition.ID, "--min-group", "3", "--json")
		if code != 0 || !strings.Contains(out, `"donations": 15`) {
			t.Fatalf("report: exit %d\n%s%s", code, out, stderr)
		}
		return out
	}
	before := report()

	closes := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Add(tally.CloseGrace)
	if out, stderr, code := runIntake(t, dir, env, "--store", "s", "purge", "--force", "--at", closes.Add(-time.Second).Format(time.RFC3339)); code != 0 || strings.Contains(out, "closed") {
		t.Fatalf("purge a second before the grace is over: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = runIntake(t, dir, nl, "--store", "s", "purge", "--force", "--at", closes.Format(time.RFC3339))
	want := fmt.Sprintf("Wijkonderzoek %s (periode %d) is afgesloten", current.Definition.ID, year)
	if code != 0 || !strings.Contains(out, "0 imports verwijderd") || !strings.Contains(out, want) || !strings.Contains(out, "15 donaties blijven") {
		t.Fatalf("purge at the moment (Dutch): exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := runIntake(t, dir, env, "--store", "s", "--json", "purge"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("purge after closing: exit %d\n%s%s", code, out, stderr)
	}
	if after := report(); after != before {
		t.Errorf("the report changed by closing:\n%s\n%s", before, after)
	}

	// A donation now is refused and changes nothing in the store.
	store := filepath.Join(dir, "s", "intake.db")
	was, _ := os.ReadFile(store)
	again := donate(current, "nog.kluis-donation", "5")
	if _, stderr, code := runIntake(t, dir, nl, "--store", "s", "index", "import", again[0]); code != 1 || !strings.Contains(stderr, "Dit wijkonderzoek is afgesloten") {
		t.Errorf("donation after closing: exit %d %q", code, stderr)
	}
	if now, _ := os.ReadFile(store); !bytes.Equal(now, was) {
		t.Error("a refused donation changed the store file")
	}
	for i, ps := range pseudonyms {
		if bytes.Contains(was, []byte(ps)) {
			t.Errorf("the store holds donor %d's pseudonym", i)
		}
	}
}

// TestIndexDefineMistakes: what index define refuses in what was typed is
// said in words (the same as the desk's form), as a usage error, and
// nothing is written.
func TestIndexDefineMistakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pass"), []byte("gemeente wachtwoord 2026\n"), 0o600)
	if _, stderr, code := runIntake(t, dir, nil, "keygen", "--org", "Gemeente Zwolle", "-o", "k", "--new-passphrase-file", "pass"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	env := []string{"KLUIS_INTAKE_KEY=k/organisation.key", "KLUIS_INTAKE_PASSPHRASE_FILE=pass"}
	define := []string{"--store", "s", "index", "define", "--title", "Jongerenindex", "--period", "2026-Q4", "-o", "index.kluis-index"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--wijk", "Assendorp 8011", "--question", "s:Schulden?:ja/nee"}, "The wijk ‘Assendorp 8011’ is not right"},
		{[]string{"--wijk", "A=8011", "--question", "s:Schulden?:ja/misschien"}, "The answers of ‘s:Schulden?:ja/misschien’ cannot be used"},
		{[]string{"--wijk", "A=8011", "--question", "s:Schulden?:ja/nee", "--prefill", "x=debts.open"}, "The prefill ‘x=debts.open’ is not right"},
		{[]string{"--wijk", "A=8011", "--wijk", "a=8012", "--question", "s:Schulden?:ja/nee"}, "The wijk ‘a’ is there twice"},
	} {
		_, stderr, code := runIntake(t, dir, env, append(define, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d %q", c.args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "index.kluis-index")); err == nil {
		t.Error("a refused definition was written")
	}
}
