package delegation

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kluis/sync/delegate"
)

// pair is a mother and son set up to sync through folder, after a first
// exchange so the son manages her vault.
type pair struct {
	folder      string
	mother, son *side
	cert        *delegate.Certificate
	debtID      string
}

func newPair(t testing.TB, role string, cats []string, until time.Time) *pair {
	dir := t.TempDir()
	p := &pair{folder: filepath.Join(dir, "folder"), mother: newSide(t, dir, "Fatima"), son: newSide(t, dir, "Youssef")}
	os.Mkdir(p.folder, 0o700)
	p.son.pin(p.mother)
	d, err := p.mother.v.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"})
	if err != nil {
		t.Fatal(err)
	}
	p.debtID = d.ID
	p.cert = p.mother.grant(p.son, role, cats, until)
	p.mother.sync(p.folder)
	if res := p.son.sync(p.folder); len(res.Received) != 1 {
		t.Fatalf("first exchange: %+v", res)
	}
	return p
}

func codes(rs []Refusal) []delegate.Code {
	var out []delegate.Code
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// only reports whether something was refused, and all for code.
func only(rs []Refusal, code delegate.Code) bool {
	for _, r := range rs {
		if r.Code != code {
			return false
		}
	}
	return len(rs) > 0
}

func TestRefusals(t *testing.T) {
	year := time.Now().AddDate(1, 0, 0)
	t.Run("view-only delegate edits", func(t *testing.T) {
		p := newPair(t, delegate.RoleView, []string{"debts"}, year)
		rep := p.son.replica(p.mother)
		rep.Update(p.debtID, map[string]string{"amount": "1"})
		rep.Close()
		p.son.sync(p.folder)
		res := p.mother.sync(p.folder)
		if !slices.Contains(codes(res.Refused), delegate.CodeViewOnly) {
			t.Fatalf("refused %v", codes(res.Refused))
		}
		if d, _ := p.mother.v.Get(p.debtID); d.Fields["amount"] != "9000" {
			t.Fatalf("amount = %s", d.Fields["amount"])
		}
		if res := p.son.sync(p.folder); len(res.Reported) != 1 || res.Reported[0].Report.Code != delegate.CodeViewOnly {
			t.Fatalf("son was told %+v", res.Reported)
		}
	})
	t.Run("edit outside scope", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		rep := p.son.replica(p.mother)
		g, _ := rep.Add("goals", map[string]string{"title": "x"})
		d, _ := rep.Add("debts", map[string]string{"creditor": "DUO", "amount": "5"})
		rep.Close()
		p.son.sync(p.folder)
		res := p.mother.sync(p.folder)
		if len(res.Refused) != 1 || res.Refused[0].Code != delegate.CodeOutOfScope || !slices.Equal(res.Refused[0].Records, []string{g.ID}) {
			t.Fatalf("refused %+v", res.Refused)
		}
		if _, err := p.mother.v.Get(g.ID); err == nil {
			t.Fatal("out-of-scope record merged")
		}
		if _, err := p.mother.v.Get(d.ID); err != nil {
			t.Fatal("in-scope record of the same pack not merged")
		}
	})
	t.Run("expired certificate", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, time.Now().Add(time.Hour))
		rep := p.son.replica(p.mother)
		rep.Update(p.debtID, map[string]string{"amount": "1"})
		rep.Close()
		p.son.sync(p.folder)
		res := p.mother.syncAt(p.folder, time.Now().Add(2*time.Hour))
		if !only(res.Refused, delegate.CodeExpired) {
			t.Fatalf("refused %v", codes(res.Refused))
		}
	})
	t.Run("revoked certificate", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		if err := Revoke(p.mother.v, p.cert, time.Now()); err != nil {
			t.Fatal(err)
		}
		rep := p.son.replica(p.mother)
		rep.Update(p.debtID, map[string]string{"amount": "1"})
		rep.Close()
		p.son.sync(p.folder)
		res := p.mother.sync(p.folder)
		if !only(res.Refused, delegate.CodeRevoked) || len(res.Written) != 1 || res.Written[0].Records != 0 {
			t.Fatalf("refused %v, written %+v", codes(res.Refused), res.Written)
		}
		p.mother.v.Add("debts", map[string]string{"creditor": "Energie", "amount": "5"})
		if res := p.mother.sync(p.folder); len(res.Written) != 0 {
			t.Fatalf("wrote to a revoked delegate: %+v", res.Written)
		}
		p.son.sync(p.folder)
		ms, _ := ManagedVaults(p.son.v)
		if ms[p.mother.c.Fingerprint()].Revocation == "" {
			t.Fatal("son did not learn of the revocation")
		}
	})
	t.Run("forged signature", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		// A stranger who knows both public keys writes a pack as the son.
		stranger := newSide(t, t.TempDir(), "Mallory")
		pk := &delegate.Pack{Format: delegate.PackFormat, From: p.son.c.Fingerprint(), To: p.mother.c.Fingerprint(), Seq: 99, Records: nil}
		data, err := delegate.SealPack(stranger.v, p.mother.c.Recipient(), pk)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := delegate.WritePack(p.folder, pk.From, pk.Seq, data); err != nil {
			t.Fatal(err)
		}
		res := p.mother.sync(p.folder)
		if !slices.Equal(codes(res.Refused), []delegate.Code{delegate.CodeBadSignature}) {
			t.Fatalf("refused %v", codes(res.Refused))
		}
	})
	t.Run("pack for another vault", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		// Signed by the son for someone else, but encrypted to the mother.
		other := newSide(t, t.TempDir(), "Other")
		pk := &delegate.Pack{Format: delegate.PackFormat, From: p.son.c.Fingerprint(), To: other.c.Fingerprint(), Seq: 50}
		data, _ := delegate.SealPack(p.son.v, p.mother.c.Recipient(), pk)
		delegate.WritePack(p.folder, pk.From, pk.Seq, data)
		// And one encrypted to someone else altogether: silently ignored.
		data, _ = delegate.SealPack(p.son.v, other.c.Recipient(), &delegate.Pack{Format: delegate.PackFormat, From: p.son.c.Fingerprint(), To: other.c.Fingerprint(), Seq: 51})
		delegate.WritePack(p.folder, pk.From, 51, data)
		res := p.mother.sync(p.folder)
		if !slices.Equal(codes(res.Refused), []delegate.Code{delegate.CodeOtherVault}) {
			t.Fatalf("refused %v", codes(res.Refused))
		}
	})
	t.Run("unknown sender", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		x := newSide(t, t.TempDir(), "X")
		data, _ := delegate.SealPack(x.v, p.mother.c.Recipient(), &delegate.Pack{Format: delegate.PackFormat, From: x.c.Fingerprint(), To: p.mother.c.Fingerprint(), Seq: 1})
		delegate.WritePack(p.folder, x.c.Fingerprint(), 1, data)
		res := p.mother.sync(p.folder)
		if !slices.Equal(codes(res.Refused), []delegate.Code{delegate.CodeUnknownSender}) {
			t.Fatalf("refused %v", codes(res.Refused))
		}
	})
	t.Run("replayed and reordered packs", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		keep := t.TempDir()
		var names []string
		for i, amount := range []string{"1", "2", "3"} {
			rep := p.son.replica(p.mother)
			rep.Update(p.debtID, map[string]string{"amount": amount})
			rep.Close()
			res := p.son.sync(p.folder)
			names = append(names, res.Written[0].File)
			b, _ := os.ReadFile(filepath.Join(p.folder, res.Written[0].File))
			os.WriteFile(filepath.Join(keep, res.Written[0].File), b, 0o600)
			os.Remove(filepath.Join(p.folder, res.Written[0].File))
			_ = i
		}
		// Deliver newest first, then all again under the same names, then
		// copies under new names (a replay).
		for _, i := range []int{2, 0, 1} {
			b, _ := os.ReadFile(filepath.Join(keep, names[i]))
			os.WriteFile(filepath.Join(p.folder, names[i]), b, 0o600)
			if res := p.mother.sync(p.folder); len(res.Refused) != 0 {
				t.Fatalf("refused %+v", res.Refused)
			}
		}
		for _, n := range names {
			b, _ := os.ReadFile(filepath.Join(keep, n))
			from, seq, _ := delegate.PackName(n)
			delegate.WritePack(p.folder, from+"000000000000000000000000000000000000000000000000", seq, b)
		}
		res := p.mother.sync(p.folder)
		for _, r := range res.Received {
			if !r.Replayed {
				t.Errorf("replay not recognised: %+v", r)
			}
		}
		if d, _ := p.mother.v.Get(p.debtID); d.Fields["amount"] != "300" {
			t.Fatalf("amount = %s, want the newest (3)", d.Fields["amount"])
		}
	})
	t.Run("temporary and foreign files are ignored", func(t *testing.T) {
		p := newPair(t, delegate.RoleManage, []string{"debts"}, year)
		for _, n := range []string{".kluis-0123456789abcdef-1-0123456789abcdef.kluispack.123.tmp", "kluis-0123456789abcdef-1-0123456789abcdef.kluispack.part",
			"~syncthing~x.tmp", "notes.txt"} {
			os.WriteFile(filepath.Join(p.folder, n), []byte("junk"), 0o600)
		}
		if res := p.mother.sync(p.folder); len(res.Refused) != 0 {
			t.Fatalf("refused %+v", res.Refused)
		}
	})
}

