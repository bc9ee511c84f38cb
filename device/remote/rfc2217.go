package remote

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"atbench/device/telnet"
)

// errNoAck is a control request the server left unanswered.
var errNoAck = errors.New("no acknowledgement")

// ack is one COM-PORT answer from the server: its code (client code + 100)
// and value.
type ack struct {
	code  byte
	value []byte
}

// rfcConn is one RFC 2217 connection: a reader goroutine splits what the
// server sends into data (for Read), negotiation (answered at once), acks
// (for the request waiting) and notifications (for the Port).
type rfcConn struct {
	nc     net.Conn
	notify func(cmd, value byte) // NOTIFY-LINESTATE/MODEMSTATE, from the reader

	wmu  sync.Mutex // one write at a time: data and commands interleave whole
	opts telnet.Options

	data    chan []byte // decoded data, closed when the reader ends
	rest    []byte      // what Read has not handed out of the last chunk
	readErr error       // why the reader ended; set before data is closed
	acks    chan ack
	comPort chan struct{} // closed when the server says DO COM-PORT-OPTION
	ended   chan struct{} // closed when the reader has ended, after readErr is set
	quit    chan struct{} // closed by Close
	once    sync.Once

	reqMu sync.Mutex // one request waits for its ack at a time
}

// newRFCConn starts the Telnet side on nc: it offers the options the
// server expects and starts the reader.
func newRFCConn(nc net.Conn, notify func(cmd, value byte)) (*rfcConn, error) {
	c := &rfcConn{
		nc:      nc,
		notify:  notify,
		opts:    telnet.Options{AcceptLocal: []byte{telnet.OptBinary, telnet.OptSGA, telnet.OptComPort}, AcceptRemote: []byte{telnet.OptBinary, telnet.OptSGA}},
		data:    make(chan []byte, 64),
		acks:    make(chan ack, 16),
		comPort: make(chan struct{}),
		ended:   make(chan struct{}),
		quit:    make(chan struct{}),
	}
	// What pyserial and real servers expect: WILL COM-PORT (we send its
	// commands), BINARY both ways so CR LF and 0xFF pass unchanged, and
	// SUPPRESS-GO-AHEAD both ways.
	var hello []byte
	hello = append(hello, c.opts.Will(telnet.OptComPort)...)
	hello = append(hello, c.opts.Will(telnet.OptBinary)...)
	hello = append(hello, c.opts.Do(telnet.OptBinary)...)
	hello = append(hello, c.opts.Will(telnet.OptSGA)...)
	hello = append(hello, c.opts.Do(telnet.OptSGA)...)
	if err := c.write(hello); err != nil {
		return nil, fmt.Errorf("telnet negotiation: %w", err)
	}
	go c.reader()
	return c, nil
}

// reader is the only reader of nc. It ends when nc fails or is closed.
func (c *rfcConn) reader() {
	var dec telnet.Decoder
	buf := make([]byte, 32<<10)
	var evs []telnet.Event
	comPortSeen := false
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			var d []byte
			d, evs = dec.Decode(make([]byte, 0, n), evs[:0], buf[:n])
			for _, ev := range evs {
				c.event(ev)
				if !comPortSeen && c.localComPort() {
					comPortSeen = true
					close(c.comPort)
				}
			}
			if len(d) > 0 {
				select {
				case c.data <- d:
				case <-c.quit:
					err = net.ErrClosed
				}
			}
		}
		if err != nil {
			c.readErr = err
			close(c.ended)
			close(c.data)
			return
		}
	}
}

func (c *rfcConn) localComPort() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.opts.Local(telnet.OptComPort)
}

// event handles one command from the server.
func (c *rfcConn) event(ev telnet.Event) {
	switch ev.Kind {
	case telnet.EvNegotiate:
		c.wmu.Lock()
		reply := c.opts.Handle(ev.Cmd, ev.Opt)
		if reply != nil {
			c.nc.Write(reply) // a failed write shows as a failed read next
		}
		c.wmu.Unlock()
	case telnet.EvSub:
		if ev.Opt != telnet.OptComPort || len(ev.Data) == 0 {
			return
		}
		code, value := ev.Data[0], ev.Data[1:]
		switch code {
		case telnet.ServerOffset + telnet.CmdNotifyLinestate, telnet.ServerOffset + telnet.CmdNotifyModemstate:
			if len(value) > 0 && c.notify != nil {
				c.notify(code-telnet.ServerOffset, value[0])
			}
			// ser2net answers SET-MODEMSTATE-MASK with a modem report,
			// not an ack; nothing waits for that one.
		default:
			if code >= telnet.ServerOffset {
				select {
				case c.acks <- ack{code, value}:
				default: // nobody is waiting; the oldest are stale anyway
				}
			}
		}
	}
}

// waitComPort waits until the server accepts COM-PORT commands.
func (c *rfcConn) waitComPort(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.comPort:
		return nil
	case <-t.C:
		return fmt.Errorf("no DO COM-PORT-OPTION within %s: the server does not speak RFC 2217 (a raw accepter? then use tcp://)", d)
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ended:
		return fmt.Errorf("the server closed the connection during negotiation: %w", c.endErr())
	}
}

func (c *rfcConn) endErr() error {
	if c.readErr != nil {
		return c.readErr
	}
	return io.EOF
}

// request sends COM-PORT command cmd with value and, when wait > 0, waits
// that long for its ack. It returns the value the server says is in force.
func (c *rfcConn) request(cmd byte, value []byte, wait time.Duration) ([]byte, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	for drained := false; !drained; { // acks of earlier, abandoned requests
		select {
		case <-c.acks:
		default:
			drained = true
		}
	}
	if err := c.write(telnet.ComPort(cmd, value...)); err != nil {
		return nil, err
	}
	if wait <= 0 {
		return nil, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case a := <-c.acks:
			if a.code == cmd+telnet.ServerOffset {
				return a.value, nil
			}
		case <-t.C:
			return nil, errNoAck
		case <-c.ended:
			return nil, fmt.Errorf("connection ended: %w", c.endErr())
		}
	}
}

// write sends b whole under the write lock.
func (c *rfcConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

// Read returns decoded data; after the connection ends, the error that
// ended it.
func (c *rfcConn) Read(b []byte) (int, error) {
	if len(c.rest) == 0 {
		d, ok := <-c.data
		if !ok {
			return 0, c.endErr()
		}
		c.rest = d
	}
	n := copy(b, c.rest)
	c.rest = c.rest[n:]
	return n, nil
}

// Write sends b with every 0xFF doubled.
func (c *rfcConn) Write(b []byte) (int, error) {
	if err := c.write(telnet.Escape(make([]byte, 0, len(b)+8), b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close closes the connection; the reader ends.
func (c *rfcConn) Close() error {
	var err error
	c.once.Do(func() {
		close(c.quit)
		err = c.nc.Close()
	})
	return err
}

// baudValue is a SET-BAUDRATE value: four bytes, network order.
func baudValue(baud int) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(baud))
}
