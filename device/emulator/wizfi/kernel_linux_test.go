//go:build linux

package wizfi

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"atbench/device/emulator"
	"atbench/internal/emutest"
)

// kernelTimers reads the keepalive timers of CID cid's real socket.
func kernelTimers(h *harness, cid int) (idle, intvl time.Duration, cnt int, err error) {
	tc, ok := h.m.Net().TCPConn(cid)
	if !ok {
		return 0, 0, 0, errors.New("no TCP socket")
	}
	var v [3]int
	for i, opt := range []int{unix.TCP_KEEPIDLE, unix.TCP_KEEPINTVL, unix.TCP_KEEPCNT} {
		if v[i], err = emutest.ReadSockopt(tc, unix.IPPROTO_TCP, opt); err != nil {
			return 0, 0, 0, err
		}
	}
	return time.Duration(v[0]) * time.Second, time.Duration(v[1]) * time.Second, v[2], nil
}

// kernelKeepaliveOn reads SO_KEEPALIVE of CID cid's real socket.
func kernelKeepaliveOn(h *harness, cid int) (bool, error) {
	tc, ok := h.m.Net().TCPConn(cid)
	if !ok {
		return false, errors.New("no TCP socket")
	}
	v, err := emutest.ReadSockopt(tc, unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	return v != 0, err
}

// TestMaxRTIsUserTimeout: TCP_MAXRT reaches the real socket as
// TCP_USER_TIMEOUT, on a client and on the clients a server accepts.
func TestMaxRTIsUserTimeout(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.connectClient(0)
	h.Cmd("AT+SETSOCKOPT=0,6,10,30,4", ok)
	if got := userTimeout(t, h, 0); got != 30000 {
		t.Fatalf("TCP_USER_TIMEOUT %d ms, want 30000", got)
	}
	port := h.server("AT+NSTCP", 1, "")
	h.Cmd("AT+SETSOCKOPT=1,6,10,12,4", ok)
	c := emutest.Dial(t, port)
	h.Expect(acceptLine(1, 2, emutest.LocalPort(c)))
	if got := userTimeout(t, h, 2); got != 12000 {
		t.Fatalf("accepted client: TCP_USER_TIMEOUT %d ms, want 12000", got)
	}
}

func userTimeout(t *testing.T, h *harness, cid int) int {
	t.Helper()
	return emutest.Sockopt(t, h.Socket(cid), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
}
