//go:build unix

package vault

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run a second process: the test binary itself,
// started with KLUIS_VAULT_CHILD naming what it should do.
func TestMain(m *testing.M) {
	if mode := os.Getenv("KLUIS_VAULT_CHILD"); mode != "" {
		os.Exit(runChild(mode, os.Getenv("KLUIS_VAULT_PATH")))
	}
	os.Exit(m.Run())
}

func runChild(mode, path string) int {
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	if mode == "fill" {
		// Pretend the disk is nearly full: the file may grow by 1 MiB.
		fi, err := os.Stat(path)
		if err != nil {
			say("error %v", err)
			return 1
		}
		signal.Ignore(syscall.SIGXFSZ)
		lim := uint64(fi.Size()) + 1<<20
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
			say("error %v", err)
			return 1
		}
	}
	v, err := Open(path, &Options{Timeout: 5 * time.Second})
	if err != nil {
		say("error %v", err)
		return 1
	}
	if err := v.Unlock([]byte(testPass)); err != nil {
		say("error %v", err)
		return 1
	}
	switch mode {
	case "hold":
		say("ready")
		io.Copy(io.Discard, os.Stdin) // until the parent closes our stdin
		v.Close()
		return 0
	case "docwriter":
		// Documents only, of sizes from nothing to a few MiB; each
		// acknowledged one is reported with the seed and size its content
		// is made from, so the parent can compare it byte for byte.
		for i := 0; ; i++ {
			seed := uint64(os.Getpid())<<32 | uint64(i)
			size := docSizes[i%len(docSizes)]
			doc, err := v.AddDocument(context.Background(), fmt.Sprintf("scan-%d.pdf", i), seededContent(seed, size), DocumentOptions{})
			if err != nil {
				say("error %s %v", classify(err), err)
				return 0
			}
			say("docbytes %s %s %d %d", doc.ID, doc.SHA256, seed, size)
		}
	case "writer", "fill":
		for i := 0; ; i++ {
			if i%20 == 3 {
				// A document over several transactions.
				doc, err := v.AddDocument(context.Background(), fmt.Sprintf("scan-%d.pdf", i),
					bytes.NewReader(bytes.Repeat([]byte{byte(i)}, chunksPerTx*ChunkSize+ChunkSize/2)), DocumentOptions{})
				if err != nil {
					say("error %s %v", classify(err), err)
					return 0
				}
				say("doc %s %s", doc.ID, doc.SHA256)
				continue
			}
			rec, err := v.Add("debts", map[string]string{"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": "12,50"})
			if err != nil {
				say("error %s %v", classify(err), err)
				return 0
			}
			say("rec %s %d", rec.ID, i)
		}
	}
	say("error unknown mode %q", mode)
	return 2
}

// docSizes are the sizes the docwriter child cycles through.
var docSizes = []int64{0, 1, ChunkSize, ChunkSize + 1, 3<<20 + 5, 9 << 20, 100}

// seededContent is size bytes determined by seed.
func seededContent(seed uint64, size int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8(chachaSeed(seed)), size)
}

func chachaSeed(seed uint64) (s [32]byte) {
	binary.BigEndian.PutUint64(s[:], seed)
	return s
}

func classify(err error) string {
	switch {
	case errors.Is(err, ErrDiskFull):
		return "disk-full"
	default:
		return "other"
	}
}

func child(t *testing.T, mode, path string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KLUIS_VAULT_CHILD="+mode, "KLUIS_VAULT_PATH="+path)
	return cmd
}

func TestSecondProcessGetsInUse(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	cmd := child(t, "hold", path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("child said %q", line)
	}
	start := time.Now()
	_, err := Open(path, &Options{Timeout: 300 * time.Millisecond})
	wantErr(t, err, ErrInUse)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	// Once the other program is gone, the vault opens.
	v2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2.Close()
}

// committed is what a child reported as committed before it stopped.
type committed struct {
	records map[string]bool
	docs    map[string]string    // id → sha256
	content map[string][2]uint64 // id → seed and size of its content (docwriter)
	lastErr string
}

func readReports(r io.Reader) committed {
	c := committed{records: map[string]bool{}, docs: map[string]string{}, content: map[string][2]uint64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "rec":
			c.records[f[1]] = true
		case len(f) == 3 && f[0] == "doc":
			c.docs[f[1]] = f[2]
		case len(f) == 5 && f[0] == "docbytes":
			c.docs[f[1]] = f[2]
			seed, _ := strconv.ParseUint(f[3], 10, 64)
			size, _ := strconv.ParseUint(f[4], 10, 64)
			c.content[f[1]] = [2]uint64{seed, size}
		case len(f) >= 1 && f[0] == "error":
			c.lastErr = sc.Text()
		}
	}
	return c
}

