// Package remote opens modules that sit behind a network serial server:
// tcp://host:port carries raw bytes (ser2net's raw accepter, `atbench
// emulate --listen`), rfc2217://host:port speaks the Telnet Com Port
// Control Option (RFC 2217), so baud rate, framing, flow control, DTR, RTS
// and BREAK reach the far UART. Both reconnect with backoff through the
// same loop as local ports (device/reconnect).
package remote

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"atbench/device"
	"atbench/device/reconnect"
	"atbench/device/telnet"
)

// Schemes this package opens.
const (
	SchemeTCP     = "tcp"
	SchemeRFC2217 = "rfc2217"
)

// Defaults for the zero values of Config.
const (
	DefaultDialTimeout = 5 * time.Second // pyserial's connect timeout
	DefaultAckTimeout  = 3 * time.Second // pyserial's negotiation timeout
	// DefaultControlWait is how long DTR, RTS and BREAK wait for an ack
	// before going on without it, as pyserial's ign_set_control does
	// (ser2net in front of a pty never acks them).
	DefaultControlWait = 300 * time.Millisecond
)

// ErrDisconnected is wrapped by errors from a port that is lost and not yet
// back.
var ErrDisconnected = reconnect.ErrDisconnected

// ErrClosed is wrapped by errors from a port after Close.
var ErrClosed = reconnect.ErrClosed

// Config is how to reach a remote port. The serial settings apply to
// rfc2217:// only; zero values mean 115200 8N1 without flow control.
type Config struct {
	URL      string // tcp://host:port or rfc2217://host:port
	Baud     int
	DataBits int    // 5..8
	Parity   string // none, odd, even, mark or space
	StopBits string // 1, 1.5 or 2
	Flow     string // none, rtscts or xonxoff

	DialTimeout time.Duration // 0 means DefaultDialTimeout
	AckTimeout  time.Duration // 0 means DefaultAckTimeout
	ControlWait time.Duration // 0 means DefaultControlWait
	Backoff     func(attempt int) time.Duration
	Now         func() time.Time
}

// settings are the encoded serial settings sent on every connection.
type settings struct {
	baud                   int
	dataSize, parity, stop byte
	flow                   byte
	stopName               string
}

func (c Config) settings() (settings, error) {
	s := settings{baud: c.Baud, dataSize: byte(c.DataBits), stopName: strings.TrimSpace(c.StopBits)}
	switch {
	case c.Baud == 0:
		s.baud = 115200
	case c.Baud < 0:
		return s, fmt.Errorf("baud rate %d: must be positive", c.Baud)
	}
	switch {
	case c.DataBits == 0:
		s.dataSize = 8
	case c.DataBits < 5 || c.DataBits > 8:
		return s, fmt.Errorf("data bits %d: must be 5, 6, 7 or 8", c.DataBits)
	}
	// RFC 2217 values: parity NONE 1, ODD 2, EVEN 3, MARK 4, SPACE 5;
	// stop size 1 → 1, 2 → 2, 1.5 → 3.
	switch strings.ToLower(strings.TrimSpace(c.Parity)) {
	case "", "none":
		s.parity = 1
	case "odd":
		s.parity = 2
	case "even":
		s.parity = 3
	case "mark":
		s.parity = 4
	case "space":
		s.parity = 5
	default:
		return s, fmt.Errorf("parity %q: want none, odd, even, mark or space", c.Parity)
	}
	switch s.stopName {
	case "", "1":
		s.stop, s.stopName = 1, "1"
	case "2":
		s.stop = 2
	case "1.5":
		s.stop = 3
	default:
		return s, fmt.Errorf("stop bits %q: want 1, 1.5 or 2", c.StopBits)
	}
	switch strings.ToLower(strings.TrimSpace(c.Flow)) {
	case "", "none":
		s.flow = telnet.CtlFlowNone
	case "rtscts":
		s.flow = telnet.CtlFlowHW
	case "xonxoff":
		s.flow = telnet.CtlFlowXonXoff
	default:
		return s, fmt.Errorf("flow control %q: want none, rtscts or xonxoff", c.Flow)
	}
	return s, nil
}

// Split parses tcp://host:port or rfc2217://host:port into its scheme and
// address.
func Split(url string) (scheme, addr string, err error) {
	scheme, addr, ok := strings.Cut(url, "://")
	if !ok || (scheme != SchemeTCP && scheme != SchemeRFC2217) {
		return "", "", fmt.Errorf("%q: want tcp://host:port or rfc2217://host:port", url)
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return "", "", fmt.Errorf("%q: want %s://host:port", url, scheme)
	}
	return scheme, addr, nil
}

