package serial

import (
	"fmt"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// openPort opens path with mode. For rtscts it holds a second descriptor,
// opened before the library takes the port exclusively, to turn flow
// control on (setRTSCTS).
func openPort(path string, mode *serial.Mode, rtscts bool) (serial.Port, error) {
	if !rtscts {
		return serial.Open(path, mode)
	}
	hold, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open for flow control: %w", err)
	}
	defer unix.Close(hold)
	sp, err := serial.Open(path, mode)
	if err != nil {
		return nil, err
	}
	if err := setRTSCTS(hold); err != nil {
		sp.Close()
		return nil, err
	}
	return sp, nil
}
