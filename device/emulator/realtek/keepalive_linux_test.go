//go:build linux

package realtek

import (
	"testing"

	"golang.org/x/sys/unix"

	"atbench/device/emulator/netcore"
	"atbench/internal/emutest"
)

// TestSocketOptionsReachTheKernel checks that AT+SKTCFG lands on the real
// socket: Nagle, keepalive and its timers, with 0 left to the OS.
func TestSocketOptionsReachTheKernel(t *testing.T) {
	h := newHarness(t, Config{})
	h.Cmd("AT+SKTCFG=,,1,1,60,10,3", "\r\nOK\r\n")
	port := h.server(0, 1, "", 1)
	c := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(c), 0))
	s := h.Socket(1)
	if emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 || emutest.Sockopt(t, s, unix.SOL_SOCKET, unix.SO_KEEPALIVE) == 0 ||
		emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) != 60 || emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL) != 10 ||
		emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPCNT) != 3 {
		t.Fatal("options not applied")
	}
	h.Cmd("AT+SKTCFG=", "\r\nOK\r\n")
	port = h.server(2, 1, "", 1)
	c = emutest.Dial(t, port)
	h.Expect(acceptEvent(3, false, emutest.LocalPort(c), 2))
	s = h.Socket(3)
	if emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0 || emutest.Sockopt(t, s, unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0 {
		t.Fatal("defaults must be Nagle on and keepalive off")
	}
	h.Cmd("AT+SKTCFG=,,,1", "\r\nOK\r\n")
	port = h.server(4, 1, "", 1)
	c = emutest.Dial(t, port)
	h.Expect(acceptEvent(5, false, emutest.LocalPort(c), 4))
	s = h.Socket(5)
	def := netcore.ReadSystemKeepalive()
	if emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) != int(def.Idle.Seconds()) || emutest.Sockopt(t, s, unix.IPPROTO_TCP, unix.TCP_KEEPCNT) != def.Count {
		t.Fatal("unset keepalive values must stay at the OS default, not Go's 15 s")
	}
}
