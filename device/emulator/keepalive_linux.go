//go:build linux

package emulator

import (
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// readOSKeepalive reads the kernel's keepalive defaults, falling back to
// 7200 s / 75 s / 9 for any value it cannot read.
func readOSKeepalive() osKeepalive {
	k := fallbackKeepalive()
	read := func(name string) (int, bool) {
		b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
		if err != nil {
			return 0, false
		}
		v, err := strconv.Atoi(strings.TrimSpace(string(b)))
		return v, err == nil && v > 0
	}
	if v, ok := read("tcp_keepalive_time"); ok {
		k.Idle = time.Duration(v) * time.Second
	}
	if v, ok := read("tcp_keepalive_intvl"); ok {
		k.Interval = time.Duration(v) * time.Second
	}
	if v, ok := read("tcp_keepalive_probes"); ok {
		k.Count = v
	}
	return k
}

// kernelProbes returns the keepalive probes the kernel has sent without an
// answer (TCP_INFO tcpi_probes).
func kernelProbes(c *net.TCPConn) (int, bool) {
	k, ok := kernelKeepalive(c)
	return k.probes, ok
}

// kernelKA is the kernel's own view of a socket's keepalive.
type kernelKA struct {
	probes int           // probes sent without an answer
	heard  time.Duration // since the peer last sent anything, data or ACK
}

// kernelKeepalive reads TCP_INFO. The kernel times keepalive from the last
// packet it received, an answered probe included, so the peer's silence is
// the smaller of the times since its last data and its last ACK.
func kernelKeepalive(c *net.TCPConn) (kernelKA, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return kernelKA{}, false
	}
	var (
		info *unix.TCPInfo
		gerr error
	)
	if err := raw.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil || gerr != nil {
		return kernelKA{}, false
	}
	heard := min(info.Last_data_recv, info.Last_ack_recv)
	return kernelKA{probes: int(info.Probes), heard: time.Duration(heard) * time.Millisecond}, true
}
