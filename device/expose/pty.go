// Package expose makes a device reachable by other programs: through a
// pseudo-terminal that serial clients open like a real port, or through a
// TCP listener in the manner of ser2net.
package expose

import (
	"errors"
	"io"
	"sync"
)

// PTY is a pseudo-terminal pair; the slave path is what serial clients open.
// Read, Write and Close act on the master side. The slave is kept open by the
// PTY itself so the master never sees a hangup when clients come and go.
type PTY struct {
	path   string
	master io.ReadWriteCloser
	slave  io.Closer // our own hold on the slave, so it never hangs up
	guard  io.Closer // releases a dead client's exclusive lock; may be nil

	once     sync.Once
	closeErr error
}

// OpenPTY opens a new pseudo-terminal with its slave in raw mode (no echo, no
// line editing, no CR/LF translation, 8 data bits, no parity).
func OpenPTY() (*PTY, error) {
	return openPTY(defaultMasterIO)
}

// Path is the slave device path, e.g. /dev/pts/3.
func (p *PTY) Path() string { return p.path }

// Read reads bytes that clients wrote to the slave.
func (p *PTY) Read(b []byte) (int, error) { return p.master.Read(b) }

// Write sends bytes to clients of the slave. Bytes written while no client
// has the slave open wait in the terminal's buffer for the next client.
func (p *PTY) Write(b []byte) (int, error) { return p.master.Write(b) }

// Close closes both sides; it unblocks a pending Read or Write. Closing twice
// is harmless.
func (p *PTY) Close() error {
	p.once.Do(func() {
		var err error
		if p.guard != nil {
			err = p.guard.Close() // first: it uses the slave
		}
		err = errors.Join(err, p.master.Close())
		if p.slave != nil {
			err = errors.Join(err, p.slave.Close())
		}
		p.closeErr = err
	})
	return p.closeErr
}
