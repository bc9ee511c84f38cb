//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"atbench/internal/socattest"
)

// BenchmarkHeadlessFlood64MB pushes 64 MiB of text lines (1 Mi numbered
// lines of 64 bytes, the workbench flood's) through a socat pty pair into
// the real binary, headless: `atbench run SCRIPT --port A --log FILE`,
// whose script waits for the last line. Each iteration also times the
// reference, `cat A > FILE` on the same kind of pair with the same writer
// (catFlood), once before and once after the atbench run, so a change in
// the machine's load during the iteration shows. It reports:
//
//	MB/s          64 MiB over first byte written to the last line in the log
//	cat-MB/s      the same for cat (mean of the runs before and after)
//	ratio         MB/s over cat-MB/s, the median over the iterations
//	ratio-min     the lowest ratio of one iteration
//	rss-MB-peak   atbench's highest resident memory (sampled every 100 ms)
//	cpu-s         atbench's CPU time (all threads), start to exit
//
// The log must then hold every line exactly once, whole and in order, and
// the script must succeed. Run it as
//
//	go test . -run '^$' -bench HeadlessFlood -benchtime=3x
func BenchmarkHeadlessFlood64MB(b *testing.B) {
	const lines = 64 << 20 / floodLineLen
	const mb = float64(lines*floodLineLen) / (1 << 20)
	var ratios []float64
	var secs, catSecs, cpu float64
	var peak int64
	b.StopTimer()
	for i := range b.N {
		before := catFlood(b, lines)
		r := runHeadlessFlood(b, lines)
		after := catFlood(b, lines)
		rate := mb / r.elapsed.Seconds()
		catRate := (mb/before.Seconds() + mb/after.Seconds()) / 2
		ratios = append(ratios, rate/catRate)
		secs += r.elapsed.Seconds()
		catSecs += mb / catRate
		cpu += r.cpu.Seconds()
		peak = max(peak, r.rssPeak)
		b.Logf("run %d: atbench run %.1f MB/s (%v, rss peak %.1f MB, cpu %v); cat %.1f MB/s before, %.1f after; ratio %.2f",
			i+1, rate, r.elapsed.Round(time.Millisecond), float64(r.rssPeak)/1024, r.cpu,
			mb/before.Seconds(), mb/after.Seconds(), rate/catRate)
	}
	n := float64(b.N)
	b.ReportMetric(mb*n/secs, "MB/s")
	b.ReportMetric(mb*n/catSecs, "cat-MB/s")
	b.ReportMetric(medianFloat(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(float64(peak)/1024, "rss-MB-peak")
	b.ReportMetric(cpu/n, "cpu-s")
}

// runHeadlessFlood runs one flood of lines into `atbench run --port A
// --log FILE` with a script that waits for the last line, and checks the
// log and the script's success. The benchmark timer runs only during the
// flood.
func runHeadlessFlood(b *testing.B, lines int) floodResult {
	b.Helper()
	var r floodResult
	dir := b.TempDir()
	pair := socattest.Start(b, dir, "a", "b")
	defer pair.Stop()
	logPath := filepath.Join(dir, "session.log")
	script := filepath.Join(dir, "flood.at")
	last := appendFloodText(nil, lines-1)
	text := fmt.Sprintf("timeout %v\nexpect ^%s$\n", floodTimeout, last)
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(binPath, "run", script, "--port", pair.A, "--log", logPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ended := false
	defer func() {
		if !ended {
			cmd.Process.Kill()
			<-exited
		}
	}()
	pid := cmd.Process.Pid
	if err := waitOpened(pid, pair.A, 15*time.Second); err != nil {
		b.Fatalf("%v\n%s", err, out.String())
	}
	far := pair.OpenB()
	stop := make(chan struct{})
	sampler := &procSampler{pid: pid}
	sampled := make(chan struct{})
	go func() { defer close(sampled); sampler.run(stop, 100*time.Millisecond) }()
	halted := false
	halt := func() {
		if !halted {
			halted = true
			close(stop)
			<-sampled
		}
	}
	defer halt()
	type writeResult struct {
		d   time.Duration
		err error
	}
	written := make(chan writeResult, 1)
	lastLine := append(append([]byte(" < info   "), last...), '\n')
	tail := &logTail{path: logPath}
	b.StartTimer()
	t0 := time.Now()
	go func() {
		d, err := writeFlood(far, lines)
		written <- writeResult{d, err}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := tail.poll(); err != nil {
			b.Fatalf("watching the log: %v", err)
		}
		if bytes.HasSuffix(tail.tail, lastLine) {
			break
		}
		if r.rssHalf == 0 && tail.lastFlood() >= lines/2 {
			r.rssHalf, _ = vmRSS(pid)
		}
		if time.Since(t0) > floodTimeout {
			b.Fatalf("after %v the log holds %d of %d lines; last bytes %q\n%s",
				floodTimeout, tail.lastFlood()+1, lines, tail.tail, out.String())
		}
		<-tick.C
	}
	r.elapsed = time.Since(t0)
	b.StopTimer()
	halt()
	// The script ends atbench as soon as it has seen the last line, which
	// may be before this loop saw the log complete: the last samples may
	// find the process gone.
	var err error
	if r.rssPeak, r.rssEnd, err = sampler.result(); err != nil && (!errors.Is(err, os.ErrNotExist) || r.rssPeak == 0) {
		b.Fatalf("sampling memory: %v", err)
	}
	w := <-written
	if w.err != nil {
		b.Fatal(w.err)
	}
	r.write = w.d
	select {
	case err := <-exited:
		ended = true
		if err != nil {
			b.Fatalf("atbench run: %v\n%s", err, out.String())
		}
		// The whole process's CPU time, start-up and exit included.
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	case <-time.After(30 * time.Second):
		b.Fatalf("atbench run did not end 30 s after the log was complete\n%s", out.String())
	}
	others, first, err := verifyFloodLog(logPath, lines)
	if err != nil {
		b.Fatalf("transcript log: %v", err)
	}
	if others > 0 {
		b.Logf("the transcript log holds %d records besides the flood, first %q", others, first)
	}
	return r
}

// BenchmarkHeadlessFloodInProcess64MB is BenchmarkHeadlessFlood64MB's
// atbench run inside the test process, `atbench run SCRIPT --port A --log
// FILE` called as run(), so that -cpuprofile and -memprofile see where the
// headless path spends its time:
//
//	go test . -run '^$' -bench HeadlessFloodInProcess -benchtime=1x -cpuprofile cpu.out
//	go tool pprof -top -cum cpu.out
//
// One op is 64 MiB of flood lines through a fresh socat pair; it ends when
// the script has seen the last line (the log is flushed before a record is
// shown to anyone). The log is then checked as in the headless flood.
// cpu-ms/MB is the test process's CPU time during the flood per MiB, the
// writer's included: less sensitive to the machine's load than MB/s.
// Unlike the binary, the test process keeps the default GC percent.
func BenchmarkHeadlessFloodInProcess64MB(b *testing.B) {
	const lines = 64 << 20 / floodLineLen
	b.SetBytes(lines * floodLineLen)
	b.ReportAllocs()
	b.StopTimer()
	var cpu time.Duration
	for range b.N {
		dir := b.TempDir()
		pair := socattest.Start(b, dir, "a", "b")
		logPath := filepath.Join(dir, "session.log")
		script := filepath.Join(dir, "flood.at")
		text := fmt.Sprintf("timeout %v\nexpect ^%s$\n", floodTimeout, appendFloodText(nil, lines-1))
		if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		ran := make(chan int, 1)
		go func() {
			ran <- run(context.Background(), []string{"run", script, "--port", pair.A, "--log", logPath}, &out, &out)
		}()
		if err := waitOpened(os.Getpid(), pair.A, 15*time.Second); err != nil {
			b.Fatal(err)
		}
		far := pair.OpenB()
		written := make(chan error, 1)
		cpu0 := processCPU()
		b.StartTimer()
		go func() {
			_, err := writeFlood(far, lines)
			written <- err
		}()
		code := <-ran
		b.StopTimer()
		cpu += processCPU() - cpu0
		if code != 0 {
			b.Fatalf("atbench run exited %d:\n%s", code, out.String())
		}
		if err := <-written; err != nil {
			b.Fatal(err)
		}
		pair.Stop()
		if _, _, err := verifyFloodLog(logPath, lines); err != nil {
			b.Fatalf("transcript log: %v", err)
		}
	}
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/(float64(b.N)*64), "cpu-ms/MB")
}
