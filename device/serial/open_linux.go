package serial

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// openPort opens path with mode on two descriptors. go.bug.st/serial's
// sets the port up and drives its lines, break and buffers. The data moves
// through a second one, opened first (the library then takes the port
// exclusively) and read on the runtime's poller: in a flood each chunk
// costs one read, where the library's Read costs a pselect and a read and
// parks a thread in the kernel each time (BENCHMARKS.md). The second
// descriptor also turns RTS/CTS on for rtscts (setRTSCTS).
func openPort(path string, mode *serial.Mode, rtscts bool) (serial.Port, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.EBUSY):
		return nil, fmt.Errorf("port busy: another program holds it (%w)", err)
	case errors.Is(err, unix.EACCES):
		return nil, fmt.Errorf("%w (is the user in the port's group? dialout on most systems)", err)
	case err != nil:
		return nil, err
	}
	sp, err := serial.Open(path, mode)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	if rtscts {
		if err := setRTSCTS(fd); err != nil {
			unix.Close(fd)
			sp.Close()
			return nil, err
		}
	}
	// fd is non-blocking, so the os.File waits for it on the poller.
	return &polledPort{Port: sp, data: os.NewFile(uintptr(fd), path)}, nil
}

// polledPort is a serial.Port whose reads and writes go through data, a
// descriptor on the runtime's poller; everything else goes to the
// library's port.
type polledPort struct {
	serial.Port
	data    *os.File
	timeout atomic.Int64 // read timeout in ns; <= 0: none (serial.NoTimeout)
}

// Read reads what the port received. It returns an error when the port
// hangs up (a USB adapter unplugged reads as end of file) and, with a read
// timeout set, (0, nil) when the timeout passes, as the library's does.
//
// A pty or a tty hands out at most 4 KiB per read, and each read costs
// the session a hand-off, a log write and a wake-up of the screen. So
// after a read of gatherMin bytes or more (a flood: the line discipline
// had more waiting) Read gathers the reads that follow within gatherWait
// into b, until b is nearly full. Lines at a UART's pace, and the answer
// to a command, never wait.
func (p *polledPort) Read(b []byte) (int, error) {
	t := time.Duration(p.timeout.Load())
	if t > 0 {
		if err := p.data.SetReadDeadline(time.Now().Add(t)); err != nil {
			return 0, err
		}
	}
	n, err := p.data.Read(b)
	if t > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	if err != nil || n < gatherMin {
		return n, err
	}
	for len(b)-n >= gatherMin {
		if p.data.SetReadDeadline(time.Now().Add(gatherWait)) != nil {
			break
		}
		m, err := p.data.Read(b[n:])
		n += m
		if err != nil || m < gatherMin {
			// The flood paused, or the port failed: a failure
			// comes back at the next read, after these bytes.
			break
		}
	}
	p.data.SetReadDeadline(time.Time{})
	return n, nil
}

// Gathering reads in a flood (polledPort.Read).
const (
	gatherMin  = 2 << 10
	gatherWait = 500 * time.Microsecond
)

// Write writes all of b, waiting on the poller while the port's output
// buffer is full.
func (p *polledPort) Write(b []byte) (int, error) { return p.data.Write(b) }

// SetReadTimeout sets how long Read waits for a byte; serial.NoTimeout waits
// for ever.
func (p *polledPort) SetReadTimeout(t time.Duration) error {
	if t == serial.NoTimeout {
		t = 0
	}
	p.timeout.Store(int64(t))
	if t == 0 {
		return p.data.SetReadDeadline(time.Time{})
	}
	return nil
}

// Close closes both descriptors; a Read waiting on data returns.
func (p *polledPort) Close() error {
	return errors.Join(p.data.Close(), p.Port.Close())
}
