package desk

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/intake"
	"kluis/intake/tally"
	"kluis/sync/index"
	"kluis/sync/index/indextest"
)

// indexForm is the form for a youth index over the first quarter of 2026,
// the desk's test clock inside it, typed with a browser's line ends.
func indexForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "title": {"Jongerenindex Zwolle"}, "period": {"2026-Q1"},
		"wijken":    {"Assendorp=8011-8012\r\nHoltenbroek=8031,8033-8034\r\n\r\nStadshagen=8041-8046\r\n"},
		"questions": {"leeftijd:Hoe oud bent u?:12-15/16-17/18+\r\nschulden:Heeft u schulden die nog open staan?:ja/nee"},
		"prefill":   {"schulden=debts.open"}}
}

// defineIndex defines the index of indexForm on the desk and returns it.
func (b *browser) defineIndex() *index.Parsed {
	b.t.Helper()
	r := b.post("/indexes", indexForm(b.csrf("/indexes/new")))
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("define: %d %.800s", r.status, problemOf(r.body))
	}
	all, err := b.d.store.Indexes()
	if err != nil || len(all) != 1 {
		b.t.Fatalf("store holds %d indexes (%v)", len(all), err)
	}
	if want := "/indexes/" + all[0].Definition.ID; r.header.Get("Location") != want {
		b.t.Errorf("define goes to %s, want %s", r.header.Get("Location"), want)
	}
	return all[0]
}

func donationPart(name string, data []byte) part {
	return part{name: "donation", file: name, data: data}
}

