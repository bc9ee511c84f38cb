//go:build linux

package netcore

import (
	"testing"
	"time"
)

// TestKernelBlackhole: with the peer's segments dropped by the kernel,
// the kernel's own keepalive (idle 2 s, interval 1 s, count 3) declares
// the death, on real time, about 5 s after the peer was last heard.
func TestKernelBlackhole(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 5 s of real time")
	}
	lab := newFaultLab(t, nil)
	start := time.Now()
	f, err := lab.s.Blackhole(0, BlackholeKernel)
	if err != nil {
		t.Fatal(err)
	}
	if f.Blackhole != BlackholeKernel || !f.DeadAt.IsZero() {
		t.Fatalf("faults %+v", f)
	}
	if _, err := lab.peer.Write([]byte("dropped")); err != nil {
		t.Fatal(err)
	}
	e := lab.closed(t)
	took := time.Since(start)
	t.Logf("kernel keepalive declared the death %v after the blackhole (model: 5 s)", took.Round(time.Millisecond))
	if e.Reason != "keepalive timeout" {
		t.Fatalf("closed %q (%v)", e.Reason, e.Err)
	}
	if took < 4*time.Second || took > 7*time.Second {
		t.Fatalf("death after %v, want about 5 s", took)
	}
}
