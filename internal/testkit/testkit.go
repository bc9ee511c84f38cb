// Package testkit holds the helpers that tests of several packages share:
// byte patterns that show loss or reordering, exact reads with a deadline,
// and a leak check for goroutines and file descriptors.
package testkit

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
	"time"
)

// Pattern returns n bytes covering every byte value, with a period that is
// no power of two, so loss or reordering shows.
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
		if i%1009 == 0 {
			b[i] = 0xff
		}
	}
	return b
}

// ReadExact reads len(want) bytes from r within 20 s and compares them,
// naming the first offset that differs.
func ReadExact(tb testing.TB, r io.Reader, want []byte) {
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
		tb.Fatalf("bytes differ at offset %d of %d: got %q, want %q", i, len(want), snip(got, i), snip(want, i))
	}
}

func snip(b []byte, i int) []byte { return b[i:min(len(b), i+16)] }

// NoLeak records the goroutines and open descriptors now; the function it
// returns fails the test unless both fall back to those numbers within 5 s.
func NoLeak(tb testing.TB) func() {
	tb.Helper()
	// Start the runtime poller first: its descriptors stay for good.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	g0, f0 := runtime.NumGoroutine(), openFDs()
	return func() {
		tb.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			g, f := runtime.NumGoroutine(), openFDs()
			if g <= g0 && f <= f0 {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				tb.Fatalf("leak: goroutines %d → %d, descriptors %d → %d\n%s", g0, g, f0, f, buf)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// openFDs counts this process's open descriptors (Linux), or 0.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(ents)
}
