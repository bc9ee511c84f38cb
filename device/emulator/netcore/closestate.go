package netcore

import (
	"crypto/tls"
	"time"

	"atbench/protocol"
)

// CloseConfig sets the timers of the TCP close sequence, after µTasker's
// (dialects.md E.2, E.6, E.7). Zero values take the defaults.
type CloseConfig struct {
	// MSL is the maximum segment lifetime; TIME_WAIT lasts 2×MSL.
	// Default 2 s (TCP_MSL_TIMEOUT), so TIME_WAIT lasts 4 s.
	MSL time.Duration
	// FinWait2Timeout bounds FIN_WAIT_2; when it runs out the stack sends
	// an RST and the link is CLOSED. Default 60 s.
	FinWait2Timeout time.Duration
	// Retransmit is the FIN retransmission timer of FIN_WAIT_1, CLOSING
	// and LAST_ACK: the FIN is resent once, then the link is aborted with
	// an RST. Default 3 s (the standard retransmit).
	Retransmit time.Duration
	// NoTimeWaitReuse turns REUSE_TIME_WAIT_SOCKETS off: a client open
	// then never takes an id whose link is in FIN_WAIT_2 or TIME_WAIT.
	// Whether the Realtek build defines it is UNCONFIRMED; the default
	// (false) reuses, as µTasker's shipped configuration does.
	NoTimeWaitReuse bool
	// HoldID keeps a removed link's id taken until its close sequence
	// ends, as µTasker's sockets are (then E.7 decides which opens may
	// take it early). Off (the default), the id is free at once, as
	// lwIP frees a socket while its connection lingers in TIME_WAIT: the
	// connection's close states go on in the history of Links.
	HoldID bool
}

func (c CloseConfig) withDefaults() CloseConfig {
	if c.MSL <= 0 {
		c.MSL = 2 * time.Second
	}
	if c.FinWait2Timeout <= 0 {
		c.FinWait2Timeout = 60 * time.Second
	}
	if c.Retransmit <= 0 {
		c.Retransmit = 3 * time.Second
	}
	return c
}

// closeTrack is a TCP link's close sequence: the state shown, its timer,
// and whether the FIN was resent. Guarded by Stack.mu.
type closeTrack struct {
	st      protocol.CloseState
	resent  bool
	timer   Timer
	gen     int  // bumped at each state change; a stale timer does nothing
	rst     bool // the end is an abort: the host socket closes with an RST
	polling bool // a kernel poller runs
}

// closing reports whether l is in a close state that has not ended.
func (l *link) inCloseSequence() bool {
	return l.cs != nil && l.cs.st.State != protocol.StateClosed
}

// beginCloseLocked starts the close sequence of a TCP link whose socket
// the module closes (active: FIN_WAIT_1; after the peer's FIN: LAST_ACK)
// or whose peer sent a FIN (push links answer with their own FIN at once:
// LAST_ACK). It returns the function that sends the FIN, to run without
// the lock; false when l does not take the sequence (not TCP, not
// connected, or the stack is closing).
func (s *Stack) beginCloseLocked(l *link, peerFIN bool) (sendFIN func(), ok bool) {
	if s.closed || l.tcp == nil || l.hostClosed || !l.ready {
		return nil, false
	}
	now := s.clock.Now()
	state := protocol.StateFinWait1
	if peerFIN || (l.cs != nil && l.cs.st.State == protocol.StateCloseWait) {
		state = protocol.StateLastAck
	}
	s.enterLocked(l, state, now, "")
	conn, tcp := l.conn, l.tcp
	return func() {
		if tc, ok := conn.(*tls.Conn); ok {
			// close_notify first; a peer that does not read must not hold us
			_ = tc.SetWriteDeadline(time.Now().Add(time.Second))
			_ = tc.CloseWrite()
		}
		_ = tcp.CloseWrite()
	}, true
}

// enterLocked moves l to a close state at now and starts its timer.
func (s *Stack) enterLocked(l *link, state protocol.LinkState, now time.Time, note string) {
	if l.cs == nil {
		l.cs = &closeTrack{}
	}
	cs := l.cs
	if cs.timer != nil {
		cs.timer.Stop()
		cs.timer = nil
	}
	cs.gen++
	cs.resent = false
	cs.st = protocol.CloseState{State: state, Since: now, Note: note}
	if state != protocol.StateCloseWait {
		l.state = state
	}
	c := s.closeCfg
	var d time.Duration
	switch state {
	case protocol.StateFinWait1, protocol.StateClosing, protocol.StateLastAck:
		d, cs.st.OnTimeout = c.Retransmit, "FIN+ACK resent once, then RST, CLOSED"
	case protocol.StateFinWait2:
		d, cs.st.OnTimeout = c.FinWait2Timeout, "RST, CLOSED"
	case protocol.StateTimeWait:
		d, cs.st.OnTimeout = 2*c.MSL, "CLOSED, id free"
	case protocol.StateClosed:
		s.finishLocked(l, now)
		return
	}
	if d > 0 {
		cs.st.Until = now.Add(d)
		gen := cs.gen
		cs.timer = s.clock.AfterFunc(d, func() { s.closeTimeout(l, gen) })
	}
	switch state {
	case protocol.StateFinWait1, protocol.StateClosing, protocol.StateLastAck:
		s.followKernelLocked(l)
	}
}

