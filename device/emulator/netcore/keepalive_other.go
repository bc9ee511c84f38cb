//go:build !linux

package netcore

import "net"

// ReadSystemKeepalive returns the classic defaults (7200 s / 75 s / 9):
// the kernel values are not read on this system.
func ReadSystemKeepalive() SystemKeepalive { return fallbackKeepalive() }

// ReadTCPInfo is not available on this system: keepalive progress is
// modelled from the data the link carried.
func ReadTCPInfo(*net.TCPConn) (TCPInfo, error) { return TCPInfo{}, ErrUnimplemented }
