//go:build linux

package netcore

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// dropIncoming attaches a socket filter that drops every segment reaching
// c's socket: the kernel then sees no answer from the peer (no data, no
// ACK of its keepalive probes, no FIN or RST) and its keepalive decides.
// It needs no privilege.
func dropIncoming(c *net.TCPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	prog := unix.SockFprog{Len: 1, Filter: &[]unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}[0]}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("SO_ATTACH_FILTER: %w", serr)
	}
	return nil
}
