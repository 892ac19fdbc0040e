package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"kluis/citizen/donate"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kluis/sync/bundle"
	"kluis/sync/index"
)

// makeIndex is a demo wijkonderzoek for three wijken, signed by a fresh
// organisation, open now.
func makeIndex(t *testing.T) (*bundle.OrgIdentity, []byte) {
	t.Helper()
	now := time.Now()
	org, err := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", []string{"Jongerenindex"}, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := index.ParsePeriod(now.Format("2006"))
	file, err := index.New(org, index.Fields{
		ID: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", Title: "Jongerenindex Zwolle",
		Purpose: "Zien wat jongeren in de wijk helpt, zonder gegevens van personen.", Period: p,
		Wijken: []index.Wijk{{Name: "Assendorp", Postcodes: []index.Range{{From: 8011, To: 8012}}},
			{Name: "Holtenbroek", Postcodes: []index.Range{{From: 8031, To: 8034}}}, {Name: "Stadshagen", Postcodes: []index.Range{{From: 8041, To: 8046}}}},
		Questions: []index.Question{
			{ID: "schulden", Text: "Heeft u schulden die nog open staan?", Kind: index.KindYesNo, Answers: []string{"ja", "nee"}, Prefill: index.PrefillOpenDebt},
			{ID: "veilig", Text: "Hoe veilig voelt u zich in uw wijk?", Kind: index.KindScale, Answers: index.AnswersOf(index.KindScale)},
		},
	}, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return org, file
}

func TestDonateScreen(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	v := u.vault()
	v.Add("personal", map[string]string{"surname": "Jansen", "birth_date": "1990-04-01"})
	v.Add("housing", map[string]string{"postcode": "8012 CD"})
	v.Add("debts", map[string]string{"creditor": "CJIB", "status": "open"})
	org, file := makeIndex(t)

	u.shell.select_("requests")
	u.openRequest(file)
	s, ok := u.shell.current.(*donateScreen)
	if !ok {
		t.Fatalf("the donation screen is not shown (%T)", u.shell.current)
	}
	mustSee(t, w, "Jongerenindex Zwolle")
	mustSee(t, w, "nooit een naam, BSN, adres of document")
	mustSee(t, w, "(ingevuld uit uw kluis)")
	if s.wijk.Selected != "Assendorp" || s.pick["schulden"].Selected != "ja" || s.pick["veilig"].Selected != skipChoice() {
		t.Fatalf("prefill: wijk %q, schulden %q, veilig %q", s.wijk.Selected, s.pick["schulden"].Selected, s.pick["veilig"].Selected)
	}
	s.pick["veilig"].SetSelected("4")
	donation, err := s.donation()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bijdrage.kluis-donation")
	s.saveTo(path, donation)
	saved, _ := os.ReadFile(path)
	p, _ := index.Parse(file)
	d, err := index.OpenDonation(saved, org, p.Definition)
	if err != nil {
		t.Fatal(err)
	}
	if d.Wijk != "Assendorp" || len(d.Answers) != 2 || d.Answers[1].Answer != "4" {
		t.Fatalf("donation %+v", d)
	}
	events, _ := v.Log()
	if last := events[len(events)-1]; last.Action != donate.ActionDonated || last.Detail != "" {
		t.Fatalf("log entry %+v", last)
	}
}

// TestDonateWithoutWijk: a postcode outside every wijk leaves the wijk
// unchosen; "Meedoen" then asks to choose one, and saves nothing.
func TestDonateWithoutWijk(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	u.vault().Add("housing", map[string]string{"postcode": "9999 ZZ"})
	_, file := makeIndex(t)
	u.shell.select_("requests")
	u.openRequest(file)
	s := u.shell.current.(*donateScreen)
	if s.wijk.Selected != "" {
		t.Fatalf("wijk %q chosen for a postcode outside every wijk", s.wijk.Selected)
	}
	s.pick["veilig"].SetSelected("4")
	tap(t, w, "Meedoen")
	mustSee(t, w, "U hebt nog geen wijk gekozen. Kies de wijk waar u woont.")
	mustNotSee(t, w, "hoort niet bij het onderzoek")
	dismiss(w)
	s.wijk.SetSelected("Stadshagen")
	if _, err := s.donation(); err != nil {
		t.Fatalf("with a wijk chosen: %v", err)
	}
}

func TestDonateScreenYouthRule(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	u.vault().Add("personal", map[string]string{"surname": "de Boer", "birth_date": time.Now().AddDate(-13, 0, 0).Format("2006-01-02")})
	_, file := makeIndex(t)
	u.shell.select_("requests")
	u.openRequest(file)
	s := u.shell.current.(*donateScreen)
	mustSee(t, w, "Tussen 12 en 15 jaar")
	if !s.join.Disabled() {
		t.Fatal("a 13-year-old without a helper can take part")
	}
}

// TestStartedWithAnInvitation: the app started with a file (a click on an
// invitation) shows it once the vault is open.
func TestStartedWithAnInvitation(t *testing.T) {
	_, file := makeIndex(t)
	path := filepath.Join(t.TempDir(), "jongerenindex.kluis-index")
	os.WriteFile(path, file, 0o600)
	a := &quitRecorder{App: test.NewTempApp(t)}
	w := a.NewWindow("Kluis")
	w.Resize(fyne.NewSize(1100, 720))
	u := newUI(a, w, Deps{VaultPath: filepath.Join(t.TempDir(), "vault.kluis"), Open: path}, true)
	t.Cleanup(func() {
		u.closeSession()
		w.Close()
	})
	createVault(t, u, w, "molen sneeuw thee herfst")
	if _, ok := u.shell.current.(*donateScreen); !ok {
		t.Fatalf("the invitation was not opened after the vault was made (%T)", u.shell.current)
	}
	mustSee(t, w, "Jongerenindex Zwolle")
	// Only once: locking and unlocking shows the normal main window.
	tap(t, w, "Vergrendelen")
	test.Type(entries(w)[0], "molen sneeuw thee herfst")
	tap(t, w, "Openen")
	if _, ok := u.shell.current.(*donateScreen); ok {
		t.Fatal("the invitation was opened a second time")
	}
}
