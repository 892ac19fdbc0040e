package desk

import (
	"bufio"
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kluis/sync/bundle"
)

// TestDirectRouteEndToEnd runs the direct route with the real programs on
// loopback, as a municipality and a citizen would: `kluis-intake serve`
// on its own store and key, a card from `kluis-intake card --inbox`;
// `kluisctl share create --send` delivers and gets the receipt; the
// caseworker opens the case and writes in Chromium; `kluisctl inbox` shows
// the message; `kluisctl message send` answers and the caseworker sees it;
// `kluisctl share access` shows who looked, by pseudonym; SIGTERM stops
// the desk.
func TestDirectRouteEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs kluis-intake and kluisctl, with Chromium; skipped because of -short")
	}
	exe := chromiumPath()
	if exe == "" {
		t.Fatal("chromium is not installed: run make deps (Debian package chromium), or go test -short to skip this test")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := func(name string) string { return filepath.Join(dir, "bin", name) }
	for _, name := range []string{"kluis-intake", "kluisctl"} {
		out, err := exec.Command("go", "build", "-o", bin(name), "kluis/cmd/"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orgPass := write("org-pass", "het geheim van de gemeente Zwolle\n")
	userPass := write("anna-pass", password+"\n")
	citizenPass := write("kluis-pass", "mijn eigen kluis, van mij alleen\n")
	store := filepath.Join(dir, "store")
	run := func(env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin(name), args...)
		cmd.Env = append(os.Environ(), append([]string{"LANG=en_US.UTF-8", "HOME=" + dir}, env...)...)
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
		}
		return string(out)
	}
	intakeEnv := []string{"KLUIS_INTAKE_PASSPHRASE_FILE=" + orgPass, "KLUIS_INTAKE_KEY=" + filepath.Join(dir, "org", "organisation.key")}
	intake := func(args ...string) string {
		return run(intakeEnv, "kluis-intake", append([]string{"--store", store}, args...)...)
	}
	kluisctl := func(args ...string) string {
		return run([]string{"KLUIS_PASSPHRASE_FILE=" + citizenPass}, "kluisctl", append([]string{"--vault", filepath.Join(dir, "kluis.vault")}, args...)...)
	}

	// The municipality: key, first caseworker, a card naming the desk.
	run(intakeEnv, "kluis-intake", "keygen", "--org", "Gemeente Zwolle", "-o", filepath.Join(dir, "org"))
	intake("user", "add", caseworker, "--role", "caseworker", "--password-file", userPass)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cardPath := filepath.Join(dir, "zwolle.card")
	intake("card", "--inbox", "https://"+addr+"/", "-o", cardPath)
	cardFile, err := os.ReadFile(cardPath)
	if err != nil {
		t.Fatal(err)
	}
	card, err := bundle.ParseCard(cardFile)
	if err != nil || card.Inbox != "https://"+addr+"/" || card.InboxPin == "" {
		t.Fatalf("the card names no inbox: %+v %v", card, err)
	}

	serve := exec.Command(bin("kluis-intake"), "--store", store, "serve", "--addr", addr)
	serve.Env = append(os.Environ(), append([]string{"LANG=nl_NL.UTF-8", "HOME=" + dir}, intakeEnv...)...)
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	serve.Stderr = &stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			serve.Process.Kill()
			serve.Wait()
		}
	})
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("kluis-intake serve printed nothing; standard error:\n%s", stderr.String())
	}
	base := lines.Text()
	go func() {
		for lines.Scan() {
		}
	}()
	if base != "https://"+addr+"/" {
		t.Fatalf("serve's first line %q, want https://%s/", base, addr)
	}
	// The certificate the desk serves is the one the card pins.
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	if bundle.InboxPin(leaf) != card.InboxPin {
		t.Fatal("the desk serves another key than the card pins")
	}

	// The citizen: a vault, the card kept, a share sent straight to the desk.
	kluisctl("init", "--name", "Fatima Yılmaz")
	kluisctl("card", "add", cardPath)
	kluisctl("add", "income", "source=Bakkerij De Vries", "amount=1850,00", "period=month")
	sent := kluisctl("share", "create", "--to", cardPath, "--scope", "income", "--purpose", "Aanvraag bijstand",
		"-o", filepath.Join(dir, "deel.kluis"), "--send")
	if !strings.Contains(sent, "Gemeente Zwolle") || !strings.Contains(sent, "received the share") {
		t.Fatalf("share create --send:\n%s", sent)
	}
	if list := kluisctl("share", "list"); !strings.Contains(list, "yes") {
		t.Errorf("the receipt is not in the share list:\n%s", list)
	}

	// The caseworker, in a real browser: log in, open the case, write.
	c := newChrome(t, exe, leaf, base, artefactDir(t, "direct-route"), t.TempDir())
	c.open("/cases")
	c.do("log in", chromedp.SendKeys(chromedp.ID("name"), caseworker), chromedp.SendKeys(chromedp.ID("password"), password))
	c.follow(`form[action="/login"] button`)
	c.see("e2e-cases", "Fatima Yılmaz", "Aanvraag bijstand")
	clickTo(c, chromedp.JSPath(`[...document.querySelectorAll("table.cases a")].find(a => a.textContent.includes("Fatima"))`))
	id := strings.TrimPrefix(c.path(), "/cases/")
	c.see("e2e-case", "Bakkerij De Vries", "Ontvangen en gecontroleerd")
	c.do("write to the citizen", chromedp.SendKeys(chromedp.ID("text"), "Dag mevrouw Yılmaz,\nWilt u ook uw huurcontract sturen?"))
	c.follow(`form.reply button`)
	c.see("e2e-written", "Uw bericht staat klaar voor de inwoner.")

	// The citizen picks it up and answers.
	if inbox := kluisctl("inbox"); !strings.Contains(inbox, "1 new message:") || !strings.Contains(inbox, "Wilt u ook uw huurcontract sturen?") {
		t.Fatalf("kluisctl inbox:\n%s", inbox)
	}
	if out := kluisctl("message", "send", "--to", "Gemeente Zwolle", "Ja, dat stuur ik morgen."); !strings.Contains(out, "sent to Gemeente Zwolle") {
		t.Fatalf("message send:\n%s", out)
	}
	c.open("/cases/" + id)
	if text := c.see("e2e-answer", "Ja, dat stuur ik morgen.", "van Fatima Yılmaz", "Ontvangen via de balie (automatisch)"); strings.Contains(text, "kluis-intake:") {
		t.Error("the case's timeline names the desk's system account")
	}

	// Who looked: the desk's signed account came with the pickup; the
	// caseworker by a pseudonym, not by name.
	kluisctl("inbox")
	acc := kluisctl("share", "access", id[:8])
	if !strings.Contains(acc, "looked at") || !strings.Contains(acc, "your message received") || !strings.Contains(acc, "Aanvraag bijstand") ||
		strings.Contains(acc, caseworker) {
		t.Errorf("share access:\n%s", acc)
	}

	// SIGTERM stops the desk, saying so.
	serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if !strings.Contains(stderr.String(), "de balie is gestopt") {
		t.Errorf("serve's standard error at the end:\n%s", stderr.String())
	}
}
