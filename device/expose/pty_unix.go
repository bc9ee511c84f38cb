//go:build linux || darwin

package expose

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// masterIO chooses how the master descriptor is read and written.
type masterIO int

const (
	// pollerIO hands the non-blocking master to the Go runtime poller
	// (epoll); Close unblocks pending calls.
	pollerIO masterIO = iota
	// selectIO waits with select(2) on the master and a wake-up pipe. Darwin
	// needs it: kqueue misreports a pty master as ready, which spins the
	// poller (golang/go#22099).
	selectIO
)

// wrapMaster turns the master descriptor into a ReadWriteCloser; it takes
// ownership of fd, closing it on error.
func wrapMaster(fd int, how masterIO) (io.ReadWriteCloser, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pty master: set non-blocking: %w", err)
	}
	if how == selectIO {
		return newSelectFD(fd)
	}
	// os.NewFile registers a non-blocking descriptor with the poller.
	return os.NewFile(uintptr(fd), "ptmx"), nil
}

// slaveFD is our own hold on the slave side.
type slaveFD int

// Close closes the slave descriptor.
func (s slaveFD) Close() error { return unix.Close(int(s)) }

// openSlave opens the slave path, sets it raw and returns it; it keeps the
// terminal alive between clients.
func openSlave(path string) (slaveFD, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open pty slave %s: %w", path, err)
	}
	if err := makeRaw(fd); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("pty slave %s: %w", path, err)
	}
	return slaveFD(fd), nil
}

// makeRaw does what cfmakeraw(3) does: no input or output processing, no
// echo, no line editing or signals, 8 data bits without parity, and reads
// that return as soon as one byte is there.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return fmt.Errorf("get termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, t); err != nil {
		return fmt.Errorf("set termios: %w", err)
	}
	return nil
}
