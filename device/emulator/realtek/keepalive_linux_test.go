//go:build linux

package realtek

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"atbench/device/emulator/netcore"
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

// TestSocketOptionsReachTheKernel checks that AT+SKTCFG lands on the real
// socket: Nagle, keepalive and its timers, with 0 left to the OS.
func TestSocketOptionsReachTheKernel(t *testing.T) {
	h := newHarness(t, Config{})
	seedConn := func(id int) *net.TCPConn {
		c, ok := h.m.Net().TCPConn(id)
		if !ok {
			t.Fatalf("link %d has no TCP socket", id)
		}
		return c
	}
	h.cmd("AT+SKTCFG=,,1,1,60,10,3", "\r\nOK\r\n")
	port := h.server(0, 1, "", 1)
	c := dial(t, port)
	h.expect(acceptEvent(1, false, localPort(c), 0))
	s := seedConn(1)
	if sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 || sockopt(t, s, unix.SOL_SOCKET, unix.SO_KEEPALIVE) == 0 ||
		sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) != 60 || sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL) != 10 ||
		sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPCNT) != 3 {
		t.Fatal("options not applied")
	}
	h.cmd("AT+SKTCFG=", "\r\nOK\r\n")
	port = h.server(2, 1, "", 1)
	c = dial(t, port)
	h.expect(acceptEvent(3, false, localPort(c), 2))
	s = seedConn(3)
	if sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0 || sockopt(t, s, unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0 {
		t.Fatal("defaults must be Nagle on and keepalive off")
	}
	h.cmd("AT+SKTCFG=,,,1", "\r\nOK\r\n")
	port = h.server(4, 1, "", 1)
	c = dial(t, port)
	h.expect(acceptEvent(5, false, localPort(c), 4))
	s = seedConn(5)
	def := netcore.ReadSystemKeepalive()
	if sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) != int(def.Idle.Seconds()) || sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPCNT) != def.Count {
		t.Fatal("unset keepalive values must stay at the OS default, not Go's 15 s")
	}
}
