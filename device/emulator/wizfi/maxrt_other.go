//go:build !linux

package wizfi

import (
	"errors"
	"net"
	"time"
)

// setUserTimeout has no portable equivalent of TCP_MAXRT here.
func setUserTimeout(*net.TCPConn, time.Duration) error {
	return errors.New("TCP_MAXRT: not available on this system")
}
