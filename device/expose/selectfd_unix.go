//go:build linux || darwin

package expose

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// selectFD reads and writes a non-blocking descriptor, waiting for it with
// select(2) together with a wake-up pipe that Close makes readable, so Close
// unblocks every pending call. The descriptor is closed only after those
// calls have returned, so a recycled descriptor number is never touched.
type selectFD struct {
	fd     int
	wakeR  int
	wakeW  int
	inUse  sync.RWMutex // held shared by Read and Write, exclusively by Close
	mu     sync.Mutex
	closed bool
}

func newSelectFD(fd int) (*selectFD, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("wake-up pipe: %w", err)
	}
	unix.CloseOnExec(p[0])
	unix.CloseOnExec(p[1])
	if fd >= unix.FD_SETSIZE || p[0] >= unix.FD_SETSIZE {
		unix.Close(fd)
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, fmt.Errorf("descriptor %d too large for select", max(fd, p[0]))
	}
	return &selectFD{fd: fd, wakeR: p[0], wakeW: p[1]}, nil
}

// wait blocks until fd is ready for reading (or writing) or Close is called.
func (s *selectFD) wait(write bool) error {
	for {
		var rd, wr unix.FdSet
		rd.Set(s.wakeR)
		if write {
			wr.Set(s.fd)
		} else {
			rd.Set(s.fd)
		}
		_, err := unix.Select(max(s.fd, s.wakeR)+1, &rd, &wr, nil, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("select: %w", err)
		}
		if rd.IsSet(s.wakeR) {
			return os.ErrClosed
		}
		return nil
	}
}

func (s *selectFD) begin() bool {
	s.inUse.RLock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		s.inUse.RUnlock()
	}
	return !closed
}

// Read reads at least one byte, or returns os.ErrClosed after Close.
func (s *selectFD) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !s.begin() {
		return 0, os.ErrClosed
	}
	defer s.inUse.RUnlock()
	for {
		if err := s.wait(false); err != nil {
			return 0, err
		}
		n, err := unix.Read(s.fd, p)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			continue
		case err != nil:
			return 0, fmt.Errorf("read: %w", err)
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of p unless Close or an error interrupts it.
func (s *selectFD) Write(p []byte) (int, error) {
	if !s.begin() {
		return 0, os.ErrClosed
	}
	defer s.inUse.RUnlock()
	done := 0
	for done < len(p) {
		n, err := unix.Write(s.fd, p[done:])
		if n > 0 {
			done += n
		}
		switch {
		case err == unix.EAGAIN || (err == nil && done < len(p)):
			if err := s.wait(true); err != nil {
				return done, err
			}
		case err == unix.EINTR:
		case err != nil:
			return done, fmt.Errorf("write: %w", err)
		}
	}
	return done, nil
}

// Close wakes pending calls, waits for them and closes the descriptors.
func (s *selectFD) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	// The byte is never read, so the pipe stays readable for every waiter.
	if _, err := unix.Write(s.wakeW, []byte{0}); err != nil {
		return fmt.Errorf("wake pending calls: %w", err)
	}
	s.inUse.Lock()
	defer s.inUse.Unlock()
	err := unix.Close(s.fd)
	unix.Close(s.wakeR)
	unix.Close(s.wakeW)
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}
