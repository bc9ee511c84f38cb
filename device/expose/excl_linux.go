package expose

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// exclGuard keeps the terminal exclusive (TIOCEXCL) while a client has it
// open, and undoes the lock when the client goes.
//
// A real serial port has one user. On a pty, a second program opening the
// slave would silently take half of the module's answers, so once a client
// has the slave open the guard sets the exclusive flag: a later open by a
// program that is not root fails with EBUSY ("Device or resource busy"),
// whatever the client is (picocom, minicom and socat do not lock; the
// kernel lets root through). Serial clients such as go.bug.st/serial take
// the lock themselves and release it on Close; a client that dies leaves
// the flag set, and since we keep the slave open the terminal is never
// released. So the guard wakes on each open and close of the slave
// (inotify) and sets the flag when another descriptor for the slave exists
// in any process we can see, and clears it when none is left. Inotify
// merges repeated events, so it cannot count opens; looking is exact.
type exclGuard struct {
	events  *os.File
	done    chan struct{}
	handled atomic.Int64 // batches of events looked at, for tests
}

func watchExclusive(path string, slave int) (*exclGuard, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN|unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	g := &exclGuard{events: os.NewFile(uintptr(fd), "inotify"), done: make(chan struct{})}
	go g.run(path, slave)
	return g, nil
}

func (g *exclGuard) run(path string, slave int) {
	defer close(g.done)
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		if _, err := g.events.Read(buf); err != nil {
			return // closed
		}
		// Any batch of events means some descriptor opened or closed.
		excl, err := unix.IoctlGetInt(slave, unix.TIOCGEXCL)
		if err == nil {
			switch used := openElsewhere(path, slave); {
			case used && excl == 0:
				unix.IoctlSetInt(slave, unix.TIOCEXCL, 0)
			case !used && excl != 0:
				unix.IoctlSetInt(slave, unix.TIOCNXCL, 0)
			}
		}
		g.handled.Add(1)
	}
}

// openElsewhere reports whether a descriptor other than our own hold refers
// to path in any process whose descriptors we may read.
func openElsewhere(path string, hold int) bool {
	self := strconv.Itoa(os.Getpid())
	procs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, dir := range procs {
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // gone, or not ours to read
		}
		mine := filepath.Base(filepath.Dir(dir)) == self
		for _, fd := range fds {
			if mine && fd.Name() == strconv.Itoa(hold) {
				continue
			}
			if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == path {
				return true
			}
		}
	}
	return false
}

// Close stops the guard and waits for it.
func (g *exclGuard) Close() error {
	err := g.events.Close()
	<-g.done
	return err
}
