// Command rsspeak runs a command and reports its wall time and the peak of
// its resident anonymous memory (RssAnon in /proc/PID/status), sampled
// every 5 ms. Pages of files mapped into memory (such as a bbolt file) are
// page cache and are not counted.
//
//	go run ./scripts/rsspeak [-settle MiB] -- COMMAND [ARG…]
//
// It prints one line on standard error: "seconds peak_MiB settled_peak_MiB".
// With -settle N, the settled peak leaves out a first phase in which
// RssAnon rose above N MiB: it is the peak from the end of the fall after that
// phase on (once it has stopped falling). For kluisctl that is the memory of the document work after the
// key derivation (scrypt, 256 MiB) has been given back.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func rssAnonKiB(pid int) (int64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func main() {
	settle := flag.Int64("settle", 0, "report the peak after RssAnon first falls below this many MiB")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rsspeak [-settle MiB] -- COMMAND [ARG…]")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "rsspeak:", err)
		os.Exit(1)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var samples []int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			elapsed := time.Since(start)
			if err != nil {
				fmt.Fprintln(os.Stderr, "rsspeak:", err)
				os.Exit(1)
			}
			peak, settled := peaks(samples, *settle<<10)
			fmt.Fprintf(os.Stderr, "%.3f %.1f %.1f\n", elapsed.Seconds(), float64(peak)/1024, float64(settled)/1024)
			return
		case <-tick.C:
			if kib, ok := rssAnonKiB(cmd.Process.Pid); ok {
				samples = append(samples, kib)
			}
		}
	}
}

// peaks returns the overall peak and the peak after the first phase above
// threshold (from the end of the fall below it on).
func peaks(samples []int64, threshold int64) (peak, settled int64) {
	first := -1
	for i, s := range samples {
		peak = max(peak, s)
		if first < 0 && threshold > 0 && s > threshold {
			first = i
		}
	}
	if threshold == 0 {
		return peak, peak
	}
	if first < 0 {
		return peak, 0
	}
	// The end of the drop: the first sample below the threshold, then on
	// while the samples keep falling.
	low := first
	for low < len(samples) && samples[low] >= threshold {
		low++
	}
	for low+1 < len(samples) && samples[low+1] < samples[low] {
		low++
	}
	if low >= len(samples) {
		return peak, 0
	}
	for _, s := range samples[low:] {
		settled = max(settled, s)
	}
	return peak, settled
}
