package delegation

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"kluis/sync/delegate"
)

// TestHelperSendsOnlyItsOwnChanges: a helper's copy, made from the owner's
// packs, is not sent back to her; what he changes is, also when a change of
// hers merged into the same record meanwhile.
func TestHelperSendsOnlyItsOwnChanges(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o700)
	mother := newSide(t, dir, "Fatima")
	son := newSide(t, dir, "Youssef")
	son.pin(mother)
	var ids []string
	for _, c := range []string{"Belastingdienst", "CJIB", "DUO"} {
		r, err := mother.v.Add("debts", map[string]string{"creditor": c, "amount": "250"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	mother.grant(son, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
	mother.sync(folder)

	res := son.sync(folder)
	if len(res.Received) != 1 || len(res.Received[0].Added) != 3 {
		t.Fatalf("son received %+v, refused %+v", res.Received, res.Refused)
	}
	if len(res.Written) != 1 || res.Written[0].Records != 0 {
		t.Fatalf("son wrote %+v, want one pack (the acknowledgement) without records", res.Written)
	}

	// He edits one record and moves another to the recycle bin; she edits
	// the second before his changes reach her, so the version his copy
	// merges is by her but still holds his delete.
	rep := son.replica(mother)
	if _, err := rep.Update(ids[0], map[string]string{"creditor": "Belastingdienst", "amount": "300"}); err != nil {
		t.Fatal(err)
	}
	if err := rep.Delete(ids[1]); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	if _, err := mother.v.Update(ids[1], map[string]string{"creditor": "CJIB", "amount": "99"}); err != nil {
		t.Fatal(err)
	}
	mother.sync(folder)
	res = son.sync(folder)
	if len(res.Written) != 1 || res.Written[0].Records != 2 {
		t.Fatalf("son wrote %+v, want his two changed records", res.Written)
	}
	mother.sync(folder)
	got, err := mother.v.Get(ids[0])
	if err != nil || got.Fields["amount"] != "30000" {
		t.Fatalf("his edit at mother: %+v, %v", got, err)
	}
	got, err = mother.v.Get(ids[1])
	if err != nil || !got.Deleted || got.Fields["amount"] != "9900" {
		t.Fatalf("his delete at mother: %+v, %v", got, err)
	}
}
