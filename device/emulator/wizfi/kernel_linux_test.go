//go:build linux

package wizfi

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
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
