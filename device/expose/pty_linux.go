package expose

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
	defaultMasterIO = pollerIO
)

func openPTY(how masterIO) (*PTY, error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("get pty number: %w", err)
	}
	path := "/dev/pts/" + strconv.FormatUint(uint64(n), 10)
	slave, err := openSlave(path)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	guard, err := watchExclusive(path, int(slave))
	if err != nil {
		slave.Close()
		unix.Close(fd)
		return nil, fmt.Errorf("pty %s: %w", path, err)
	}
	master, err := wrapMaster(fd, how)
	if err != nil {
		guard.Close()
		slave.Close()
		return nil, err
	}
	return &PTY{path: path, master: master, slave: slave, guard: guard}, nil
}
