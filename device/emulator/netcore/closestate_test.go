package netcore

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"atbench/protocol"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// closeLab is a stack on a fake clock with one TCP client, link 0, and
// its peer.
type closeLab struct {
	s    *Stack
	clk  *fakeClock
	peer *net.TCPConn
	ev   chan Event
}

func newCloseLab(t *testing.T, cfg Config, o DialOptions) *closeLab {
	t.Helper()
	lab := &closeLab{clk: newFakeClock(t0), ev: make(chan Event, 64)}
	cfg.Addr, cfg.RecvBuffer, cfg.Clock = netip.MustParseAddr("127.0.0.1"), 4096, lab.clk
	cfg.Events = func(e Event) {
		select {
		case lab.ev <- e:
		default:
		}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lab.s = s
	t.Cleanup(s.Close)
	ln, addr := peerListener(t)
	o.Proto, o.Remote = protocol.ProtoTCP, addr
	if err := s.Dial(context.Background(), 0, o); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	lab.peer = c.(*net.TCPConn)
	t.Cleanup(func() { c.Close() })
	return lab
}

// link returns link 0 from Links: the table, else the newest in the history.
func (lab *closeLab) link(t *testing.T) protocol.LinkInfo {
	t.Helper()
	table, hist := lab.s.Links()
	for _, l := range append(table, hist...) {
		if l.ID == 0 {
			return l
		}
	}
	t.Fatal("no link 0")
	return protocol.LinkInfo{}
}

// waitState waits for link 0's close state to be st.
func (lab *closeLab) waitState(t *testing.T, st protocol.LinkState) protocol.LinkInfo {
	t.Helper()
	var l protocol.LinkInfo
	waitLinks(t, lab.s, func(_, _ []protocol.LinkInfo) bool {
		l = lab.link(t)
		return l.Close != nil && l.Close.State == st
	})
	return l
}

// peerEOF waits for the module's FIN at the peer.
func (lab *closeLab) peerEOF(t *testing.T) {
	t.Helper()
	_ = lab.peer.SetReadDeadline(time.Now().Add(waitLimit))
	if n, err := lab.peer.Read(make([]byte, 8)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("peer read %d, %v; want the module's FIN", n, err)
	}
}

// TestFinWait2TimesOutWithRST: an active close whose peer ACKs the FIN
// but never sends its own sits in FIN_WAIT_2 for 60 s of the module's
// clock, then the module sends an RST, the link is CLOSED and (HoldID)
// its id is free; not a moment before.
func TestFinWait2TimesOutWithRST(t *testing.T) {
	lab := newCloseLab(t, Config{Close: CloseConfig{HoldID: true}}, DialOptions{})
	if err := lab.s.Remove(0, "local close"); err != nil {
		t.Fatal(err)
	}
	lab.peerEOF(t)
	l := lab.waitState(t, protocol.StateFinWait2)
	if l.Closed == nil || l.Closed.Reason != "local close" || !l.Close.Until.Equal(l.Close.Since.Add(60*time.Second)) || l.Close.Free {
		t.Fatalf("FIN_WAIT_2: %+v %+v", l.Closed, l.Close)
	}
	if _, ok := lab.s.Link(0); ok {
		t.Fatal("the firmware still sees the link it removed")
	}
	if !lab.s.InUse(0) {
		t.Fatal("HoldID: the id is free during FIN_WAIT_2")
	}
	lab.clk.Advance(l.Close.Until.Sub(lab.clk.Now()) - time.Millisecond)
	if l := lab.link(t); l.Close.State != protocol.StateFinWait2 || !lab.s.InUse(0) {
		t.Fatalf("left FIN_WAIT_2 early: %+v", l.Close)
	}
	lab.clk.Advance(time.Millisecond)
	l = lab.link(t)
	if l.Close.State != protocol.StateClosed || l.Close.Note != "FIN_WAIT_2 timeout: RST sent" || !l.Close.Free || lab.s.InUse(0) {
		t.Fatalf("after the FIN_WAIT_2 timeout: %+v, in use %v", l.Close, lab.s.InUse(0))
	}
	// the peer sees the RST
	deadline := time.Now().Add(waitLimit)
	for {
		_, err := lab.peer.Write([]byte("x"))
		if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer never saw the RST: last write %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTimeWaitThenFree: the peer answers the module's FIN with its own:
// TIME_WAIT for 2×MSL (4 s by default), during which, without TIME_WAIT
// reuse, nothing takes the id; then CLOSED and the id free.
func TestTimeWaitThenFree(t *testing.T) {
	lab := newCloseLab(t, Config{Close: CloseConfig{HoldID: true, NoTimeWaitReuse: true}}, DialOptions{})
	if err := lab.s.Remove(0, "local close"); err != nil {
		t.Fatal(err)
	}
	lab.peerEOF(t)
	lab.peer.Close()
	l := lab.waitState(t, protocol.StateTimeWait)
	if got := l.Close.Until.Sub(l.Close.Since); got != 4*time.Second {
		t.Fatalf("TIME_WAIT lasts %v, want 2×MSL = 4s", got)
	}
	if err := lab.s.Claim(0); !errors.Is(err, ErrInUse) {
		t.Fatalf("claim during TIME_WAIT without reuse: %v", err)
	}
	if _, err := lab.s.ClaimLowest(1); !errors.Is(err, ErrNoFreeID) {
		t.Fatalf("ClaimLowest during TIME_WAIT without reuse: %v", err)
	}
	lab.clk.Advance(4*time.Second - time.Millisecond)
	if !lab.s.InUse(0) {
		t.Fatal("id free before 2×MSL")
	}
	lab.clk.Advance(time.Millisecond)
	l = lab.link(t)
	if l.Close.State != protocol.StateClosed || !l.Close.Free || lab.s.InUse(0) {
		t.Fatalf("after 2×MSL: %+v", l.Close)
	}
	if err := lab.s.Claim(0); err != nil {
		t.Fatalf("claim after TIME_WAIT: %v", err)
	}
}

// TestTimeWaitReuse: with REUSE_TIME_WAIT_SOCKETS (the default) a connect
// that finds no free id takes one in TIME_WAIT, which ends at once; a
// listen takes its id from TIME_WAIT whatever the setting (E.7).
func TestTimeWaitReuse(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reuse bool
		open  func(s *Stack) error
	}{
		{"connect with reuse", true, func(s *Stack) error { _, err := s.ClaimLowest(1); return err }},
		{"listen without reuse", false, func(s *Stack) error {
			return s.Listen(0, ListenOptions{Proto: protocol.ProtoTCP, SeedIDs: 4})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab := newCloseLab(t, Config{Close: CloseConfig{HoldID: true, NoTimeWaitReuse: !tt.reuse}}, DialOptions{})
			if err := lab.s.Remove(0, "local close"); err != nil {
				t.Fatal(err)
			}
			lab.peerEOF(t)
			lab.peer.Close()
			lab.waitState(t, protocol.StateTimeWait)
			if err := tt.open(lab.s); err != nil {
				t.Fatalf("open on a TIME_WAIT id: %v", err)
			}
			_, hist := lab.s.Links()
			if len(hist) == 0 || hist[0].ID != 0 || hist[0].Close == nil || hist[0].Close.State != protocol.StateClosed ||
				hist[0].Close.Note != "id reused from TIME_WAIT (REUSE_TIME_WAIT_SOCKETS)" {
				t.Fatalf("history %+v", hist)
			}
		})
	}
}

// TestPassiveCloseLastAck: a push link whose peer closes answers with its
// own FIN (LAST_ACK) and is CLOSED when the peer's ACK is in.
func TestPassiveCloseLastAck(t *testing.T) {
	lab := newCloseLab(t, Config{}, DialOptions{Push: true})
	lab.peer.Close()
	var e Event
	select {
	case e = <-lab.ev:
	case <-time.After(waitLimit):
		t.Fatal("no close event")
	}
	if e.Kind != EventClosed || e.Reason != "peer closed (FIN)" {
		t.Fatalf("event %+v", e)
	}
	l := lab.waitState(t, protocol.StateClosed)
	if l.Close.Note != "peer ACKed our FIN" || l.State != protocol.StateClosed {
		t.Fatalf("close %+v", l.Close)
	}
}

// TestBufferingCloseWait: a buffering link whose peer closed is in
// CLOSE_WAIT until the firmware closes it: LAST_ACK, then CLOSED.
func TestBufferingCloseWait(t *testing.T) {
	lab := newCloseLab(t, Config{}, DialOptions{})
	lab.peer.Close()
	l := lab.waitState(t, protocol.StateCloseWait)
	if !l.Close.Until.IsZero() || l.Closed != nil {
		t.Fatalf("CLOSE_WAIT %+v closed %+v", l.Close, l.Closed)
	}
	if err := lab.s.CloseSocket(0, "local close"); err != nil {
		t.Fatal(err)
	}
	l = lab.waitState(t, protocol.StateClosed)
	if l.Close.Note != "peer ACKed our FIN" || l.Close.Free {
		t.Fatalf("close %+v (the link keeps its id until Remove)", l.Close)
	}
}
