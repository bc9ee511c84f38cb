//go:build unix

package emutest

import (
	"fmt"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// ReadSockopt reads the integer socket option opt at level (unix.SOL_SOCKET,
// unix.IPPROTO_TCP…) of c's socket.
func ReadSockopt(c *net.TCPConn, level, opt int) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("socket option %d/%d: %w", level, opt, err)
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
		return 0, fmt.Errorf("socket option %d/%d: %w", level, opt, err)
	}
	if gerr != nil {
		return 0, fmt.Errorf("socket option %d/%d: %w", level, opt, gerr)
	}
	return v, nil
}

// Sockopt is ReadSockopt that fails the test on an error.
func Sockopt(tb testing.TB, c *net.TCPConn, level, opt int) int {
	tb.Helper()
	v, err := ReadSockopt(c, level, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
