//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"atbench/internal/socattest"
	"atbench/internal/tmuxtest"
)

// A flood as a user meets it: a module (here the far end of a socat pty
// pair) pours text lines into `atbench --port` running in tmux at 120×40,
// and the transcript log must hold every line. Run with
//
//	go test -run '^$' -bench Flood -benchtime=1x .
//
// Sizes in "MB" are MiB: 64 MB is 1 Mi lines of 64 bytes.

// floodResult is what one run of the workbench flood measured.
type floodResult struct {
	elapsed    time.Duration // first byte written to the last line in the log
	write      time.Duration // the writer's time to push every byte
	screenLag  time.Duration // log complete to the last line on the screen
	keyIdle    time.Duration // one key's latency before the flood
	keys       []time.Duration
	keyTimeout int   // keys not shown within probeTimeout
	rssStart   int64 // kB, after start, before the flood
	rssHalf    int64 // kB, when half the lines were in the log
	rssPeak    int64 // kB
	rssEnd     int64 // kB, when the log was complete
	cpu        time.Duration
}

const (
	// floodTimeout bounds one flood run; a workbench that needs longer
	// has failed the target many times over.
	floodTimeout = 120 * time.Second
	// probeEvery is the gap between two keys typed during a flood.
	probeEvery = 250 * time.Millisecond
	// probeTimeout is how long a key may take to show before it counts
	// as lost to the flood.
	probeTimeout = 10 * time.Second
)

