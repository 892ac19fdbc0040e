package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDelegationScenario is the whole story: a mother grants her son
// manage on income and debts for a year; he adds a debt; after the folder
// syncs she sees it marked as his; both edit the same field offline and end
// with the same value, the other one in the history; she revokes him and
// his next pack is refused.
func TestDelegationScenario(t *testing.T) {
	t.Parallel()
	mother, son := newEnv(t), newEnv(t)
	folder := filepath.Join(t.TempDir(), "Sync")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	mother.ok("init", "--name", "Fatima")
	son.ok("init", "--name", "Youssef")
	mother.ok("contact", "-o", "fatima.txt")
	sonCode := son.ok("contact", "-o", filepath.Join(mother.dir, "youssef.txt"), "--qr", "youssef.png")
	if !strings.HasPrefix(sonCode, "kluis:contact/v1/") || !strings.Contains(sonCode, "Digits to read aloud") {
		t.Fatalf("contact printed %q", sonCode)
	}
	if b, err := os.ReadFile(filepath.Join(son.dir, "youssef.png")); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatalf("--qr wrote no PNG: %v", err)
	}
	son.ok("contact", "add", filepath.Join(mother.dir, "fatima.txt"))

	grant := mother.ok("delegate", "grant", "youssef.txt", "--role", "manage", "--scope", "income,debts", "--until", "1y", "--json")
	var g struct {
		ID         string   `json:"id"`
		Delegate   string   `json:"delegate"`
		Role       string   `json:"role"`
		Categories []string `json:"categories"`
		ValidUntil string   `json:"valid_until"`
	}
	mother.decode(grant, &g)
	if g.Delegate != "Youssef" || g.Role != "manage" || strings.Join(g.Categories, ",") != "debts,income" {
		t.Fatalf("grant = %+v", g)
	}
	mother.add("income", "source=AOW", "amount=1400")
	mother.add("goals", "title=Papieren op orde")

	mother.ok("sync", "--dir", folder)
	if out := son.ok("sync", "--dir", folder); !strings.Contains(out, "Fatima's vault: 1 new") {
		t.Fatalf("son's first sync:\n%s", out)
	}
	if out := son.ok("managed", "list"); !strings.Contains(out, "Fatima") || !strings.Contains(out, "manage") {
		t.Fatalf("managed list:\n%s", out)
	}
	if recs := son.list("--managed", "Fatima"); len(recs) != 1 || recs[0].Category != "income" {
		t.Fatalf("son sees %+v, want only the income", recs)
	}

	debt := son.add("debts", "creditor=Belastingdienst", "amount=250", "--managed", "Fatima")
	// He adds a letter from abroad, linked to the debt.
	letterPath, letter := son.randomFile("aanslag.pdf", 600*1024+7)
	var sent document
	son.decode(son.ok("doc", "add", letterPath, "--record", debt, "--managed", "Fatima", "--json"), &sent)
	son.ok("sync", "--dir", folder)
	if out := mother.ok("sync", "--dir", folder); !strings.Contains(out, "By Youssef") {
		t.Fatalf("mother's sync does not say who:\n%s", out)
	}
	if r := mother.get(debt); r.Author.Person != "Youssef" || r.Fields["creditor"] != "Belastingdienst" {
		t.Fatalf("mother's debt = %+v", r)
	}
	var docs []document
	mother.decode(mother.ok("doc", "list", "--json"), &docs)
	if len(docs) != 1 || docs[0].ID != sent.ID || docs[0].Record != debt || docs[0].Name != "aanslag.pdf" || docs[0].Author.Person != "Youssef" {
		t.Fatalf("mother's documents = %+v, want his letter on the debt", docs)
	}
	if out := mother.ok("get", sent.ID); !strings.Contains(out, "Youssef") {
		t.Errorf("the letter is not marked as his:\n%s", out)
	}
	copyPath := filepath.Join(mother.dir, "brief.pdf")
	mother.ok("doc", "get", sent.ID, "-o", copyPath)
	if got, _ := os.ReadFile(copyPath); !bytes.Equal(got, letter) {
		t.Fatalf("the letter arrived with %d bytes, want the %d he added", len(got), len(letter))
	}
	if out := mother.ok("history", debt); !strings.Contains(out, "by Youssef") {
		t.Errorf("history does not show the son:\n%s", out)
	}

	// Both change the amount while apart.
	mother.ok("set", debt, "amount=300")
	son.ok("set", debt, "amount=275", "--managed", "Fatima")
	for range 2 {
		mother.ok("sync", "--dir", folder)
		son.ok("sync", "--dir", folder)
	}
	a, b := mother.get(debt), son.get(debt, "--managed", "Fatima")
	if a.Fields["amount"] != b.Fields["amount"] {
		t.Fatalf("amounts differ: mother %v, son %v", a.Fields["amount"], b.Fields["amount"])
	}
	lost := "€ 300,00"
	if a.Fields["amount"] == float64(30000) {
		lost = "€ 275,00"
	}
	for name, out := range map[string]string{"mother": mother.ok("history", debt), "son": son.ok("history", debt, "--managed", "Fatima")} {
		if !strings.Contains(out, lost) {
			t.Errorf("%s's history lacks the other value %s:\n%s", name, lost, out)
		}
	}

	// He makes a share on her behalf that the municipality verifies.
	shareOnBehalf(t, son, debt)

	list := mother.ok("delegate", "list")
	for _, want := range []string{"Youssef", "manage", "Income", "Debts", "active", "changes by this helper", debt} {
		if !strings.Contains(list, want) {
			t.Errorf("delegate list lacks %q:\n%s", want, list)
		}
	}

	// He edits once more; she revokes before his pack arrives: refused.
	son.ok("set", debt, "status=paid", "--managed", "Fatima")
	son.ok("sync", "--dir", folder)
	mother.ok("delegate", "revoke", g.ID[:8])
	out := mother.ok("sync", "--dir", folder)
	if !strings.Contains(out, "Refused") || !strings.Contains(out, "access was revoked") {
		t.Fatalf("mother's sync after revoking:\n%s", out)
	}
	if r := mother.get(debt); r.Fields["status"] == "paid" {
		t.Fatal("a revoked delegate's edit was merged")
	}
	if log := mother.ok("log"); !strings.Contains(log, "Sync pack refused") || !strings.Contains(log, "Helper's access revoked") {
		t.Errorf("log lacks the refusal or the revocation:\n%s", log)
	}
	out = son.ok("sync", "--dir", folder)
	if !strings.Contains(out, "refused your pack") {
		t.Errorf("the son is not told his pack was refused:\n%s", out)
	}
	if out := son.ok("managed", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("managed list after revocation:\n%s", out)
	}
	son.fails(1, []string{"Fatima revoked your access"}, "list", "--managed", "Fatima")
	// Nothing more goes to him.
	mother.add("debts", "creditor=Energie", "amount=80")
	if out := mother.ok("sync", "--dir", folder, "--json"); strings.Contains(out, `"to": "Youssef"`) {
		t.Errorf("a pack was written for the revoked delegate:\n%s", out)
	}
}

