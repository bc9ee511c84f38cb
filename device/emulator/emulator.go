package emulator

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"atbench/device"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("emulator: module closed")

// Config configures a Module.
type Config struct {
	// Firmware builds the command set the module speaks (required), e.g.
	// the Realtek firmware's New.
	Firmware NewFirmware
	// MaxLinks is the number of link ids; 0 means the firmware's own
	// (Realtek: 20, lwIP's MEMP_NUM_NETCONN). At most 256.
	MaxLinks int
	// Echo echoes each command line before its answer. Whether a module
	// echoes is UNCONFIRMED; the default is off.
	Echo bool
	// HostAddr is the IPv4 address the module binds its sockets to and
	// reports as its own; default "127.0.0.1".
	HostAddr string
	// RecvBuffer is the per-link buffer, in bytes, that holds data of links
	// read on request until the firmware takes it; default 8192 (the real
	// size is UNCONFIRMED). When it is full the emulator stops reading the
	// socket, so TCP peers are held back; nothing is dropped.
	RecvBuffer int
	// Clock is the clock for link times, keepalive and the firmware's
	// timers; nil means the real one.
	Clock netcore.Clock
	// Logf receives the diagnostics a real module prints on its LogUART;
	// they never reach the AT port. Nil discards them.
	Logf func(format string, args ...any)
	// ConnectTimeout bounds a client's connect and TLS handshake, and a
	// server's handshake with one client; 0 means 20 s.
	ConnectTimeout time.Duration
	// Speed runs the module's modelled timers (keepalive model, close
	// states, faults, the firmware's own timers) Speed times faster than
	// Clock (the demo clock, --speed N); up to 1: real time. Real-socket
	// timers (connect, send timeouts, the kernel's keepalive) are not
	// sped up; with Speed > 1 the keepalive model's peer answers its
	// probes unless the link is silenced.
	Speed float64
	// TCP sets the close sequence's timers (MSL 2 s so TIME_WAIT 4 s,
	// FIN_WAIT_2 60 s, TIME_WAIT reuse on, by default).
	TCP netcore.CloseConfig
}

// Firmware is one command set running on the module: it assembles host
// input into its own commands, answers them through Host.Print, and turns
// the network stack's events into its own words.
type Firmware interface {
	// Name is the command set's name (Info().Name), e.g. "realtek".
	Name() string
	// Start runs once at power-on, before any input: the banner.
	Start()
	// Input takes host bytes in order, on the module's input goroutine.
	Input(p []byte)
	// Event takes what the stack saw, on the stack's goroutines, after the
	// link table shows it.
	Event(e netcore.Event)
	// Settings are the module-wide settings in force, for Snapshot.
	Settings() []protocol.Setting
}

// NewFirmware builds a firmware on a module. It must not open sockets
// (Start may).
type NewFirmware func(h Host) Firmware

// Host is what the module offers its firmware.
type Host interface {
	// Print writes one whole message to the AT port (never split by
	// another message). It fails only after Close.
	Print(msg []byte) error
	// Net is the network stack.
	Net() *netcore.Stack
	// Clock is the module's clock.
	Clock() netcore.Clock
	// CertSlot returns certificate slot i (1..CertSlots) of the flash.
	CertSlot(i int) (*CertSlot, bool)
	// Go runs f on a goroutine that Close waits for; once Close has
	// begun it runs nothing.
	Go(f func())
	// Context is cancelled when the module closes.
	Context() context.Context
	// Config is the module's configuration, defaults filled in (MaxLinks
	// stays 0 for "the firmware's own").
	Config() Config
	// Logf writes a LogUART diagnostic.
	Logf(format string, args ...any)
}

// Module is an emulated AT module. It implements device.Device.
type Module struct {
	cfg  Config
	logf func(format string, args ...any)
	net  *netcore.Stack

	fwMu sync.Mutex
	fw   Firmware // replaced by a reboot fault; read it with firmware()

	ctl    chan func() // work for the input goroutine (faults)
	faults faultState

	out    *outBuffer
	in     chan []byte
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	status chan device.Status

	certs *certStore

	goMu     sync.Mutex
	stopping bool // Close has begun: Host.Go starts nothing

	chgMu      sync.Mutex
	changed    chan struct{} // closed at a link change
	chgClosed  bool          // changed is closed and nobody has taken it since
	chgHandout bool          // changed was handed out by Changed
}

// inputChunk bounds one queued piece of host input, so a large Write does
// not buffer unbounded memory ahead of the firmware.
const inputChunk = 4096