// A new certificate after a revocation opens the door again: the owner
// sends to the delegate once more, and the delegate's edits are accepted.
func TestGrantAgainAfterRevocation(t *testing.T) {
	p := newPair(t, delegate.RoleManage, []string{"debts"}, time.Now().AddDate(1, 0, 0))
	if err := Revoke(p.mother.v, p.cert, time.Now()); err != nil {
		t.Fatal(err)
	}
	p.mother.sync(p.folder)
	p.son.sync(p.folder)
	time.Sleep(1100 * time.Millisecond) // the new certificate must be later than the revocation
	p.mother.grant(p.son, delegate.RoleManage, []string{"debts"}, time.Now().Add(365*24*time.Hour))
	newDebt, _ := p.mother.v.Add("debts", map[string]string{"creditor": "Waterbedrijf", "amount": "40"})
	res := p.mother.sync(p.folder)
	if len(res.Written) != 1 || res.Written[0].Records == 0 {
		t.Fatalf("nothing sent after the new grant: %+v", res.Written)
	}
	p.son.sync(p.folder)
	rep := p.son.replica(p.mother)
	defer rep.Close()
	if _, err := rep.Get(newDebt.ID); err != nil {
		t.Fatalf("the delegate did not receive the debt added after the new grant: %v", err)
	}
}
