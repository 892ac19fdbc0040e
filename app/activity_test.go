package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/vault"
)

// openActivity shows the activity page of an unlocked vault.
func openActivity(t *testing.T, u *UI) *activityPage {
	t.Helper()
	u.shell.select_("activity")
	p, ok := u.shell.current.(*activityPage)
	if !ok {
		t.Fatalf("activity page not shown (current page %T)", u.shell.current)
	}
	return p
}

func TestActivityShowsEntriesAndStatus(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	v := u.vault()
	r, err := v.Add("income", map[string]string{"source": "Bakkerij Jansen", "amount": "1200"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Update(r.ID, map[string]string{"amount": "1250"}); err != nil {
		t.Fatal(err)
	}
	p := openActivity(t, u)
	mustSee(t, w, "Het logboek is compleet en niet veranderd (3 regels gecontroleerd).")
	mustSee(t, w, "Kluis gemaakt")
	mustSee(t, w, "Item toegevoegd (Inkomen)")
	mustSee(t, w, "Item veranderd (Inkomen: Bedrag)")
	// Newest first.
	if len(p.events) != 3 || p.events[0].Action != vault.ActionRecordUpdated || p.events[2].Action != vault.ActionVaultCreated {
		t.Fatalf("events not newest first: %+v", p.events)
	}
	// Values never show: the amount is not on the page.
	for _, s := range texts(w) {
		if strings.Contains(s, "1250") || strings.Contains(s, "1.250") || strings.Contains(s, "Bakkerij") {
			t.Errorf("a value is on the activity page: %q", s)
		}
	}
}

func TestActivityStatusWhenBroken(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openActivity(t, u)
	ok, text := p.logStatus(0, &vault.LogError{Seq: 7, Reason: "entry was altered"})
	if ok || !strings.Contains(text, "vanaf regel 7") {
		t.Errorf("broken log: %v %q", ok, text)
	}
	ok, text = p.logStatus(12, nil)
	if !ok || text != "Het logboek is compleet en niet veranderd (12 regels gecontroleerd)." {
		t.Errorf("intact log: %v %q", ok, text)
	}
}

func TestActivityDescribe(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	p := openActivity(t, u)
	for _, c := range []struct {
		e    vault.Event
		want string
	}{
		{vault.Event{Action: vault.ActionRecordCreated, Category: "income", Person: "Fatima", Detail: "amount,source"},
			"Item toegevoegd (Inkomen) — door Fatima"},
		{vault.Event{Action: vault.ActionRecordUpdated, Category: "debts", Person: "Fatima", Detail: "amount,status,bogus"},
			"Item veranderd (Schulden: Bedrag van de schuld, Hoe staat het ervoor?) — door Fatima"},
		{vault.Event{Action: vault.ActionUnlockFailed, Person: "-"},
			"Verkeerd wachtwoord of verkeerde sleutel geprobeerd"},
		{vault.Event{Action: vault.ActionDocumentAdded, Person: "Samira", Detail: "application/pdf"},
			"Document toegevoegd — door Samira"},
	} {
		if got := p.describe(c.e); got != c.want {
			t.Errorf("describe(%s) = %q, want %q", c.e.Action, got, c.want)
		}
	}
}

func TestActivityExportJSON(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	u.vault().Add("goals", map[string]string{"title": "Meer uren werken"})
	p := openActivity(t, u)
	path := filepath.Join(t.TempDir(), "logboek.json")
	os.WriteFile(path, nil, 0o600)
	p.exportTo(path)
	mustSee(t, w, "Logboek opgeslagen")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var events []vault.Event
	if err := json.Unmarshal(b, &events); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	want, _ := u.vault().Log()
	if len(events) != len(want) || events[0].Action != vault.ActionVaultCreated || events[0].Hash != want[0].Hash {
		t.Fatalf("exported %d events, want %d oldest first", len(events), len(want))
	}
	if !strings.Contains(string(b), "\n  {\n    \"seq\": 1,") {
		t.Errorf("not indented:\n%.200s", b)
	}
	if strings.Contains(string(b), "Meer uren") {
		t.Error("a value leaked into the exported log")
	}
}

func TestFormatDate(t *testing.T) {
	u, w := newTestUI(t)
	_ = w
	tm := time.Date(2026, 11, 25, 10, 4, 0, 0, time.Local)
	if got := formatDateTime(tm); got != "25 nov. 2026 10:04" {
		t.Errorf("Dutch: %q", got)
	}
	u.setLanguage("en")
	defer u.setLanguage("nl")
	if got := formatDateTime(tm); got != "25 Nov 2026 10:04" {
		t.Errorf("English: %q", got)
	}
	if got := formatDate(time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)); got != "1 Mar 2026" {
		t.Errorf("English: %q", got)
	}
}
