package serial

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

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
