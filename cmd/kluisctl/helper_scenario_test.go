package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelperWithSeveralGrants is the people's flow of a mother (Fatima)
// and a helper (Ahmed) with more than one grant: manage on income and
// debts, then view on care and household (both hold, the existing records
// arrive); his copy refuses what he may only view; their edits keep their
// own authors; a grant over goals brings the existing goal; revoking the
// view grant ends only that one; an emergency grant whose wait runs out
// unanswered brings its records; a share he makes on her behalf holds only
// what her vault accepted and lands in her list, where she revokes it.
func TestHelperWithSeveralGrants(t *testing.T) {
	t.Parallel()
	fatima, ahmed := newEnv(t), newEnv(t)
	folder := filepath.Join(t.TempDir(), "Sync")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	fatima.ok("init", "--name", "Fatima")
	ahmed.ok("init", "--name", "Ahmed")
	fatima.ok("contact", "-o", filepath.Join(ahmed.dir, "fatima.txt"))
	ahmed.ok("contact", "-o", filepath.Join(fatima.dir, "ahmed.txt"))
	ahmed.ok("contact", "add", "fatima.txt")
	syncBoth := func(rounds int) {
		t.Helper()
		for range rounds {
			fatima.ok("sync", "--dir", folder)
			ahmed.ok("sync", "--dir", folder)
		}
	}
	type grant struct {
		ID         string   `json:"id"`
		Delegate   string   `json:"delegate"`
		Role       string   `json:"role"`
		Categories []string `json:"categories"`
		ValidUntil string   `json:"valid_until"`
	}

	fatima.add("income", "source=AOW", "amount=1400")
	debt := fatima.add("debts", "creditor=CJIB", "amount=90")
	care := fatima.add("care", "kind=home_care", "provider=Buurtzorg")
	fatima.add("household", "given_names=Amir", "relation=child")
	goal := fatima.add("goals", "title=Papieren op orde")
	fatima.add("network", "name=Buurvrouw Els")

	var manage, view grant
	fatima.decode(fatima.ok("delegate", "grant", "ahmed.txt", "--role", "manage", "--scope", "income,debts", "--until", "1y", "--json"), &manage)
	syncBoth(1)
	fatima.decode(fatima.ok("delegate", "grant", "ahmed.txt", "--role", "view", "--scope", "care,household", "--until", "1y", "--json"), &view)
	syncBoth(2)

	// 1. Both grants hold on his side, with their own roles.
	out := ahmed.ok("managed", "list")
	for _, want := range []string{"manage · Debts, Income", "view · Care and support, Household"} {
		if !strings.Contains(out, want) {
			t.Errorf("managed list lacks %q:\n%s", want, out)
		}
	}
	if recs := ahmed.list("--managed", "Fatima"); len(recs) != 4 {
		t.Fatalf("he holds %d records, want income, debt, care and household", len(recs))
	}

	// 4. His copy refuses what he may only view, and says why.
	ahmed.fails(1, []string{"Fatima only lets you view Care", "not saved"}, "set", care, "provider=Anders", "--managed", "Fatima")
	ahmed.fails(1, []string{"outside what Fatima lets you change"}, "add", "goals", "title=x", "--managed", "Fatima")

	// 5. He changes the amount while she changes the status; her change
	// reaches his copy first. Both values keep their own author.
	ahmed.ok("set", debt, "amount=80", "--managed", "Fatima")
	fatima.ok("set", debt, "status=arrangement")
	fatima.ok("sync", "--dir", folder)
	ahmed.ok("sync", "--dir", folder)
	out = fatima.ok("sync", "--dir", folder)
	if strings.Contains(out, "Fatima's value holds, Fatima's") || !strings.Contains(out, "By Ahmed") {
		t.Errorf("her sync names the wrong person:\n%s", out)
	}
	if r := fatima.get(debt); r.Fields["amount"] != float64(8000) || r.Fields["status"] != "arrangement" {
		t.Fatalf("her debt = %v", r.Fields)
	}
	if hist := fatima.ok("history", debt); !strings.Contains(hist, "by Ahmed") {
		t.Errorf("her history does not show his change as his:\n%s", hist)
	}
	if log := fatima.ok("log", "--json"); !strings.Contains(log, `"person": "Ahmed"`) {
		t.Errorf("her log does not name him:\n%s", log)
	}

	// 3. A grant over goals brings the goal she made long before.
	var goals grant
	fatima.decode(fatima.ok("delegate", "grant", "ahmed.txt", "--role", "manage", "--scope", "goals", "--until", "1y", "--json"), &goals)
	syncBoth(1)
	if r := ahmed.get(goal, "--managed", "Fatima"); r.Fields["title"] != "Papieren op orde" {
		t.Fatalf("the existing goal did not arrive: %+v", r)
	}

	// 2. Revoking the view grant ends only that one.
	fatima.ok("delegate", "revoke", view.ID[:8])
	syncBoth(2)
	var list []jsonDelegation
	lenient(t, fatima.ok("delegate", "list", "--json"), &list)
	for _, d := range list {
		want := "active"
		if d.ID == view.ID {
			want = "revoked"
		}
		if d.Status != want {
			t.Errorf("grant %s is %s, want %s", d.ID[:8], d.Status, want)
		}
	}
	if out := ahmed.ok("managed", "list"); !strings.Contains(out, "revoked by the owner") || !strings.Contains(out, "manage · Debts, Income · until") {
		t.Errorf("managed list after revoking one grant:\n%s", out)
	}
	ahmed.ok("set", debt, "status=paid", "--managed", "Fatima")
	syncBoth(2)
	if r := fatima.get(debt); r.Fields["status"] != "paid" {
		t.Fatalf("his edit under the remaining grant did not arrive: %v", r.Fields)
	}

	// An emergency grant over network: he asks, she does not answer, the
	// wait runs out and the existing record comes.
	fatima.ok("delegate", "grant", "ahmed.txt", "--role", "view", "--scope", "network", "--until", "1y", "--emergency-wait", "1h")
	syncBoth(1)
	ahmed.ok("--managed", "Fatima", "emergency", "request")
	syncBoth(1)
	later := "KLUISCTL_TEST_NOW=" + time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339)
	fatima.extra, ahmed.extra = []string{later}, []string{later}
	syncBoth(1)
	fatima.extra, ahmed.extra = nil, nil
	if recs := ahmed.list("--managed", "Fatima"); !hasCategory(recs, "network") {
		t.Fatalf("the network record did not arrive after the wait: %+v", recs)
	}

	// 6. A share on her behalf: not while his change waits for her vault;
	// then it holds what she has, reaches her list, and she revokes it.
	town := newEnv(t)
	town.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	town.intakeOK("keygen", "--org", "Gemeente Zwolle", "-o", filepath.Join(town.dir, "org"))
	card := filepath.Join(town.dir, "org", "organisation.card")
	ahmed.ok("set", debt, "arrangement=20 per maand", "--managed", "Fatima")
	shareArgs := []string{"--managed", "Fatima", "share", "create", "--to", card, "--scope", "income,debts",
		"--purpose", "Schuldhulp", "-o", filepath.Join(ahmed.dir, "namens.kluis"), "--json"}
	ahmed.fails(1, []string{"Sync first"}, shareArgs...)
	syncBoth(2)
	var made sharedJSON
	lenient(t, ahmed.ok(shareArgs...), &made)
	if made.Records != 2 {
		t.Errorf("the share on her behalf holds %d records, want the income and the debt", made.Records)
	}
	ahmed.ok("sync", "--dir", folder)
	if out := fatima.ok("sync", "--dir", folder); !strings.Contains(out, "made on your behalf") {
		t.Errorf("her sync does not mention the share:\n%s", out)
	}
	if out := fatima.ok("share", "list"); !strings.Contains(out, made.ID) {
		t.Fatalf("the share on her behalf is not in her list:\n%s", out)
	}
	fatima.ok("share", "revoke", made.ID, "-o", "intrekking.txt")
	if out := fatima.ok("share", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("share list after revoking:\n%s", out)
	}

	// 4. He changes the goal; she revokes the goals grant before his pack
	// arrives. Her vault refuses the change by rule, he is told so (not
	// that she refused it), and his copy sets the goal back to hers.
	ahmed.ok("set", goal, "status=reached", "--managed", "Fatima")
	ahmed.ok("sync", "--dir", folder)
	fatima.ok("delegate", "revoke", goals.ID[:8])
	if out := fatima.ok("sync", "--dir", folder); !strings.Contains(out, "Refused: 1 item of pack") {
		t.Errorf("her sync does not refuse the goal:\n%s", out)
	}
	out = ahmed.ok("sync", "--dir", folder)
	for _, want := range []string{"vault did not take 1 item of your pack", "The rule of your permission decided this, not Fatima", "1 item in Fatima's vault set back"} {
		if !strings.Contains(out, want) {
			t.Errorf("his sync lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Fatima refused") {
		t.Errorf("his sync says Fatima refused what a rule refused:\n%s", out)
	}
	if r := ahmed.get(goal, "--managed", "Fatima"); r.Fields["status"] == "reached" {
		t.Errorf("his copy keeps the refused goal: %v", r.Fields)
	}
	if r := fatima.get(goal); r.Fields["status"] == "reached" {
		t.Errorf("her vault took the refused goal: %v", r.Fields)
	}
}

func hasCategory(recs []record, cat string) bool {
	for _, r := range recs {
		if r.Category == cat {
			return true
		}
	}
	return false
}
