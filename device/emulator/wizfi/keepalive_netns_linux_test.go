//go:build linux

package wizfi

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	"atbench/internal/netnslab"
)

// TestSeedShortRecipeDetectsADeadPeer runs the seed's 75 s recipe against
// the real kernel: a client of a server CID whose peer (in a private
// network namespace) falls silent is declared dead 75 s later, the module
// prints DISCONNECT and the link closes with "keepalive timeout". It takes
// over a minute of real time, so it runs only with ATBENCH_SLOW_TESTS=1.
func TestSeedShortRecipeDetectsADeadPeer(t *testing.T) {
	if os.Getenv("ATBENCH_SLOW_TESTS") != "1" {
		t.Skip("takes 75 s; set ATBENCH_SLOW_TESTS=1")
	}
	lab := netnslab.New(t, "wz")
	h := newHarness(t, emulator.Config{HostAddr: lab.HostIP})
	port := h.server("AT+NSTCP", 0, "")
	h.Cmd("AT+SETSOCKOPT=0,65535,8,1,4", ok)
	for _, line := range seedShort {
		h.Cmd(line, ok)
	}
	peer := lab.Dial(t, net.JoinHostPort(lab.HostIP, strconv.Itoa(port)), emutest.WaitLimit)
	h.Expect(fmt.Sprintf("\r\nCONNECT 0 1 %s %d\r\n", lab.PeerIP, emutest.LocalPort(peer)))
	l, _ := h.TableLink(1)
	if k := l.Keepalive; !k.Enabled || k.Idle != 0 || k.Interval != 75*time.Second || k.Count != 1 {
		t.Fatalf("seed keepalive %+v", k)
	}
	lab.Silence(t)
	silent := time.Now()
	var forecast time.Time
	// over a minute to wait: look every 100 ms, noting the forecast
	const disconnect = "\r\nDISCONNECT 1\r\n"
	h.Poll("DISCONNECT 1", 90*time.Second, 100*time.Millisecond, func() bool {
		if l, ok := h.TableLink(1); ok && l.Closed == nil {
			forecast = l.Keepalive.DeadAt
		}
		return h.Pending() >= len(disconnect)
	})
	h.Expect(disconnect)
	took := time.Since(silent)
	dead, found := h.ClosedLink(1)
	if !found || dead.Closed == nil || dead.Closed.Reason != "keepalive timeout" {
		t.Fatalf("closed link %+v", dead)
	}
	t.Logf("dead %v after the silence; the snapshot's forecast was %v off", took.Round(time.Millisecond), dead.Closed.At.Sub(forecast).Round(time.Millisecond))
	// The kernel's 74 s timer sits in a timer-wheel level of 4.096 s
	// granularity: it fires up to about 4 s late, never early.
	if took < 73*time.Second || took > 81*time.Second {
		t.Fatalf("detection took %v, want 75 s", took)
	}
	if off := dead.Closed.At.Sub(forecast); off < -2*time.Second || off > 5*time.Second {
		t.Fatalf("the snapshot's DeadAt was %v off the real death", off)
	}
	h.Cmd("AT+CID=?", fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n0\tTCP\tSERVER\t%4d\t\t   0\t\t  0.  0.  0.  0\r\n", port)+ok)
}