// BenchmarkWorkbenchFlood64MB pushes 64 MiB of text lines (1 Mi lines of 64
// bytes, numbered, CR LF ended) through a socat pty pair into the
// workbench (`atbench --port A --log FILE` in tmux at 120×40) and reports:
//
//	s/64MB        first byte written to the last line in the transcript log
//	MB/s          64 MiB over that time
//	cat-MB/s      the reference, `cat A > FILE` on the same kind of pair with
//	              the same writer (catFlood), timed once before and once
//	              after each workbench run (mean of the two)
//	ratio         MB/s over cat-MB/s, the median over the iterations
//	ratio-min     the lowest ratio of one iteration
//	key-ms-max    slowest key typed during the flood, until the input shows it
//	key-ms-p50    median of those keys (one every 250 ms)
//	key-ms-idle   one key before the flood, for scale (tmux's own cost)
//	rss-MB-start  atbench's resident memory when the workbench is up
//	rss-MB-half   ... when half the lines are in the log
//	rss-MB-peak   ... highest sample during the flood (every 100 ms)
//	rss-MB-end    ... when the log is complete
//	cpu-s         atbench's CPU time (all threads) during the flood
//	screen-lag-ms log complete to the last line shown on the screen
//
// The log must then hold every line exactly once, whole and in order.
// ns/op is the flood itself, setup and checks excluded.
func BenchmarkWorkbenchFlood64MB(b *testing.B) {
	const lines = 64 << 20 / floodLineLen
	const size = float64(lines*floodLineLen) / (1 << 20)
	var all []floodResult
	var ratios []float64
	var catSecs float64
	b.StopTimer()
	for i := range b.N {
		before := catFlood(b, lines)
		r := runWorkbenchFlood(b, lines)
		after := catFlood(b, lines)
		all = append(all, r)
		rate := size / r.elapsed.Seconds()
		catRate := (size/before.Seconds() + size/after.Seconds()) / 2
		ratios = append(ratios, rate/catRate)
		catSecs += size / catRate
		b.Logf("run %d: workbench %.1f MB/s (rss peak %.1f MB); cat %.1f MB/s before, %.1f after; ratio %.2f",
			i+1, rate, float64(r.rssPeak)/1024, size/before.Seconds(), size/after.Seconds(), rate/catRate)
	}
	var sum floodResult
	var keys []time.Duration
	for _, r := range all {
		sum.elapsed += r.elapsed
		sum.write += r.write
		sum.screenLag = max(sum.screenLag, r.screenLag)
		sum.keyIdle = max(sum.keyIdle, r.keyIdle)
		sum.keyTimeout += r.keyTimeout
		sum.rssStart = max(sum.rssStart, r.rssStart)
		sum.rssHalf = max(sum.rssHalf, r.rssHalf)
		sum.rssPeak = max(sum.rssPeak, r.rssPeak)
		sum.rssEnd = max(sum.rssEnd, r.rssEnd)
		sum.cpu += r.cpu
		keys = append(keys, r.keys...)
	}
	n := float64(len(all))
	secs := sum.elapsed.Seconds() / n
	keyMax, keyP50 := durationStats(keys)
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(secs, "s/64MB")
	b.ReportMetric(64/secs, "MB/s")
	b.ReportMetric(size*n/catSecs, "cat-MB/s")
	b.ReportMetric(medianFloat(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(sum.write.Seconds()/n, "write-s")
	b.ReportMetric(ms(keyMax), "key-ms-max")
	b.ReportMetric(ms(keyP50), "key-ms-p50")
	b.ReportMetric(float64(len(keys))/n, "keys")
	b.ReportMetric(float64(sum.keyTimeout), "keys-lost")
	b.ReportMetric(ms(sum.keyIdle), "key-ms-idle")
	b.ReportMetric(mb(sum.rssStart), "rss-MB-start")
	b.ReportMetric(mb(sum.rssHalf), "rss-MB-half")
	b.ReportMetric(mb(sum.rssPeak), "rss-MB-peak")
	b.ReportMetric(mb(sum.rssEnd), "rss-MB-end")
	b.ReportMetric(sum.cpu.Seconds()/n, "cpu-s")
	b.ReportMetric(ms(sum.screenLag), "screen-lag-ms")
}

// runWorkbenchFlood runs one flood of lines into a fresh workbench. The
// benchmark timer runs only during the flood.
func runWorkbenchFlood(b *testing.B, lines int) floodResult {
	b.Helper()
	tmuxtest.Require(b)
	var r floodResult
	dir := b.TempDir()
	pair := socattest.Start(b, dir, "a", "b")
	logPath := dir + "/session.log"
	scr := startScreen(b, dir, binPath, binPath, "--port", pair.A, "--log", logPath, "--theme", "dark")
	if out, err := scr.WaitFor(15*time.Second, "╭─ Console", "● connected"); err != nil {
		b.Fatalf("workbench did not start: %v\n%s", err, out)
	}
	kp := &keyProber{s: scr}
	if err := kp.probe(probeTimeout); err != nil {
		b.Fatalf("key before the flood: %v", err)
	}
	r.keyIdle, kp.lat = kp.lat[0], nil
	var err error
	if r.rssStart, err = vmRSS(scr.pid); err != nil {
		b.Fatal(err)
	}
	cpu0, err := cpuTime(scr.pid)
	if err != nil {
		b.Fatal(err)
	}
	far := pair.OpenB()

	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	defer halt() // a failed flood still ends the sampler and the prober
	sampler := &procSampler{pid: scr.pid}
	sampled := make(chan struct{})
	go func() { defer close(sampled); sampler.run(stop, 100*time.Millisecond) }()
	probed := make(chan error, 1)
	go func() { probed <- kp.run(stop, probeEvery, probeTimeout) }()
	type writeResult struct {
		d   time.Duration
		err error
	}
	written := make(chan writeResult, 1)

	lastLine := append([]byte(" < info   "), appendFloodText(nil, lines-1)...)
	lastLine = append(lastLine, '\n')
	tail := &logTail{path: logPath}
	b.StartTimer()
	t0 := time.Now()
	go func() {
		d, err := writeFlood(far, lines)
		written <- writeResult{d, err}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	for {
		if err := tail.poll(); err != nil {
			b.Fatalf("watching the log: %v", err)
		}
		if bytes.HasSuffix(tail.tail, lastLine) {
			break
		}
		if !scr.alive() {
			b.Fatalf("atbench ended during the flood; the log holds %d of %d lines", tail.lastFlood()+1, lines)
		}
		if r.rssHalf == 0 && tail.lastFlood() >= lines/2 {
			r.rssHalf, _ = vmRSS(scr.pid)
		}
		if time.Since(t0) > floodTimeout {
			got := tail.lastFlood() + 1
			b.Fatalf("after %v the log holds %d of %d lines (%.1f MB/s); last bytes %q",
				floodTimeout, got, lines, float64(got)*floodLineLen/(1<<20)/floodTimeout.Seconds(), tail.tail)
		}
		<-tick.C
	}
	r.elapsed = time.Since(t0)
	b.StopTimer()
	tick.Stop()
	halt()
	<-sampled
	if err := <-probed; err != nil {
		b.Fatal(err)
	}
	r.keys, r.keyTimeout = kp.lat, kp.lost
	r.rssPeak, r.rssEnd, err = sampler.result()
	if err != nil {
		b.Fatalf("sampling memory: %v", err)
	}
	cpu1, err := cpuTime(scr.pid)
	if err != nil {
		b.Fatal(err)
	}
	r.cpu = cpu1 - cpu0
	w := <-written
	if w.err != nil {
		b.Fatal(w.err)
	}
	r.write = w.d
	done := time.Now()
	lastText := string(appendFloodText(nil, lines-1)[:13])
	if out, err := scr.WaitFor(30*time.Second, lastText); err != nil {
		b.Errorf("the screen never showed the last line: %v\n%s", err, out)
	}
	r.screenLag = time.Since(done)
	scr.stop()
	pair.Stop()
	others, first, err := verifyFloodLog(logPath, lines)
	if err != nil {
		b.Fatalf("transcript log: %v", err)
	}
	if others > 0 {
		b.Logf("the transcript log holds %d records besides the flood, first %q", others, first)
	}
	b.Logf("flood of %d lines: log complete after %v (writer done after %v), screen %v later; keys %v",
		lines, r.elapsed.Round(time.Millisecond), r.write.Round(time.Millisecond), r.screenLag.Round(time.Millisecond), roundAll(r.keys))
	return r
}

func roundAll(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i, v := range d {
		out[i] = v.Round(time.Millisecond)
	}
	return out
}

// BenchmarkFloodReferencePicocom is the scale for
// BenchmarkWorkbenchFlood64MB: the same socat pair and writer, read by
// picocom in tmux at 120×40, logging what it receives with --logfile. It
// is slow, so the size is ATBENCH_REF_MB MiB (default 8). It reports:
//
//	MB            the size pushed
//	s             first byte written to the last byte in picocom's log
//	MB/s          size over that time, comparable with the workbench's
//	s/64MB-est    64 MiB at that rate
//	screen-lag-ms picocom's log complete to the last line on the screen
//
// picocom's log must equal the bytes written.
func BenchmarkFloodReferencePicocom(b *testing.B) {
	pc, err := exec.LookPath("picocom")
	if err != nil {
		b.Skip("picocom not installed")
	}
	tmuxtest.Require(b)
	size := envMB(b, "ATBENCH_REF_MB", 8)
	lines := size << 20 / floodLineLen
	timeout := 30*time.Second + time.Duration(size)*10*time.Second
	var elapsed, lag time.Duration
	b.StopTimer()
	for range b.N {
		dir := b.TempDir()
		pair := socattest.Start(b, dir, "a", "b")
		logPath := dir + "/picocom.log"
		scr := startScreen(b, dir, pc, pc, "--baud", "115200", "--noreset", "--logfile", logPath, pair.A)
		if out, err := scr.WaitFor(15*time.Second, "Terminal ready"); err != nil {
			b.Fatalf("picocom did not start: %v\n%s", err, out)
		}
		far := pair.OpenB()
		total := int64(lines) * floodLineLen
		written := make(chan error, 1)
		tail := &logTail{path: logPath}
		b.StartTimer()
		t0 := time.Now()
		go func() {
			_, err := writeFlood(far, lines)
			written <- err
		}()
		for tail.poll(); tail.size < total; tail.poll() {
			if !scr.alive() {
				b.Fatalf("picocom ended during the flood; its log holds %d of %d bytes", tail.size, total)
			}
			if time.Since(t0) > timeout {
				b.Fatalf("after %v picocom's log holds %d of %d bytes", timeout, tail.size, total)
			}
			time.Sleep(20 * time.Millisecond)
		}
		d := time.Since(t0)
		b.StopTimer()
		elapsed += d
		if err := <-written; err != nil {
			b.Fatal(err)
		}
		done := time.Now()
		lastText := string(appendFloodText(nil, lines-1)[:13])
		if out, err := scr.WaitFor(30*time.Second, lastText); err != nil {
			b.Errorf("the screen never showed the last line: %v\n%s", err, out)
		}
		shown := time.Since(done)
		lag = max(lag, shown)
		scr.stop()
		pair.Stop()
		if err := verifyPicocomLog(logPath, lines); err != nil {
			b.Fatal(err)
		}
		b.Logf("picocom: %d MB in %v, screen %v later", size, d.Round(time.Millisecond), shown.Round(time.Millisecond))
	}
	secs := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(float64(size), "MB")
	b.ReportMetric(secs, "s")
	b.ReportMetric(float64(size)/secs, "MB/s")
	b.ReportMetric(64*secs/float64(size), "s/64MB-est")
	b.ReportMetric(float64(lag)/float64(time.Millisecond), "screen-lag-ms")
}

// verifyPicocomLog checks that picocom logged exactly the flood's bytes.
func verifyPicocomLog(path string, lines int) error {
	got, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var want bytes.Buffer
	writeFlood(&want, lines)
	if bytes.Equal(got, want.Bytes()) {
		return nil
	}
	i := 0
	for i < len(got) && i < want.Len() && got[i] == want.Bytes()[i] {
		i++
	}
	return fmt.Errorf("picocom's log (%d bytes) differs from the %d bytes written at byte %d (line %d)",
		len(got), want.Len(), i, i/floodLineLen)
}

// dataFrameLen is the payload of one data frame of the data flood: the
// largest length the header's field takes.
const dataFrameLen = 65535

// appendDataFrame appends data frame i as the Realtek module pushes it on
// link 0: the header, 65 535 printable bytes that begin with "frame
// NNNNNNN " and end with " end NNNNNNN", and CR LF.
func appendDataFrame(b []byte, i int) []byte {
	b = append(b, "[$][SKT][DATA][0][65535]:"...)
	start := len(b)
	b = fmt.Appendf(b, "frame %07d ", i)
	tail := fmt.Sprintf(" end %07d", i)
	for len(b)-start < dataFrameLen-len(tail) {
		b = append(b, floodFiller[(len(b)-start+i)%len(floodFiller)])
	}
	b = append(b, tail...)
	return append(b, '\r', '\n')
}

// BenchmarkWorkbenchFloodData200MB pushes ATBENCH_DATA_MB MiB (default
// 200) of `[$][SKT][DATA][0][65535]:` frames through a socat pty pair into
// the workbench (`atbench --port A --log FILE` in tmux at 120×40), as a
// module pushing a fast TCP stream does, and reports atbench's resident
// memory (rss-MB-start, -peak sampled every 100 ms, -end), its CPU time
// and the time until the last frame is in the log. The log must hold
// every frame.
func BenchmarkWorkbenchFloodData200MB(b *testing.B) {
	tmuxtest.Require(b)
	size := envMB(b, "ATBENCH_DATA_MB", 200)
	frameLen := len(appendDataFrame(nil, 0))
	frames := size << 20 / frameLen
	var peak, start, end int64
	var elapsed, cpu time.Duration
	b.StopTimer()
	for range b.N {
		dir := b.TempDir()
		pair := socattest.Start(b, dir, "a", "b")
		logPath := dir + "/session.log"
		scr := startScreen(b, dir, binPath, binPath, "--port", pair.A, "--log", logPath, "--theme", "dark")
		if out, err := scr.WaitFor(15*time.Second, "╭─ Console", "● connected"); err != nil {
			b.Fatalf("workbench did not start: %v\n%s", err, out)
		}
		rss0, err := vmRSS(scr.pid)
		if err != nil {
			b.Fatal(err)
		}
		start = max(start, rss0)
		cpu0, err := cpuTime(scr.pid)
		if err != nil {
			b.Fatal(err)
		}
		far := pair.OpenB()
		stop := make(chan struct{})
		sampler := &procSampler{pid: scr.pid}
		sampled := make(chan struct{})
		go func() { defer close(sampled); sampler.run(stop, 100*time.Millisecond) }()
		written := make(chan error, 1)
		lastLine := fmt.Appendf(nil, " end %07d\n", frames-1)
		tail := &logTail{path: logPath}
		b.StartTimer()
		t0 := time.Now()
		go func() {
			var buf []byte
			for i := range frames {
				buf = appendDataFrame(buf[:0], i)
				if _, err := far.Write(buf); err != nil {
					written <- fmt.Errorf("frame %d: %w", i, err)
					return
				}
			}
			written <- nil
		}()
		for tail.poll(); !bytes.HasSuffix(tail.tail, lastLine); tail.poll() {
			if !scr.alive() {
				close(stop)
				b.Fatalf("atbench ended during the flood; its log holds %d bytes", tail.size)
			}
			if time.Since(t0) > 2*floodTimeout {
				close(stop)
				b.Fatalf("after %v the log holds %d bytes; last %q", 2*floodTimeout, tail.size, tail.tail)
			}
			time.Sleep(20 * time.Millisecond)
		}
		d := time.Since(t0)
		b.StopTimer()
		elapsed += d
		close(stop)
		<-sampled
		if err := <-written; err != nil {
			b.Fatal(err)
		}
		p, e, err := sampler.result()
		if err != nil {
			b.Fatal(err)
		}
		peak, end = max(peak, p), max(end, e)
		cpu1, err := cpuTime(scr.pid)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpu1 - cpu0
		scr.stop()
		pair.Stop()
		if n, err := countLogLines(logPath, []byte("[$][SKT][DATA][0][65535]:frame ")); err != nil || n != frames {
			b.Fatalf("the log holds %d data frames of %d (%v)", n, frames, err)
		}
		b.Logf("data flood of %d frames (%d MiB): log complete after %v, rss peak %d MB",
			frames, size, d.Round(time.Millisecond), p/1024)
	}
	n := float64(b.N)
	b.ReportMetric(float64(size), "MB")
	b.ReportMetric(elapsed.Seconds()/n, "s")
	b.ReportMetric(float64(start)/1024, "rss-MB-start")
	b.ReportMetric(float64(peak)/1024, "rss-MB-peak")
	b.ReportMetric(float64(end)/1024, "rss-MB-end")
	b.ReportMetric(cpu.Seconds()/n, "cpu-s")
}

// countLogLines counts the lines of a file that contain marker; a line
// may be up to 1 MiB long.
func countLogLines(path string, marker []byte) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		if bytes.Contains(line, marker) {
			n++
		}
		switch {
		case errors.Is(err, io.EOF):
			return n, nil
		case err != nil:
			return n, fmt.Errorf("%s after %d lines: %w", path, n, err)
		}
	}
}
