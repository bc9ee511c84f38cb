// Package reconnect keeps a device usable across lost connections, whatever
// the transport: a serial port that is unplugged and plugged back, a TCP or
// RFC 2217 connection that drops or whose server restarts. It owns the one
// reconnect loop (backoff, status changes, the connection boundary that Read
// reports as device.ErrLost); the transports only dial.
package reconnect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"atbench/device"
)

// ErrDisconnected is wrapped by errors from a link that is lost and not yet
// back: writes fail at once with it rather than being dropped.
var ErrDisconnected = errors.New("disconnected")

// ErrClosed is wrapped by errors from a link after Close.
var ErrClosed = errors.New("closed")

// errNoData stands for a read that returned no bytes and no error, which is
// how some systems report an unplugged serial port.
var errNoData = errors.New("read returned no data (port unplugged?)")

// Config is what a Link needs from its transport.
type Config[C io.ReadWriteCloser] struct {
	// Label names the link in errors, e.g. "serial /dev/ttyUSB0" or
	// "rfc2217://10.0.0.5:3001". It may change after a reconnect.
	Label func() string
	// Dial opens the transport again after a loss, with the settings in
	// force (baud rate, modem lines). ctx ends when the link is closed.
	Dial func(ctx context.Context) (C, error)
	// Backoff is the wait before reconnect attempt n (1, 2, …); nil means
	// DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Now stamps status changes; nil means time.Now.
	Now func() time.Time
}

// DefaultBackoff waits 100ms before the first attempt, doubling up to 5s.
func DefaultBackoff(attempt int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < attempt && d < 5*time.Second; i++ {
		d *= 2
	}
	return min(d, 5*time.Second)
}

// Link is a connection that is reopened when lost. Read returns
// device.ErrLost once per loss, after the last byte of the lost connection,
// then blocks until the link is back; Write fails at once while it is down;
// Status reports each change. It gives the device.Device contract for any
// transport.
type Link[C io.ReadWriteCloser] struct {
	cfg    Config[C]
	status chan device.Status
	lost   chan error // a lost connection, for the loop
	ctx    context.Context
	cancel context.CancelFunc
	loop   sync.WaitGroup

	mu       sync.Mutex
	cur      *conn[C] // nil while down or closed
	up       chan struct{}
	closed   bool
	losses   uint64 // connections lost so far
	reported uint64 // losses Read has returned device.ErrLost for
}

// conn is one connection. Operations other than Read count themselves in
// users, and a lost conn is closed only once none is left, so a serial
// library does not write to a descriptor number that the system may already
// have given to another file. Read needs no count: closing is what unblocks
// it. Close cannot wait (a write may block for good), so a write racing
// with Close is the one exception.
type conn[C io.ReadWriteCloser] struct {
	c      C
	users  int
	dead   bool
	closed bool
}

// New starts a link on first, a connection already open, and reports
// Connected on its Status channel.
func New[C io.ReadWriteCloser](first C, cfg Config[C]) *Link[C] {
	l := newLink(cfg)
	l.cur = &conn[C]{c: first}
	close(l.up) // up is open only while down
	l.send(device.Status{State: device.Connected})
	l.loop.Add(1)
	go l.run()
	return l
}

// NewDown starts a link that has no connection yet, for a port that is
// not there yet: it reports Disconnected with cause and dials, with
// backoff, until the first connection, which it reports as Reconnected.
// Meanwhile Read waits and Write fails with ErrDisconnected, as after a
// loss; Read reports no device.ErrLost for it, since nothing was lost.
func NewDown[C io.ReadWriteCloser](cfg Config[C], cause error) *Link[C] {
	l := newLink(cfg)
	l.lost <- cause // the loop reports it and dials
	l.loop.Add(1)
	go l.run()
	return l
}

func newLink[C io.ReadWriteCloser](cfg Config[C]) *Link[C] {
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Label == nil {
		cfg.Label = func() string { return "link" }
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Link[C]{
		cfg:    cfg,
		status: make(chan device.Status, 16),
		lost:   make(chan error, 1),
		ctx:    ctx,
		cancel: cancel,
		up:     make(chan struct{}),
	}
}

// Read reads what the connection received. When the connection is lost it
// returns (0, device.ErrLost) once, then waits for the reconnect; after
// Close it returns io.EOF.
func (l *Link[C]) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return 0, io.EOF
		}
		if l.reported < l.losses {
			l.reported++
			l.mu.Unlock()
			return 0, device.ErrLost
		}
		c, up := l.cur, l.up
		l.mu.Unlock()
		if c == nil {
			<-up // back or closed
			continue
		}
		n, err := c.c.Read(b)
		if n > 0 && err == nil {
			return n, nil
		}
		if err == nil {
			err = errNoData
		}
		label := l.cfg.Label()
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		l.lose(c, fmt.Errorf("%s: read: %w", label, err))
		toClose := l.reap(c)
		l.mu.Unlock()
		if toClose {
			c.c.Close()
		}
		if n > 0 {
			return n, nil // the loss is reported by the next Read
		}
	}
}

