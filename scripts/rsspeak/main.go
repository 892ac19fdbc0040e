//go:build unix

// Command rsspeak runs a command and reports its wall time and the peak of
// its resident anonymous memory (RssAnon in /proc/PID/status), sampled
// every 5 ms. Pages of files mapped into memory (such as a bbolt file) are
// page cache and are not counted in RssAnon.
//
//	go run ./scripts/rsspeak [-settle MiB] [-rss] -- COMMAND [ARG…]
//	go run ./scripts/rsspeak -pid PID [-reset]
//
// It prints one line on standard error: "seconds peak_MiB settled_peak_MiB".
// With -settle N, the settled peak leaves out a first phase in which
// RssAnon rose above N MiB: it is the peak from the end of the fall after that
// phase on (once it has stopped falling). For kluisctl that is the memory of the document work after the
// key derivation (scrypt, 256 MiB) has been given back.
//
// Peak RSS as a user sees it (top's RES, /usr/bin/time -v's "Maximum
// resident set size") counts file-backed pages too. With -rss the line has
// three more fields: the sampled peak of RssAnon+RssFile+RssShmem (VmRSS),
// the kernel's own high-water mark of the resident set (the child's
// ru_maxrss, what /usr/bin/time -v reports; it sees peaks between
// samples), and the CPU seconds the command used (user and system).
//
// With -pid it watches a process that is already running (a server)
// instead, until that process ends or rsspeak gets SIGINT or SIGTERM, and
// prints "seconds peak_anon_MiB peak_rss_MiB hwm_MiB": the sampled peaks
// of RssAnon and of VmRSS, and VmHWM from /proc/PID/status when it stops
// (the kernel's high-water mark; 0 if the process is gone). With -reset
// it first writes 5 to /proc/PID/clear_refs, which sets VmHWM back to the
// current resident set, so the mark covers only what happens from then on.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// status holds the fields of /proc/PID/status that rsspeak reads, in KiB.
type status struct {
	anon, file, shmem, hwm int64
}

func (s status) rss() int64 { return s.anon + s.file + s.shmem }

func readStatus(pid int) (status, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return status{}, false
	}
	defer f.Close()
	var st status
	found := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "RssAnon":
			dst, found = &st.anon, true
		case "RssFile":
			dst = &st.file
		case "RssShmem":
			dst = &st.shmem
		case "VmHWM":
			dst = &st.hwm
		default:
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return status{}, false
		}
		*dst = n
	}
	return st, found
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

func main() {
	settle := flag.Int64("settle", 0, "report the peak after RssAnon first falls below this many MiB")
	rss := flag.Bool("rss", false, "also report the peak of the whole resident set (file-backed pages included)")
	pid := flag.Int("pid", 0, "watch this running process instead of starting a command")
	reset := flag.Bool("reset", false, "with -pid: set the process's VmHWM back to its current resident set first")
	flag.Parse()
	if *pid > 0 {
		watch(*pid, *reset)
		return
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rsspeak [-settle MiB] [-rss] -- COMMAND [ARG…]\n       rsspeak -pid PID [-reset]")
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
	var peakRSS int64
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
			if !*rss {
				fmt.Fprintf(os.Stderr, "%.3f %.1f %.1f\n", elapsed.Seconds(), mib(peak), mib(settled))
				return
			}
			var maxRSS int64
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				maxRSS = ru.Maxrss // KiB on Linux
			}
			cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			fmt.Fprintf(os.Stderr, "%.3f %.1f %.1f %.1f %.1f %.2f\n", elapsed.Seconds(), mib(peak), mib(settled), mib(peakRSS), mib(maxRSS), cpu.Seconds())
			return
		case <-tick.C:
			if st, ok := readStatus(cmd.Process.Pid); ok {
				samples = append(samples, st.anon)
				peakRSS = max(peakRSS, st.rss())
			}
		}
	}
}

// watch samples a running process until it ends or rsspeak is told to
// stop, and prints its peaks.
func watch(pid int, reset bool) {
	if reset {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			fmt.Fprintln(os.Stderr, "rsspeak:", err)
			os.Exit(1)
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	var peakAnon, peakRSS, hwm int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	sample := func() bool {
		st, ok := readStatus(pid)
		if ok {
			peakAnon = max(peakAnon, st.anon)
			peakRSS = max(peakRSS, st.rss())
			hwm = st.hwm
		}
		return ok
	}
	for running := sample(); running; {
		select {
		case <-stop:
			sample()
			running = false
		case <-tick.C:
			running = sample()
		}
	}
	fmt.Fprintf(os.Stderr, "%.3f %.1f %.1f %.1f\n", time.Since(start).Seconds(), mib(peakAnon), mib(peakRSS), mib(hwm))
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
