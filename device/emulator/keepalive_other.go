//go:build !linux

package emulator

import (
	"net"
	"time"
)

// readOSKeepalive returns the classic defaults (7200 s / 75 s / 9): the
// kernel values are not read on this system.
func readOSKeepalive() osKeepalive { return fallbackKeepalive() }

// kernelKA is the kernel's own view of a socket's keepalive.
type kernelKA struct {
	probes int
	heard  time.Duration
}

// kernelKeepalive is not available on this system: the progress is
// modelled from the data the link carried.
func kernelKeepalive(*net.TCPConn) (kernelKA, bool) { return kernelKA{}, false }
