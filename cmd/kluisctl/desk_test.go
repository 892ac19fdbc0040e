package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDeskWithTheRealBinaries is the municipality's desk as its ICT
// department runs it: kluis-intake serve, a real process on a loopback
// port, over the store and key that kluis-intake keygen and user add made;
// a citizen's bundle made by kluisctl; a caseworker's browser played by an
// HTTP client that trusts exactly the certificate whose fingerprint serve
// printed. The receipt the desk signs is kept by kluisctl, as a link and
// as a file. While the desk runs, a second serve and an import on the same
// store are refused; SIGTERM stops it at once with exit status 0.
func TestDeskWithTheRealBinaries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("orgpass.txt", "gemeente wachtwoord 2026\n")
	e.intakeOK("keygen", "--org", "Gemeente Zwolle", "-o", filepath.Join(e.dir, "org"))
	card := filepath.Join(e.dir, "org", "organisation.card")
	e.write("annet.txt", "correct paard batterij\n")
	e.intakeOK("user", "add", "annet", "--role", "caseworker", "--password-file", "annet.txt")

	e.init()
	e.add("income", "source=UWV", "kind=benefit", "amount=1.234,56", "period=month")
	debt := e.add("debts", "creditor=Belastingdienst", "amount=250", "status=arrangement")
	letter, letterData := e.randomFile("brief belastingdienst.pdf", 40<<10)
	e.ok("doc", "add", letter, "--record", debt)
	var made sharedJSON
	e.decode(e.ok("share", "create", "--to", card, "--scope", "income,debts", "--expires", "14d",
		"--purpose", "Aanvraag schuldhulp", "-o", "bundel.kluis", "--json"), &made)

	desk := startDesk(t, e)
	defer desk.stop()

	// The served certificate is the one whose fingerprint serve printed,
	// made for the address it serves on.
	b := desk.browser()
	b.loginAs("annet", "correct paard batterij")

	// Receive the bundle: the case page shows the citizen's values.
	bundleFile, err := os.ReadFile(filepath.Join(e.dir, "bundel.kluis"))
	if err != nil {
		t.Fatal(err)
	}
	r := b.upload("/inbox", "bundle", "bundel.kluis", bundleFile)
	m := regexp.MustCompile(`href="/cases/([0-9a-f-]{36})"`).FindStringSubmatch(r)
	if m == nil || m[1] != made.ID || !strings.Contains(r, "ontvangen van Fatima") {
		t.Fatalf("upload: %.800s", r)
	}
	id := m[1]
	casePage := b.get("/cases/" + id)
	for _, want := range []string{"Zaak van Fatima", "Aanvraag schuldhulp", "UWV", "€ 1.234,56", "Belastingdienst", "€ 250,00",
		"brief belastingdienst.pdf"} {
		if !strings.Contains(casePage, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if doc := b.get("/cases/" + id + "/documents/1"); doc != string(letterData) {
		t.Errorf("the document downloaded differs from the one shared (%d bytes, want %d)", len(doc), len(letterData))
	}

	// The receipt: kluisctl keeps it from the link the desk shows, and
	// knows the file of the same receipt as kept already.
	tok := b.csrf("/cases/" + id)
	linkPage := b.post("/cases/"+id+"/receipt", url.Values{"csrf": {tok}, "as": {"link"}})
	link := regexp.MustCompile(`kluis:receipt/v1/[A-Za-z0-9_-]+`).FindString(linkPage)
	if link == "" {
		t.Fatalf("no receipt link on the page: %.500s", linkPage)
	}
	if out := e.ok("receipt", "import", link); !strings.Contains(out, "Receipt kept: Gemeente Zwolle received share "+made.ID) {
		t.Errorf("receipt import LINK says %q", out)
	}
	e.write("ontvangst.kluis-receipt", b.post("/cases/"+id+"/receipt", url.Values{"csrf": {tok}, "as": {"file"}}))
	if out := e.ok("receipt", "import", "ontvangst.kluis-receipt"); !strings.Contains(out, "already kept") {
		t.Errorf("receipt import FILE of the same receipt says %q", out)
	}
	var shares []sharedJSON
	e.decode(e.ok("share", "list", "--json"), &shares)
	if len(shares) != 1 || shares[0].Receipts != 1 {
		t.Errorf("share list = %+v; want one share with one receipt", shares)
	}

	// While the desk runs, its store is its own.
	e.checkIntakeFailure(e.intake("serve", "--addr", "127.0.0.1:0"), "in use by another kluis-intake")
	e.checkIntakeFailure(e.intake("import", "bundel.kluis"), "in use by another kluis-intake")
	if got := b.get("/cases"); !strings.Contains(got, "Fatima") {
		t.Error("the desk stopped serving after the refused commands")
	}

	// SIGTERM stops it at once, with exit status 0 and a line that says so.
	code, stderr := desk.stop()
	if code != 0 || !strings.Contains(stderr, "kluis-intake: the desk has stopped") {
		t.Errorf("after SIGTERM: exit %d, stderr %q", code, stderr)
	}
	if out := e.intakeOK("list"); !strings.Contains(out, made.ID[:8]) {
		t.Errorf("after the desk stopped, list says %q", out)
	}
	e.intakeOK("log", "verify")
}

// runningDesk is kluis-intake serve running in the background.
type runningDesk struct {
	t           *testing.T
	cmd         *exec.Cmd
	url         string
	fingerprint string
	stderr      *lockedBuffer
	done        chan struct{}
	once        sync.Once
	code        int
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startDesk starts kluis-intake serve on a free loopback port and reads
// the two lines it prints first: the URL and the certificate's
// fingerprint.
func startDesk(t *testing.T, e *env) *runningDesk {
	t.Helper()
	d := &runningDesk{t: t, cmd: e.intakeCommand("serve", "--addr", "127.0.0.1:0"), stderr: &lockedBuffer{}, done: make(chan struct{})}
	d.cmd.Stderr = d.stderr
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := d.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			d.code = exit.ExitCode()
		} else if err != nil {
			d.code = -1
		}
		close(d.done)
	}()
	lines := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var got []string
		for len(got) < 2 && sc.Scan() {
			got = append(got, sc.Text())
		}
		lines <- got
		io.Copy(io.Discard, out)
	}()
	select {
	case got := <-lines:
		if len(got) != 2 {
			d.stop()
			t.Fatalf("serve printed %q; stderr %q", got, d.stderr.String())
		}
		d.url = got[0]
		fp, ok := strings.CutPrefix(got[1], "Certificate fingerprint (SHA-256): ")
		if !ok || !regexp.MustCompile(`^https://127\.0\.0\.1:[0-9]+/$`).MatchString(d.url) ||
			!regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
			d.stop()
			t.Fatalf("serve's first lines are %q", got)
		}
		d.fingerprint = fp
	case <-time.After(60 * time.Second):
		d.stop()
		t.Fatalf("serve printed no address within a minute; stderr %q", d.stderr.String())
	}
	return d
}

