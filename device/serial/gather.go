package serial

import (
	"errors"
	"fmt"
	"time"

	"go.bug.st/serial"
)

// gatherPort is a serial.Port whose Read gathers a flood's reads.
//
// A tty hands out at most 4 KiB per read, and each read costs the session
// a hand-off, a log write and a wake-up of the screen or the script. So
// after a read of gatherMin bytes or more (the line discipline had more
// waiting) Read goes on reading what comes within gatherWait into the same
// buffer, until it is nearly full. Lines at a UART's pace, and the answer
// to a command, never wait.
type gatherPort struct{ serial.Port }

// Gathering reads in a flood (gatherPort.Read).
const (
	gatherMin  = 2 << 10
	gatherWait = 500 * time.Microsecond
)

// Read reads what the port received, gathering a flood's reads into b.
func (p gatherPort) Read(b []byte) (int, error) {
	n, err := p.Port.Read(b)
	if err != nil || n < gatherMin || len(b)-n < gatherMin {
		return n, err
	}
	if p.SetReadTimeout(gatherWait) != nil {
		return n, nil
	}
	for len(b)-n >= gatherMin {
		m, err := p.Port.Read(b[n:])
		n += m
		if err != nil || m < gatherMin {
			// The flood paused (a read that timed out returns 0), or
			// the port failed: a failure comes back at the next read,
			// after these bytes.
			break
		}
	}
	p.SetReadTimeout(serial.NoTimeout)
	return n, nil
}

// explainOpen adds what to do to the errors of opening a port that a user
// can act on.
func explainOpen(err error) error {
	var pe *serial.PortError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code() {
	case serial.PortBusy:
		return fmt.Errorf("%w: another program holds it", err)
	case serial.PermissionDenied:
		return fmt.Errorf("%w (is the user in the port's group? dialout on most Linux systems)", err)
	}
	return err
}
