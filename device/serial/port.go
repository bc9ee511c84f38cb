package serial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"atbench/device"

	"go.bug.st/serial"
)

// ErrDisconnected is wrapped by errors from a port that is lost and not yet
// back: writes fail at once with it rather than being dropped.
var ErrDisconnected = errors.New("serial port disconnected")

// ErrClosed is wrapped by errors from a port after Close.
var ErrClosed = errors.New("serial port closed")

// errNoData stands for a read that returned no bytes and no error, which is
// how some systems report an unplugged port.
var errNoData = errors.New("read returned no data (port unplugged?)")

// Port is an open serial port that survives unplugging: when the port goes
// away Read waits while it is reopened, and Status reports each change. It
// implements device.Device.
type Port struct {
	mode    *serial.Mode
	rtscts  bool
	now     func() time.Time
	backoff func(int) time.Duration
	list    func() ([]PortInfo, error)
	openFn  opener

	status chan device.Status
	lost   chan error    // a lost connection, for the reconnect loop
	quit   chan struct{} // closed by Close
	loop   sync.WaitGroup

	mu       sync.Mutex
	path     string // where the port is now; may change on reconnect
	serialNo string // USB serial number, to find the port again; "" if none
	cur      *conn  // nil while disconnected or closed
	up       chan struct{}
	closed   bool
	dtr, rts *bool // last values set, reapplied on reconnect
}

// conn is one opening of the port. Operations other than Read count
// themselves in users, and a lost conn is closed only once none is left, so
// go.bug.st/serial does not write to a descriptor number that the system may
// already have given to another file. Read needs no count: closing is what
// unblocks it. Close cannot wait (a write may block for good), so a write
// racing with Close is the one exception.
type conn struct {
	sp     serial.Port
	users  int
	dead   bool
	closed bool
}

// Open opens the port cfg describes. ctx bounds the opening only, as with
// net.Dialer: once open, the port lives until Close.
func Open(ctx context.Context, cfg Config) (*Port, error) {
	return open(ctx, cfg, List, openPort)
}

// opener opens a port; tests replace it to play a port's failures.
type opener func(path string, mode *serial.Mode, rtscts bool) (serial.Port, error)

func open(ctx context.Context, cfg Config, list func() ([]PortInfo, error), openFn opener) (*Port, error) {
	mode, err := cfg.Mode()
	if err != nil {
		return nil, fmt.Errorf("serial %s: %w", cfg.Path, err)
	}
	rtscts, _ := cfg.rtscts() // checked by Mode
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("serial %s: %w", cfg.Path, err)
	}
	path := cfg.Path
	switch path {
	case "":
		return nil, errors.New("serial: no port path given")
	case "auto":
		ports, err := list()
		if err != nil {
			return nil, fmt.Errorf("serial auto: %w", err)
		}
		if path, err = Auto(ports); err != nil {
			return nil, fmt.Errorf("serial %w", err)
		}
	}
	sp, err := openFn(path, mode, rtscts)
	if err != nil {
		return nil, fmt.Errorf("open serial %s: %w", path, err)
	}
	p := &Port{
		mode:     mode,
		rtscts:   rtscts,
		now:      cfg.Now,
		backoff:  cfg.Backoff,
		list:     list,
		openFn:   openFn,
		status:   make(chan device.Status, 16),
		lost:     make(chan error, 1),
		quit:     make(chan struct{}),
		path:     path,
		serialNo: usbSerial(path, list),
		cur:      &conn{sp: sp},
		up:       make(chan struct{}),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.backoff == nil {
		p.backoff = defaultBackoff
	}
	close(p.up) // up is open only while disconnected
	p.send(device.Status{State: device.Connected})
	p.loop.Add(1)
	go p.reconnectLoop()
	return p, nil
}

// usbSerial finds the USB serial number of the port at path, if any. It
// lists ports only for names that may be USB: on Linux listing opens every
// ttyS port to see whether it is real.
func usbSerial(path string, list func() ([]PortInfo, error)) string {
	if !maybeUSB(path) {
		return ""
	}
	ports, err := list()
	if err != nil {
		return ""
	}
	real, _ := filepath.EvalSymlinks(path)
	for _, p := range ports {
		if p.IsUSB && p.SerialNumber != "" && (p.Path == path || p.Path == real) {
			return p.SerialNumber
		}
	}
	return ""
}

// maybeUSB reports whether the port's name, or the name its link points to,
// allows it to be a USB adapter: ttyUSB*, ttyACM* and the like on Linux,
// *usb* on macOS, any COM port.
func maybeUSB(path string) bool {
	if runtime.GOOS == "windows" {
		return true
	}
	names := []string{path}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		names = append(names, real)
	}
	for _, n := range names {
		base := strings.ToLower(filepath.Base(n))
		if strings.Contains(base, "usb") || strings.Contains(base, "acm") {
			return true
		}
	}
	return false
}