// Port is a remote serial port. It implements device.Device, the modem
// control of session (SetDTR, SetRTS, Break; over rfc2217:// only) and
// device.LineReporter.
type Port struct {
	cfg    Config
	scheme string
	addr   string
	url    string
	set    settings
	link   *reconnect.Link[io.ReadWriteCloser]

	mu       sync.Mutex
	baud     int   // in force, as the server acknowledged it
	dtr, rts *bool // last values set, sent again after a reconnect
	lines    device.Lines
	ctlAcked bool // the server acked a DTR/RTS/BREAK on this connection
	ctlMute  bool // it left one unacked: later ones do not wait
}

// Open connects to the remote port cfg.URL names and, for rfc2217://,
// negotiates the option and sets the line. ctx bounds the first connection
// only. Errors name the address.
func Open(ctx context.Context, cfg Config) (*Port, error) {
	scheme, addr, err := Split(cfg.URL)
	if err != nil {
		return nil, err
	}
	set, err := cfg.settings()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.URL, err)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = DefaultAckTimeout
	}
	if cfg.ControlWait <= 0 {
		cfg.ControlWait = DefaultControlWait
	}
	p := &Port{cfg: cfg, scheme: scheme, addr: addr, url: scheme + "://" + addr, set: set}
	c, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	p.link = reconnect.New(c, reconnect.Config[io.ReadWriteCloser]{
		Label:   func() string { return p.url },
		Dial:    p.dial,
		Backoff: cfg.Backoff,
		Now:     cfg.Now,
	})
	return p, nil
}

// dial opens one connection with the settings in force. It is also the
// reconnect loop's dial.
func (p *Port) dial(ctx context.Context) (io.ReadWriteCloser, error) {
	d := net.Dialer{Timeout: p.cfg.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, fmt.Errorf("%s: connect: %w", p.url, err)
	}
	if p.scheme == SchemeTCP {
		return nc, nil
	}
	c, err := p.negotiate(ctx, nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%s: %w", p.url, err)
	}
	return c, nil
}

// negotiate starts RFC 2217 on nc and sets the line: baud rate, data size,
// parity, stop size (in the RFC's order), flow control, the modem lines
// set before a reconnect, the notification masks, and a purge of what the
// server buffered from before.
func (p *Port) negotiate(ctx context.Context, nc net.Conn) (*rfcConn, error) {
	p.mu.Lock()
	p.lines = device.Lines{}
	p.ctlAcked, p.ctlMute = false, false
	dtr, rts := p.dtr, p.rts
	p.mu.Unlock()

	c, err := newRFCConn(nc, p.notified)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*rfcConn, error) { c.Close(); return nil, err }
	if err := c.waitComPort(ctx, p.cfg.AckTimeout); err != nil {
		return fail(err)
	}
	s := p.set
	v, err := c.request(telnet.CmdSetBaudrate, baudValue(s.baud), p.cfg.AckTimeout)
	if err != nil {
		return fail(fmt.Errorf("set baud rate %d: %w", s.baud, err))
	}
	baud := s.baud
	if len(v) == 4 {
		baud = int(binary.BigEndian.Uint32(v))
	}
	var notes []string
	for _, r := range []struct {
		name string
		cmd  byte
		val  byte
	}{
		{"data size", telnet.CmdSetDatasize, s.dataSize},
		{"parity", telnet.CmdSetParity, s.parity},
		{"stop size", telnet.CmdSetStopsize, s.stop},
		{"flow control", telnet.CmdSetControl, s.flow},
	} {
		v, err := c.request(r.cmd, []byte{r.val}, p.cfg.AckTimeout)
		switch {
		case errors.Is(err, errNoAck) && r.cmd == telnet.CmdSetStopsize:
			// ser2net leaves 1.5 stop bits unanswered.
			notes = append(notes, fmt.Sprintf("stop bits %s not acknowledged", s.stopName))
		case err != nil:
			return fail(fmt.Errorf("set %s: %w", r.name, err))
		case len(v) > 0 && v[0] != r.val:
			notes = append(notes, fmt.Sprintf("%s: the server keeps %d, not %d", r.name, v[0], r.val))
		}
	}
	// Masks: every line error and modem line change is reported.
	c.request(telnet.CmdSetLinestateMask, []byte{0x1E}, 0)
	c.request(telnet.CmdSetModemstateMask, []byte{0xFF}, 0)
	c.request(telnet.CmdPurgeData, []byte{1}, 0)
	p.mu.Lock()
	p.baud = baud
	p.lines.Note = strings.Join(notes, "; ")
	p.mu.Unlock()
	if dtr != nil {
		p.control(c, "DTR", ctlValue(*dtr, telnet.CtlDTROn, telnet.CtlDTROff))
	}
	if rts != nil {
		p.control(c, "RTS", ctlValue(*rts, telnet.CtlRTSOn, telnet.CtlRTSOff))
	}
	return c, nil
}

