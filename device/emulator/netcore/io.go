package netcore

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"atbench/protocol"
)

// Sizes of the data path.
const (
	// RxChunk is one read of a stream: a push link's data events carry at
	// most this many bytes (lwIP's TCP_MSS).
	RxChunk = 1460
	udpMax  = 65535
)

// streamReader reads a TCP or TLS link. A push link delivers each chunk as
// EventData; a buffering link fills its buffer for Read and stops reading
// while the buffer is full. When the peer closes, a push link loses its
// socket at once (EventClosed); a buffering one keeps it until Read has
// taken the data before the end.
func (s *Stack) streamReader(l *link, c net.Conn) {
	c = s.wrapFaults(l, c)
	buf := make([]byte, RxChunk)
	for {
		n := len(buf)
		if !l.push {
			s.mu.Lock()
			if l.alive() {
				n = min(n, s.cfg.RecvBuffer-len(l.rbuf))
			}
			s.mu.Unlock()
			if n <= 0 {
				select {
				case <-l.spaceCh:
				case <-l.closing: // closed: drain what the close sequence brings
				}
				continue
			}
		}
		k, err := c.Read(buf[:n])
		s.mu.Lock()
		alive := l.alive()
		if !alive {
			// After the module's close, data is ACKed by the kernel and
			// dropped (µTasker's DISCARD_DATA_WHILE_CLOSING); the peer's
			// FIN or RST moves the close sequence on.
			moved := false
			if err != nil && !l.hostClosed {
				before := l.cs
				if errors.Is(err, io.EOF) {
					s.peerFINLocked(l)
				} else {
					s.peerResetLocked(l, closeReason(err, false))
				}
				moved = before != nil
			}
			s.mu.Unlock()
			if moved {
				s.changed()
			}
			if err != nil {
				return
			}
			continue
		}
		if k > 0 {
			now := s.clock.Now()
			l.bytesIn += uint64(k)
			l.lastRx = now
			s.kaTrafficLocked(l, now)
			if !l.push {
				l.rbuf = append(l.rbuf, buf[:k]...)
			}
		}
		if err != nil {
			why := closeReason(err, l.ka.Enabled)
			fin := errors.Is(err, io.EOF)
			if l.push {
				// µTasker answers the peer's FIN with its own (LAST_ACK)
				after := s.closeSocketLocked(l, why, err, fin, fin)
				s.mu.Unlock()
				// data read together with the close is still delivered
				if k > 0 {
					s.emit(Event{Kind: EventData, ID: l.id, Proto: l.proto, Data: buf[:k]})
				}
				after()
				return
			}
			l.rxErr, l.rxWhy = err, why
			if fin {
				l.state = protocol.StateCloseWait
				if l.tcp != nil {
					s.enterLocked(l, protocol.StateCloseWait, s.clock.Now(), "the peer closed; the module has not")
				}
			}
		}
		s.mu.Unlock()
		if k > 0 && l.push {
			s.emit(Event{Kind: EventData, ID: l.id, Proto: l.proto, Data: buf[:k]})
		}
		if k > 0 || err != nil {
			signal(l.dataCh)
		}
		if err != nil {
			return
		}
	}
}

