package netcore

import (
	"fmt"
	"syscall"
	"time"

	"atbench/protocol"
)

// probeSlack tells an answered probe from data in the kernel's times: an
// answer comes after the probe was due, with no data at that moment.
const probeSlack = 50 * time.Millisecond

// kaModel is a TCP link's keepalive as the module runs it: when the peer
// was last heard (the idle countdown runs from it), the probes it
// answered, whether the model counts it silent (a modelled blackhole),
// and the timer that declares the death. Guarded by Stack.mu.
type kaModel struct {
	heard      time.Time
	answered   int
	lastAnswer time.Time
	silenced   bool
	death      Timer
	deathGen   int
}

// kaStep is the time from the last sign of the peer to the next probe: the
// idle time, or the interval where the idle time is 0 (WizFi's recipes).
func kaStep(k protocol.Keepalive) time.Duration {
	if k.Idle > 0 {
		return k.Idle
	}
	return k.Interval
}

// settleKALocked brings l's model up to now. A peer that is not silenced
// answers each probe: with the kernel's word (Linux, real time) an answer
// is a sign of the peer after a probe fell due with no data then; without
// it, the modelled peer answers each probe when it is sent, and the
// schedule restarts from the answer.
func (s *Stack) settleKALocked(l *link, now time.Time, k *TCPInfo) {
	ka := l.ka
	step := kaStep(ka)
	if !ka.Enabled || l.conn == nil || !l.alive() || step <= 0 {
		return
	}
	m := &l.kam
	if m.silenced {
		return
	}
	if s.kernelTime && k != nil && !s.cfg.PeerAnswers {
		kh := now.Add(-k.Heard)
		if kh.After(m.heard) {
			if !kh.Before(m.heard.Add(ka.Idle-probeSlack)) && k.LastDataRx > k.Heard+probeSlack {
				m.answered++
				m.lastAnswer = kh
			}
			m.heard = kh
		}
		return
	}
	if !s.cfg.PeerAnswers || now.Before(m.heard.Add(step)) {
		return
	}
	n := int(now.Sub(m.heard) / step)
	m.heard = m.heard.Add(time.Duration(n) * step)
	m.answered += n
	m.lastAnswer = m.heard
}

// kaTrafficLocked: the peer was heard (data) at now; the idle countdown
// restarts, and a silenced link's death moves with it.
func (s *Stack) kaTrafficLocked(l *link, now time.Time) {
	if now.After(l.kam.heard) {
		l.kam.heard = now
	}
	if l.kam.silenced {
		s.kaArmLocked(l)
	}
}

// kaArmLocked (re)arms the model's death timer of a silenced link at
// heard + idle + count × interval.
func (s *Stack) kaArmLocked(l *link) {
	m := &l.kam
	if m.death != nil {
		m.death.Stop()
		m.death = nil
	}
	m.deathGen++
	p := KeepaliveProgress(l.ka, m.heard, s.clock.Now())
	if !m.silenced || p.DeadAt.IsZero() || !l.alive() {
		return
	}
	gen := m.deathGen
	m.death = s.clock.AfterFunc(p.DeadAt.Sub(s.clock.Now()), func() { s.kaDeath(l, gen) })
}

func (s *Stack) kaStopLocked(l *link) {
	if l.kam.death != nil {
		l.kam.death.Stop()
		l.kam.death = nil
	}
	l.kam.deathGen++
}

// errKeepaliveModel is the cause of a death the model declared.
var errKeepaliveModel = fmt.Errorf("keepalive model: probes unanswered: %w", syscall.ETIMEDOUT)

// kaDeath runs when a silenced link's model declares it dead: the host
// socket closes with an RST and the link with "keepalive timeout".
func (s *Stack) kaDeath(l *link, gen int) {
	s.mu.Lock()
	m := &l.kam
	if s.closed || gen != m.deathGen || !l.alive() {
		s.mu.Unlock()
		return
	}
	now := s.clock.Now()
	if p := KeepaliveProgress(l.ka, m.heard, now); now.Before(p.DeadAt) {
		s.kaArmLocked(l) // the clock fired early: wait for the rest
		s.mu.Unlock()
		return
	}
	l.cause = errKeepaliveModel
	if l.tcp != nil && !l.hostClosed {
		_ = l.tcp.SetLinger(0) // the module gives up with an RST
	}
	after := s.closeSocketLocked(l, "keepalive timeout", errKeepaliveModel, false, false)
	s.mu.Unlock()
	after()
}

// Silence makes link id's keepalive model count its peer as silent (a
// modelled blackhole) or, with on false, heard again from now: while
// silenced its probes go unanswered, and at heard + idle + count ×
// interval the model declares the link dead, resets the host socket and
// closes the link with "keepalive timeout". Data the peer still sends
// restarts the countdown.
func (s *Stack) Silence(id int, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.usableLocked(id)
	if err != nil {
		return err
	}
	if l.conn == nil {
		return fmt.Errorf("link %d: %w", id, ErrNotStream)
	}
	now := s.clock.Now()
	var k *TCPInfo
	if l.tcp != nil {
		if ki, err := ReadTCPInfo(l.tcp); err == nil {
			k = &ki
		}
	}
	s.settleKALocked(l, now, k) // answers up to now count
	l.kam.silenced = on
	if !on {
		l.kam.heard = now
	}
	s.kaArmLocked(l)
	return nil
}

