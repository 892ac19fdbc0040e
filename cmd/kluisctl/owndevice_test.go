package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnSecondComputer: Fatima keeps her vault on two computers. The
// laptop grants the tablet --own-device; everything goes across, documents
// linked to nothing included, and what she changes on the tablet comes
// back as hers.
func TestOwnSecondComputer(t *testing.T) {
	t.Parallel()
	laptop, tablet := newEnv(t), newEnv(t)
	folder := filepath.Join(t.TempDir(), "Sync")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	laptop.ok("init", "--name", "Fatima")
	tablet.ok("init", "--name", "Fatima")
	laptop.ok("contact", "-o", filepath.Join(tablet.dir, "laptop.txt"))
	tablet.ok("contact", "-o", filepath.Join(laptop.dir, "tablet.txt"))
	tablet.ok("contact", "add", "laptop.txt")
	laptop.fails(2, []string{"--own-device"}, "delegate", "grant", "tablet.txt", "--own-device", "--role", "view")
	out := laptop.ok("delegate", "grant", "tablet.txt", "--own-device")
	if !strings.Contains(out, "--managed Fatima") {
		t.Fatalf("grant --own-device:\n%s", out)
	}
	income := laptop.add("income", "source=AOW", "amount=1400")
	goal := laptop.add("goals", "title=Papieren op orde")
	notePath, _ := laptop.randomFile("notitie.txt", 1000)
	laptop.ok("doc", "add", notePath)

	laptop.ok("sync", "--dir", folder)
	tablet.ok("sync", "--dir", folder)
	if recs := tablet.list("--managed", "Fatima"); len(recs) != 2 {
		t.Fatalf("the tablet holds %+v, want both records", recs)
	}
	var docs []document
	tablet.decode(tablet.ok("doc", "list", "--managed", "Fatima", "--json"), &docs)
	if len(docs) != 1 {
		t.Fatalf("the tablet holds %d documents, want the unlinked note", len(docs))
	}
	tablet.ok("set", goal, "status=reached", "--managed", "Fatima")
	tablet.ok("set", income, "amount=1450", "--managed", "Fatima")
	tablet.ok("sync", "--dir", folder)
	if out := laptop.ok("sync", "--dir", folder); strings.Contains(out, "Refused") {
		t.Fatalf("the laptop refused the tablet's changes:\n%s", out)
	}
	if r := laptop.get(goal); r.Fields["status"] != "reached" || r.Author.Person != "Fatima" {
		t.Fatalf("the laptop's goal = %+v", r)
	}
	if r := laptop.get(income); r.Fields["amount"] != float64(145000) {
		t.Fatalf("the laptop's income = %+v", r.Fields)
	}
	// And back: a change on the laptop reaches the tablet.
	laptop.ok("set", income, "period=month")
	laptop.ok("sync", "--dir", folder)
	tablet.ok("sync", "--dir", folder)
	if r := tablet.get(income, "--managed", "Fatima"); r.Fields["period"] != "month" || r.Fields["amount"] != float64(145000) {
		t.Fatalf("the tablet's income = %+v", r.Fields)
	}
}
