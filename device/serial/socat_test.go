package serial

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// socatPair is a pair of linked ptys made by socat: what is written to one
// link comes out of the other, like two ends of a null-modem cable.
type socatPair struct {
	tb   testing.TB
	A, B string // link paths
	cmd  *exec.Cmd
}

// startSocat starts socat with links dir/a and dir/b (or the names given)
// and waits until both exist. It skips the test when socat is missing.
func startSocat(tb testing.TB, dir, a, b string) *socatPair {
	tb.Helper()
	bin, err := exec.LookPath("socat")
	if err != nil {
		tb.Skip("socat not installed")
	}
	p := &socatPair{tb: tb, A: filepath.Join(dir, a), B: filepath.Join(dir, b)}
	p.cmd = exec.Command(bin, "-d", "-d",
		"pty,raw,echo=0,link="+p.A,
		"pty,raw,echo=0,link="+p.B)
	// The links appear before socat has made the ptys raw; its notice that
	// the transfer loop starts comes after.
	watch := &notice{want: "starting data transfer loop", seen: make(chan struct{})}
	p.cmd.Stderr = watch
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start socat: %v", err)
	}
	tb.Cleanup(p.Stop)
	select {
	case <-watch.seen:
	case <-time.After(10 * time.Second):
		tb.Fatal("socat did not start")
	}
	return p
}

// notice watches socat's log for one phrase.
type notice struct {
	want string
	seen chan struct{}
	mu   sync.Mutex
	log  []byte
	done bool
}

func (n *notice) Write(b []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.done {
		n.log = append(n.log, b...)
		if bytes.Contains(n.log, []byte(n.want)) {
			n.done = true
			n.log = nil
			close(n.seen)
		}
	}
	return len(b), nil
}

// Stop ends socat with SIGTERM, which removes its links, as unplugging
// removes a device node. Stopping twice is harmless.
func (p *socatPair) Stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

// OpenB opens the far end as a plain file, the way a device would use it.
func (p *socatPair) OpenB() *os.File {
	p.tb.Helper()
	f, err := os.OpenFile(p.B, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		p.tb.Fatalf("open %s: %v", p.B, err)
	}
	p.tb.Cleanup(func() { f.Close() })
	return f
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// pattern returns n bytes covering every byte value, with a period that is
// no power of two, so loss or reordering shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
		if i%1009 == 0 {
			b[i] = 0xff
		}
	}
	return b
}

// readExact reads len(want) bytes from r within a deadline and compares.
func readExact(tb testing.TB, r io.Reader, want []byte) {
	tb.Helper()
	got := make([]byte, len(want))
	errc := make(chan error, 1)
	go func() {
		_, err := io.ReadFull(r, got)
		errc <- err
	}()
	select {
	case err := <-errc:
		if err != nil {
			tb.Fatalf("read %d bytes: %v", len(want), err)
		}
	case <-time.After(20 * time.Second):
		tb.Fatalf("timed out reading %d bytes", len(want))
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && got[i] == want[i] {
			i++
		}
		tb.Fatalf("bytes differ at offset %d of %d: got %q, want %q", i, len(want),
			got[i:min(len(got), i+16)], want[i:min(len(want), i+16)])
	}
}

// checkNoLeak fails the test unless goroutines fall back to their number at
// the call, within a deadline.
func checkNoLeak(tb testing.TB) func() {
	tb.Helper()
	g0 := runtime.NumGoroutine()
	return func() {
		tb.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > g0 {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				tb.Fatalf("goroutines %d → %d\n%s", g0, runtime.NumGoroutine(), buf)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}
