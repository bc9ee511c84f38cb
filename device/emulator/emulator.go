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
	"atbench/protocol"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("emulator: module closed")

// Config configures a Module. The zero value emulates a Realtek module.
type Config struct {
	// Dialect is the command set: "realtek" (the default and, for now, the
	// only one).
	Dialect string
	// MaxLinks is the number of link ids (lwIP MEMP_NUM_NETCONN); 0 means 20.
	MaxLinks int
	// Echo echoes each command line before its answer. Whether the module
	// echoes is UNCONFIRMED; the default is off.
	Echo bool
	// HostAddr is the IPv4 address the module binds its sockets to and
	// reports as its own; default "127.0.0.1".
	HostAddr string
	// RecvBuffer is the per-link buffer, in bytes, that holds data of
	// auto_rcv=0 links until AT+SKTREAD takes it; default 8192 (the real
	// size is UNCONFIRMED). When it is full the emulator stops reading the
	// socket, so TCP peers are held back; nothing is dropped.
	RecvBuffer int
	// Now is the clock for link times and keepalive; nil means time.Now.
	Now func() time.Time
	// Logf receives the diagnostics a real module prints on its LogUART;
	// they never reach the AT port. Nil discards them.
	Logf func(format string, args ...any)
	// ConnectTimeout bounds a client's connect and TLS handshake, and a
	// server's handshake with one client; 0 means 20 s.
	ConnectTimeout time.Duration
}

// interpreter is one command set behind the shared plumbing: the module
// hands it complete command lines (or raw bytes while it asks for them) on
// a single goroutine, and it writes its answers with Module.print.
type interpreter interface {
	start()                                      // prints the power-on banner
	maxLine() int                                // longest command line, ending excluded
	line(b []byte)                               // one command line, ending removed
	overlong()                                   // answers a line longer than maxLine
	rawPending() bool                            // wants raw bytes rather than lines
	raw(p []byte) int                            // takes raw bytes, returns how many it used
	snapshot() protocol.Snapshot                 // links and settings
	links() (table, history []protocol.LinkInfo) // Snapshot's two parts
	shutdown()                                   // closes every socket (Module.Close)
}

// Module is an emulated AT module. It implements device.Device.
type Module struct {
	cfg  Config
	now  func() time.Time
	logf func(format string, args ...any)
	host netip.Addr

	out    *outBuffer
	in     chan []byte
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	status chan device.Status

	certs  *certStore
	interp interpreter

	chgMu   sync.Mutex
	changed chan struct{} // closed and replaced when a link closes

	// line assembly, owned by the interpreter goroutine
	lineBuf  []byte
	overLong bool
	skipLF   bool
}

// inputChunk bounds one queued piece of host input, so a large Write does
// not buffer unbounded memory ahead of the interpreter.
const inputChunk = 4096