// closeTimeout runs when a close state's timer runs out.
func (s *Stack) closeTimeout(l *link, gen int) {
	s.mu.Lock()
	cs := l.cs
	if s.closed || cs == nil || cs.gen != gen {
		s.mu.Unlock()
		return
	}
	now := s.clock.Now()
	switch cs.st.State {
	case protocol.StateFinWait1, protocol.StateClosing, protocol.StateLastAck:
		if !cs.resent {
			// µTasker resends FIN+ACK once; the kernel retransmits on its own.
			cs.resent = true
			cs.st.Note = "FIN+ACK resent"
			cs.st.Until = now.Add(s.closeCfg.Retransmit)
			cs.st.OnTimeout = "RST, CLOSED"
			cs.timer = s.clock.AfterFunc(s.closeCfg.Retransmit, func() { s.closeTimeout(l, gen) })
			break
		}
		cs.rst = true
		s.enterLocked(l, protocol.StateClosed, now, string(cs.st.State)+" timeout: no ACK of our FIN, RST sent")
	case protocol.StateFinWait2:
		cs.rst = true
		s.enterLocked(l, protocol.StateClosed, now, "FIN_WAIT_2 timeout: RST sent")
	case protocol.StateTimeWait:
		s.enterLocked(l, protocol.StateClosed, now, "2×MSL over")
	}
	s.mu.Unlock()
	s.changed()
}

// finishLocked ends l's sequence: CLOSED, the host socket closed (with an
// RST for an abort), and a removed link's id free.
func (s *Stack) finishLocked(l *link, now time.Time) {
	cs := l.cs
	cs.st.State, cs.st.Until, cs.st.OnTimeout = protocol.StateClosed, time.Time{}, ""
	cs.st.Since = now
	l.state = protocol.StateClosed
	if cs.timer != nil {
		cs.timer.Stop()
		cs.timer = nil
	}
	s.closeHostLocked(l, cs.rst)
	if l.removed {
		s.freeLocked(l, now)
	}
	cs.st.Free = l.removed
	if l.removed {
		// the history entry, filed above, shows the end too
		s.history[len(s.history)-1].Close.Free = true
	}
}

// closeHostLocked closes l's host socket (once); rst makes it an abort.
func (s *Stack) closeHostLocked(l *link, rst bool) {
	if l.hostClosed || l.tcp == nil {
		return
	}
	l.hostClosed = true
	if rst {
		_ = l.tcp.SetLinger(0)
	}
	_ = l.tcp.Close()
	if l.fault != nil {
		l.fault.stop() // its pumps end with the socket
	}
}

// freeLocked frees the id a removed link held and files it in the history.
func (s *Stack) freeLocked(l *link, now time.Time) {
	if l.id < len(s.slots) && s.slots[l.id].l == l {
		s.slots[l.id].l = nil
	}
	for i, x := range s.lingering {
		if x == l {
			s.lingering = append(s.lingering[:i:i], s.lingering[i+1:]...)
			break
		}
	}
	s.fileLocked(l, now)
}

func (s *Stack) fileLocked(l *link, now time.Time) {
	s.history = append(s.history, s.infoLocked(l, now))
	if len(s.history) > historySize {
		s.history = s.history[len(s.history)-historySize:]
	}
}

// peerFINLocked: the reader saw the peer's FIN on a link whose module
// side is closing.
func (s *Stack) peerFINLocked(l *link) {
	if !l.inCloseSequence() {
		return
	}
	now := s.clock.Now()
	switch l.cs.st.State {
	case protocol.StateFinWait1:
		// Our FIN acknowledged with the peer's (FIN+ACK): TIME_WAIT;
		// only a FIN: CLOSING until the ACK.
		if s.kernelSays(l, "TIME_WAIT", "CLOSE", "FIN_WAIT2") {
			s.enterLocked(l, protocol.StateTimeWait, now, "")
		} else {
			s.enterLocked(l, protocol.StateClosing, now, "")
		}
	case protocol.StateFinWait2:
		s.enterLocked(l, protocol.StateTimeWait, now, "")
	}
}

