//go:build linux || darwin

package serial

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// setRTSCTS turns RTS/CTS flow control on through fd. go.bug.st/serial has
// no flow-control setting and turns it off when it opens a port, so this
// goes through a descriptor of our own: the terminal settings belong to the
// device, not to a descriptor.
func setRTSCTS(fd int) error {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return fmt.Errorf("rtscts: get termios: %w", err)
	}
	t.Cflag |= unix.CRTSCTS
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, t); err != nil {
		return fmt.Errorf("rtscts: set termios: %w", err)
	}
	return nil
}