func ctlValue(on bool, yes, no byte) byte {
	if on {
		return yes
	}
	return no
}

// notified records a NOTIFY-LINESTATE or NOTIFY-MODEMSTATE.
func (p *Port) notified(cmd, value byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch cmd {
	case telnet.CmdNotifyLinestate:
		p.lines.Line, p.lines.LineKnown = value, true
	case telnet.CmdNotifyModemstate:
		p.lines.Modem, p.lines.ModemKnown = value, true
	}
}

// control sends a SET-CONTROL for DTR, RTS or BREAK. The ack is awaited
// for ControlWait at most, and not at all once the server has left one
// unanswered on this connection: that is pyserial's ign_set_control, and
// Lines().Note says so. Only a failed write is an error.
func (p *Port) control(c *rfcConn, what string, value byte) error {
	p.mu.Lock()
	wait := p.cfg.ControlWait
	if p.ctlMute {
		wait = 0
	}
	p.mu.Unlock()
	_, err := c.request(telnet.CmdSetControl, []byte{value}, wait)
	if wait == 0 && err == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case errors.Is(err, errNoAck):
		p.ctlMute = true
		if !p.ctlAcked {
			note := "the server does not acknowledge DTR, RTS or BREAK (ser2net in front of a pty never does): " + what + " was sent unconfirmed, as with pyserial's ign_set_control"
			if p.lines.Note == "" {
				p.lines.Note = note
			} else if !strings.Contains(p.lines.Note, note) {
				p.lines.Note += "; " + note
			}
		}
		return nil
	case err == nil:
		p.ctlAcked = true
	}
	return err
}

// Read reads what the module sent. When the connection is lost it returns
// (0, device.ErrLost) once, then waits for the reconnect; after Close it
// returns io.EOF.
func (p *Port) Read(b []byte) (int, error) { return p.link.Read(b) }

// Write sends b (0xFF doubled over rfc2217://). While the connection is
// down it fails at once with an error wrapping ErrDisconnected.
func (p *Port) Write(b []byte) (int, error) { return p.link.Write(b) }

// SetDTR sets the far UART's DTR line; it is set again after a reconnect.
func (p *Port) SetDTR(on bool) error {
	return p.modem("set DTR", func(c *rfcConn) error {
		p.mu.Lock()
		p.dtr = &on
		p.mu.Unlock()
		return p.control(c, "DTR", ctlValue(on, telnet.CtlDTROn, telnet.CtlDTROff))
	})
}

// SetRTS sets the far UART's RTS line; it is set again after a reconnect.
func (p *Port) SetRTS(on bool) error {
	return p.modem("set RTS", func(c *rfcConn) error {
		p.mu.Lock()
		p.rts = &on
		p.mu.Unlock()
		return p.control(c, "RTS", ctlValue(on, telnet.CtlRTSOn, telnet.CtlRTSOff))
	})
}

// Break holds the far line in the break state for d.
func (p *Port) Break(d time.Duration) error {
	return p.modem("break", func(c *rfcConn) error {
		if err := p.control(c, "BREAK", telnet.CtlBreakOn); err != nil {
			return err
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.ended:
		}
		return p.control(c, "BREAK", telnet.CtlBreakOff)
	})
}

// Purge asks the server to drop what it holds for us and for the UART
// (PURGE-DATA 3) and waits for the ack.
func (p *Port) Purge() error {
	return p.modem("purge", func(c *rfcConn) error {
		_, err := c.request(telnet.CmdPurgeData, []byte{3}, p.cfg.AckTimeout)
		return err
	})
}

// modem runs f on the current RFC 2217 connection.
func (p *Port) modem(what string, f func(*rfcConn) error) error {
	if p.scheme != SchemeRFC2217 {
		return fmt.Errorf("%s: %s: a raw tcp:// port carries no modem lines (use rfc2217://)", p.url, what)
	}
	return p.link.Use(what, false, func(c io.ReadWriteCloser) error { return f(c.(*rfcConn)) })
}

// Status reports Connected, then Disconnected and Reconnected as the
// connection drops and comes back, and Closed last.
func (p *Port) Status() <-chan device.Status { return p.link.Status() }

// Losses is how many times the connection was lost so far
// (device.LossCounter).
func (p *Port) Losses() uint64 { return p.link.Losses() }

// Info describes the port: kind "tcp" or "rfc2217", the URL, and over
// rfc2217:// the baud rate the server acknowledged.
func (p *Port) Info() device.Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	return device.Info{Kind: p.scheme, Name: p.url, Baud: p.baud}
}

// Lines reports the far UART's modem and line state from the server's
// notifications on the current connection.
func (p *Port) Lines() device.Lines {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lines
}

// Close closes the connection and stops reconnecting.
func (p *Port) Close() error { return p.link.Close() }
