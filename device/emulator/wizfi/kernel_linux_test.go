//go:build linux

package wizfi

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"atbench/device/emulator"
)

// kernelTimers reads the keepalive timers of CID cid's real socket.
func kernelTimers(h *harness, cid int) (idle, intvl time.Duration, cnt int, err error) {
	tc, ok := h.m.Net().TCPConn(cid)
	if !ok {
		return 0, 0, 0, errors.New("no TCP socket")
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return 0, 0, 0, err
	}
	var i, n, c int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		if i, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE); gerr != nil {
			return
		}
		if n, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPINTVL); gerr != nil {
			return
		}
		c, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
	}); err != nil {
		return 0, 0, 0, err
	}
	return time.Duration(i) * time.Second, time.Duration(n) * time.Second, c, gerr
}

// kernelKeepaliveOn reads SO_KEEPALIVE of CID cid's real socket.
func kernelKeepaliveOn(h *harness, cid int) (bool, error) {
	tc, ok := h.m.Net().TCPConn(cid)
	if !ok {
		return false, errors.New("no TCP socket")
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false, err
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		v, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	}); err != nil {
		return false, err
	}
	return v != 0, gerr
}

// TestMaxRTIsUserTimeout: TCP_MAXRT reaches the real socket as
// TCP_USER_TIMEOUT, on a client and on the clients a server accepts.
func TestMaxRTIsUserTimeout(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.connectClient(0)
	h.cmd("AT+SETSOCKOPT=0,6,10,30,4", ok)
	if got := userTimeout(t, h, 0); got != 30000 {
		t.Fatalf("TCP_USER_TIMEOUT %d ms, want 30000", got)
	}
	port := h.server("AT+NSTCP", 1, "")
	h.cmd("AT+SETSOCKOPT=1,6,10,12,4", ok)
	c := dial(t, port)
	h.expect(acceptLine(1, 2, localPort(c)))
	if got := userTimeout(t, h, 2); got != 12000 {
		t.Fatalf("accepted client: TCP_USER_TIMEOUT %d ms, want 12000", got)
	}
}

func userTimeout(t *testing.T, h *harness, cid int) int {
	t.Helper()
	tc, ok := h.m.Net().TCPConn(cid)
	if !ok {
		t.Fatalf("CID %d has no TCP socket", cid)
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	return v
}
