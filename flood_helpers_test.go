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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"atbench/internal/socattest"
	"atbench/internal/tmuxtest"
)

// floodLineLen is the length of one flood line, CR LF included.
const floodLineLen = 64

// floodFiller is the body of the flood lines, rotated by the line number.
const floodFiller = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"

// appendFloodText appends the text of flood line i (without CR LF): 62
// bytes, "flood NNNNNNN " and a filler rotated by i, so every line is
// unique and says where it belongs.
func appendFloodText(b []byte, i int) []byte {
	b = append(b, "flood "...)
	d := strconv.Itoa(i)
	for range 7 - len(d) {
		b = append(b, '0')
	}
	b = append(b, d...)
	b = append(b, ' ')
	r := i % len(floodFiller)
	b = append(b, floodFiller[r:]...)
	return append(b, floodFiller[:r]...)
}

// writeFlood writes lines [0, n) to w in chunks of 1024 lines, as fast as
// w takes them, and reports how long the writes took.
func writeFlood(w io.Writer, n int) (time.Duration, error) {
	const perChunk = 1024
	buf := make([]byte, 0, perChunk*floodLineLen)
	begin := time.Now()
	for i := 0; i < n; {
		buf = buf[:0]
		for j := 0; j < perChunk && i < n; j, i = j+1, i+1 {
			buf = appendFloodText(buf, i)
			buf = append(buf, '\r', '\n')
		}
		if _, err := w.Write(buf); err != nil {
			return time.Since(begin), fmt.Errorf("flood write at line %d: %w", i, err)
		}
	}
	return time.Since(begin), nil
}

// logTail watches a growing file cheaply: a stat, and the tail read only
// when the size changed.
type logTail struct {
	path string
	size int64
	tail []byte
}

// poll refreshes the size and the last bytes of the file.
func (t *logTail) poll() error {
	f, err := os.Open(t.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == t.size {
		return nil
	}
	t.size = fi.Size()
	n := min(t.size, 512)
	t.tail = make([]byte, n)
	if _, err := f.ReadAt(t.tail, t.size-n); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// lastFlood is the number of the last flood line in the tail, or -1.
func (t *logTail) lastFlood() int {
	i := bytes.LastIndex(t.tail, []byte("flood "))
	if i < 0 || i+13 > len(t.tail) {
		return -1
	}
	n, err := strconv.Atoi(string(t.tail[i+6 : i+13]))
	if err != nil {
		return -1
	}
	return n
}

// verifyFloodLog checks that the transcript log holds flood lines 0..n-1,
// each exactly once, whole, in order, as info records. Records of other
// text (atbench's own notes) are allowed: it returns how many there were
// and the first.
func verifyFloodLog(path string, n int) (others int, first string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	marker := []byte(" < info   ")
	next := 0
	var want []byte
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				return others, first, fmt.Errorf("log line %d has no line end: %q", lineNo, line)
			}
			break
		}
		if err != nil {
			return others, first, fmt.Errorf("log line %d: %w", lineNo, err)
		}
		line = line[:len(line)-1]
		i := bytes.Index(line, marker)
		if i < 0 || !bytes.HasPrefix(line[i+len(marker):], []byte("flood ")) {
			if bytes.Contains(line, []byte("flood ")) {
				return others, first, fmt.Errorf("log line %d holds a flood line in a record that is not info: %q", lineNo, line)
			}
			if others == 0 {
				first = string(line)
			}
			others++
			continue
		}
		text := line[i+len(marker):]
		want = appendFloodText(want[:0], next)
		if !bytes.Equal(text, want) {
			return others, first, fmt.Errorf("log line %d: got %q, want flood line %d %q (lines 0..%d were complete and in order)",
				lineNo, text, next, want, next-1)
		}
		next++
	}
	if next != n {
		return others, first, fmt.Errorf("log holds flood lines 0..%d of %d: %d missing", next-1, n, n-next)
	}
	return others, first, nil
}

// floodScreen is one program running in a private tmux server at 120×40.
type floodScreen struct {
	*tmuxtest.Server
	pid int // the program's process
}

// startScreen starts a private tmux server whose one session runs argv at
// 120×40 with HOME, XDG_STATE_HOME and TERM set to private values; exe is
// the program's binary, to find its process under the pane's shell.
func startScreen(tb testing.TB, dir, exe string, argv ...string) *floodScreen {
	tb.Helper()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		tb.Fatal(err)
	}
	s := &floodScreen{Server: tmuxtest.Start(tb, tmuxtest.Options{
		Width: 120, Height: 40,
		Env: []string{"HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"), "TERM=xterm-256color"},
	}, argv...)}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	// The pane's process is the shell that records the exit status; the
	// program is its child once env has executed it.
	panePID := s.PanePID()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s.pid = findChild(panePID, exe); s.pid > 0 {
			return s
		}
		if time.Now().After(deadline) {
			scr, _ := s.Capture()
			tb.Fatalf("no %s process under tmux pane %d:\n%s", exe, panePID, scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// findChild finds a process running exe among the descendants of root.
func findChild(root int, exe string) int {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				if l, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && l == exe {
					return pid
				}
				break
			}
		}
	}
	return 0
}

