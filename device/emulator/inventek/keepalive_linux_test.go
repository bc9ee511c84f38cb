//go:build linux

package inventek

import (
	"testing"

	"golang.org/x/sys/unix"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	inv "atbench/protocol/inventek"
)

// TestPKReachesTheKernel: PK lands on the real sockets of the server's
// clients (idle in whole seconds, 75 s interval, 9 probes), changes the
// current client's at once, and PK=0 turns keepalive off.
func TestPKReachesTheKernel(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.cmd("PK=1,3000", inv.FormatOK(nil))
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	c := emutest.Dial(t, port)
	h.Expect(string(accepted(c)))
	check := func(on, idle, intvl, cnt int) {
		t.Helper()
		tc := h.Socket(inv.SeedLink(0))
		got := []int{emutest.Sockopt(t, tc, unix.SOL_SOCKET, unix.SO_KEEPALIVE), emutest.Sockopt(t, tc, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE),
			emutest.Sockopt(t, tc, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL), emutest.Sockopt(t, tc, unix.IPPROTO_TCP, unix.TCP_KEEPCNT)}
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