// stop sends SIGTERM and waits at most five seconds for the desk to end;
// it returns the exit status and what the desk wrote on standard error.
func (d *runningDesk) stop() (int, string) {
	d.once.Do(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(5 * time.Second):
			d.t.Errorf("the desk did not stop within 5 seconds of SIGTERM")
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	return d.code, d.stderr.String()
}

// deskBrowser is a caseworker's browser: cookies, and trust in exactly the
// certificate the desk printed the fingerprint of.
type deskBrowser struct {
	t *testing.T
	d *runningDesk
	c *http.Client
}

func (d *runningDesk) browser() *deskBrowser {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		// Not the system's roots: the one certificate printed at start.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := colonHex(sum[:]); got != d.fingerprint {
				return fmt.Errorf("the desk serves a certificate with fingerprint %s, it printed %s", got, d.fingerprint)
			}
			return cs.PeerCertificates[0].VerifyHostname("127.0.0.1")
		},
	}}
	d.t.Cleanup(tr.CloseIdleConnections)
	return &deskBrowser{t: d.t, d: d, c: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}}
}

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

func (b *deskBrowser) do(req *http.Request) string {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("%s %s: %s at %s\n%.600s", req.Method, req.URL.Path, res.Status, res.Request.URL.Path, body)
	}
	return string(body)
}

func (b *deskBrowser) get(path string) string {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(b.d.url, "/")+path, nil)
	return b.do(req)
}

func (b *deskBrowser) post(path string, form url.Values) string {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(b.d.url, "/")+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// csrf is the token in the forms of the page at path.
func (b *deskBrowser) csrf(path string) string {
	b.t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(b.get(path))
	if m == nil {
		b.t.Fatalf("no form token on %s", path)
	}
	return html.UnescapeString(m[1])
}

func (b *deskBrowser) loginAs(name, password string) {
	b.t.Helper()
	page := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "name": {name}, "password": {password}})
	if !strings.Contains(page, "Uitloggen") || !strings.Contains(page, name) {
		b.t.Fatalf("after logging in: %.600s", page)
	}
}

// upload sends one file in the form at path, the token first as the
// desk's forms have it.
func (b *deskBrowser) upload(path, field, name string, data []byte) string {
	b.t.Helper()
	tok := b.csrf(path)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", tok)
	w, _ := mw.CreateFormFile(field, name)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(b.d.url, "/")+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// TestReceiptImportRefusesBadLinks: receipt import takes a kluis:receipt
// link as well as a file; a link that is damaged, or of another kind, is
// refused with the same words as a file that is no receipt, and changes
// nothing.
func TestReceiptImportRefusesBadLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.init()
	logBefore := e.ok("log", "--json")
	for _, link := range []string{"kluis:receipt/v1/!!!", "kluis:receipt/v1/", "kluis:request/v1/eyJ9", "  kluis:receipt/v1/e30  "} {
		r := e.fails(1, []string{"this is not a valid receipt"}, "receipt", "import", link)
		if strings.Contains(r.stderr, "no such file") {
			t.Errorf("receipt import %q was read as a file name: %q", link, r.stderr)
		}
	}
	if e.ok("log", "--json") != logBefore {
		t.Error("a refused receipt link was logged")
	}
}