// New starts a module: its firmware prints its start-up banner and is
// ready for commands.
func New(cfg Config) (*Module, error) {
	if cfg.Firmware == nil {
		return nil, errors.New("emulator: no firmware")
	}
	if cfg.MaxLinks < 0 || cfg.MaxLinks > 256 {
		return nil, fmt.Errorf("emulator: MaxLinks %d out of range 1..256", cfg.MaxLinks)
	}
	if cfg.HostAddr == "" {
		cfg.HostAddr = "127.0.0.1"
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = netcore.DefaultConnectTimeout
	}
	host, err := netip.ParseAddr(cfg.HostAddr)
	if err != nil || !host.Is4() {
		return nil, fmt.Errorf("emulator: HostAddr %q is not an IPv4 address", cfg.HostAddr)
	}
	if cfg.RecvBuffer == 0 {
		cfg.RecvBuffer = 8192
	}
	if cfg.RecvBuffer < 1 {
		return nil, fmt.Errorf("emulator: RecvBuffer %d must be positive", cfg.RecvBuffer)
	}
	if cfg.Speed < 0 || cfg.Speed > 100000 {
		return nil, fmt.Errorf("emulator: Speed %g out of range 0..100000", cfg.Speed)
	}
	clock := cfg.Clock
	if cfg.Speed > 1 {
		clock = netcore.NewSpeedClock(cfg.Clock, cfg.Speed)
	}
	m := &Module{
		cfg:     cfg,
		logf:    cfg.Logf,
		out:     newOutBuffer(outBufferSize),
		in:      make(chan []byte, 16),
		done:    make(chan struct{}),
		status:  make(chan device.Status, 2),
		changed: make(chan struct{}),
		ctl:     make(chan func()),
	}
	if m.logf == nil {
		m.logf = func(string, ...any) {}
	}
	m.net, err = netcore.New(netcore.Config{
		Addr: host, RecvBuffer: cfg.RecvBuffer, ConnectTimeout: cfg.ConnectTimeout,
		Clock: clock, Events: m.event, Logf: m.logf,
		Close: cfg.TCP, PeerAnswers: cfg.Speed > 1, Changed: m.linksChanged,
	})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.certs, err = newCertStore(m.net.Clock().Now())
	if err != nil {
		m.cancel()
		return nil, err
	}
	m.fw = cfg.Firmware(moduleHost{m})
	if m.fw == nil {
		m.cancel()
		return nil, errors.New("emulator: the firmware constructor returned nil")
	}
	m.fw.Start()
	m.status <- device.Status{State: device.Connected, At: m.net.Clock().Now()}
	m.wg.Add(1)
	go m.run()
	return m, nil
}

// event passes the stack's events to the firmware; a socket that closed is
// also a change for Changed (the one change a firmware may print nothing
// about).
func (m *Module) event(e netcore.Event) {
	if e.Kind == netcore.EventClosed {
		m.linksChanged()
	}
	m.firmware().Event(e)
}

// Read returns module output. It blocks until some is available and
// returns io.EOF after Close.
func (m *Module) Read(p []byte) (int, error) { return m.out.read(p) }

// Write queues host input (command lines, or raw bytes in transparent
// transmission). It blocks while the module is busy with earlier input.
func (m *Module) Write(p []byte) (int, error) {
	if m.out.isDown() {
		return 0, ErrUnplugged
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), inputChunk)
		c := bytes.Clone(p[:k])
		select {
		case <-m.done:
			return n, ErrClosed
		default:
		}
		select {
		case m.in <- c:
		case <-m.done:
			return n, ErrClosed
		}
		n += k
		p = p[k:]
	}
	select {
	case <-m.done:
		return n, ErrClosed
	default:
	}
	return n, nil
}

// Close closes every socket, stops every goroutine and ends Read with
// io.EOF. It is idempotent.
func (m *Module) Close() error {
	m.once.Do(func() {
		close(m.done)
		m.cancel()
		m.goMu.Lock()
		m.stopping = true
		m.goMu.Unlock()
		m.out.close() // unblocks every Print
		m.net.Close()
		m.wg.Wait()
		m.net.Close()            // anything the firmware opened while stopping
		m.faults.statusMu.Lock() // no status send runs past this
		defer m.faults.statusMu.Unlock()
		select {
		case m.status <- device.Status{State: device.Closed, At: m.net.Clock().Now()}:
		default:
		}
		close(m.status)
	})
	return nil
}