func TestDefineIndexCountAndReport(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	if r := b.get("/indexes"); r.status != http.StatusOK || !strings.Contains(r.body, "Er zijn nog geen wijkonderzoeken.") {
		t.Fatalf("empty list: %d %.500s", r.status, r.body)
	}
	p := b.defineIndex()
	id := p.Definition.ID
	def := p.Definition
	if def.Title != "Jongerenindex Zwolle" || def.Purpose != def.Title || len(def.Wijken) != 3 || len(def.Questions) != 2 ||
		def.Questions[1].Prefill != index.PrefillOpenDebt || def.Questions[0].Prefill != index.PrefillAgeBand ||
		def.Period.Start != "2026-01-01" || def.Period.End != "2026-03-31" {
		t.Errorf("definition %+v", def)
	}
	page, _ := b.follow("/indexes/" + id)
	for _, want := range []string{
		"Het wijkonderzoek is gemaakt.", "<h1>Jongerenindex Zwolle</h1>", "Loopt", "2026-Q1: 1 januari 2026 tot en met 31 maart 2026",
		"8031, 8033–8034", "‘ja’ als de inwoner een open schuld heeft", `src="/indexes/` + id + `/qr.png"`,
		`src="/indexes/` + id + `/chart.png"`, `name="donation" type="file" multiple`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the index page lacks %q", want)
		}
	}
	link := regexp.MustCompile(`kluis:index/v1/[A-Za-z0-9_-]+`).FindString(html.UnescapeString(page.body))
	if got, err := index.Parse([]byte(link)); err != nil || !bytes.Equal(got.File, p.File) {
		t.Errorf("the page's link %q: %v", link, err)
	}
	if qr := b.get("/indexes/" + id + "/qr.png"); !strings.HasPrefix(qr.body, "\x89PNG\r\n\x1a\n") {
		t.Errorf("QR: %d %v", qr.status, qr.header)
	}
	if f := b.get("/indexes/" + id + "/file"); !bytes.Equal([]byte(f.body), p.File) || !strings.HasPrefix(f.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("definition file: %v", f.header)
	}
	if list := b.get("/indexes").body; !strings.Contains(list, `href="/indexes/`+id+`"`) || !strings.Contains(list, "Loopt") {
		t.Errorf("list: %.800s", list)
	}

	// Twelve donors in Assendorp, three in Holtenbroek, none in
	// Stadshagen; one replay, junk, a file over the limit, and a file
	// name that is markup.
	var parts []part
	var first []byte
	for i := range 15 {
		wijk, debt := "Assendorp", "nee"
		if i >= 12 {
			wijk, debt = "Holtenbroek", "ja"
		}
		file := indextest.Donate(t, p, indextest.NewKeySigner(t), wijk,
			index.Answer{Question: "leeftijd", Answer: "16-17"}, index.Answer{Question: "schulden", Answer: debt})
		if i == 0 {
			first = file
		}
		name := "donatie-" + string(rune('a'+i)) + ".kluis-donation"
		if i == 14 {
			name = `<script>alert(1)"><img src=x onerror=alert(1)>.kluis-donation` // a file name has no slash
		}
		parts = append(parts, donationPart(name, file))
	}
	parts = append(parts, donationPart("nogmaals.kluis-donation", first), donationPart("rommel.kluis-donation", []byte("geen donatie")),
		donationPart("groot.kluis-donation", bytes.Repeat([]byte("x"), index.MaxDonation+1)))
	r := b.upload("/indexes/"+id+"/donations", b.csrf("/indexes/"+id), parts...)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("upload: %d %.800s", r.status, r.body)
	}
	for _, want := range []string{
		"donatie-a.kluis-donation</span>: geteld (wijk Assendorp). Het bestand is niet bewaard.",
		"&lt;script&gt;alert(1)&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.kluis-donation</span>: geteld (wijk Holtenbroek)",
		"nogmaals.kluis-donation</span>: deze donatie was al geteld.",
		"rommel.kluis-donation", "groot.kluis-donation</span>: Het bestand is te groot.",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the results lack %q", want)
		}
	}
	if strings.Contains(r.body, "<script") || strings.Contains(r.body, "<img src=x") {
		t.Error("a file name is markup on the page")
	}
	if n := strings.Count(r.body, `class="refused"`); n != 2 {
		t.Errorf("%d refused files, want 2", n)
	}

	// The report: Holtenbroek's three are hidden, and the page says why.
	page = b.get("/indexes/" + id)
	for _, want := range []string{
		`<th scope="row">Assendorp</th><td class="num">12</td>`, `<th scope="row">Holtenbroek</th><td class="num hidden"`,
		`<th scope="row">Stadshagen</th><td class="num">0</td>`, "Een • staat voor een getal dat niet getoond wordt: de groep is kleiner dan 10",
		"Donaties geteld</dt><dd>15 ",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page.body, `<td class="num">3</td>`) {
		t.Error("the page shows Holtenbroek's three")
	}

	// The downloads: attachments, with the hidden counts hidden.
	c := b.get("/indexes/" + id + "/report.csv")
	if !strings.HasPrefix(c.header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(c.header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV headers: %v", c.header)
	}
	rows, err := csv.NewReader(strings.NewReader(c.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"table", "question", "text", "wijk", "answer", "count", "hidden"}) ||
		!slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, []string{"donors", "", "", "Assendorp", "", "12", ""}) }) ||
		!slices.ContainsFunc(rows, func(r []string) bool {
			return slices.Equal(r, []string{"donors", "", "", "Holtenbroek", "", "", "yes"})
		}) ||
		!slices.ContainsFunc(rows, func(r []string) bool {
			return slices.Equal(r, []string{"answers", "leeftijd", "Hoe oud bent u?", "", "16-17", "15", ""})
		}) {
		t.Errorf("CSV rows: %q", rows)
	}
	for _, row := range rows[1:] {
		if row[6] == "yes" && row[5] != "" {
			t.Errorf("a hidden count is in the CSV: %q", row)
		}
	}
	j := b.get("/indexes/" + id + "/report.json")
	var rep tally.Report
	if err := json.Unmarshal([]byte(j.body), &rep); err != nil || !strings.HasPrefix(j.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("JSON: %v %v", err, j.header)
	}
	if rep.Index != id || rep.Donors[0] != (tally.Value{N: 12}) || !rep.Donors[1].Suppressed || len(rep.Tables) != 2 || rep.MinGroup != tally.DefaultMinGroup {
		t.Errorf("JSON report: %+v", rep)
	}
	png := b.get("/indexes/" + id + "/chart.png")
	if !strings.HasPrefix(png.body, "\x89PNG\r\n\x1a\n") || png.header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(png.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("chart: %d %v", png.status, png.header)
	}

	// Defining is in the processing log.
	es, _ := d.store.LogEntries(0, 100)
	if !slices.ContainsFunc(es, func(e intake.LogEntry) bool {
		return e.Action == intake.ActIndex && e.User == caseworker && strings.Contains(e.Detail, id)
	}) {
		t.Errorf("no log entry for the index: %+v", es)
	}
}

