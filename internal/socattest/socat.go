// Package socattest starts socat pty pairs for tests: two linked ptys,
// like the two ends of a null-modem cable, that can be stopped and started
// again under the same names to play an unplugged and replugged port.
package socattest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Pair is a pair of linked ptys made by socat: what is written to one
// link comes out of the other, like two ends of a null-modem cable.
type Pair struct {
	tb   testing.TB
	A, B string // link paths
	cmd  *exec.Cmd
}

// Start starts socat with links dir/a and dir/b (or the names given)
// and waits until both exist. It skips the test when socat is missing.
func Start(tb testing.TB, dir, a, b string) *Pair {
	tb.Helper()
	bin, err := exec.LookPath("socat")
	if err != nil {
		tb.Skip("socat not installed")
	}
	p := &Pair{tb: tb, A: filepath.Join(dir, a), B: filepath.Join(dir, b)}
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

// Write collects socat's log until the phrase shows.
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
func (p *Pair) Stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

// OpenB opens the far end as a plain file, the way a device would use it.
func (p *Pair) OpenB() *os.File {
	p.tb.Helper()
	f, err := os.OpenFile(p.B, os.O_RDWR|noCTTY, 0)
	if err != nil {
		p.tb.Fatalf("open %s: %v", p.B, err)
	}
	p.tb.Cleanup(func() { f.Close() })
	return f
}

// BenchCat is the reference reader of the ingest benchmarks: it times
// `head -c N` (cat that stops after N bytes) reading end A of a fresh pair
// while end B is written with chunk, b.N times, as fast as the pty takes
// it. Process start-up is outside the timer, its exit inside.
func BenchCat(b *testing.B, chunk []byte) {
	head, err := exec.LookPath("head")
	if err != nil {
		b.Skip("head not installed")
	}
	pair := Start(b, b.TempDir(), "a", "b")
	far := pair.OpenB()
	in, err := os.OpenFile(pair.A, os.O_RDONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(head, "-c", strconv.Itoa(b.N*len(chunk)))
	cmd.Stdin = in // a file, so head reads the tty itself, not through a pipe
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	in.Close()
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	go func() {
		for range b.N {
			if _, err := far.Write(chunk); err != nil {
				return
			}
		}
	}()
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
}