// alive reports whether the program still runs.
func (s *floodScreen) alive() bool {
	return s.pid > 0 && syscall.Kill(s.pid, 0) == nil
}

// stop kills the tmux server (the program gets SIGHUP) and waits for the
// program to end, killing it if it lingers. Stopping twice is harmless.
func (s *floodScreen) stop() {
	s.Close()
	if s.pid <= 0 {
		return
	}
	pid := s.pid
	s.pid = 0
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inputLine returns what the workbench's console input holds on the
// screen: the text after the "› " prompt up to the pane's border.
func inputLine(scr string) (string, bool) {
	const prompt = "│ › "
	for _, l := range strings.Split(scr, "\n") {
		if rest, ok := strings.CutPrefix(l, prompt); ok {
			if i := strings.Index(rest, "│"); i >= 0 {
				rest = rest[:i]
			}
			return strings.TrimRight(rest, " "), true
		}
	}
	return "", false
}

// keyProber types into the console and times each key until the screen
// shows it.
type keyProber struct {
	s     *floodScreen
	typed string
	lat   []time.Duration
	lost  int // keys that did not show within the timeout
}

// probeLetters are typed in turn: letters that are plain text in the
// console input, with no binding of their own there.
const probeLetters = "zqxwvy"

// probe types one letter and waits until the input line shows it.
func (p *keyProber) probe(timeout time.Duration) error {
	if len(p.typed) >= 40 {
		if err := p.clear(timeout); err != nil {
			return err
		}
	}
	c := probeLetters[len(p.lat)%len(probeLetters)]
	want := p.typed + string(c)
	begin := time.Now()
	if err := p.s.SendText(string(c)); err != nil {
		return err
	}
	err := p.waitInput(want, begin.Add(timeout))
	if err != nil && !errors.Is(err, errKeyLost) {
		return err
	}
	// A key that did not show in time counts as the timeout; it is
	// still expected to show later.
	p.lat = append(p.lat, time.Since(begin))
	p.typed = want
	return err
}

// errKeyLost says a key did not show on the screen in time.
var errKeyLost = errors.New("key not shown in time")

// clear empties the input with ctrl+u (not timed).
func (p *keyProber) clear(timeout time.Duration) error {
	if err := p.s.SendKeys("C-u"); err != nil {
		return err
	}
	p.typed = ""
	return p.waitInput("", time.Now().Add(timeout))
}

func (p *keyProber) waitInput(want string, deadline time.Time) error {
	for {
		scr, err := p.s.Capture()
		if err != nil {
			return err
		}
		got, ok := inputLine(scr)
		if ok && got == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: the input line never showed %q (shows %q, found %v):\n%s", errKeyLost, want, got, ok, scr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// run probes every interval until stop is closed; a probe under way when
// stop closes still completes. Keys that do not show in time are counted
// in lost; any other failure ends the run.
func (p *keyProber) run(stop <-chan struct{}, every, timeout time.Duration) error {
	for {
		start := time.Now()
		if err := p.probe(timeout); errors.Is(err, errKeyLost) {
			p.lost++
		} else if err != nil {
			return err
		}
		wait := time.NewTimer(max(every-time.Since(start), 0))
		select {
		case <-stop:
			wait.Stop()
			return nil
		case <-wait.C:
		}
	}
}

// durationStats returns the max and the median.
func durationStats(d []time.Duration) (maxD, p50 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)-1], s[len(s)/2]
}

// procSampler samples a process's resident memory every interval.
type procSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64 // kB
	last int64 // kB
	err  error
}

// vmRSS reads VmRSS of pid in kB; a process that has ended gives an
// error that is os.ErrNotExist.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	// A process that has ended but not been waited for has no memory.
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status, the process has ended: %w", pid, os.ErrNotExist)
}

// cpuTime reads the user and system CPU time of pid, all threads, assuming
// the usual 100 clock ticks per second.
func cpuTime(pid int) (time.Duration, error) {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
	// After the comm: state(0) ppid ... utime is field 14 of the line, 11 here.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	stt, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+stt) * 10 * time.Millisecond, nil
}

func (p *procSampler) sample() {
	kb, err := vmRSS(p.pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.err == nil {
			p.err = err
		}
		return
	}
	p.last = kb
	p.peak = max(p.peak, kb)
}

// run samples until stop is closed, then once more.
func (p *procSampler) run(stop <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		p.sample()
		select {
		case <-stop:
			p.sample()
			return
		case <-t.C:
		}
	}
}

func (p *procSampler) result() (peak, last int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak, p.last, p.err
}

// envMB reads a size in MiB from the environment.
func envMB(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive whole number of MB", name, v)
	}
	return n
}