// Read reads what the port received. While the port is lost it waits for
// the reconnect; after Close it returns io.EOF.
func (p *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, io.EOF
		}
		c, up := p.cur, p.up
		p.mu.Unlock()
		if c == nil {
			<-up // reconnected or closed
			continue
		}
		n, err := c.sp.Read(b)
		if n > 0 {
			return n, nil
		}
		if err == nil {
			err = errNoData
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, io.EOF
		}
		p.lose(c, fmt.Errorf("read: %w", err))
		toClose := p.reap(c)
		p.mu.Unlock()
		if toClose {
			c.sp.Close()
		}
	}
}

// Write sends b. While the port is lost it fails at once with an error
// wrapping ErrDisconnected; a failed write also counts as losing the port.
func (p *Port) Write(b []byte) (int, error) {
	done := 0
	err := p.use("write", func(sp serial.Port) error {
		for done < len(b) {
			n, err := sp.Write(b[done:])
			if n > 0 {
				done += n
			}
			if err != nil {
				return err
			}
			if n <= 0 {
				return io.ErrShortWrite
			}
		}
		return nil
	})
	return done, err
}

// SetDTR sets the Data Terminal Ready line; it is set again after a reconnect.
func (p *Port) SetDTR(on bool) error {
	return p.use("set DTR", func(sp serial.Port) error {
		if err := sp.SetDTR(on); err != nil {
			return err
		}
		p.mu.Lock()
		p.dtr = &on
		p.mu.Unlock()
		return nil
	})
}

// SetRTS sets the Request To Send line; it is set again after a reconnect.
func (p *Port) SetRTS(on bool) error {
	return p.use("set RTS", func(sp serial.Port) error {
		if err := sp.SetRTS(on); err != nil {
			return err
		}
		p.mu.Lock()
		p.rts = &on
		p.mu.Unlock()
		return nil
	})
}

// Break holds the line in the break state for d.
func (p *Port) Break(d time.Duration) error {
	return p.use("break", func(sp serial.Port) error { return sp.Break(d) })
}

// use runs f on the open port. An error from a write means the port is lost;
// errors from the modem lines and break are returned as they are, since a
// port may simply not support them (a pty does not).
func (p *Port) use(what string, f func(serial.Port) error) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fmt.Errorf("serial %s: %s: %w", p.path, what, ErrClosed)
	}
	c, path := p.cur, p.path
	if c == nil {
		p.mu.Unlock()
		return fmt.Errorf("serial %s: %s: %w", path, what, ErrDisconnected)
	}
	c.users++
	p.mu.Unlock()

	err := f(c.sp)

	p.mu.Lock()
	c.users--
	lost := err != nil && what == "write" && !p.closed
	if lost {
		p.lose(c, fmt.Errorf("%s: %w", what, err))
	}
	toClose := p.reap(c)
	p.mu.Unlock()
	if toClose {
		c.sp.Close()
	}
	switch {
	case err == nil:
		return nil
	case lost:
		return fmt.Errorf("serial %s: %s: %w: %w", path, what, ErrDisconnected, err)
	}
	return fmt.Errorf("serial %s: %s: %w", path, what, err)
}

// lose marks c lost if it is the current connection and tells the reconnect
// loop why; the caller then reaps c. p.mu is held.
func (p *Port) lose(c *conn, cause error) {
	if p.cur != c {
		return // already lost, or closed
	}
	p.cur = nil
	c.dead = true
	p.up = make(chan struct{})
	select {
	case p.lost <- cause:
	default: // cannot happen: one loss per connection, drained before the next
	}
}

// reap reports whether c is dead, unused and not yet closed, marking it
// closed: the caller then closes it. p.mu is held.
func (p *Port) reap(c *conn) bool {
	if c.dead && c.users == 0 && !c.closed {
		c.closed = true
		return true
	}
	return false
}

// Status reports state changes: Connected first, then Disconnected and
// Reconnected as the port goes and comes back, and Closed last. If nobody
// reads, the oldest change is dropped so the newest one is always there.
func (p *Port) Status() <-chan device.Status { return p.status }

// Info describes the port as "serial", its current path and baud rate.
func (p *Port) Info() device.Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	return device.Info{Kind: "serial", Name: p.path, Baud: p.mode.BaudRate}
}

// Close closes the port and stops reconnecting. Read returns io.EOF, other
// calls fail with ErrClosed, and the Status channel is closed after a final
// Closed status.
func (p *Port) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.quit)
	c := p.cur
	p.cur = nil
	if c == nil {
		close(p.up) // wake Reads waiting for a reconnect
	} else {
		c.dead = true
		c.closed = true // now, even if in use: it must unblock Read
	}
	p.mu.Unlock()

	var err error
	if c != nil {
		if cerr := c.sp.Close(); cerr != nil {
			err = fmt.Errorf("close serial %s: %w", p.Info().Name, cerr)
		}
	}
	p.loop.Wait()
	p.send(device.Status{State: device.Closed})
	close(p.status)
	return err
}

// send reports a status change without ever blocking: when the channel is
// full the oldest change gives way. Only one goroutine sends at a time: Open,
// then the reconnect loop, then Close after the loop has ended.
func (p *Port) send(s device.Status) {
	s.At = p.now()
	select {
	case p.status <- s:
		return
	default:
	}
	select {
	case <-p.status:
	default:
	}
	select {
	case p.status <- s:
	default:
	}
}
