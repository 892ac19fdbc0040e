//go:build unix

package delegation

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"kluis/sync/delegate"
)

// TestSyncthingTransport carries packs between two vaults with two real
// Syncthing instances on loopback: no discovery, relays, NAT, usage
// reporting or GUI. It fails after about a minute rather than hang.
func TestSyncthingTransport(t *testing.T) {
	bin, err := exec.LookPath("syncthing")
	if err != nil {
		t.Skip("syncthing is not installed (Debian package syncthing; make deps installs it): skipping the real transport test")
	}
	// Not t.TempDir: a killed syncthing's last writes may still land while
	// the folder is removed, so the removal is tried again for a while.
	dir, err := os.MkdirTemp("", "kluis-syncthing-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("removing the test's folder: %v", err)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	deadline := time.Now().Add(60 * time.Second)

	type node struct {
		home, folder, id string
		port             int
	}
	nodes := make([]*node, 2)
	for i := range nodes {
		n := &node{home: filepath.Join(dir, fmt.Sprintf("st%d", i)), folder: filepath.Join(dir, fmt.Sprintf("folder%d", i)), port: freePort(t)}
		if err := os.MkdirAll(filepath.Join(n.folder, ".stfolder"), 0o700); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(ctx, bin, "generate", "--home", n.home, "--no-default-folder").CombinedOutput()
		if err != nil {
			t.Fatalf("syncthing generate: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`Device ID: ([A-Z0-9-]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("syncthing generate printed no device id:\n%s", out)
		}
		n.id = string(m[1])
		nodes[i] = n
	}
	for i, n := range nodes {
		other := nodes[1-i]
		configure(t, n.home, n.port, n.folder, n.id, other.id, other.port)
	}
	for i, n := range nodes {
		cmd := exec.Command(bin, "serve", "--home", n.home, "--no-browser", "--no-restart", "--logfile", filepath.Join(dir, fmt.Sprintf("st%d.log", i)))
		cmd.Env = append(os.Environ(), "STNOUPGRADE=1", "STNODEFAULTFOLDER=1", "HOME="+n.home)
		// Its own process group, so that the cleanup stops whatever it
		// started too before the test's folder is removed.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
			// The group's other processes, if any, are gone too before
			// the folder is removed.
			for i := 0; i < 50 && syscall.Kill(-cmd.Process.Pid, 0) == nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	logs := func() string {
		var b strings.Builder
		for i := range nodes {
			l, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("st%d.log", i)))
			if len(l) > 3000 {
				l = l[len(l)-3000:]
			}
			fmt.Fprintf(&b, "--- syncthing %d:\n%s\n", i, l)
		}
		return b.String()
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("Syncthing did not carry the packs within 60 s (%s)\n%s", what, logs())
			}
			time.Sleep(300 * time.Millisecond)
		}
	}

	mother := newSide(t, dir, "Fatima")
	son := newSide(t, dir, "Youssef")
	son.pin(mother)
	income, _ := mother.v.Add("income", map[string]string{"source": "AOW", "amount": "1400"})
	mother.grant(son, delegate.RoleManage, []string{"income", "debts"}, time.Now().AddDate(1, 0, 0))
	mother.sync(nodes[0].folder)
	waitFor("the certificate and income to reach the son", func() bool {
		son.sync(nodes[1].folder)
		ms, _ := ManagedVaults(son.v)
		return ms[mother.c.Fingerprint()] != nil
	})
	rep := son.replica(mother)
	if _, err := rep.Get(income.ID); err != nil {
		t.Fatalf("income not in the replica: %v", err)
	}
	debt, _ := rep.Add("debts", map[string]string{"creditor": "Belastingdienst", "amount": "250"})
	rep.Close()
	son.sync(nodes[1].folder)
	waitFor("the son's debt to reach the mother", func() bool {
		mother.sync(nodes[0].folder)
		_, err := mother.v.Get(debt.ID)
		return err == nil
	})
	if d, _ := mother.v.Get(debt.ID); d.Author.Person != "Youssef" {
		t.Errorf("debt author = %+v", d.Author)
	}
	// Concurrent edits converge over the real transport too.
	mother.v.Update(debt.ID, map[string]string{"amount": "300"})
	rep = son.replica(mother)
	rep.Update(debt.ID, map[string]string{"amount": "275"})
	rep.Close()
	waitFor("both sides to agree", func() bool {
		mother.sync(nodes[0].folder)
		son.sync(nodes[1].folder)
		a, _ := mother.v.Get(debt.ID)
		rep := son.replica(mother)
		defer rep.Close()
		b, _ := rep.Get(debt.ID)
		return a.Fields["amount"] == b.Fields["amount"] && a.Version > 1 && b.Version > 1 &&
			(a.Fields["amount"] == "30000" || a.Fields["amount"] == "27500") && historyHas(t, mother, debt.ID, "30000", "27500")
	})
}

func historyHas(t testing.TB, s *side, id string, vals ...string) bool {
	h, _ := s.v.History(id)
	for _, v := range vals {
		found := false
		for _, r := range h {
			found = found || r.Fields["amount"] == v
		}
		if !found {
			return false
		}
	}
	return true
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// configure edits a generated config.xml: listen on loopback only, no
// discovery, relays, NAT, usage reporting, crash reports or GUI, and one
// shared folder with the other device at its loopback address.
func configure(t *testing.T, home string, port int, folder, me, other string, otherPort int) {
	path := filepath.Join(home, "config.xml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	set := func(tag, val string) {
		re := regexp.MustCompile(`<` + tag + `>[^<]*</` + tag + `>`)
		if !re.MatchString(s) {
			t.Fatalf("config.xml has no <%s>", tag)
		}
		s = re.ReplaceAllString(s, "<"+tag+">"+val+"</"+tag+">")
	}
	set("listenAddress", fmt.Sprintf("tcp://127.0.0.1:%d", port))
	set("globalAnnounceEnabled", "false")
	set("localAnnounceEnabled", "false")
	set("relaysEnabled", "false")
	set("natEnabled", "false")
	set("startBrowser", "false")
	set("urAccepted", "-1")
	set("crashReportingEnabled", "false")
	set("autoUpgradeIntervalH", "0")
	s = strings.Replace(s, `<gui enabled="true"`, `<gui enabled="false"`, 1)
	s = regexp.MustCompile(`<address>[^<]*:8384</address>`).ReplaceAllString(s, "<address>127.0.0.1:0</address>")
	shared := fmt.Sprintf(`<folder id="kluis" label="kluis" path="%s" type="sendreceive" rescanIntervalS="1" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
        <filesystemType>basic</filesystemType>
        <device id="%s" introducedBy=""></device>
        <device id="%s" introducedBy=""></device>
        <minDiskFree unit="%%">0</minDiskFree>
        <markerName>.stfolder</markerName>
    </folder>
    <device id="%s" name="other" compression="metadata" introducer="false">
        <address>tcp://127.0.0.1:%d</address>
    </device>
    `, folder, me, other, other, otherPort)
	s = strings.Replace(s, "<gui ", shared+"<gui ", 1)
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
