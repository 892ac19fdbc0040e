package vault

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks behind the targets in docs/PERFORMANCE.md. Run them with
// `make bench` (or `go test -run '^$' -bench . ./vault`). Test binaries
// lower the scrypt work factor; BenchmarkUnlock restores the real one.

func BenchmarkUnlock(b *testing.B) {
	oldN, oldFloor := scryptLogN, scryptFloor
	scryptLogN, scryptFloor = DefaultScryptLogN, DefaultScryptLogN
	defer func() { scryptLogN, scryptFloor = oldN, oldFloor }()
	v, _ := newTestVault(b)
	for b.Loop() {
		v.Lock()
		if err := v.Unlock([]byte(testPass)); err != nil {
			b.Fatal(err)
		}
	}
}

func sampleRecords(n int) []NewRecord {
	items := make([]NewRecord, n)
	for i := range items {
		switch i % 4 {
		case 0:
			items[i] = NewRecord{"debts", map[string]string{"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": "1.234,56", "status": "open", "reference": fmt.Sprintf("REF-%06d", i)}}
		case 1:
			items[i] = NewRecord{"income", map[string]string{"source": fmt.Sprintf("Werkgever %d", i), "kind": "salary", "amount": "2100", "period": "month", "iban": "NL91ABNA0417164300"}}
		case 2:
			items[i] = NewRecord{"network", map[string]string{"name": fmt.Sprintf("Buurvrouw %d", i), "phone": "0612345678", "can_help_with": "boodschappen en post"}}
		default:
			items[i] = NewRecord{"costs", map[string]string{"kind": "energy", "payee": fmt.Sprintf("Energie %d", i), "amount": "145", "period": "month"}}
		}
	}
	return items
}

func BenchmarkAddMany10k(b *testing.B) {
	items := sampleRecords(10_000)
	for b.Loop() {
		b.StopTimer()
		v, _ := newTestVault(b)
		b.StartTimer()
		if _, err := v.AddMany(items); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListAndSearch10k(b *testing.B) {
	v, _ := newTestVault(b)
	if _, err := v.AddMany(sampleRecords(10_000)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		all, err := v.List("")
		if err != nil || len(all) != 10_000 {
			b.Fatalf("List: %d, %v", len(all), err)
		}
		found, err := v.Search("schuldeiser 999")
		if err != nil || len(found) == 0 {
			b.Fatalf("Search: %d, %v", len(found), err)
		}
	}
}

// rssAnon reads this process's resident anonymous memory in bytes. Pages of
// the bbolt file mapped into memory are page cache and do not count.
func rssAnon() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// peakRSS samples RssAnon every few milliseconds until stop is called and
// returns the highest value seen.
func peakRSS() (stop func() int64) {
	var peak atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rssAnon(); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(done); wg.Wait(); return peak.Load() }
}

// benchDocSize is the document size for the document benchmarks:
// KLUIS_BENCH_DOC_MIB, default 256 MiB (the 1 GiB figure in
// docs/PERFORMANCE.md comes from scripts/bench-docs.sh with 1024).
func benchDocSize(b *testing.B) int64 {
	mib := int64(256)
	if s := os.Getenv("KLUIS_BENCH_DOC_MIB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		mib = n
	}
	return mib << 20
}

// randomFile writes size random bytes to a file in dir.
func randomFile(b *testing.B, dir string, size int64) string {
	path := filepath.Join(dir, "input.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

func BenchmarkDocumentIn(b *testing.B) {
	size := benchDocSize(b)
	input := randomFile(b, b.TempDir(), size)
	b.SetBytes(size)
	var peak int64
	for b.Loop() {
		b.StopTimer()
		v, _ := newTestVault(b)
		f, _ := os.Open(input)
		b.StartTimer()
		stop := peakRSS()
		if _, err := v.AddDocument(context.Background(), "big.bin", f, DocumentOptions{}); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, stop())
		b.StopTimer()
		f.Close()
		v.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RssAnon-MiB")
}

func BenchmarkDocumentOut(b *testing.B) {
	size := benchDocSize(b)
	dir := b.TempDir()
	input := randomFile(b, dir, size)
	v, _ := newTestVault(b)
	f, _ := os.Open(input)
	doc, err := v.AddDocument(context.Background(), "big.bin", f, DocumentOptions{})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	os.Remove(input)
	b.SetBytes(size)
	var peak int64
	out := filepath.Join(dir, "out.bin")
	for b.Loop() {
		stop := peakRSS()
		w, _ := os.Create(out)
		bw := bufio.NewWriterSize(w, 1<<20)
		if _, err := v.ReadDocument(context.Background(), doc.ID, bw); err != nil {
			b.Fatal(err)
		}
		bw.Flush()
		w.Close()
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RssAnon-MiB")
}

// BenchmarkOpen10k measures opening a vault (the structure check of every
// page of the file, then bbolt's open) with 10,000 records, an earlier
// version of each, and a document of benchDocSize: the cost the check
// adds before every unlock.
func BenchmarkOpen10k(b *testing.B) {
	v, path := newTestVault(b)
	recs, err := v.AddMany(sampleRecords(10_000))
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		if _, err := v.Update(r.ID, map[string]string{"amount": "99"}); err != nil && !strings.Contains(err.Error(), "amount") {
			b.Fatal(err)
		}
	}
	f, _ := os.Open(randomFile(b, b.TempDir(), benchDocSize(b)))
	if _, err := v.AddDocument(context.Background(), "big.bin", f, DocumentOptions{}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	v.Close()
	for b.Loop() {
		v, err := Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
}

// BenchmarkGetRecordAt measures what `kluisctl get ID` costs apart from the
// passphrase's KDF (test binaries use a small work factor): open the vault
// (the structure check, then bbolt's open), unlock, read one record, close,
// with 10,000 and with 100,000 records in the vault. The "Opening" target
// in docs/PERFORMANCE.md compares the two.
func BenchmarkGetRecordAt(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			v, path := newTestVault(b)
			recs, err := v.AddMany(sampleRecords(n))
			if err != nil {
				b.Fatal(err)
			}
			id := recs[len(recs)/2].ID
			v.Close()
			for b.Loop() {
				v, err := Open(path, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := v.Unlock([]byte(testPass)); err != nil {
					b.Fatal(err)
				}
				if _, err := v.Get(id); err != nil {
					b.Fatal(err)
				}
				v.Close()
			}
		})
	}
}