// peerResetLocked: the peer reset a link in its close sequence.
func (s *Stack) peerResetLocked(l *link, why string) {
	if !l.inCloseSequence() {
		return
	}
	s.enterLocked(l, protocol.StateClosed, s.clock.Now(), why+" in "+string(l.cs.st.State))
}

// kernelSays reports whether the kernel's state of l's socket is one of
// states; false where it cannot be read.
func (s *Stack) kernelSays(l *link, states ...string) bool {
	if l.hostClosed || l.tcp == nil {
		return false
	}
	k, err := ReadTCPInfo(l.tcp)
	if err != nil {
		return false
	}
	for _, st := range states {
		if k.State == st {
			return true
		}
	}
	return false
}

// advanceLocked moves a state that waits for the peer's ACK on when the
// kernel has it. Where the kernel cannot be read, the ACK of a live peer
// is taken as arrived.
func (s *Stack) advanceLocked(l *link) {
	if !l.inCloseSequence() || l.hostClosed {
		return
	}
	var ks string
	if k, err := ReadTCPInfo(l.tcp); err == nil {
		ks = k.State
	} else {
		ks = "ACKED" // no kernel view: the model's peer answers at once
	}
	acked := ks != "FIN_WAIT1" && ks != "LAST_ACK" && ks != "CLOSING" && ks != "ESTABLISHED" && ks != "CLOSE_WAIT"
	if !acked {
		return
	}
	now := s.clock.Now()
	switch l.cs.st.State {
	case protocol.StateFinWait1:
		if ks == "CLOSE" || ks == "TIME_WAIT" {
			// FIN and ACK both in: the reader reports the FIN
			s.enterLocked(l, protocol.StateFinWait2, now, "")
			return
		}
		s.enterLocked(l, protocol.StateFinWait2, now, "")
	case protocol.StateClosing:
		s.enterLocked(l, protocol.StateTimeWait, now, "")
	case protocol.StateLastAck:
		s.enterLocked(l, protocol.StateClosed, now, "peer ACKed our FIN")
	}
}

// followKernelLocked starts, unless one runs, a poller that follows the
// kernel while l waits for an ACK (no event tells a program when the
// peer ACKs a FIN). It polls real time: the kernel's pace is real.
func (s *Stack) followKernelLocked(l *link) {
	if l.cs.polling || l.hostClosed {
		return
	}
	if _, err := ReadTCPInfo(l.tcp); err != nil {
		s.advanceLocked(l)
		return
	}
	l.cs.polling = true
	s.goTracked(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
			}
			s.mu.Lock()
			before := l.cs.gen
			s.advanceLocked(l)
			moved := l.cs.gen != before
			waiting := l.inCloseSequence() && !l.hostClosed
			switch l.cs.st.State {
			case protocol.StateFinWait1, protocol.StateClosing, protocol.StateLastAck:
			default:
				waiting = false
			}
			if !waiting {
				l.cs.polling = false
			}
			s.mu.Unlock()
			if moved {
				s.changed()
			}
			if !waiting {
				return
			}
		}
	})
}

// reclaimLocked frees, if E.7 allows it, the id of a removed link still in
// its close sequence: a listen may take it from TIME_WAIT; a connect from
// FIN_WAIT_2 or TIME_WAIT when TIME_WAIT reuse is on. It reports whether
// the id is free now.
func (s *Stack) reclaimLocked(id int, listen bool) bool {
	sl := s.slotLocked(id)
	if sl == nil || sl.l == nil {
		return sl != nil && !sl.claimed
	}
	l := sl.l
	if !l.removed {
		return false
	}
	s.advanceLocked(l)
	if s.slots[id].l == nil {
		return true
	}
	st := l.cs.st.State
	reuse := !s.closeCfg.NoTimeWaitReuse
	ok := (st == protocol.StateTimeWait && (listen || reuse)) || (st == protocol.StateFinWait2 && reuse)
	if !ok {
		return false
	}
	// µTasker forces the socket to CLOSED and reuses it.
	s.enterLocked(l, protocol.StateClosed, s.clock.Now(), "id reused from "+string(st)+" (REUSE_TIME_WAIT_SOCKETS)")
	return s.slots[id].l == nil
}

// abortAllLocked ends every close sequence at once (the stack closes or
// resets).
func (s *Stack) abortAllLocked(why string) {
	now := s.clock.Now()
	for _, sl := range s.slots {
		if l := sl.l; l != nil && l.inCloseSequence() {
			s.enterLocked(l, protocol.StateClosed, now, why)
		}
	}
	for len(s.lingering) > 0 {
		s.enterLocked(s.lingering[0], protocol.StateClosed, now, why)
	}
}

// changed tells the module that the link table changed without an event.
func (s *Stack) changed() {
	if s.cfg.Changed != nil {
		s.cfg.Changed()
	}
}