// TestIndexRefusals: mistakes in the form are said in words and show the
// form again as typed; missing CSRF tokens, empty uploads and unknown
// indexes are refused; nothing is defined or counted.
func TestIndexRefusals(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	tok := b.csrf("/indexes/new")
	edit := func(field, value string) url.Values {
		f := indexForm(tok)
		f.Set(field, value)
		return f
	}
	for name, c := range map[string]struct {
		form url.Values
		want string
	}{
		"bad wijk":      {edit("wijken", "Assendorp 8011\nHoltenbroek=8031"), "De wijk ‘Assendorp 8011’ klopt niet."},
		"wijk twice":    {edit("wijken", "Assendorp=8011\nassendorp=8012"), "De wijk ‘assendorp’ staat er twee keer in."},
		"postcodes":     {edit("wijken", "Assendorp=8011-8020\nHoltenbroek=8015"), "Postcode 8015 hoort bij twee wijken."},
		"no wijk":       {edit("wijken", "\r\n"), "Geef minstens één wijk."},
		"bad period":    {edit("period", "2026-Q5"), "De periode ‘2026-Q5’ klopt niet."},
		"no title":      {edit("title", "  "), "Geef het onderzoek een titel."},
		"bad answers":   {edit("questions", "schulden:Heeft u schulden?:ja/misschien"), "De antwoorden bij ‘schulden:Heeft u schulden?:ja/misschien’ kunnen niet."},
		"bad prefill":   {edit("prefill", "leeftijd=debts.open"), "Het voorinvullen ‘leeftijd=debts.open’ klopt niet."},
		"question name": {edit("questions", "Schulden!:Heeft u schulden?:ja/nee\nschulden:Schulden?:ja/nee"), "De naam ‘Schulden!’ van een vraag kan niet."},
	} {
		r := b.post("/indexes", c.form)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
			t.Errorf("%s: %d, want %q in %.500s", name, r.status, c.want, problemOf(r.body))
			continue
		}
		body := strings.ReplaceAll(html.UnescapeString(r.body), "\r\n", "\n")
		for _, field := range []string{"wijken", "questions"} {
			if typed := strings.ReplaceAll(c.form.Get(field), "\r\n", "\n"); !strings.Contains(body, typed+"</textarea>") {
				t.Errorf("%s: the form lost the %s", name, field)
			}
		}
	}
	for _, tok := range []string{"", "wrong"} {
		if r := b.post("/indexes", indexForm(tok)); r.status != http.StatusForbidden {
			t.Errorf("define with token %q: %d", tok, r.status)
		}
	}
	if all, _ := d.store.Indexes(); len(all) != 0 {
		t.Fatalf("refused forms defined %d indexes", len(all))
	}
	p := b.defineIndex()
	id := p.Definition.ID
	donation := indextest.Donate(t, p, indextest.NewKeySigner(t), "Stadshagen", index.Answer{Question: "schulden", Answer: "ja"})
	for _, tok := range []string{"", "wrong"} {
		if r := b.upload("/indexes/"+id+"/donations", tok, donationPart("d.kluis-donation", donation)); r.status != http.StatusForbidden {
			t.Errorf("upload with token %q: %d", tok, r.status)
		}
	}
	if _, n, _ := d.store.IndexReport(id, tally.DefaultMinGroup); n != 0 {
		t.Errorf("refused uploads counted %d donations", n)
	}
	if r := b.upload("/indexes/"+id+"/donations", b.csrf("/indexes/"+id)); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Kies een of meer donaties") {
		t.Errorf("empty upload: %d %.400s", r.status, problemOf(r.body))
	}
	for _, path := range []string{"/indexes/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "/indexes/zzzz/chart.png", "/indexes/..%2f..%2fintake.db/report.csv",
		"/indexes/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/report.json", "/indexes/6f1c/qr.png"} {
		if r := b.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	// A unique start of the id is enough, as for cases.
	if r := b.get("/indexes/" + id[:8]); r.status != http.StatusOK {
		t.Errorf("short id: %d", r.status)
	}
}

