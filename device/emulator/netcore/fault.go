package netcore

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// ErrFault is the cause of a close that an injected fault made (a reset,
// a modelled blackhole's keepalive death), for errors.Is.
var ErrFault = errors.New("netcore: injected fault")

// Close reasons of injected faults.
const (
	// ReasonFaultReset closes a link that a reset fault aborted.
	ReasonFaultReset = "injected fault: reset"
	// ReasonBlackholeDeath closes a modelled blackhole's link when the
	// keepalive model declares its peer dead.
	ReasonBlackholeDeath = "keepalive timeout (injected fault: blackhole, modelled)"
)

// BlackholeMode says who silences a blackholed link.
type BlackholeMode string

// Blackhole modes.
const (
	// BlackholeModelled: the stack stops delivering the link's bytes both
	// ways and its keepalive model declares the death on schedule, then
	// closes the host socket with a reset.
	BlackholeModelled BlackholeMode = "modelled"
	// BlackholeKernel: the kernel drops every segment the peer sends to
	// the link's socket (a socket filter on Linux), the stack drops what
	// the link would send, and the kernel's own keepalive decides.
	BlackholeKernel BlackholeMode = "kernel"
)

// LinkFaults is what is injected on one link.
type LinkFaults struct {
	Blackhole     BlackholeMode // "" when the link is not blackholed
	BlackholeFrom time.Time
	// DeadAt is when a modelled blackhole's keepalive declares the peer
	// dead; zero without keepalive (the link then stays silent for good)
	// or for a kernel blackhole.
	DeadAt  time.Time
	Latency time.Duration // added to each direction; 0: none
}

// faults is the injected state of one stream link, shared by its
// faultConn and the stack. Fields are guarded by mu.
type faults struct {
	mu    sync.Mutex
	state LinkFaults
	death Timer // a modelled blackhole's keepalive death
}

func (f *faults) get() LinkFaults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

// streamFaults returns the faults of a usable stream link, wrapping its
// connection if the reader has not yet done so.
func (s *Stack) streamFaultsLocked(id int) (*link, *faultConn, error) {
	l, err := s.usableLocked(id)
	if err != nil {
		return nil, nil, err
	}
	if l.tcp == nil || l.conn == nil {
		return nil, nil, fmt.Errorf("link %d: a fault needs a connected TCP or TLS link: %w", id, ErrNotStream)
	}
	return l, s.wrapFaultsLocked(l, l.conn), nil
}

// Faults returns what is injected on link id; ok is false for a link
// that is not a connected stream.
func (s *Stack) Faults(id int) (LinkFaults, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.linkLocked(id)
	if l == nil || l.fault == nil {
		return LinkFaults{}, false
	}
	return l.fault.f.get(), true
}

// Blackhole silences stream link id both ways. Modelled, its keepalive
// in force declares the death at the time the returned LinkFaults says
// (the last time the peer was heard, plus idle, plus interval × count;
// with the idle time run out the peer was answering probes, so it was
// heard at the last probe), and the link is then closed with a reset and
// ReasonBlackholeDeath. Kernel mode needs Linux (ErrUnimplemented
// elsewhere); the link dies when the kernel's keepalive gives up, with the
// usual "keepalive timeout".
func (s *Stack) Blackhole(id int, mode BlackholeMode) (LinkFaults, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, fc, err := s.streamFaultsLocked(id)
	if err != nil {
		return LinkFaults{}, err
	}
	now := s.clock.Now()
	f := fc.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state.Blackhole != "" {
		return f.state, nil
	}
	switch mode {
	case BlackholeKernel:
		if err := dropIncoming(l.tcp); err != nil {
			return LinkFaults{}, fmt.Errorf("link %d: kernel blackhole: %w", id, err)
		}
	case BlackholeModelled:
		if ka := l.ka; ka.Enabled && (ka.Idle > 0 || ka.Interval > 0) {
			heard := l.opened
			if l.lastRx.After(heard) {
				heard = l.lastRx
			}
			if ka.Idle > 0 && now.Sub(heard) >= ka.Idle {
				// probes were answered every Idle since: the last answer
				heard = heard.Add(now.Sub(heard) / ka.Idle * ka.Idle)
			}
			f.state.DeadAt = heard.Add(ka.Idle + time.Duration(ka.Count)*ka.Interval)
			f.death = s.clock.AfterFunc(max(0, f.state.DeadAt.Sub(now)), func() { s.blackholeDeath(l, fc) })
		}
	default:
		return LinkFaults{}, fmt.Errorf("link %d: unknown blackhole mode %q", id, mode)
	}
	f.state.Blackhole, f.state.BlackholeFrom = mode, now
	return f.state, nil
}

// blackholeDeath is a modelled blackhole's keepalive running out: the host
// socket is closed with a reset, as the module's stack aborts it.
func (s *Stack) blackholeDeath(l *link, fc *faultConn) {
	s.mu.Lock()
	if l.fault != fc || !l.alive() || fc.f.get().Blackhole != BlackholeModelled {
		s.mu.Unlock()
		return
	}
	_ = l.tcp.SetLinger(0)
	_ = l.tcp.Close() // the RST goes before any TLS close_notify could
	l.cause = fmt.Errorf("%w: blackhole: keepalive: %w", ErrFault, syscall.ETIMEDOUT)
	after := s.closeSocketLocked(l, ReasonBlackholeDeath, l.cause, false, false)
	s.mu.Unlock()
	after()
}

// SetLatency delays both directions of stream link id by d (0 ends the
// delay): received bytes reach the firmware d after they arrived, sent
// bytes leave d after the firmware sent them, in order.
func (s *Stack) SetLatency(id int, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("link %d: negative latency %v", id, d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, fc, err := s.streamFaultsLocked(id)
	if err != nil {
		return err
	}
	fc.f.mu.Lock()
	fc.f.state.Latency = d
	fc.f.mu.Unlock()
	if d > 0 {
		fc.startOut(s)
	}
	return nil
}

// ResetLink aborts stream link id: the peer gets a RST and the link is
// closed with ReasonFaultReset (it keeps its id, like any closed link).
func (s *Stack) ResetLink(id int) error {
	s.mu.Lock()
	l, _, err := s.streamFaultsLocked(id)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if err := l.tcp.SetLinger(0); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("link %d: reset: %w", id, err)
	}
	_ = l.tcp.Close()
	l.cause = fmt.Errorf("%w: reset", ErrFault)
	after := s.closeSocketLocked(l, ReasonFaultReset, l.cause, false, false)
	s.mu.Unlock()
	after()
	return nil
}

// wrapFaults puts a stream's connection behind the fault layer, for its
// reader and its senders. It runs first on the reader's goroutine (a fault
// injected before may have wrapped it already).
func (s *Stack) wrapFaults(l *link, c net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !l.alive() {
		return c
	}
	return s.wrapFaultsLocked(l, c)
}

func (s *Stack) wrapFaultsLocked(l *link, c net.Conn) *faultConn {
	if l.fault != nil && (l.fault.Conn == c || net.Conn(l.fault) == c) {
		return l.fault
	}
	fc := &faultConn{Conn: c, s: s, f: &faults{}, done: make(chan struct{})}
	l.fault = fc
	if l.conn == c {
		l.conn = fc
	}
	return fc
}