// Status reports Connected once at start; the channel is closed by Close.
func (m *Module) Status() <-chan device.Status { return m.status }

// Info describes the emulator: Name is the firmware's command set.
func (m *Module) Info() device.Info { return device.Info{Kind: "emulator", Name: m.firmware().Name()} }

// Changed returns a channel that is closed at the next change of the link
// table that the module may print nothing about (a socket closing, by the
// peer say); call it again after each change. A change that nobody was
// waiting for is not lost: the next call returns a closed channel. Changes
// the module does print (an accept, data) reach the host as output.
func (m *Module) Changed() <-chan struct{} {
	m.chgMu.Lock()
	defer m.chgMu.Unlock()
	ch := m.changed
	if m.chgClosed {
		// the change nobody saw: report it once, and watch afresh
		m.changed, m.chgClosed, m.chgHandout = make(chan struct{}), false, false
		return ch
	}
	m.chgHandout = true
	return ch
}

// linksChanged wakes everyone waiting on Changed.
func (m *Module) linksChanged() {
	m.chgMu.Lock()
	defer m.chgMu.Unlock()
	if m.chgClosed {
		return // nobody has seen the previous change yet
	}
	close(m.changed)
	if m.chgHandout {
		m.changed, m.chgHandout = make(chan struct{}), false
		return
	}
	m.chgClosed = true
}

// Snapshot returns the link table (the links holding an id, by id, then up
// to 32 links that left the table, newest first) and the settings in
// force. A link whose socket closed (the peer closed it, say) may keep its
// id, as in the Realtek firmware: it is listed with the table, with State
// CLOSED and Closed set. Links tells the two parts apart.
func (m *Module) Snapshot() protocol.Snapshot {
	table, hist := m.net.Links()
	return protocol.Snapshot{Links: append(table, hist...), Settings: append(m.firmware().Settings(), m.faultSettings()...), ClockSpeed: m.ClockSpeed()}
}

// Links returns the two parts of Snapshot's link list: the links that hold
// an id, by id, and the ones that left the table, newest first.
func (m *Module) Links() (table, history []protocol.LinkInfo) { return m.net.Links() }

// ClockSpeed is how many times faster than real time the modelled timers
// run (Config.Speed; 1 when not sped up).
func (m *Module) ClockSpeed() float64 {
	if m.cfg.Speed > 1 {
		return m.cfg.Speed
	}
	return 1
}

// Net is the module's network stack.
func (m *Module) Net() *netcore.Stack { return m.net }

// CertSlot returns certificate slot i (1..10) of the emulated flash: the CA
// pool that verifies the slot's certificates, the server suite and the
// client suite. Slot 1 is filled at New with a fresh ECDSA P-256 CA and two
// suites signed by it (SAN 127.0.0.1 and localhost); ok is false for an
// empty or unknown slot. Tests use it to build peers the module trusts.
func (m *Module) CertSlot(i int) (ca *x509.CertPool, server, client tls.Certificate, ok bool) {
	s, ok := m.certs.slot(i)
	if !ok {
		return nil, tls.Certificate{}, tls.Certificate{}, false
	}
	return s.Pool, s.Server, s.Client, true
}

// run is the input goroutine: it hands host input to the firmware.
func (m *Module) run() {
	defer m.wg.Done()
	for {
		select {
		case <-m.done:
			return
		case c := <-m.in:
			m.firmware().Input(c)
		case f := <-m.ctl:
			f()
		}
	}
}

// moduleHost is the module as its firmware's Host.
type moduleHost struct{ m *Module }

func (h moduleHost) Print(msg []byte) error   { return h.m.out.write(msg) }
func (h moduleHost) Net() *netcore.Stack      { return h.m.net }
func (h moduleHost) Clock() netcore.Clock     { return h.m.net.Clock() }
func (h moduleHost) Context() context.Context { return h.m.ctx }
func (h moduleHost) Config() Config           { return h.m.cfg }
func (h moduleHost) Logf(f string, a ...any)  { h.m.logf(f, a...) }
func (h moduleHost) CertSlot(i int) (*CertSlot, bool) {
	return h.m.certs.slot(i)
}
func (h moduleHost) Go(f func()) {
	h.m.goMu.Lock()
	defer h.m.goMu.Unlock()
	if h.m.stopping {
		return
	}
	h.m.wg.Add(1)
	go func() {
		defer h.m.wg.Done()
		f()
	}()
}
