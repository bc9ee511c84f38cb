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
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var (
		info *unix.TCPInfo
		gerr error
	)
	if err := raw.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil || gerr != nil {
		return 0, false
	}
	return int(info.Probes), true
}