// udpReader reads a UDP link: a push link delivers each datagram as
// EventDatagram; a buffering one queues datagrams for ReadFrom (up to
// Config.RecvBuffer bytes, then it stops reading and the kernel's queue
// takes over).
func (s *Stack) udpReader(l *link, pc *net.UDPConn) {
	buf := make([]byte, udpMax)
	for {
		if !l.push {
			s.mu.Lock()
			full := l.dbytes >= s.cfg.RecvBuffer
			s.mu.Unlock()
			if full {
				select {
				case <-l.spaceCh:
					continue
				case <-l.closing:
					return
				}
			}
		}
		k, from, err := pc.ReadFromUDPAddrPort(buf)
		s.mu.Lock()
		alive := l.alive()
		if err != nil {
			if alive {
				after := s.closeSocketLocked(l, closeReason(err, false), err, false, false)
				s.mu.Unlock()
				after()
				return
			}
			s.mu.Unlock()
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		l.bytesIn += uint64(k)
		l.lastRx = s.clock.Now()
		if !l.push {
			l.dgrams = append(l.dgrams, datagram{from: from, data: append([]byte(nil), buf[:k]...)})
			l.dbytes += k
		}
		s.mu.Unlock()
		if l.push && alive {
			s.emit(Event{Kind: EventDatagram, ID: l.id, Proto: l.proto, Remote: from, Data: buf[:k]})
		}
		signal(l.dataCh)
	}
}

// usableLocked returns link id if it has an open socket and is ready.
func (s *Stack) usableLocked(id int) (*link, error) {
	l := s.linkLocked(id)
	switch {
	case l == nil:
		return nil, fmt.Errorf("link %d: %w", id, ErrNoLink)
	case !l.alive():
		return nil, fmt.Errorf("link %d: %w", id, ErrLinkClosed)
	case !l.ready:
		return nil, fmt.Errorf("link %d: %w", id, ErrNotStream)
	}
	return l, nil
}

// Send sends p on link id: a stream writes it (bounded by the socket's
// SendTimeout), a UDP client sends one datagram to its destination. A UDP
// server needs SendTo (ErrNoDest), a TCP server a seed (ErrNotStream).
// It returns how many bytes went out.
func (s *Stack) Send(id int, p []byte) (int, error) {
	s.mu.Lock()
	l, err := s.usableLocked(id)
	if err != nil {
		s.mu.Unlock()
		return 0, err
	}
	switch {
	case l.proto == protocol.ProtoUDP && l.role == protocol.RoleServer:
		s.mu.Unlock()
		return 0, fmt.Errorf("link %d: %w", id, ErrNoDest)
	case l.proto == protocol.ProtoUDP:
		pc, dst := l.pc, l.remote
		s.mu.Unlock()
		return s.sendUDP(l, pc, p, dst)
	case l.conn == nil:
		s.mu.Unlock()
		return 0, fmt.Errorf("link %d: %w", id, ErrNotStream)
	}
	c, timeo := l.conn, l.opts.SendTimeout
	s.mu.Unlock()
	if timeo > 0 {
		// a real socket deadline: real time, whatever the stack's clock
		_ = c.SetWriteDeadline(time.Now().Add(timeo))
		defer func() { _ = c.SetWriteDeadline(time.Time{}) }()
	}
	n, err := c.Write(p)
	s.countTx(l, n)
	if err != nil {
		return n, fmt.Errorf("send on link %d: %w", id, err)
	}
	return n, nil
}

// SendTo sends p as one datagram from UDP link id to dst.
func (s *Stack) SendTo(id int, p []byte, dst netip.AddrPort) (int, error) {
	s.mu.Lock()
	l, err := s.usableLocked(id)
	if err == nil && l.pc == nil {
		err = fmt.Errorf("link %d: not UDP: %w", id, ErrNotStream)
	}
	if err != nil {
		s.mu.Unlock()
		return 0, err
	}
	pc := l.pc
	s.mu.Unlock()
	return s.sendUDP(l, pc, p, dst)
}

func (s *Stack) sendUDP(l *link, pc *net.UDPConn, p []byte, dst netip.AddrPort) (int, error) {
	n, err := pc.WriteToUDPAddrPort(p, dst)
	if err != nil {
		return 0, fmt.Errorf("send on link %d: %w", l.id, err)
	}
	s.countTx(l, n)
	return n, nil
}

func (s *Stack) countTx(l *link, n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	l.bytesOut += uint64(n)
	l.lastTx = s.clock.Now()
	s.mu.Unlock()
}

// wait waits up to d (on the stack's clock) for data, an end or a close
// on l, unless something is there already.
func (s *Stack) wait(l *link, d time.Duration) {
	s.mu.Lock()
	ready := len(l.rbuf) > 0 || len(l.dgrams) > 0 || l.rxErr != nil || !l.alive()
	s.mu.Unlock()
	if ready || d <= 0 {
		return
	}
	t, fired := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.dataCh:
	case <-fired:
	case <-l.closing:
	case <-s.ctx.Done():
	}
}

// Read takes up to max buffered bytes of stream link id, waiting up to
// wait for some. It returns no data and no error when none came, and
// ErrEnded once the peer has ended the stream and every byte before the
// end has been read (View.EndReason says why; the socket stays open for
// the firmware to close).
func (s *Stack) Read(id int, max int, wait time.Duration) ([]byte, error) {
	s.mu.Lock()
	l, err := s.usableLocked(id)
	if err == nil && l.conn == nil {
		err = fmt.Errorf("link %d: %w", id, ErrNotStream)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.wait(l, wait)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !l.alive() {
		return nil, fmt.Errorf("link %d: %w", id, ErrLinkClosed)
	}
	if len(l.rbuf) == 0 && l.rxErr != nil {
		return nil, fmt.Errorf("link %d: %s: %w", id, l.rxWhy, ErrEnded)
	}
	n := min(max, len(l.rbuf))
	data := append([]byte(nil), l.rbuf[:n]...)
	l.rbuf = append(l.rbuf[:0], l.rbuf[n:]...)
	if n > 0 {
		signal(l.spaceCh)
	}
	return data, nil
}

// ReadFrom takes the next buffered datagram of UDP link id, cut to max
// bytes, waiting up to wait for one; ok is false when none came.
func (s *Stack) ReadFrom(id int, max int, wait time.Duration) (data []byte, from netip.AddrPort, ok bool, err error) {
	s.mu.Lock()
	l, err := s.usableLocked(id)
	if err == nil && l.pc == nil {
		err = fmt.Errorf("link %d: not UDP: %w", id, ErrNotStream)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, netip.AddrPort{}, false, err
	}
	s.wait(l, wait)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !l.alive() {
		return nil, netip.AddrPort{}, false, fmt.Errorf("link %d: %w", id, ErrLinkClosed)
	}
	if len(l.dgrams) == 0 {
		return nil, netip.AddrPort{}, false, nil
	}
	d := l.dgrams[0]
	l.dgrams = l.dgrams[1:]
	l.dbytes -= len(d.data)
	signal(l.spaceCh)
	return d.data[:min(max, len(d.data))], d.from, true, nil
}
