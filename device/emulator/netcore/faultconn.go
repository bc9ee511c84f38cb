package netcore

import (
	"net"
	"sync"
	"time"
)

// chunk is a piece of a delayed stream, due at a time of the stack's
// clock.
type chunk struct {
	due  time.Time
	data []byte
	err  error
}

// delayQueue bounds the chunks held back by a latency fault in each
// direction; a full queue holds the sender back.
const delayQueue = 64

// faultConn is a stream link's connection with its injected faults: a
// blackhole drops bytes both ways, a latency holds each chunk back. With
// no fault it passes everything through.
type faultConn struct {
	net.Conn
	s *Stack
	f *faults

	// the reader side (the link's reader goroutine only)
	in      chan chunk // nil until a latency starts the inbound pump
	pending []byte

	outOnce sync.Once
	out     chan chunk // nil until a latency starts the outbound pump
	outMu   sync.Mutex // orders Write's check of out with its start

	done      chan struct{}
	closeOnce sync.Once
}

// Read returns the peer's bytes, minus what a blackhole drops, after the
// latency in force.
func (c *faultConn) Read(p []byte) (int, error) {
	for {
		st := c.f.get()
		if c.in == nil && st.Latency > 0 {
			c.in = make(chan chunk, delayQueue)
			c.s.goTracked(c.pumpIn)
		}
		if c.in == nil {
			n, err := c.Conn.Read(p)
			if n > 0 && c.f.get().Blackhole != "" {
				if err != nil {
					return 0, err
				}
				continue // dropped
			}
			return n, err
		}
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		var ch chunk
		select {
		case ch = <-c.in:
		case <-c.done:
			return 0, net.ErrClosed
		}
		if !c.waitUntil(ch.due) {
			return 0, net.ErrClosed
		}
		if ch.err != nil {
			return 0, ch.err
		}
		if c.f.get().Blackhole != "" {
			continue
		}
		n := copy(p, ch.data)
		c.pending = ch.data[n:]
		return n, nil
	}
}

// pumpIn reads the socket for a delayed Read, stamping each chunk with
// its due time; it ends with the socket.
func (c *faultConn) pumpIn() {
	for {
		buf := make([]byte, RxChunk)
		n, err := c.Conn.Read(buf)
		if n > 0 && c.f.get().Blackhole == "" {
			ch := chunk{due: c.s.clock.Now().Add(c.f.get().Latency), data: buf[:n]}
			select {
			case c.in <- ch:
			case <-c.done:
				return
			}
		}
		if err != nil {
			select {
			case c.in <- chunk{due: c.s.clock.Now(), err: err}:
			case <-c.done:
			}
			return
		}
	}
}

// waitUntil waits on the stack's clock until t; false if the connection
// closed first.
func (c *faultConn) waitUntil(t time.Time) bool {
	d := t.Sub(c.s.clock.Now())
	if d <= 0 {
		return true
	}
	tm, fired := c.s.clock.NewTimer(d)
	defer tm.Stop()
	select {
	case <-fired:
		return true
	case <-c.done:
		return false
	case <-c.s.ctx.Done(): // the stack is closing
		return false
	}
}

// Write sends p, drops it under a blackhole (as if sent: the bytes are
// lost on the way), or queues it for the latency in force.
func (c *faultConn) Write(p []byte) (int, error) {
	st := c.f.get()
	if st.Blackhole != "" {
		return len(p), nil
	}
	c.outMu.Lock()
	out := c.out
	c.outMu.Unlock()
	if out == nil {
		return c.Conn.Write(p)
	}
	ch := chunk{due: c.s.clock.Now().Add(st.Latency), data: append([]byte(nil), p...)}
	select {
	case out <- ch:
		return len(p), nil
	case <-c.done:
		return 0, net.ErrClosed
	}
}

// startOut starts the outbound pump; the caller holds s.mu with the
// stack open, so the start cannot race with the stack's Close.
func (c *faultConn) startOut(s *Stack) {
	c.outOnce.Do(func() {
		c.outMu.Lock()
		c.out = make(chan chunk, delayQueue)
		c.outMu.Unlock()
		s.goTracked(c.pumpOut)
	})
}

// pumpOut writes delayed chunks when they fall due; it ends with the
// connection.
func (c *faultConn) pumpOut() {
	for {
		var ch chunk
		select {
		case ch = <-c.out:
		case <-c.done:
			return
		case <-c.s.ctx.Done(): // the stack is closing
			return
		}
		if !c.waitUntil(ch.due) {
			return
		}
		if c.f.get().Blackhole != "" {
			continue
		}
		if _, err := c.Conn.Write(ch.data); err != nil {
			c.s.cfg.Logf("netcore: delayed send: %v", err)
		}
	}
}

// Close stops the fault layer and closes the connection.
func (c *faultConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// stop ends the fault layer's pumps and timers; the connection is closed
// by whoever holds it (a close sequence closes the TCP socket itself).
func (c *faultConn) stop() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.f.mu.Lock()
		if c.f.death != nil {
			c.f.death.Stop()
		}
		c.f.mu.Unlock()
	})
}