// New starts a module: it prints its start-up banner and is ready for
// commands.
func New(cfg Config) (*Module, error) {
	if cfg.Dialect == "" {
		cfg.Dialect = "realtek"
	}
	if cfg.MaxLinks == 0 {
		cfg.MaxLinks = 20
	}
	if cfg.MaxLinks < 1 || cfg.MaxLinks > 256 {
		return nil, fmt.Errorf("emulator: MaxLinks %d out of range 1..256", cfg.MaxLinks)
	}
	if cfg.HostAddr == "" {
		cfg.HostAddr = "127.0.0.1"
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
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
	m := &Module{
		cfg:     cfg,
		now:     cfg.Now,
		logf:    cfg.Logf,
		host:    host,
		out:     newOutBuffer(outBufferSize),
		in:      make(chan []byte, 16),
		done:    make(chan struct{}),
		status:  make(chan device.Status, 2),
		changed: make(chan struct{}),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.logf == nil {
		m.logf = func(string, ...any) {}
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.certs, err = newCertStore(m.now())
	if err != nil {
		return nil, err
	}
	switch cfg.Dialect {
	case "realtek":
		m.interp = newAmeba(m)
	default:
		return nil, fmt.Errorf("emulator: unknown dialect %q", cfg.Dialect)
	}
	m.interp.start()
	m.status <- device.Status{State: device.Connected, At: m.now()}
	m.wg.Add(1)
	go m.run()
	return m, nil
}

// Read returns module output. It blocks until some is available and
// returns io.EOF after Close.
func (m *Module) Read(p []byte) (int, error) { return m.out.read(p) }

// Write queues host input (command lines, or raw bytes in transparent
// transmission). It blocks while the module is busy with earlier input.
func (m *Module) Write(p []byte) (int, error) {
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
		m.interp.shutdown()
		m.out.close()
		m.wg.Wait()
		m.interp.shutdown() // anything a goroutine opened while stopping
		select {
		case m.status <- device.Status{State: device.Closed, At: m.now()}:
		default:
		}
		close(m.status)
	})
	return nil
}

// Status reports Connected once at start; the channel is closed by Close.
func (m *Module) Status() <-chan device.Status { return m.status }

// Info describes the emulator.
func (m *Module) Info() device.Info { return device.Info{Kind: "emulator", Name: m.cfg.Dialect} }

// Changed returns a channel that is closed at the next change of the link
// table that the module prints nothing about (a peer closing a link);
// call it again after each change. Changes the module does print (an
// accept, data) reach the host as output.
func (m *Module) Changed() <-chan struct{} {
	m.chgMu.Lock()
	defer m.chgMu.Unlock()
	return m.changed
}

// linksChanged wakes everyone waiting on Changed; a change while nobody
// waits is not lost, as the next Changed call returns a fresh channel only
// after this one is closed.
func (m *Module) linksChanged() {
	m.chgMu.Lock()
	defer m.chgMu.Unlock()
	close(m.changed)
	m.changed = make(chan struct{})
}

// Snapshot returns the link table (the links holding an id, by id, then up
// to 32 links that left the table, newest first) and the socket settings in
// force. A link whose socket closed (the peer closed it, say) keeps its id
// until AT+SKTDEL, as in the firmware: it is listed with the table, with
// State CLOSED and Closed set. Links tells the two parts apart.
func (m *Module) Snapshot() protocol.Snapshot { return m.interp.snapshot() }

// Links returns the two parts of Snapshot's link list: the links that hold
// an id, by id, and the ones that left the table, newest first.
func (m *Module) Links() (table, history []protocol.LinkInfo) { return m.interp.links() }

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
	return s.pool, s.server, s.client, true
}

// print writes one whole message to the AT port. It fails only after Close.
func (m *Module) print(msg []byte) error { return m.out.write(msg) }

// goTracked runs f on a goroutine that Close waits for.
func (m *Module) goTracked(f func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		f()
	}()
}

// run is the interpreter goroutine: it turns host input into lines.
func (m *Module) run() {
	defer m.wg.Done()
	for {
		select {
		case <-m.done:
			return
		case c := <-m.in:
			m.feed(c)
		}
	}
}

// feed splits host input into command lines. A line ends with CR, LF or
// CR LF (a LF right after the CR that ended a line belongs to that ending,
// even when raw bytes follow). While the interpreter asks for raw bytes
// they go to it untouched.
func (m *Module) feed(p []byte) {
	for len(p) > 0 {
		if m.skipLF {
			m.skipLF = false
			if p[0] == '\n' {
				p = p[1:]
				continue
			}
		}
		if m.interp.rawPending() {
			p = p[m.interp.raw(p):]
			continue
		}
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			m.appendLine(p)
			return
		}
		m.appendLine(p[:i])
		m.skipLF = p[i] == '\r'
		p = p[i+1:]
		m.endLine()
	}
}

func (m *Module) appendLine(b []byte) {
	if m.overLong {
		return
	}
	if len(m.lineBuf)+len(b) > m.interp.maxLine() {
		m.overLong = true
		m.lineBuf = m.lineBuf[:0]
		return
	}
	m.lineBuf = append(m.lineBuf, b...)
}

func (m *Module) endLine() {
	if m.overLong {
		m.overLong = false
		m.interp.overlong()
		return
	}
	if len(m.lineBuf) == 0 {
		return
	}
	line := m.lineBuf
	m.lineBuf = nil
	if m.cfg.Echo {
		_ = m.print(append(bytes.Clone(line), "\r\n"...))
	}
	m.interp.line(line)
}
