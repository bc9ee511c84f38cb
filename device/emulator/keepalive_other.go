//go:build !linux

package emulator

import "net"

// readOSKeepalive returns the classic defaults (7200 s / 75 s / 9): the
// kernel values are not read on this system.
func readOSKeepalive() osKeepalive { return fallbackKeepalive() }

// kernelProbes is not available on this system.
func kernelProbes(*net.TCPConn) (int, bool) { return 0, false }
