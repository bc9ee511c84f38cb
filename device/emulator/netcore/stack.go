package netcore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"atbench/protocol"
)

// DefaultConnectTimeout bounds a client's TCP connect plus TLS handshake,
// and a server's handshake with one client, as lwIP's SYN retries and
// mbedTLS's handshake timeout do: a silent peer must not hold the module
// (its command blocks meanwhile) or a server's accepts.
const DefaultConnectTimeout = 20 * time.Second

// Config configures a Stack.
type Config struct {
	// Addr is the IPv4 address sockets bind: servers and UDP sockets
	// always, TCP/TLS clients unless it is a loopback address.
	Addr netip.Addr
	// RecvBuffer is the per-link buffer, in bytes, of links that do not
	// push their data; when it is full the socket is not read, so a TCP
	// peer is held back. Must be positive.
	RecvBuffer int
	// ConnectTimeout bounds a connect and a TLS handshake; 0 means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Clock is the stack's time; nil means RealClock. With an injected
	// clock keepalive progress is modelled from the link's data alone
	// (or PeerAnswers), as the kernel's timing (TCP_INFO) cannot be set
	// against it; the kernel's view is still shown beside it.
	Clock Clock
	// Events receives what happens on the network (see Event). It is
	// called without the stack's lock, so it may call the stack.
	Events func(Event)
	// Logf receives diagnostics; nil discards them.
	Logf func(format string, args ...any)
	// Close sets the timers of the TCP close sequence (defaults: MSL 2 s,
	// so TIME_WAIT 4 s; FIN_WAIT_2 60 s; TIME_WAIT ids reused).
	Close CloseConfig
	// PeerAnswers makes the keepalive model's peer answer each probe
	// unless the link is silenced (Silence): for a sped-up clock, whose
	// probes the kernel's real-time ones cannot answer. Otherwise answers
	// are read from the kernel (Linux, real clock) or, with an injected
	// clock, there are none: progress follows the link's data alone.
	PeerAnswers bool
	// Changed, if set, is called (without the stack's lock) when the link
	// table changes with no event: a close state moving on.
	Changed func()
}

// slot is one link id: free, claimed by the firmware, or held by a link.
type slot struct {
	claimed bool
	l       *link
}

// Stack is the module's network stack on real host sockets: a link table
// whose ids the firmware chooses, with socket numbers, the sockets behind
// them, and the history of closed links. It knows no command set and
// never prints. Its methods are safe for concurrent use.
type Stack struct {
	cfg        Config
	clock      Clock
	kernelTime bool
	sysKA      SystemKeepalive
	closeCfg   CloseConfig
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup

	mu      sync.Mutex
	slots   []slot // index = link id; grows as ids are used
	fds     map[int]bool
	history []protocol.LinkInfo // newest last
	// lingering are removed links whose close sequence goes on after
	// their id was freed (CloseConfig.HoldID off), oldest first.
	lingering []*link
	closed    bool
}