// TestIndexWithDomainsReport: the page of an index with domains says when
// its report comes while it is open, and never shows counts as they are;
// once closed it shows the council's report — the same as kluis-intake
// index report --html, with the charts from the desk — and offers it as a
// page, a table and a chart.
func TestIndexWithDomainsReport(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	f := indextest.DomainFields("2026-Q1")
	file, err := index.New(d.org, f, d.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.store.SaveIndex(file)
	if err != nil {
		t.Fatal(err)
	}
	id := p.Definition.ID
	for i := range 36 {
		answers := []index.Answer{{Question: "leeftijd", Answer: "16-17"}}
		for _, q := range p.Definition.Questions[1:] {
			answers = append(answers, index.Answer{Question: q.ID, Answer: q.Answers[i%len(q.Answers)]})
		}
		donation := indextest.Donate(t, p, indextest.NewKeySigner(t), p.Definition.Wijken[i%3].Name, answers...)
		if _, err := d.store.ImportDonation(donation); err != nil {
			t.Fatal(err)
		}
	}
	page := b.get("/indexes/" + id)
	if page.status != http.StatusOK || !strings.Contains(page.body, "kan pas als het onderzoek gesloten is") || strings.Contains(page.body, "Goede antwoorden") {
		t.Fatalf("the page of an open index: %d %.3000s", page.status, page.body)
	}
	for _, path := range []string{"/report.csv", "/report.json", "/chart.png", "/report.html"} {
		if r := b.get("/indexes/" + id + path); r.status == http.StatusOK {
			t.Errorf("%s of an open index: %d", path, r.status)
		}
	}

	d.clock.add(120 * 24 * time.Hour) // past 2026-03-31 and the grace
	b = d.browser()                   // the earlier session ended long ago
	b.mustLogin(caseworker)
	page = b.get("/indexes/" + id)
	for _, want := range []string{"Goede antwoorden", "School en werk", "Hele gemeente", "met opzet een klein beetje veranderd",
		`src="/indexes/` + id + `/chart.png?panel=0"`, `href="/indexes/` + id + `/report.html"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page of a closed index lacks %q", want)
		}
	}
	if strings.Contains(page.body, "data:image") || strings.Contains(page.body, "<style") {
		t.Error("the desk's page carries inline images or styles, which its CSP refuses")
	}
	if r := b.get("/indexes/" + id + "/chart.png?panel=0"); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("a panel's chart: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := b.get("/indexes/" + id + "/chart.png?panel=99"); r.status == http.StatusOK {
		t.Error("a panel that does not exist")
	}
	r := b.get("/indexes/" + id + "/report.csv")
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if r.status != http.StatusOK || err != nil || len(rows) < 2 || !slices.Equal(rows[0], tally.CSVHeader) {
		t.Fatalf("report.csv: %d %v %.300s", r.status, err, r.body)
	}
	r = b.get("/indexes/" + id + "/report.html")
	if r.status != http.StatusOK || !strings.Contains(r.body, "<!DOCTYPE html>") || !strings.Contains(r.body, "data:image/png;base64,") {
		t.Errorf("report.html: %d %.300s", r.status, r.body)
	}
	if _, _, err := d.store.IndexReport(id, tally.DefaultMinGroup); !errors.Is(err, intake.ErrScored) {
		t.Errorf("the counts of an index with domains without noise: %v", err)
	}
}

// TestDefineIndexWithDomains: the desk's form takes domains and good
// answers as kluis-intake index define does, and says a domain question
// without good answers in words.
func TestDefineIndexWithDomains(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	form := indexForm(b.csrf("/indexes/new"))
	form.Set("questions", form.Get("questions")+"\r\nveilig:Hoe veilig voelt u zich in uw wijk?:1/2/3/4/5")
	form.Set("domains", "geld:Geld thuis:schulden\r\nveiligheid:Veiligheid:veilig\r\n")
	form.Set("protective", "schulden=nee\r\n")
	r := b.post("/indexes", form)
	if r.status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(r.body), "Bij de vraag ‘veilig’ staat niet bij elk antwoord") {
		t.Fatalf("a domain question without good answers: %d %.600s", r.status, problemOf(r.body))
	}
	form.Set("csrf", b.csrf("/indexes/new"))
	form.Set("protective", "schulden=nee\r\nveilig=4,5")
	if r := b.post("/indexes", form); r.status != http.StatusSeeOther {
		t.Fatalf("define: %d %.800s", r.status, problemOf(r.body))
	}
	all, _ := d.store.Indexes()
	if len(all) != 1 || len(all[0].Definition.Domains) != 2 || all[0].Definition.Direction("veilig", "5") != index.DirProtective {
		t.Fatalf("the index: %+v", all)
	}
}