// kernelInfoLocked reads l's kernel view, nil where it cannot.
func (s *Stack) kernelInfoLocked(l *link, now time.Time) (*TCPInfo, *protocol.KernelTCP) {
	if l.tcp == nil || l.hostClosed {
		return nil, nil
	}
	k, err := ReadTCPInfo(l.tcp)
	if err != nil {
		return nil, nil
	}
	return &k, &protocol.KernelTCP{
		At: now, State: k.State, Probes: k.Probes, Retransmits: k.Retransmits, RTT: k.RTT,
		LastDataRx: k.LastDataRx, LastAckRx: k.LastAckRx,
	}
}

// kernelAtCloseLocked keeps the kernel's last word on l as its socket
// closes, and flags a kernel that declared the death before the model.
func (s *Stack) kernelAtCloseLocked(l *link, reason string) {
	now := s.clock.Now()
	_, kv := s.kernelInfoLocked(l, now)
	if kv == nil {
		return
	}
	if k, _ := ReadTCPInfo(l.tcp); l.kam.silenced && k.Heard < now.Sub(l.kam.heard) {
		kv.Disagree = fmt.Sprintf("kernel: peer heard %s before the close; model: probes unanswered since %s (modelled blackhole)",
			k.Heard.Round(time.Millisecond), l.kam.heard.Format("15:04:05.000"))
	}
	if reason == "keepalive timeout" && l.cause != errKeepaliveModel {
		p := KeepaliveProgress(l.ka, l.kam.heard, now)
		if !p.DeadAt.IsZero() && now.Before(p.DeadAt.Add(-500*time.Millisecond)) {
			kv.Disagree = fmt.Sprintf("kernel declared the link dead at %s, %s before the model's %s",
				now.Format("15:04:05.000"), p.DeadAt.Sub(now).Round(time.Millisecond), p.DeadAt.Format("15:04:05.000"))
		}
	}
	l.kernel = kv
}

// infoLocked is l as the workbench sees it at now: the keepalive model's
// progress, the kernel's view beside it, and the close sequence.
func (s *Stack) infoLocked(l *link, now time.Time) protocol.LinkInfo {
	s.advanceLocked(l)
	li := protocol.LinkInfo{
		ID: l.id, Role: l.role, Proto: l.proto, Parent: protocol.NoLink,
		State: l.state, AutoRecv: l.push, BytesIn: l.bytesIn, BytesOut: l.bytesOut,
		Buffered: l.buffered(), Opened: l.opened, LastRx: l.lastRx, LastTx: l.lastTx,
		Keepalive: l.ka,
	}
	if l.parent != nil {
		li.Parent = l.parent.id
	}
	switch {
	case l.ln != nil:
		li.Local = l.ln.Addr().String()
	case l.pc != nil:
		li.Local = l.pc.LocalAddr().String()
		if l.role == protocol.RoleClient {
			li.Remote = l.remote.String()
		}
	case l.conn != nil:
		li.Local = l.conn.LocalAddr().String()
		li.Remote = l.conn.RemoteAddr().String()
	}
	if l.cs != nil {
		c := l.cs.st
		li.Close = &c
	}
	k, kv := s.kernelInfoLocked(l, now)
	if kv == nil && l.kernel != nil {
		c := *l.kernel
		kv = &c
	}
	li.Kernel = kv
	if l.closed != nil {
		c := *l.closed
		li.Closed = &c
		li.Keepalive.ProbesSent, li.Keepalive.NextProbe, li.Keepalive.DeadAt = 0, time.Time{}, time.Time{}
		li.Keepalive.ProbesAnswered, li.Keepalive.LastAnswer = l.kam.answered, l.kam.lastAnswer
		li.Keepalive.Heard, li.Keepalive.Silenced = l.kam.heard, l.kam.silenced
		return li
	}
	if !l.ka.Enabled || l.conn == nil {
		return li
	}
	s.settleKALocked(l, now, k)
	m := &l.kam
	p := KeepaliveProgress(l.ka, m.heard, now)
	if k != nil && s.kernelTime && !m.silenced {
		// the kernel counts its own probes
		p.ProbesSent = k.Probes
		if mo := l.opts.Model; mo.Enabled && l.opts.KeepCnt > 0 {
			// the model's probes the kernel's idle stands for
			p.ProbesSent = min(mo.Count, k.Probes+max(0, mo.Count-l.opts.KeepCnt))
		}
	}
	p.Heard, p.ProbesAnswered, p.LastAnswer, p.Silenced = m.heard, m.answered, m.lastAnswer, m.silenced
	li.Keepalive = p
	if kv != nil && m.silenced && k.Heard < now.Sub(m.heard) && p.ProbesSent > 0 {
		kv.Disagree = fmt.Sprintf("kernel: peer heard %s ago; model: %d of %d probes unanswered (modelled blackhole)",
			k.Heard.Round(time.Millisecond), p.ProbesSent, p.Count)
	}
	return li
}