// New makes a stack.
func New(cfg Config) (*Stack, error) {
	if !cfg.Addr.Is4() {
		return nil, fmt.Errorf("netcore: address %v is not IPv4", cfg.Addr)
	}
	if cfg.RecvBuffer < 1 {
		return nil, fmt.Errorf("netcore: RecvBuffer %d must be positive", cfg.RecvBuffer)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	s := &Stack{cfg: cfg, clock: cfg.Clock, fds: make(map[int]bool), sysKA: ReadSystemKeepalive(), closeCfg: cfg.Close.withDefaults()}
	if s.clock == nil {
		s.clock, s.kernelTime = RealClock{}, true
	}
	if s.cfg.Logf == nil {
		s.cfg.Logf = func(string, ...any) {}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Addr is the address the stack binds.
func (s *Stack) Addr() netip.Addr { return s.cfg.Addr }

// Clock is the stack's clock.
func (s *Stack) Clock() Clock { return s.clock }

// SystemKeepalive is the kernel's keepalive default the stack assumes for
// values a socket does not set.
func (s *Stack) SystemKeepalive() SystemKeepalive { return s.sysKA }

func (s *Stack) emit(e Event) {
	if s.cfg.Events != nil {
		s.cfg.Events(e)
	}
}

// goTracked starts f on a goroutine that Close waits for. The caller is
// one of the stack's goroutines, or holds s.mu with the stack open, so the
// start cannot race with Close's wait.
func (s *Stack) goTracked(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// slotLocked returns the slot of id, growing the table; nil for id < 0.
func (s *Stack) slotLocked(id int) *slot {
	if id < 0 {
		return nil
	}
	for id >= len(s.slots) {
		s.slots = append(s.slots, slot{})
	}
	return &s.slots[id]
}

// linkLocked returns the link the firmware knows as id: not one it removed
// that still holds the id in its close sequence.
func (s *Stack) linkLocked(id int) *link {
	if id < 0 || id >= len(s.slots) || s.slots[id].l == nil || s.slots[id].l.removed {
		return nil
	}
	return s.slots[id].l
}

// CloseConfig is the close sequence's configuration in force.
func (s *Stack) CloseConfig() CloseConfig { return s.closeCfg }

// Claim reserves a free link id for an open that follows (Listen, Dial),
// so that nothing else (a seed accepted meanwhile) takes it. It fails with
// ErrInUse when a link or a claim holds the id.
func (s *Stack) Claim(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slotLocked(id)
	if sl != nil && sl.l != nil {
		s.reclaimLocked(id, false)
	}
	switch {
	case sl == nil:
		return fmt.Errorf("claim link %d: %w", id, ErrNoLink)
	case sl.claimed || sl.l != nil:
		return fmt.Errorf("claim link %d: %w", id, ErrInUse)
	}
	sl.claimed = true
	return nil
}

// ClaimLowest claims the lowest free id below limit (ErrNoFreeID if none).
func (s *Stack) ClaimLowest(limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.lowestFreeLocked(limit)
	if id < 0 {
		// E.7: a connect may reuse a socket in FIN_WAIT_2 or TIME_WAIT
		// when no id is free.
		for i := 0; i < limit && i < len(s.slots) && id < 0; i++ {
			if !s.slots[i].claimed && s.reclaimLocked(i, false) {
				id = i
			}
		}
	}
	if id < 0 {
		return -1, ErrNoFreeID
	}
	s.slotLocked(id).claimed = true
	return id, nil
}

// Release frees a claim that was not used. A link holding the id is not
// affected.
func (s *Stack) Release(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id >= 0 && id < len(s.slots) && s.slots[id].l == nil {
		s.slots[id].claimed = false
	}
}

// InUse reports whether a link or a claim holds id.
func (s *Stack) InUse(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return id >= 0 && id < len(s.slots) && (s.slots[id].claimed || s.slots[id].l != nil)
}

func (s *Stack) lowestFreeLocked(limit int) int {
	for id := 0; id < limit; id++ {
		if id >= len(s.slots) || (!s.slots[id].claimed && s.slots[id].l == nil) {
			return id
		}
	}
	return -1
}

// take claims id for an open unless it is claimed already; a listen may
// take an id from a link in TIME_WAIT (E.7).
func (s *Stack) take(id int, listen bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrStackClosed
	}
	sl := s.slotLocked(id)
	if sl != nil && sl.l != nil {
		s.reclaimLocked(id, listen)
	}
	switch {
	case sl == nil:
		return fmt.Errorf("link %d: %w", id, ErrNoLink)
	case sl.l != nil:
		return fmt.Errorf("link %d: %w", id, ErrInUse)
	}
	sl.claimed = true
	return nil
}

// registerLocked puts l in its claimed slot with a socket number. It fails
// once Close has begun.
func (s *Stack) registerLocked(l *link) error {
	if s.closed {
		return ErrStackClosed
	}
	sl := s.slotLocked(l.id)
	if sl.l != nil {
		return fmt.Errorf("link %d: %w", l.id, ErrInUse)
	}
	l.fd = s.allocFDLocked()
	sl.l, sl.claimed = l, false
	return nil
}

// allocFDLocked takes the lowest free socket number, as lwIP does.
func (s *Stack) allocFDLocked() int {
	for fd := 0; ; fd++ {
		if !s.fds[fd] {
			s.fds[fd] = true
			return fd
		}
	}
}

// closeSocketLocked closes l's socket with a reason; l keeps its id. The
// returned function finishes a TLS close_notify and delivers EventClosed:
// run it without the lock. graceful starts a TCP link's close sequence
// (FIN, then the close states; peerFIN when the peer's FIN came first)
// and keeps the host socket until it ends; otherwise the host socket
// closes at once.
func (s *Stack) closeSocketLocked(l *link, reason string, cause error, graceful, peerFIN bool) (after func()) {
	if !l.alive() {
		return func() {}
	}
	s.kaStopLocked(l)
	delete(s.fds, l.fd)
	l.fd = -1
	l.state = protocol.StateClosed
	l.closed = &protocol.Closed{At: s.clock.Now(), Reason: reason}
	close(l.closing)
	if l.stop != nil {
		l.stop()
	}
	if l.ln != nil {
		_ = l.ln.Close()
	}
	if l.pc != nil {
		_ = l.pc.Close()
	}
	if cause == nil {
		cause = l.cause
	}
	s.kernelAtCloseLocked(l, reason)
	ev := Event{Kind: EventClosed, ID: l.id, Proto: l.proto, Remote: l.remote, Reason: reason, Err: cause, Ready: l.ready}
	if l.parent != nil {
		ev.Server = l.parent.id
	}
	if graceful && (l.rxErr == nil || errors.Is(l.rxErr, io.EOF)) {
		if sendFIN, ok := s.beginCloseLocked(l, peerFIN); ok {
			return func() {
				sendFIN()
				s.emit(ev)
			}
		}
	}
	if l.cs != nil && l.inCloseSequence() {
		s.enterLocked(l, protocol.StateClosed, s.clock.Now(), reason)
	}
	l.hostClosed = true
	var c net.Conn
	if l.conn != nil && l.tcp != nil && l.conn != net.Conn(l.tcp) {
		c = l.conn // TLS: close_notify, then the socket, without the lock
	} else if l.conn != nil {
		_ = l.conn.Close()
	}
	return func() {
		if c != nil {
			_ = c.Close()
		}
		s.emit(ev)
	}
}

// removeLocked frees l's id and files it in the history. A server takes
// its seeds with it, closed with seedReason.
func (s *Stack) removeLocked(l *link, reason, seedReason string, graceful bool) (after func()) {
	var afters []func()
	if l.role == protocol.RoleServer {
		for _, sd := range l.seeds {
			afters = append(afters, s.removeLocked(sd, seedReason, seedReason, graceful))
		}
		l.seeds = nil
	}
	if p := l.parent; p != nil {
		for i, sd := range p.seeds {
			if sd == l {
				p.seeds = append(p.seeds[:i:i], p.seeds[i+1:]...)
				break
			}
		}
	}
	afters = append(afters, s.closeSocketLocked(l, reason, nil, graceful, false))
	if s.linkLocked(l.id) == l {
		if l.inCloseSequence() {
			// the connection goes on until its close sequence ends
			// (finishLocked); the id with it only under HoldID
			l.removed = true
			if !s.closeCfg.HoldID {
				s.slots[l.id].l = nil
				s.lingering = append(s.lingering, l)
			}
			s.advanceLocked(l) // a close state whose ACK is in ends here
		} else {
			if l.cs != nil {
				l.cs.st.Free = true
			}
			s.slots[l.id].l = nil
			s.fileLocked(l, s.clock.Now())
		}
	}
	return func() {
		for _, f := range afters {
			f()
		}
	}
}

// CloseSocket closes the socket of link id with a reason; the link keeps
// its id (shown closed, as a firmware that blocks the id until it is
// deleted) until Remove.
func (s *Stack) CloseSocket(id int, reason string) error {
	s.mu.Lock()
	l := s.linkLocked(id)
	if l == nil {
		s.mu.Unlock()
		return fmt.Errorf("close link %d: %w", id, ErrNoLink)
	}
	after := s.closeSocketLocked(l, reason, nil, true, false)
	s.mu.Unlock()
	after()
	return nil
}

// Remove closes link id and frees its id; the link moves to the history.
// A server takes its seeds with it (reason "server deleted").
func (s *Stack) Remove(id int, reason string) error {
	s.mu.Lock()
	l := s.linkLocked(id)
	if l == nil {
		s.mu.Unlock()
		return fmt.Errorf("remove link %d: %w", id, ErrNoLink)
	}
	after := s.removeLocked(l, reason, "server deleted", true)
	s.mu.Unlock()
	after()
	return nil
}

// RemoveAll removes every link with a reason (a reset). Claims stay.
func (s *Stack) RemoveAll(reason string) {
	s.mu.Lock()
	after := s.removeAllLocked(reason)
	s.mu.Unlock()
	after()
}

func (s *Stack) removeAllLocked(reason string) func() {
	s.abortAllLocked(reason)
	var afters []func()
	for _, sl := range s.slots {
		if sl.l != nil && s.linkLocked(sl.l.id) == sl.l {
			afters = append(afters, s.removeLocked(sl.l, reason, reason, false))
		}
	}
	return func() {
		for _, f := range afters {
			f()
		}
	}
}

// Close removes every link ("module closed"), refuses every later open
// and waits for the stack's goroutines. Event handlers must not block
// forever meanwhile. It is idempotent.
func (s *Stack) Close() {
	s.mu.Lock()
	s.closed = true
	after := s.removeAllLocked("module closed")
	s.mu.Unlock()
	s.cancel()
	after()
	s.wg.Wait()
	// anything a goroutine opened while stopping
	s.mu.Lock()
	after = s.removeAllLocked("module closed")
	s.mu.Unlock()
	after()
}

// View is a link as its firmware sees it, copied at one moment.
type View struct {
	ID     int
	Role   protocol.Role
	Proto  protocol.Proto
	Parent int   // a seed's server, else protocol.NoLink
	Seeds  []int // a server's ready seeds, in accept order
	FD     int   // lwIP-style socket number, -1 once the socket is closed
	Ready  bool  // usable: false for a seed during its TLS handshake
	Push   bool
	Local  netip.AddrPort // the bound address; zero once closed
	// Remote is the peer of a stream, the destination of a UDP client.
	Remote    netip.AddrPort
	Tag       any // the firmware's own, given at the open
	Buffered  int
	Ended     bool   // a buffering stream's peer has ended (data may remain)
	EndReason string // why, as a close reason
	Options   SocketOptions
	Closed    *protocol.Closed
}

// Alive reports whether the link has an open socket.
func (v View) Alive() bool { return v.FD >= 0 }

// Link returns link id as it is now.
func (s *Stack) Link(id int) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.linkLocked(id)
	if l == nil {
		return View{}, false
	}
	return l.view(), true
}

// Table returns the links holding an id, by id.
func (s *Stack) Table() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, sl := range s.slots {
		if sl.l != nil && !sl.l.removed {
			out = append(out, sl.l.view())
		}
	}
	return out
}

// Links returns the workbench's view: the links holding an id, by id, and
// up to 32 links that left the table, newest first. Keepalive progress is
// read from the kernel (TCP_INFO) where it can be.
func (s *Stack) Links() (table, history []protocol.LinkInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	// close states waiting for the peer's ACK first: one may free its id
	for _, sl := range s.slots {
		if sl.l != nil {
			s.advanceLocked(sl.l)
		}
	}
	for _, sl := range s.slots {
		if sl.l != nil {
			table = append(table, s.infoLocked(sl.l, now))
		}
	}
	for _, l := range append([]*link(nil), s.lingering...) {
		s.advanceLocked(l)
	}
	// infoLocked may end a sequence (and change s.lingering): use a copy
	ling := append([]*link(nil), s.lingering...)
	for i := len(ling) - 1; i >= 0; i-- {
		history = append(history, s.infoLocked(ling[i], now))
	}
	for i := len(s.history) - 1; i >= 0; i-- {
		history = append(history, s.history[i])
	}
	return table, history
}

// TCPConn returns the TCP socket under link id (under TLS too), for kernel
// inspection and tests.
func (s *Stack) TCPConn(id int) (*net.TCPConn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.linkLocked(id)
	if l == nil || l.tcp == nil {
		return nil, false
	}
	return l.tcp, true
}

// Resolve takes an IPv4 address or looks a name up (IPv4 only).
func (s *Stack) Resolve(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Is4() {
			return netip.Addr{}, fmt.Errorf("%w: %s is not IPv4", ErrResolve, host)
		}
		return ip, nil
	}
	if len(host) > 255 {
		return netip.Addr{}, fmt.Errorf("%w: name too long", ErrResolve)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}, errors.Join(fmt.Errorf("%w: %s", ErrResolve, host), err)
	}
	return ips[0].Unmap(), nil
}
