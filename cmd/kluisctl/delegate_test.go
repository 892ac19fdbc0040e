package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
