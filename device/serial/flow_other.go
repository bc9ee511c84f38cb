//go:build !linux && !darwin

package serial

import (
	"fmt"
	"runtime"

	"go.bug.st/serial"
)

// openPort opens path with mode. go.bug.st/serial v1.8.0 turns hardware flow
// control off on this system and offers no way to turn it on.
func openPort(path string, mode *serial.Mode, rtscts bool) (serial.Port, error) {
	if rtscts {
		return nil, fmt.Errorf("rtscts flow control is not supported on %s", runtime.GOOS)
	}
	sp, err := serial.Open(path, mode)
	if err != nil {
		return nil, explainOpen(err)
	}
	return gatherPort{sp}, nil
}