// shareOnBehalf has the son make a bundle of his mother's income and debts
// for the municipality, signed by him with her certificate attached; the
// municipality imports it, and its show, list and export say who
// delivered it on whose behalf.
func shareOnBehalf(t *testing.T, son *env, debt string) {
	t.Helper()
	town := newEnv(t)
	town.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	town.intakeOK("keygen", "--org", "Gemeente Zwolle", "-o", filepath.Join(town.dir, "org"))
	card := filepath.Join(town.dir, "org", "organisation.card")
	bundlePath := filepath.Join(son.dir, "namens-fatima.kluis")

	var made struct {
		sharedJSON
		OnBehalfOf string `json:"on_behalf_of"`
	}
	son.decode(son.ok("--managed", "Fatima", "share", "create", "--to", card, "--scope", "income,debts",
		"--purpose", "Aanvraag schuldhulp", "-o", bundlePath, "--json"), &made)
	if made.OnBehalfOf != "Fatima" || made.Records != 2 || made.Documents != 1 {
		t.Fatalf("share on behalf = %+v", made)
	}
	if log := son.ok("log", "--managed", "Fatima", "--json"); !strings.Contains(log, `"share.created"`) || !strings.Contains(log, "by Youssef on behalf of Fatima") {
		t.Errorf("his log of her vault lacks the share on her behalf:\n%s", log)
	}

	var imp struct {
		importJSONOut
		OnBehalf struct {
			Owner string `json:"owner"`
			Role  string `json:"role"`
		} `json:"on_behalf"`
	}
	lenient(t, town.intakeOK("import", bundlePath, "--json"), &imp)
	if imp.ID != made.ID || imp.Issuer != "Youssef" || imp.OnBehalf.Owner != "Fatima" || imp.OnBehalf.Role != "manage" || imp.Records != 2 {
		t.Fatalf("import = %+v", imp)
	}
	town.lang = "nl_NL.UTF-8"
	for _, out := range []string{town.intakeOK("show", imp.ID), town.intakeOK("list")} {
		if !strings.Contains(out, "Youssef namens Fatima") {
			t.Errorf("intake does not say who delivered it for whom:\n%s", out)
		}
	}
	if out := town.intakeOK("show", imp.ID); !strings.Contains(out, "aangeleverd door Youssef namens Fatima") || !strings.Contains(out, "geen wettelijke machtiging") {
		t.Errorf("show:\n%s", out)
	}
	town.intakeOK("export", imp.ID, "-o", "zaak")
	meta, _ := os.ReadFile(filepath.Join(town.dir, "zaak", "documenten.json"))
	for _, want := range []string{`"indicatieMachtiging": "gemachtigde"`, `"naam": "Youssef"`, `"indicatieMachtiging": "machtiginggever"`, "Aangeleverd door Youssef namens Fatima"} {
		if !strings.Contains(string(meta), want) {
			t.Errorf("documenten.json lacks %s:\n%s", want, meta)
		}
	}
	summary, _ := os.ReadFile(filepath.Join(town.dir, "zaak", "samenvatting.html"))
	if !strings.Contains(string(summary), "aangeleverd door Youssef namens Fatima") || !strings.Contains(string(summary), "Gegevens van Fatima") {
		t.Errorf("the summary does not say who delivered it:\n%s", summary)
	}
	if records, _ := os.ReadFile(filepath.Join(town.dir, "zaak", "records.json")); !strings.Contains(string(records), debt) {
		t.Error("the debt he added is not in the bundle")
	}
}

