package delegation

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kluis/sync/delegate"
	"kluis/vault"
)

// twoSides is an owner and a helper who pinned her contact, with a folder.
func twoSides(t *testing.T) (owner, helper *side, folder string) {
	dir := t.TempDir()
	folder = filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o700)
	owner, helper = newSide(t, dir, "Fatima"), newSide(t, dir, "Ahmed")
	helper.pin(owner)
	return owner, helper, folder
}

// exchange runs the owner's and then the helper's sync, n times.
func exchange(owner, helper *side, folder string, n int) {
	for range n {
		owner.sync(folder)
		helper.sync(folder)
	}
}

func categories(t *testing.T, v *vault.Vault) map[string]int {
	t.Helper()
	c, err := v.Counts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSecondGrantKeepsTheFirst: manage on income and debts, then view on
// care and household: both arrive, and the helper may still edit debts.
func TestSecondGrantKeepsTheFirst(t *testing.T) {
	owner, helper, folder := twoSides(t)
	year := time.Now().AddDate(1, 0, 0)
	debt, _ := owner.v.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"})
	if _, err := owner.v.Add("care", map[string]string{"kind": "home_care", "provider": "Buurtzorg"}); err != nil {
		t.Fatal(err)
	}
	owner.grant(helper, delegate.RoleManage, []string{"debts", "income"}, year)
	exchange(owner, helper, folder, 1)
	owner.grant(helper, delegate.RoleView, []string{"care", "household"}, year)
	exchange(owner, helper, folder, 2)

	ms, _ := ManagedVaults(helper.v)
	m := ms[owner.c.Fingerprint()]
	if got := len(m.Certs()); got != 2 {
		t.Fatalf("helper keeps %d grants, want 2", got)
	}
	acc, err := m.Access(helper.v, time.Now())
	if err != nil || !slices.Equal(acc.View, []string{"care", "debts", "household", "income"}) || !slices.Equal(acc.Manage, []string{"debts", "income"}) {
		t.Fatalf("access = %+v, %v", acc, err)
	}
	rep := helper.replica(owner)
	if c := categories(t, rep); c["care"] != 1 || c["debts"] != 1 {
		t.Fatalf("replica holds %v, want the care need and the debt", c)
	}
	if _, err := rep.Update(debt.ID, map[string]string{"amount": "80"}); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	helper.sync(folder)
	res := owner.sync(folder)
	if len(res.Refused) != 0 {
		t.Fatalf("owner refused %+v", res.Refused)
	}
	if d, _ := owner.v.Get(debt.ID); d.Fields["amount"] != "8000" {
		t.Fatalf("the debt edit under the first grant did not arrive: %v", d.Fields)
	}
}

// TestRevokeOneOfTwoGrants: revoking the view grant ends that access
// only; the manage grant stays open on both sides.
func TestRevokeOneOfTwoGrants(t *testing.T) {
	owner, helper, folder := twoSides(t)
	year := time.Now().AddDate(1, 0, 0)
	debt, _ := owner.v.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"})
	owner.grant(helper, delegate.RoleManage, []string{"debts"}, year)
	view := owner.grant(helper, delegate.RoleView, []string{"care"}, year)
	exchange(owner, helper, folder, 1)
	if err := Revoke(owner.v, view, time.Now()); err != nil {
		t.Fatal(err)
	}
	exchange(owner, helper, folder, 1)

	ms, _ := ManagedVaults(helper.v)
	m := ms[owner.c.Fingerprint()]
	if m.Revocation != "" || !m.IsRevoked(view) {
		t.Fatalf("helper: all revoked %v, view revoked %v", m.Revocation != "", m.IsRevoked(view))
	}
	if err := m.CheckEdit(helper.v, "debts", time.Now()); err != nil {
		t.Fatalf("debts after revoking the other grant: %v", err)
	}
	rep := helper.replica(owner)
	rep.Update(debt.ID, map[string]string{"status": "paid"})
	rep.Close()
	helper.sync(folder)
	if res := owner.sync(folder); len(res.Refused) != 0 {
		t.Fatalf("owner refused %+v", res.Refused)
	}
	if d, _ := owner.v.Get(debt.ID); d.Fields["status"] != "paid" {
		t.Fatalf("edit under the remaining grant not merged: %v", d.Fields)
	}
	// New debts still reach him.
	owner.v.Add("debts", map[string]string{"creditor": "DUO", "amount": "5"})
	exchange(owner, helper, folder, 1)
	if c := categories(t, helper.replica(owner)); c["debts"] != 2 {
		t.Fatalf("replica holds %v", c)
	}
}

// TestWiderAccessSendsExistingRecords: a new grant over categories that
// already hold records, and an emergency grant whose wait runs out
// unanswered, both bring every existing record (and document) of the new
// categories.
func TestWiderAccessSendsExistingRecords(t *testing.T) {
	owner, helper, folder := twoSides(t)
	year := time.Now().AddDate(1, 0, 0)
	owner.v.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"})
	house, _ := owner.v.Add("household", map[string]string{"given_names": "Amir", "relation": "child"})
	owner.v.AddDocument(t.Context(), "geboorteakte.pdf", strings.NewReader("akte"), vault.DocumentOptions{Record: house.ID})
	goal, _ := owner.v.Add("goals", map[string]string{"title": "Werk"})
	owner.grant(helper, delegate.RoleManage, []string{"debts"}, year)
	exchange(owner, helper, folder, 2)

	owner.grant(helper, delegate.RoleView, []string{"household"}, year)
	exchange(owner, helper, folder, 1)
	rep := helper.replica(owner)
	if c := categories(t, rep); c["household"] != 1 {
		t.Fatalf("after widening the replica holds %v, want the existing household member", c)
	}
	if docs, _ := rep.Documents(false); len(docs) != 1 {
		t.Fatalf("after widening the replica holds %d documents, want 1", len(docs))
	}
	rep.Close()

	// An emergency grant over goals: the wait runs out unanswered.
	g := delegate.Grant{Owner: delegate.PartyOf(owner.c), Delegate: delegate.PartyOf(helper.c), Role: delegate.RoleView,
		Categories: []string{"goals"}, ValidFrom: time.Now().Add(-time.Minute), ValidUntil: year, EmergencyWait: time.Hour}
	if _, err := GrantTo(owner.v, g, time.Now()); err != nil {
		t.Fatal(err)
	}
	exchange(owner, helper, folder, 1)
	ms, _ := ManagedVaults(helper.v)
	if _, err := RequestEmergency(helper.v, ms[owner.c.Fingerprint()], time.Now()); err != nil {
		t.Fatal(err)
	}
	helper.sync(folder)
	owner.sync(folder)
	helper.sync(folder)
	rep = helper.replica(owner)
	if _, err := rep.Get(goal.ID); err == nil {
		t.Fatal("the goal arrived before the wait ran out")
	}
	rep.Close()
	later := time.Now().Add(2 * time.Hour)
	owner.syncAt(folder, later)
	helper.syncAt(folder, later)
	if _, err := helper.replica(owner).Get(goal.ID); err != nil {
		t.Fatalf("the goal did not arrive once the wait ran out: %v", err)
	}
}

// TestHelperCopyRefusesAndRollsBack: the helper's copy refuses at once an
// edit his grants do not allow; an edit the owner refused anyway (made by
// a copy that did not check) is set back to the owner's version, the
// refused one kept in the history.
func TestHelperCopyRefusesAndRollsBack(t *testing.T) {
	owner, helper, folder := twoSides(t)
	year := time.Now().AddDate(1, 0, 0)
	debt, _ := owner.v.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"})
	owner.grant(helper, delegate.RoleView, []string{"debts"}, year)
	owner.grant(helper, delegate.RoleManage, []string{"income"}, year)
	exchange(owner, helper, folder, 1)

	ms, _ := ManagedVaults(helper.v)
	rv, err := OpenReplica(helper.v, ms[owner.c.Fingerprint()])
	if err != nil {
		t.Fatal(err)
	}
	var re *EditRefusedError
	if _, err := rv.Update(debt.ID, map[string]string{"amount": "1"}); !errors.As(err, &re) || re.Code != delegate.CodeViewOnly {
		t.Fatalf("view-only edit: %v", err)
	}
	if _, err := rv.Add("goals", map[string]string{"title": "x"}); !errors.As(err, &re) || re.Code != delegate.CodeOutOfScope {
		t.Fatalf("out-of-scope add: %v", err)
	}
	if _, err := rv.Add("income", map[string]string{"source": "UWV", "amount": "5"}); err != nil {
		t.Fatalf("in-scope add refused: %v", err)
	}
	if d, _ := rv.Get(debt.ID); d.Fields["amount"] != "9000" {
		t.Fatalf("refused edit stored: %v", d.Fields)
	}
	rv.Close()

	// A copy that does not check.
	rep := helper.replica(owner)
	rep.Update(debt.ID, map[string]string{"amount": "1"})
	goal, _ := rep.Add("goals", map[string]string{"title": "x"})
	rep.Close()
	helper.sync(folder)
	owner.sync(folder)
	res := helper.sync(folder)
	if len(res.RolledBack) != 2 {
		t.Fatalf("rolled back %+v", res.RolledBack)
	}
	rep = helper.replica(owner)
	if d, _ := rep.Get(debt.ID); d.Fields["amount"] != "9000" || d.Author.Person != "Fatima" {
		t.Fatalf("the refused edit stayed: %v by %s", d.Fields, d.Author.Person)
	}
	hist, _ := rep.History(debt.ID)
	if !slices.ContainsFunc(hist, func(h vault.Record) bool { return h.Fields["amount"] == "100" }) {
		t.Fatal("the refused version is not in the history")
	}
	if g, _ := rep.Get(goal.ID); !g.Deleted {
		t.Fatal("the refused new record stayed")
	}
	rep.Close()
	// Nothing goes back and forth after that.
	if res := helper.sync(folder); len(res.Written) != 0 {
		t.Fatalf("helper wrote %+v", res.Written)
	}
	if res := owner.sync(folder); len(res.Refused) != 0 {
		t.Fatalf("owner refused %+v", res.Refused)
	}
}
