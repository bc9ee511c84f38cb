package netcore

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"atbench/protocol"
)

// stepClock is a clock that moves only when the test advances it; its
// timers fire then, in order.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*stepTimer
	added  chan struct{} // a timer was started
}

type stepTimer struct {
	c    *stepClock
	at   time.Time
	ch   chan time.Time
	f    func()
	live bool
}

func newStepClock(t0 time.Time) *stepClock {
	return &stepClock{now: t0, added: make(chan struct{}, 64)}
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *stepClock) add(d time.Duration, ch chan time.Time, f func()) *stepTimer {
	c.mu.Lock()
	t := &stepTimer{c: c, at: c.now.Add(d), ch: ch, f: f, live: true}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	select {
	case c.added <- struct{}{}:
	default:
	}
	return t
}

func (c *stepClock) NewTimer(d time.Duration) (Timer, <-chan time.Time) {
	ch := make(chan time.Time, 1)
	return c.add(d, ch, nil), ch
}

func (c *stepClock) AfterFunc(d time.Duration, f func()) Timer { return c.add(d, nil, f) }

// advance moves the clock by d, firing every timer that falls due.
func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*stepTimer
	for _, t := range c.timers {
		if t.live && !t.at.After(c.now) {
			t.live = false
			due = append(due, t)
		}
	}
	now := c.now
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		if t.f != nil {
			go t.f()
		} else {
			t.ch <- now
		}
	}
}

func (t *stepTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.live
	t.live = false
	return was
}

func (t *stepTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.live
	t.at, t.live = t.c.now.Add(d), true
	return was
}

// faultLab is a stack on a step clock with one TCP client link 0 to a
// real peer on loopback, keepalive idle 2 s, interval 1 s, count 3.
type faultLab struct {
	s      *Stack
	clk    *stepClock
	peer   net.Conn
	events chan Event
}

func newFaultLab(t *testing.T, clk Clock) *faultLab {
	t.Helper()
	lab := &faultLab{events: make(chan Event, 16)}
	if sc, ok := clk.(*stepClock); ok {
		lab.clk = sc
	}
	s, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 4096, Clock: clk,
		Events: func(e Event) { lab.events <- e }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	lab.s = s
	ln, addr := peerListener(t)
	opts := SocketOptions{KeepAlive: true, KeepIdle: 2 * time.Second, KeepIntvl: time.Second, KeepCnt: 3}
	if err := s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: addr, Push: true, Options: opts}); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	lab.peer = c
	return lab
}

func (lab *faultLab) closed(t *testing.T) Event {
	t.Helper()
	for {
		select {
		case e := <-lab.events:
			if e.Kind == EventClosed {
				return e
			}
		case <-time.After(waitLimit):
			t.Fatal("the link did not close")
		}
	}
}

// peerSees reads the peer until it gets an error or n bytes.
func peerRead(t *testing.T, c net.Conn, n int) ([]byte, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, n)
	k, err := io.ReadFull(c, buf)
	return buf[:k], err
}

// TestModelledBlackholeDiesOnSchedule: a blackholed link with idle 2 s,
// interval 1 s, count 3 is declared dead 5 s after the peer was last
// heard, not before; traffic before the blackhole moves the schedule; the
// peer gets a reset and no byte of the link's sends.
func TestModelledBlackholeDiesOnSchedule(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := newStepClock(t0)
	lab := newFaultLab(t, clk)
	clk.advance(1500 * time.Millisecond)
	// traffic at 1.5 s restarts the idle countdown
	if _, err := lab.peer.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	for e := range lab.events {
		if e.Kind == EventData {
			break
		}
	}
	heard := clk.Now()
	f, err := lab.s.Blackhole(0, BlackholeModelled)
	if err != nil {
		t.Fatal(err)
	}
	if want := heard.Add(5 * time.Second); !f.DeadAt.Equal(want) {
		t.Fatalf("DeadAt %v, want %v (last heard + 2 s + 3 × 1 s)", f.DeadAt.Sub(t0), want.Sub(t0))
	}
	if _, err := lab.s.Send(0, []byte("lost")); err != nil {
		t.Fatalf("a send into the blackhole fails: %v", err)
	}
	if _, err := lab.peer.Write([]byte("dropped")); err != nil {
		t.Fatal(err)
	}
	clk.advance(5*time.Second - time.Millisecond)
	select {
	case e := <-lab.events:
		t.Fatalf("event before the death time: %+v", e)
	case <-time.After(200 * time.Millisecond): // nothing may happen; a late event is caught below too
	}
	if v, _ := lab.s.Link(0); !v.Alive() {
		t.Fatal("the link died before idle + interval × count")
	}
	clk.advance(time.Millisecond)
	e := lab.closed(t)
	if e.Reason != ReasonBlackholeDeath || !errors.Is(e.Err, ErrFault) {
		t.Fatalf("closed %q (%v)", e.Reason, e.Err)
	}
	table, _ := lab.s.Links()
	if c := table[0].Closed; c == nil || !c.At.Equal(heard.Add(5*time.Second)) || c.Reason != ReasonBlackholeDeath {
		t.Fatalf("closed %+v, want at +5 s after %v", c, heard.Sub(t0))
	}
	got, err := peerRead(t, lab.peer, 1)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the peer read %q, %v; want a reset and none of the blackholed bytes", got, err)
	}
}

