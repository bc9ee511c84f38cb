//go:build linux

package inventek

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"atbench/device/emulator"
	inv "atbench/protocol/inventek"
)

func sockopt(t *testing.T, c *net.TCPConn, level, opt int) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil || gerr != nil {
		t.Fatalf("getsockopt: %v %v", err, gerr)
	}
	return v
}

// TestPKReachesTheKernel: PK lands on the real sockets of the server's
// clients (idle in whole seconds, 75 s interval, 9 probes), changes the
// current client's at once, and PK=0 turns keepalive off.
func TestPKReachesTheKernel(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.cmd("PK=1,3000", inv.FormatOK(nil))
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	c := dial(t, port)
	h.expect(string(accepted(c)))
	seed := func() *net.TCPConn {
		tc, ok := h.m.Net().TCPConn(inv.SeedLink(0))
		if !ok {
			t.Fatal("no seed socket")
		}
		return tc
	}
	check := func(on, idle, intvl, cnt int) {
		t.Helper()
		tc := seed()
		got := []int{sockopt(t, tc, unix.SOL_SOCKET, unix.SO_KEEPALIVE), sockopt(t, tc, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE),
			sockopt(t, tc, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL), sockopt(t, tc, unix.IPPROTO_TCP, unix.TCP_KEEPCNT)}
		if got[0] != on || (on == 1 && (got[1] != idle || got[2] != intvl || got[3] != cnt)) {
			t.Fatalf("keepalive on/idle/intvl/cnt = %v, want %d %d %d %d", got, on, idle, intvl, cnt)
		}
	}
	check(1, 3, 75, 9)
	h.cmd("PK=1,60000", inv.FormatOK(nil))
	check(1, 60, 75, 9)
	h.cmd("PK=0,60000", inv.FormatOK(nil))
	check(0, 0, 0, 0)
}