// Write sends b. While the link is down it fails at once with an error
// wrapping ErrDisconnected; a failed write also counts as losing it.
func (l *Link[C]) Write(b []byte) (int, error) {
	done := 0
	err := l.Use("write", true, func(c C) error {
		for done < len(b) {
			n, err := c.Write(b[done:])
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

// Use runs f on the open connection. When lossOnErr is set an error from f
// means the connection is lost (a failed write); otherwise the error is
// returned as it is (a port may simply not support modem lines). Errors
// name the link and wrap ErrDisconnected or ErrClosed when it is down.
func (l *Link[C]) Use(what string, lossOnErr bool, f func(C) error) error {
	label := l.cfg.Label()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("%s: %s: %w", label, what, ErrClosed)
	}
	c := l.cur
	if c == nil {
		l.mu.Unlock()
		return fmt.Errorf("%s: %s: %w", label, what, ErrDisconnected)
	}
	c.users++
	l.mu.Unlock()

	err := f(c.c)

	l.mu.Lock()
	c.users--
	lost := err != nil && lossOnErr && !l.closed
	if lost {
		l.lose(c, fmt.Errorf("%s: %s: %w", label, what, err))
	}
	toClose := l.reap(c)
	l.mu.Unlock()
	if toClose {
		c.c.Close()
	}
	switch {
	case err == nil:
		return nil
	case lost:
		return fmt.Errorf("%s: %s: %w: %w", label, what, ErrDisconnected, err)
	}
	return fmt.Errorf("%s: %s: %w", label, what, err)
}

// Lose drops the current connection as lost, for a transport that learns
// of the loss by other means (a keepalive, a protocol error).
func (l *Link[C]) Lose(cause error) {
	l.mu.Lock()
	c := l.cur
	if c == nil || l.closed {
		l.mu.Unlock()
		return
	}
	l.lose(c, cause)
	toClose := l.reap(c)
	l.mu.Unlock()
	if toClose {
		c.c.Close()
	}
}

// Losses is how many connections were lost so far (device.LossCounter).
func (l *Link[C]) Losses() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.losses
}

// lose marks c lost if it is the current connection and tells the loop
// why; the caller then reaps c. l.mu is held.
func (l *Link[C]) lose(c *conn[C], cause error) {
	if l.cur != c {
		return // already lost, or closed
	}
	l.cur = nil
	c.dead = true
	l.losses++
	l.up = make(chan struct{})
	select {
	case l.lost <- cause:
	default: // cannot happen: one loss per connection, drained before the next
	}
}

// reap reports whether c is dead, unused and not yet closed, marking it
// closed: the caller then closes it. l.mu is held.
func (l *Link[C]) reap(c *conn[C]) bool {
	if c.dead && c.users == 0 && !c.closed {
		c.closed = true
		return true
	}
	return false
}

// run waits for the connection to be lost, reports it, and dials again
// with backoff until it is back or the link is closed.
func (l *Link[C]) run() {
	defer l.loop.Done()
	for {
		var cause error
		select {
		case <-l.ctx.Done():
			return
		case cause = <-l.lost:
		}
		l.send(device.Status{State: device.Disconnected, Cause: cause})
		for attempt := 1; ; attempt++ {
			t := time.NewTimer(l.cfg.Backoff(attempt))
			select {
			case <-l.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if l.redial() {
				l.send(device.Status{State: device.Reconnected})
				break
			}
		}
	}
}

// redial tries once to open the connection again. It reports whether the
// link is back.
func (l *Link[C]) redial() bool {
	c, err := l.cfg.Dial(l.ctx)
	if err != nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return false
	}
	l.cur = &conn[C]{c: c}
	close(l.up)
	return true
}

// Status reports state changes: Connected first, then Disconnected and
// Reconnected as the link goes and comes back, and Closed last. If nobody
// reads, the oldest change is dropped so the newest one is always there.
func (l *Link[C]) Status() <-chan device.Status { return l.status }

// Up reports whether the link is connected now.
func (l *Link[C]) Up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur != nil
}

// Close closes the connection and stops reconnecting. Read returns io.EOF,
// other calls fail with ErrClosed, and the Status channel is closed after a
// final Closed status.
func (l *Link[C]) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.cancel()
	c := l.cur
	l.cur = nil
	if c == nil {
		close(l.up) // wake Reads waiting for a reconnect
	} else {
		c.dead = true
		c.closed = true // now, even if in use: it must unblock Read
	}
	l.mu.Unlock()

	var err error
	if c != nil {
		if cerr := c.c.Close(); cerr != nil {
			err = fmt.Errorf("close %s: %w", l.cfg.Label(), cerr)
		}
	}
	l.loop.Wait()
	l.send(device.Status{State: device.Closed})
	close(l.status)
	return err
}

// send reports a status change without ever blocking: when the channel is
// full the oldest change gives way. Only one goroutine sends at a time: New,
// then the loop, then Close after the loop has ended.
func (l *Link[C]) send(s device.Status) {
	s.At = l.cfg.Now()
	select {
	case l.status <- s:
		return
	default:
	}
	select {
	case <-l.status:
	default:
	}
	select {
	case l.status <- s:
	default:
	}
}
