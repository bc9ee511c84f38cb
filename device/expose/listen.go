package expose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"atbench/device"
)

// Refusal is the line a client gets when another client is already bridged.
const Refusal = "atbench: busy, another client is connected\r\n"

// Listen serves dev on a TCP address, like ser2net: one client at a time is
// bridged to dev; a second client gets the Refusal line and is closed. It
// returns the address it listens on (port 0 becomes the real port) and a
// channel that receives once everything is closed: nil when ctx ended it or
// dev reached io.EOF, otherwise the error that ended it; then it closes.
//
// Bytes dev sends while no client is connected are dropped, as on a serial
// line nobody listens to. dev stays open: the caller owns it. A dev.Read
// pending when Listen ends returns when dev is closed; its bytes are dropped.
func Listen(ctx context.Context, addr string, dev device.Device) (net.Addr, <-chan error, error) {
	return ListenOptions{}.Listen(ctx, addr, dev)
}

// ListenOptions changes what Listen serves.
type ListenOptions struct {
	// RFC2217 serves the Telnet Com Port Control Option, as ser2net's
	// telnet(rfc2217) accepter does: clients negotiate, set the line and
	// the modem lines, and data has 0xFF doubled.
	RFC2217 bool
	// Log receives one line per change a client makes to the line (baud
	// rate, framing, flow control, DTR, RTS, BREAK); nil drops them.
	Log func(string)
}

// Listen is the package Listen with these options.
func (o ListenOptions) Listen(ctx context.Context, addr string, dev device.Device) (net.Addr, <-chan error, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	s := &server{ln: ln, dev: dev, opts: o}
	done := make(chan error, 1)
	go func() {
		done <- s.run(ctx)
		close(done)
	}()
	return ln.Addr(), done, nil
}

// server is one Listen call: its listener, the client bridged now, and
// whether it has stopped.
type server struct {
	ln   net.Listener
	dev  device.Device
	opts ListenOptions

	mu      sync.Mutex
	client  io.ReadWriteCloser // nil when none
	stopped bool
	clients sync.WaitGroup
}

func (s *server) run(ctx context.Context) error {
	devDone := make(chan error, 1)
	go func() { devDone <- s.pumpDev() }()
	acceptDone := make(chan error, 1)
	go func() { acceptDone <- s.accept() }()

	var err error
	acceptEnded := false
	select {
	case <-ctx.Done():
	case err = <-devDone:
	case err = <-acceptDone:
		acceptEnded = true
	}
	if cerr := s.ln.Close(); cerr != nil && err == nil && !acceptEnded {
		err = fmt.Errorf("close listener: %w", cerr)
	}
	if !acceptEnded {
		<-acceptDone
	}
	s.mu.Lock()
	s.stopped = true
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
	s.mu.Unlock()
	s.clients.Wait()
	return err
}

// accept takes clients until the listener is closed.
func (s *server) accept() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		s.mu.Lock()
		switch {
		case s.stopped:
			c.Close()
		case s.client != nil:
			// A fresh socket's send buffer takes one line without blocking;
			// the deadline only guards against the impossible.
			c.SetWriteDeadline(time.Now().Add(time.Second))
			io.WriteString(c, Refusal)
			c.Close()
		default:
			var rw io.ReadWriteCloser = c
			if s.opts.RFC2217 {
				rw = newRFCServer(c, s.opts.Log)
			}
			s.client = rw
			s.clients.Add(1)
			go s.serveClient(rw)
		}
		s.mu.Unlock()
	}
}

// serveClient copies what the client sends to dev until the client leaves,
// is closed, or dev refuses a write.
func (s *server) serveClient(c io.ReadWriteCloser) {
	defer s.clients.Done()
	io.Copy(s.dev, c)
	s.drop(c)
}

// drop closes c and forgets it if it is still the current client.
func (s *server) drop(c io.ReadWriteCloser) {
	s.mu.Lock()
	if s.client == c {
		s.client = nil
	}
	s.mu.Unlock()
	c.Close()
}

// pumpDev is the only reader of dev: it sends what it reads to the current
// client, if any, until dev.Read fails.
func (s *server) pumpDev() error {
	buf := make([]byte, 32*1024)
	for {
		n, err := s.dev.Read(buf)
		if n > 0 {
			s.mu.Lock()
			c := s.client
			s.mu.Unlock()
			if c != nil {
				if _, werr := c.Write(buf[:n]); werr != nil {
					s.drop(c)
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read device: %w", err)
		}
	}
}
