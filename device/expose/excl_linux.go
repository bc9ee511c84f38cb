package expose

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// exclGuard undoes a client's exclusive lock when the client goes.
//
// Serial clients such as go.bug.st/serial take the terminal exclusively
// (TIOCEXCL) and release it on Close. A client that dies leaves the flag set,
// and since we keep the slave open the terminal is never released, so every
// later client that is not root gets "busy". The guard wakes on each close of
// the slave (inotify) and, if the flag is still set and no other descriptor
// for the slave is left in any process we can see, clears it. Inotify merges
// repeated events, so it cannot count opens; looking is exact.
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
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE); err != nil {
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
		// Any batch of events means some descriptor closed.
		excl, err := unix.IoctlGetInt(slave, unix.TIOCGEXCL)
		if err == nil && excl != 0 && !openElsewhere(path, slave) {
			unix.IoctlSetInt(slave, unix.TIOCNXCL, 0)
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
