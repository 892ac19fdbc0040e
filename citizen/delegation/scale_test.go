package delegation

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kluis/sync/delegate"
	"kluis/vault"
)

// fillRecords returns n records spread over four categories like
// scripts/fillvault's.
func fillRecords(n int) []vault.NewRecord {
	items := make([]vault.NewRecord, n)
	for i := range items {
		switch i % 4 {
		case 0:
			items[i] = vault.NewRecord{Category: "debts", Fields: map[string]string{"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": "1.234,56", "status": "open", "reference": fmt.Sprintf("REF-%06d", i)}}
		case 1:
			items[i] = vault.NewRecord{Category: "income", Fields: map[string]string{"source": fmt.Sprintf("Werkgever %d", i), "kind": "salary", "amount": "2100", "period": "month", "iban": "NL91ABNA0417164300"}}
		case 2:
			items[i] = vault.NewRecord{Category: "network", Fields: map[string]string{"name": fmt.Sprintf("Buurvrouw %d", i), "phone": "0612345678", "can_help_with": "boodschappen en post"}}
		default:
			items[i] = vault.NewRecord{Category: "costs", Fields: map[string]string{"kind": "energy", "payee": fmt.Sprintf("Energie %d", i), "amount": "145", "period": "month"}}
		}
	}
	return items
}

var fillCategories = []string{"debts", "income", "network", "costs"}

// scalePair makes an owner with n fillvault records who granted manage
// over all four categories to a delegate, and the owner's first pack in
// the folder, unread. The delegate's vault is closed, ready for another
// process.
func scalePair(tb testing.TB, n int) (dir string, p *pair) {
	tb.Helper()
	dir = tb.TempDir()
	p = &pair{folder: filepath.Join(dir, "folder"), mother: newSide(tb, dir, "Fatima"), son: newSide(tb, dir, "Youssef")}
	os.Mkdir(p.folder, 0o700)
	p.son.pin(p.mother)
	if _, err := p.mother.v.AddMany(fillRecords(n)); err != nil {
		tb.Fatal(err)
	}
	p.cert = p.mother.grant(p.son, delegate.RoleManage, fillCategories, time.Now().AddDate(1, 0, 0))
	p.mother.sync(p.folder)
	return dir, p
}

// childEnv names the folder a child process merges in (see TestMergeChild).
const childEnv = "KLUIS_MERGE_CHILD"

// TestMergeChild is the measured process of BenchmarkPackMergeScale: the
// delegate opens his vault and syncs once. It runs only when the
// benchmark starts it.
func TestMergeChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("run by BenchmarkPackMergeScale")
	}
	want, _ := strconv.Atoi(os.Getenv(childEnv + "_N"))
	// The peak is this process's own (see peakLine): the mark is set back
	// to what the test binary holds before the sync starts.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	v, err := vault.Open(filepath.Join(dir, "Youssef", "vault.kluis"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	res, err := (&Syncer{Vault: v}).Sync(filepath.Join(dir, "folder"))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, r := range res.Received {
		got += len(r.Added) + len(r.Updated)
	}
	if want >= 0 && got != want {
		t.Fatalf("merged %d records, want %d: %+v", got, want, res.Refused)
	}
	if kib := vmHWM(); kib > 0 {
		fmt.Printf("%s%d\n", peakLine, kib)
	}
}

// peakLine starts the line on which TestMergeChild reports its peak
// resident set in KiB. The benchmark reads it there, not from the child's
// rusage: on Linux ru_maxrss survives exec, and the go test binary that
// starts the child (vfork shares its memory until exec) hands it its own
// peak — the setup of 100,000 records — which the child's then never
// exceeded.
const peakLine = "merge-peak-kib: "

// vmHWM returns this process's peak resident set in KiB (VmHWM in
// /proc/self/status, file-backed pages included), or 0 where there is no
// such file.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkPackMergeScale merges the owner's first pack of 10,000 and of
// 100,000 fillvault records on the delegate's side (creating the replica),
// each in a process of its own, and reports its wall time, CPU time and
// its peak resident set (the kernel's high-water mark of that process,
// VmHWM, file-backed pages included, as it reports it). Run it with -benchtime 1x -count 2 so the sizes take turns:
//
//	go test -run '^$' -bench PackMergeScale -benchtime 1x -count 2 ./citizen/delegation
//
// With KLUIS_MERGE_PROFILE=PREFIX in the environment the merging process
// writes its CPU and memory profiles to PREFIX-N.cpu and PREFIX-N.mem.
func BenchmarkPackMergeScale(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.StopTimer() // the setup is not measured; the child process is, below
			for range b.N {
				dir, p := scalePair(b, n)
				p.son.v.Close()
				p.mother.v.Close()
				args := []string{"-test.run", "^TestMergeChild$", "-test.count", "1"}
				if prof := os.Getenv("KLUIS_MERGE_PROFILE"); prof != "" {
					// A CPU profile of the merging process: PREFIX-N.cpu.
					args = append(args, "-test.cpuprofile", fmt.Sprintf("%s-%d.cpu", prof, n), "-test.memprofile", fmt.Sprintf("%s-%d.mem", prof, n))
				}
				cmd := exec.Command(os.Args[0], args...)
				cmd.Env = append(os.Environ(), childEnv+"="+dir, childEnv+"_N="+strconv.Itoa(n))
				start := time.Now()
				out, err := cmd.CombinedOutput()
				wall := time.Since(start)
				if err != nil {
					b.Fatalf("merge: %v\n%s", err, out)
				}
				b.ReportMetric(wall.Seconds(), "s/merge")
				peak := int64(-1)
				for line := range strings.Lines(string(out)) {
					if rest, ok := strings.CutPrefix(line, peakLine); ok {
						peak, _ = strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
					}
				}
				if peak < 0 {
					b.Fatalf("the merging process reported no peak (no /proc/self/status?)\n%s", out)
				}
				b.ReportMetric(float64(peak)/1024, "peakMiB")
				b.ReportMetric(float64(cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())/1e9, "cpu-s")
			}
		})
	}
}
