//go:build linux || darwin

package serial

import (
	"fmt"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// openPort opens path with mode; its reads gather a flood (gatherPort). go.bug.st/serial has no flow-control setting
// and turns RTS/CTS off when it opens a port, so for rtscts we hold a second
// descriptor opened beforehand (the library then takes the port exclusively)
// and set CRTSCTS through it: the terminal settings belong to the device,
// not to a descriptor.
func openPort(path string, mode *serial.Mode, rtscts bool) (serial.Port, error) {
	if !rtscts {
		sp, err := serial.Open(path, mode)
		if err != nil {
			return nil, explainOpen(err)
		}
		return gatherPort{sp}, nil
	}
	hold, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open for flow control: %w", err)
	}
	defer unix.Close(hold)
	sp, err := serial.Open(path, mode)
	if err != nil {
		return nil, explainOpen(err)
	}
	if err := setRTSCTS(hold); err != nil {
		sp.Close()
		return nil, err
	}
	return gatherPort{sp}, nil
}

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
