package bundle

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// TestKDFMemoryHandedBack opens an organisation identity protected at the
// release work factor (2^18: 256 MiB) in a child process and reads its
// memory from /proc: the key derivation must have used its 256 MiB (peak
// resident memory), and it must be back with the system once
// ParseOrgIdentity returns (resident memory now). Without
// ReleaseKDFMemory the process kept it, and an import right after
// unlocking peaked at twice that.
func TestKDFMemoryHandedBack(t *testing.T) {
	if os.Getenv("KLUIS_KDF_CHILD") != "" {
		kdfChild()
		return
	}
	if raceEnabled {
		t.Skip("scrypt at 2^18 takes too long under the race detector")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	dir := t.TempDir()
	pass := []byte("gemeente wachtwoord 2026")
	id, err := GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	low, err := id.Marshal(pass)
	if err != nil {
		t.Fatal(err)
	}
	// Encrypt the same identity again at the release work factor.
	sid, _ := age.NewScryptIdentity(string(pass))
	r, err := age.Decrypt(bytes.NewReader(low), sid)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r)
	rcp, _ := age.NewScryptRecipient(string(pass))
	rcp.SetWorkFactor(DefaultScryptLogN)
	var high bytes.Buffer
	w, _ := age.Encrypt(&high, rcp)
	w.Write(body)
	w.Close()
	keyFile := filepath.Join(dir, "organisation.key")
	os.WriteFile(keyFile, high.Bytes(), 0o600)

	cmd := exec.Command(os.Args[0], "-test.run=^TestKDFMemoryHandedBack$")
	cmd.Env = append(os.Environ(), "KLUIS_KDF_CHILD="+keyFile, "GOGC=100", "GOMEMLIMIT=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	mem := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "Vm") {
			mem[k], _ = strconv.Atoi(v)
		}
	}
	hwm, rss := mem["VmHWM"], mem["VmRSS"]
	t.Logf("peak %d MiB, after unlocking %d MiB", hwm>>10, rss>>10)
	if hwm < 200<<10 {
		t.Fatalf("peak %d KiB: the key derivation did not run at 2^18\n%s", hwm, out)
	}
	if rss > hwm-150<<10 {
		t.Errorf("after unlocking the process holds %d MiB of its %d MiB peak: the KDF's memory was not handed back", rss>>10, hwm>>10)
	}
}

func kdfChild() {
	file, err := os.ReadFile(os.Getenv("KLUIS_KDF_CHILD"))
	if err != nil {
		panic(err)
	}
	if _, err := ParseOrgIdentity(file, []byte("gemeente wachtwoord 2026")); err != nil {
		panic(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "VmHWM" || k == "VmRSS") {
			fmt.Printf("%s=%s\n", k, strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}