// checkCommitted opens the vault and checks that everything reported is
// there, whole, and nothing is left of unfinished uploads.
func checkCommitted(t *testing.T, path string, c committed, readAll bool) {
	t.Helper()
	checkFile(t, path)
	v, err := Open(path, nil)
	if err != nil {
		t.Fatalf("open after the child stopped: %v", err)
	}
	defer v.Close()
	if err := v.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	for id := range c.records {
		if _, err := v.Get(id); err != nil {
			t.Fatalf("record %s was reported committed but: %v", id, err)
		}
	}
	for id, sum := range c.docs {
		doc, err := v.Document(id)
		if err != nil || doc.SHA256 != sum {
			t.Fatalf("document %s was reported committed but: %v", id, err)
		}
		if !readAll {
			continue
		}
		var got bytes.Buffer
		if _, err := v.ReadDocument(context.Background(), id, &got); err != nil {
			t.Fatalf("document %s was reported committed but: %v", id, err)
		}
		if src, ok := c.content[id]; ok {
			want, _ := io.ReadAll(seededContent(src[0], int64(src[1])))
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("document %s reads back as %d bytes that differ from the %d written", id, got.Len(), len(want))
			}
		}
	}
	checkNoStrayFiles(t, v)
	if _, err := v.VerifyLog(); err != nil {
		t.Fatal(err)
	}
	if chunks, pending := countChunks(t, v); pending != 0 {
		t.Fatalf("%d unfinished uploads left after unlock (%d chunks)", pending, chunks)
	}
}

func TestKilledWriterLosesNoCommittedWrite(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	rounds := 25
	if testing.Short() {
		rounds = 5
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	all := committed{records: map[string]bool{}, docs: map[string]string{}}
	for round := range rounds {
		cmd := child(t, "writer", path)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it write for a random while, then kill it mid-flight.
		results := make(chan committed, 1)
		go func() { results <- readReports(stdout) }()
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		c := <-results
		cmd.Wait()
		if c.lastErr != "" && !strings.Contains(c.lastErr, "error") {
			t.Fatalf("round %d: child failed: %s", round, c.lastErr)
		}
		for id := range c.records {
			all.records[id] = true
		}
		for id, s := range c.docs {
			all.docs[id] = s
		}
		checkCommitted(t, path, all, false)
		checkCommitted(t, path, c, true) // this round's documents read back in full
	}
	if len(all.records) == 0 {
		t.Fatal("the writer never committed anything")
	}
	t.Logf("%d rounds, %d records and %d documents committed and found", rounds, len(all.records), len(all.docs))
}

// TestKilledDocumentWriterKeepsAcknowledgedDocuments kills a process that
// adds documents (kept in document files) at random moments: every document
// it acknowledged is there, complete and byte for byte as written, and after
// unlock no document file is left that no document refers to.
func TestKilledDocumentWriterKeepsAcknowledgedDocuments(t *testing.T) {
	v, path := newTestVault(t)
	v.Close()
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	all := committed{records: map[string]bool{}, docs: map[string]string{}, content: map[string][2]uint64{}}
	for round := range rounds {
		cmd := child(t, "docwriter", path)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		results := make(chan committed, 1)
		go func() { results <- readReports(stdout) }()
		time.Sleep(time.Duration(100+rng.IntN(600)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		c := <-results
		cmd.Wait()
		if c.lastErr != "" {
			t.Fatalf("round %d: child failed: %s", round, c.lastErr)
		}
		for id, s := range c.docs {
			all.docs[id] = s
			all.content[id] = c.content[id]
		}
		checkCommitted(t, path, all, true)
	}
	if len(all.docs) == 0 {
		t.Fatal("the writer never acknowledged a document")
	}
	t.Logf("%d rounds, %d documents acknowledged and found whole", rounds, len(all.docs))
}

func TestDiskFullKeepsEarlierData(t *testing.T) {
	v, path := newTestVault(t)
	before, _ := v.Add("goals", map[string]string{"title": "van voor de volle schijf"})
	v.Close()
	cmd := child(t, "fill", path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	c := readReports(bytes.NewReader(out))
	if !strings.HasPrefix(c.lastErr, "error disk-full") {
		t.Fatalf("the child stopped with %q, want a disk-full error", c.lastErr)
	}
	if len(c.records) == 0 {
		t.Fatal("nothing fitted before the disk was full")
	}
	c.records[before.ID] = true
	checkCommitted(t, path, c, true)
	// And with space again, writing works.
	v2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	v2.Unlock([]byte(testPass))
	if _, err := v2.Add("goals", map[string]string{"title": "weer ruimte"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records and %d documents fitted; then: %s", len(c.records), len(c.docs), c.lastErr)
}

// TestDiskFullOnSmallFilesystem fills a real 4 MiB tmpfs, where bbolt's
// file grows sparsely and the page writes themselves fail half-way through
// a commit. It needs root to mount, and is skipped without.
func TestDiskFullOnSmallFilesystem(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small filesystem here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	path := dir + "/vault.kluis"
	v, _, err := Create(path, []byte(testPass), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := committed{records: map[string]bool{}, docs: map[string]string{}}
	var failure error
	for i := 0; failure == nil && i < 10_000; i++ {
		if i%10 == 5 {
			var doc Document
			doc, failure = v.AddDocument(context.Background(), "foto.jpg", bytes.NewReader(randomBytes(t, ChunkSize*3/2)), DocumentOptions{})
			if failure == nil {
				c.docs[doc.ID] = doc.SHA256
			}
			continue
		}
		var rec Record
		rec, failure = v.Add("network", map[string]string{"name": fmt.Sprintf("Persoon %d", i), "can_help_with": strings.Repeat("boodschappen ", 20)})
		if failure == nil {
			c.records[rec.ID] = true
		}
	}
	wantErr(t, failure, ErrDiskFull)
	// The vault stays usable for reading, and nothing committed is lost.
	if _, err := v.List(""); err != nil {
		t.Fatalf("reading after the disk filled: %v", err)
	}
	v.Close()
	checkCommitted(t, path, c, true)
	t.Logf("%d records and %d documents fitted before: %v", len(c.records), len(c.docs), failure)
}