// TestModelledBlackholeAfterIdle: on a link whose idle ran out the peer
// was answering probes; the schedule restarts from the last answer.
func TestModelledBlackholeAfterIdle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := newStepClock(t0)
	lab := newFaultLab(t, clk)
	clk.advance(5 * time.Second) // probes at 2 s and 4 s were answered
	f, err := lab.s.Blackhole(0, BlackholeModelled)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(4*time.Second + 5*time.Second); !f.DeadAt.Equal(want) {
		t.Fatalf("DeadAt %v, want 9 s", f.DeadAt.Sub(t0))
	}
	if got, ok := lab.s.Faults(0); !ok || got.Blackhole != BlackholeModelled {
		t.Fatalf("Faults = %+v, %v", got, ok)
	}
}

// TestResetFault: the peer sees a RST; the link closes with the fault's
// reason.
func TestResetFault(t *testing.T) {
	lab := newFaultLab(t, nil)
	if err := lab.s.ResetLink(0); err != nil {
		t.Fatal(err)
	}
	if e := lab.closed(t); e.Reason != ReasonFaultReset || !errors.Is(e.Err, ErrFault) {
		t.Fatalf("closed %q (%v)", e.Reason, e.Err)
	}
	if _, err := peerRead(t, lab.peer, 1); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the peer read %v, want a reset", err)
	}
	if err := lab.s.ResetLink(0); !errors.Is(err, ErrLinkClosed) {
		t.Fatalf("a second reset: %v", err)
	}
}

// TestLatencyFault: with a latency both directions wait for it on the
// stack's clock, and nothing arrives before.
func TestLatencyFault(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := newStepClock(t0)
	lab := newFaultLab(t, clk)
	if err := lab.s.SetLatency(0, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.s.Send(0, []byte("out")); err != nil {
		t.Fatal(err)
	}
	// outbound: held until the clock passes 300 ms
	_ = lab.peer.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := lab.peer.Read(make([]byte, 8)); n != 0 || err == nil {
		t.Fatalf("the peer got %d bytes before the latency ran", n)
	}
	waitTimer(t, clk)
	clk.advance(300 * time.Millisecond)
	if got, err := peerRead(t, lab.peer, 3); err != nil || string(got) != "out" {
		t.Fatalf("peer read %q, %v", got, err)
	}
	// inbound: the first read in flight started before the latency; the
	// reader then takes the delayed path
	if _, err := lab.peer.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	want := "a"
	for got := ""; got != want; {
		select {
		case e := <-lab.events:
			if e.Kind == EventData {
				got += string(e.Data)
			}
		case <-time.After(100 * time.Millisecond):
			clk.advance(300 * time.Millisecond)
		}
	}
	tw := clk.Now()
	if _, err := lab.peer.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case e := <-lab.events:
			if e.Kind == EventData && string(e.Data) == "b" {
				if d := clk.Now().Sub(tw); d < 300*time.Millisecond {
					t.Fatalf("data came %v after it was sent, before the latency", d)
				}
				return
			}
		case <-time.After(50 * time.Millisecond):
			clk.advance(100 * time.Millisecond)
		}
		if clk.Now().Sub(tw) > time.Hour {
			t.Fatal("the delayed data never came")
		}
	}
}

// waitTimer waits until the clock has a timer started.
func waitTimer(t *testing.T, c *stepClock) {
	t.Helper()
	select {
	case <-c.added:
	case <-time.After(waitLimit):
		t.Fatal("no timer was started")
	}
}

// TestFaultNeedsAStream: servers and UDP links refuse stream faults.
func TestFaultNeedsAStream(t *testing.T) {
	s, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Listen(1, ListenOptions{Proto: protocol.ProtoTCP, SeedIDs: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Blackhole(1, BlackholeModelled); !errors.Is(err, ErrNotStream) {
		t.Fatalf("blackhole a server: %v", err)
	}
	if err := s.ResetLink(7); !errors.Is(err, ErrNoLink) {
		t.Fatalf("reset no link: %v", err)
	}
}
