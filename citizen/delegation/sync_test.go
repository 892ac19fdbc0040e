package delegation

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kluis/sync/delegate"
	"kluis/vault"
)

func TestTwoVaultsThroughAFolder(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o700)
	mother := newSide(t, dir, "Fatima")
	son := newSide(t, dir, "Youssef")
	son.pin(mother)

	income, err := mother.v.Add("income", map[string]string{"source": "UWV", "amount": "1234,56"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mother.v.Add("goals", map[string]string{"title": "Werk vinden"}); err != nil {
		t.Fatal(err)
	}
	mother.grant(son, delegate.RoleManage, []string{"income", "debts"}, time.Now().AddDate(1, 0, 0))

	res := mother.sync(folder)
	if len(res.Written) != 1 || res.Written[0].Records != 1 {
		t.Fatalf("mother wrote %+v, want one pack with the income only", res.Written)
	}
	res = son.sync(folder)
	if len(res.Received) != 1 || !res.Received[0].Managed || len(res.Received[0].Added) != 1 {
		t.Fatalf("son received %+v, refused %+v", res.Received, res.Refused)
	}
	rep := son.replica(mother)
	got, err := rep.Get(income.ID)
	if err != nil || got.Fields["source"] != "UWV" {
		t.Fatalf("replica income = %+v, %v", got, err)
	}
	if cats, _ := rep.Counts(); cats["goals"] != 0 {
		t.Errorf("goals reached the delegate: %v", cats)
	}
	debt, err := rep.Add("debts", map[string]string{"creditor": "Belastingdienst", "amount": "250"})
	if err != nil {
		t.Fatal(err)
	}
	rep.Close()

	son.sync(folder)
	res = mother.sync(folder)
	if len(res.Refused) != 0 || len(res.Received) == 0 {
		t.Fatalf("mother: received %+v refused %+v", res.Received, res.Refused)
	}
	d, err := mother.v.Get(debt.ID)
	if err != nil || d.Author.Person != "Youssef" {
		t.Fatalf("debt at mother = %+v, %v; want it marked as Youssef's", d, err)
	}

	// Quiet: after the acknowledgements settle nobody writes anything.
	for range 3 {
		son.sync(folder)
		mother.sync(folder)
	}
	if res := mother.sync(folder); len(res.Written) != 0 {
		t.Errorf("no-change sync wrote %+v", res.Written)
	}
	if res := son.sync(folder); len(res.Written) != 0 {
		t.Errorf("no-change sync (son) wrote %+v", res.Written)
	}

	// Both edit the same field offline.
	if _, err := mother.v.Update(debt.ID, map[string]string{"amount": "300"}); err != nil {
		t.Fatal(err)
	}
	rep = son.replica(mother)
	if _, err := rep.Update(debt.ID, map[string]string{"amount": "275"}); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	for range 3 {
		mother.sync(folder)
		son.sync(folder)
	}
	rep = son.replica(mother)
	a, _ := mother.v.Get(debt.ID)
	b, _ := rep.Get(debt.ID)
	if a.Fields["amount"] != b.Fields["amount"] {
		t.Fatalf("diverged: mother %s, son %s", a.Fields["amount"], b.Fields["amount"])
	}
	other := "30000"
	if a.Fields["amount"] == "30000" {
		other = "27500"
	}
	for _, v := range []*vault.Vault{mother.v, rep} {
		h, _ := v.History(debt.ID)
		if !slices.ContainsFunc(h, func(r vault.Record) bool { return r.Fields["amount"] == other }) {
			t.Errorf("the losing value %s is not in the history", other)
		}
	}
	rep.Close()
}