// TestEmergencyAccess: a grant with a 72-hour emergency wait stays closed
// until the helper asks and the wait is over; the owner can approve
// earlier, and access opens.
func TestEmergencyAccess(t *testing.T) {
	t.Parallel()
	mother, son := newEnv(t), newEnv(t)
	folder := filepath.Join(t.TempDir(), "Sync")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	mother.ok("init", "--name", "Fatima")
	son.ok("init", "--name", "Youssef")
	mother.ok("contact", "-o", "fatima.txt")
	son.ok("contact", "-o", filepath.Join(mother.dir, "youssef.txt"))
	son.ok("contact", "add", filepath.Join(mother.dir, "fatima.txt"))
	var g struct {
		ID         string    `json:"id"`
		Delegate   string    `json:"delegate"`
		Role       string    `json:"role"`
		Categories []string  `json:"categories"`
		ValidUntil time.Time `json:"valid_until"`
	}
	mother.decode(mother.ok("delegate", "grant", "youssef.txt", "--role", "manage", "--scope", "income", "--until", "1y",
		"--emergency-wait", "72h", "--json"), &g)
	mother.add("income", "source=AOW", "amount=1400")

	mother.ok("sync", "--dir", folder)
	son.ok("sync", "--dir", folder)
	if out := son.ok("managed", "list"); !strings.Contains(out, "not asked") {
		t.Fatalf("managed list before asking:\n%s", out)
	}
	if recs := son.list("--managed", "Fatima"); len(recs) != 0 {
		t.Fatalf("closed emergency access let %d records through", len(recs))
	}
	mother.fails(1, []string{"has not asked"}, "delegate", "approve", g.ID[:8])

	if out := son.ok("--managed", "Fatima", "emergency", "request"); !strings.Contains(out, "opens on") {
		t.Fatalf("emergency request:\n%s", out)
	}
	son.ok("sync", "--dir", folder)
	mother.ok("sync", "--dir", folder)
	if out := mother.ok("delegate", "list"); !strings.Contains(out, "emergency access asked: opens on") {
		t.Fatalf("delegate list after the request:\n%s", out)
	}
	// Before the wait is over, nothing goes to him.
	son.ok("sync", "--dir", folder)
	if recs := son.list("--managed", "Fatima"); len(recs) != 0 {
		t.Fatalf("access opened before the wait: %d records", len(recs))
	}
	// Once the wait is over (a test clock 73 hours on), it would open.
	later := []string{"KLUISCTL_TEST_NOW=" + time.Now().Add(73*time.Hour).UTC().Format(time.RFC3339), "KLUIS_PASSPHRASE_FILE=" + mother.pass}
	if r := mother.runEnv(later, "--vault", mother.vault, "delegate", "list"); r.code != 0 || !strings.Contains(r.stdout, "emergency access open (wait over)") {
		t.Fatalf("delegate list after the wait: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// She approves now: access opens at once.
	mother.ok("delegate", "approve", g.ID[:8])
	if out := mother.ok("delegate", "list"); !strings.Contains(out, "emergency access open (approved)") || !strings.Contains(out, "active") {
		t.Fatalf("delegate list after approving:\n%s", out)
	}
	mother.ok("sync", "--dir", folder)
	son.ok("sync", "--dir", folder)
	if recs := son.list("--managed", "Fatima"); len(recs) != 1 || recs[0].Category != "income" {
		t.Fatalf("after approval he sees %+v", recs)
	}
	if out := son.ok("managed", "list"); !strings.Contains(out, "emergency access open (approved)") {
		t.Errorf("managed list after approval:\n%s", out)
	}
	if log := mother.ok("log"); !strings.Contains(log, "Emergency") && !strings.Contains(log, "emergency") {
		t.Errorf("log lacks the answer:\n%s", log)
	}
}
