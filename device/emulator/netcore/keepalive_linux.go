//go:build linux

package netcore

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ReadSystemKeepalive reads the kernel's keepalive defaults, falling back
// to 7200 s / 75 s / 9 for any value it cannot read.
func ReadSystemKeepalive() SystemKeepalive {
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

// ReadTCPInfo reads the kernel's keepalive view of c (TCP_INFO). The kernel
// times keepalive from the last packet it received, an answered probe
// included, so the peer's silence is the smaller of the times since its
// last data and its last ACK.
func ReadTCPInfo(c *net.TCPConn) (TCPInfo, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return TCPInfo{}, fmt.Errorf("netcore: TCP_INFO: %w", err)
	}
	var (
		info *unix.TCPInfo
		gerr error
	)
	if err := raw.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return TCPInfo{}, fmt.Errorf("netcore: TCP_INFO: %w", err)
	}
	if gerr != nil {
		return TCPInfo{}, fmt.Errorf("netcore: TCP_INFO: %w", gerr)
	}
	heard := min(info.Last_data_recv, info.Last_ack_recv)
	return TCPInfo{
		Probes: int(info.Probes), Heard: time.Duration(heard) * time.Millisecond,
		State: kernelStateName(info.State), Retransmits: int(info.Retransmits),
		RTT:        time.Duration(info.Rtt) * time.Microsecond,
		LastDataRx: time.Duration(info.Last_data_recv) * time.Millisecond,
		LastAckRx:  time.Duration(info.Last_ack_recv) * time.Millisecond,
	}, nil
}