// TestFloodHelpers checks the flood's lines and the log check the flood
// benchmark relies on: a complete log passes, a missing, repeated, split
// or non-info flood line fails; a note of atbench's own is counted.
func TestFloodHelpers(t *testing.T) {
	const n = 3000
	var wire bytes.Buffer
	if _, err := writeFlood(&wire, n); err != nil {
		t.Fatal(err)
	}
	if wire.Len() != n*floodLineLen {
		t.Fatalf("flood of %d lines is %d bytes, want %d", n, wire.Len(), n*floodLineLen)
	}
	lines := strings.SplitAfter(wire.String(), "\r\n")
	if lines[7] != "flood 0000007 hijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVabcdefg\r\n" {
		t.Fatalf("line 7 is %q", lines[7])
	}
	logLine := func(i int) string {
		return "2026-11-21T23:59:01.123456Z < info   " + string(appendFloodText(nil, i)) + "\n"
	}
	var good []string
	for i := range n {
		good = append(good, logLine(i))
	}
	dir := t.TempDir()
	check := func(name string, lines []string, wantOK bool, wantOthers int) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		others, first, err := verifyFloodLog(p, n)
		if (err == nil) != wantOK {
			t.Errorf("%s: verifyFloodLog = %v, want ok %v", name, err, wantOK)
		}
		if wantOK && others != wantOthers {
			t.Errorf("%s: %d other records (first %q), want %d", name, others, first, wantOthers)
		}
		tail := &logTail{path: p}
		if err := tail.poll(); err != nil {
			t.Fatal(err)
		}
		if wantOK && tail.lastFlood() != n-1 {
			t.Errorf("%s: last flood line in the tail %d, want %d", name, tail.lastFlood(), n-1)
		}
	}
	check("good", good, true, 0)
	check("missing", slices.Delete(slices.Clone(good), 1234, 1235), false, 0)
	check("repeated", slices.Insert(slices.Clone(good), 1234, good[1233]), false, 0)
	check("short", good[:n-1], false, 0)
	split := slices.Clone(good)
	split[10] = "2026-11-21T23:59:01.123456Z < info   flood 0000010 hijk\n" +
		"2026-11-21T23:59:01.123456Z < info   lmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVabcdefghij\n"
	check("split", split, false, 0)
	note := "2026-11-21T23:59:01.123456Z - note   disconnected: read: input/output error\n"
	check("a note", slices.Insert(slices.Clone(good), 0, note), true, 1)
	notInfo := slices.Clone(good)
	notInfo[5] = strings.Replace(good[5], "info ", "event", 1)
	check("not info", notInfo, false, 0)
}

// catFlood is the reference reader of the flood benchmarks: `cat A >
// FILE` on a fresh socat pair, fed lines by writeFlood through end B (the
// same writer as the atbench floods). It returns the time from the first
// byte written until FILE holds every byte, polled like the atbench log
// (every 20 ms), and checks that FILE holds exactly the bytes written.
// cat's start-up is outside the time.
func catFlood(b *testing.B, lines int) time.Duration {
	b.Helper()
	cat, err := exec.LookPath("cat")
	if err != nil {
		b.Skip("cat not installed")
	}
	dir := b.TempDir()
	pair := socattest.Start(b, dir, "a", "b")
	defer pair.Stop()
	in, err := os.OpenFile(pair.A, os.O_RDONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		b.Fatal(err)
	}
	outPath := filepath.Join(dir, "cat.out")
	out, err := os.Create(outPath)
	if err != nil {
		in.Close()
		b.Fatal(err)
	}
	cmd := exec.Command(cat)
	cmd.Stdin, cmd.Stdout = in, out // files: cat reads the tty and writes the file itself
	err = cmd.Start()
	in.Close()
	out.Close()
	if err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	if err := waitOpened(cmd.Process.Pid, pair.A, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	far := pair.OpenB()
	total := int64(lines) * floodLineLen
	written := make(chan error, 1)
	tail := &logTail{path: outPath}
	t0 := time.Now()
	go func() {
		_, err := writeFlood(far, lines)
		written <- err
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := tail.poll(); err != nil {
			b.Fatalf("watching cat's output: %v", err)
		}
		if tail.size >= total {
			break
		}
		select {
		case <-exited:
			b.Fatalf("cat ended during the flood; its output holds %d of %d bytes", tail.size, total)
		default:
		}
		if time.Since(t0) > floodTimeout {
			b.Fatalf("after %v cat's output holds %d of %d bytes", floodTimeout, tail.size, total)
		}
		<-tick.C
	}
	d := time.Since(t0)
	if err := <-written; err != nil {
		b.Fatal(err)
	}
	if err := verifyPicocomLog(outPath, lines); err != nil {
		b.Fatalf("cat: %v", err)
	}
	return d
}

// waitOpened waits until process pid holds the tty that link points to
// open, so that nothing written to the far end comes before the reader.
func waitOpened(pid int, link string, timeout time.Duration) error {
	dev, err := filepath.EvalSymlinks(link)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", link, err)
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	deadline := time.Now().Add(timeout)
	for {
		ents, _ := os.ReadDir(fdDir)
		for _, e := range ents {
			if l, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && l == dev {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d did not open %s (%s) within %v", pid, link, dev, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// medianFloat returns the median of v (the mean of the middle two when
// there is an even number), or 0 for none.
func medianFloat(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// processCPU is the test process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
