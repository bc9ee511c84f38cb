package emulator

import (
	"context"
	"net"
	"testing"
	"time"

	"atbench/device/emulator/netcore"
	"atbench/protocol"
)

// TestSpeedRunsModelledTimersFaster: at Speed 1000 a keepalive of idle
// 60 s, interval 10 s, count 3 runs in tens of milliseconds: a healthy
// peer's probes are answered and the schedule restarts; once the link is
// silenced the model declares it dead 90 s (modelled) after the peer was
// last heard, in well under the 90 s of real time; the TIME_WAIT of the
// next close (4 s) passes in milliseconds. Snapshot says the clock is sped
// up.
func TestSpeedRunsModelledTimersFaster(t *testing.T) {
	m, fw := startEcho(t, Config{Speed: 1000})
	if got := m.Snapshot().ClockSpeed; got != 1000 {
		t.Fatalf("Snapshot.ClockSpeed %v", got)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opts := netcore.SocketOptions{KeepAlive: true, KeepIdle: 60 * time.Second, KeepIntvl: 10 * time.Second, KeepCnt: 3}
	remote := ln.Addr().(*net.TCPAddr).AddrPort()
	link := func() protocol.LinkInfo {
		table, hist := m.Links()
		for _, l := range append(table, hist...) {
			if l.ID == 0 {
				return l
			}
		}
		return protocol.LinkInfo{}
	}
	waitFor := func(what string, ok func(protocol.LinkInfo) bool) protocol.LinkInfo {
		t.Helper()
		for deadline := time.Now().Add(waitLimit); ; {
			select {
			case <-m.Changed():
			case <-time.After(5 * time.Millisecond):
			}
			if l := link(); ok(l) {
				return l
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: never; link %+v", what, link())
			}
		}
	}

	if err := m.Net().Dial(context.Background(), 0, netcore.DialOptions{Proto: protocol.ProtoTCP, Remote: remote, Options: opts}); err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	l := waitFor("two probes answered", func(l protocol.LinkInfo) bool { return l.Keepalive.ProbesAnswered >= 2 })
	if l.Closed != nil || l.Keepalive.ProbesSent != 0 {
		t.Fatalf("healthy link %+v", l.Keepalive)
	}
	if err := m.Net().Silence(0, true); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e := fw.next(t, netcore.EventClosed)
	took := time.Since(start)
	l = link()
	if e.Reason != "keepalive timeout" || l.Closed == nil {
		t.Fatalf("close %+v link %+v", e, l.Closed)
	}
	if d := l.Closed.At.Sub(l.Keepalive.Heard); d < 90*time.Second || took > 10*time.Second {
		t.Fatalf("dead %v (modelled) after the peer was last heard, %v real; want 90 s modelled, far under 90 s real", d, took)
	}

	// a close at 1000×: TIME_WAIT's 4 s pass in milliseconds
	if err := m.Net().Remove(0, "local close"); err != nil {
		t.Fatal(err)
	}
	if err := m.Net().Dial(context.Background(), 1, netcore.DialOptions{Proto: protocol.ProtoTCP, Remote: remote}); err != nil {
		t.Fatal(err)
	}
	p2, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if err := m.Net().Remove(1, "local close"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	_ = p2.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := p2.Read(buf); err == nil {
		t.Fatal("no FIN at the peer")
	}
	p2.Close()
	_, hist := m.Links()
	for deadline := time.Now().Add(waitLimit); ; {
		_, hist = m.Links()
		if len(hist) > 0 && hist[0].ID == 1 && hist[0].Close != nil && hist[0].Close.State == protocol.StateClosed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("link 1 never CLOSED: %+v", hist)
		}
		select {
		case <-m.Changed():
		case <-time.After(5 * time.Millisecond):
		}
	}
	if c := hist[0].Close; c.Note != "2×MSL over" || !c.Free {
		t.Fatalf("close %+v", c)
	}
}
