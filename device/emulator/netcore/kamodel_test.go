package netcore

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"atbench/protocol"
)

// kaOpts is keepalive idle 2 s, interval 1 s, count 3: dead 5 s after the
// peer was last heard.
var kaOpts = SocketOptions{KeepAlive: true, KeepIdle: 2 * time.Second, KeepIntvl: time.Second, KeepCnt: 3}

// waitEvent waits for an event of kind on lab.
func (lab *closeLab) waitEvent(t *testing.T, kind EventKind) Event {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case e := <-lab.ev:
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no event %v", kind)
		}
	}
}

// TestSilencedLinkDeclaredDeadOnSchedule: a link whose peer the model
// counts silent (a modelled blackhole) with idle 2 s, interval 1 s, count
// 3 is declared dead at 5 s, not before: probes at 2, 3 and 4 s go
// unanswered; the host socket is reset and the link closes with
// "keepalive timeout".
func TestSilencedLinkDeclaredDeadOnSchedule(t *testing.T) {
	lab := newCloseLab(t, Config{}, DialOptions{Options: kaOpts})
	if err := lab.s.Silence(0, true); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at     time.Duration
		probes int
	}{{1999 * time.Millisecond, 0}, {2 * time.Second, 1}, {3 * time.Second, 2}, {4 * time.Second, 3}, {5*time.Second - time.Millisecond, 3}} {
		lab.clk.Advance(t0.Add(step.at).Sub(lab.clk.Now()))
		l := lab.link(t)
		k := l.Keepalive
		if l.Closed != nil || k.ProbesSent != step.probes || !k.DeadAt.Equal(t0.Add(5*time.Second)) || !k.Silenced || k.ProbesAnswered != 0 {
			t.Fatalf("at %v: closed %+v keepalive %+v", step.at, l.Closed, k)
		}
	}
	lab.clk.Advance(time.Millisecond)
	e := lab.waitEvent(t, EventClosed)
	if e.Reason != "keepalive timeout" || !errors.Is(e.Err, syscall.ETIMEDOUT) {
		t.Fatalf("close event %+v", e)
	}
	l := lab.link(t)
	if l.Closed == nil || !l.Closed.At.Equal(t0.Add(5*time.Second)) || l.Closed.Reason != "keepalive timeout" {
		t.Fatalf("closed %+v", l.Closed)
	}
	_ = lab.peer.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := lab.peer.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("peer read %v, want the module's RST", err)
	}
}

// TestTrafficRestartsTheIdleCountdown: data from the peer at 1.5 s moves
// the silenced link's death from 5 s to 6.5 s.
func TestTrafficRestartsTheIdleCountdown(t *testing.T) {
	lab := newCloseLab(t, Config{}, DialOptions{Options: kaOpts})
	if err := lab.s.Silence(0, true); err != nil {
		t.Fatal(err)
	}
	lab.clk.Advance(1500 * time.Millisecond)
	if _, err := lab.peer.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitLinks(t, lab.s, func(table, _ []protocol.LinkInfo) bool { return len(table) == 1 && table[0].BytesIn == 1 })
	if k := lab.link(t).Keepalive; !k.Heard.Equal(t0.Add(1500*time.Millisecond)) || !k.DeadAt.Equal(t0.Add(6500*time.Millisecond)) ||
		!k.NextProbe.Equal(t0.Add(3500*time.Millisecond)) {
		t.Fatalf("after data at 1.5 s: %+v", k)
	}
	lab.clk.Advance(5*time.Second - time.Millisecond)
	if l := lab.link(t); l.Closed != nil {
		t.Fatalf("dead at %v, before 6.5 s", l.Closed.At)
	}
	lab.clk.Advance(time.Millisecond)
	if l := lab.link(t); l.Closed == nil || !l.Closed.At.Equal(t0.Add(6500*time.Millisecond)) {
		t.Fatalf("closed %+v, want at 6.5 s", l.Closed)
	}
}

// TestAnsweredProbesRestartTheSchedule: a peer that answers (the sped-up
// model, PeerAnswers) shows its answered probes and a schedule that
// restarts from each answer, never a link dying on a healthy peer.
func TestAnsweredProbesRestartTheSchedule(t *testing.T) {
	lab := newCloseLab(t, Config{PeerAnswers: true}, DialOptions{Options: kaOpts})
	lab.clk.Advance(7 * time.Second)
	l := lab.link(t)
	k := l.Keepalive
	if l.Closed != nil || k.ProbesAnswered != 3 || !k.LastAnswer.Equal(t0.Add(6*time.Second)) || !k.Heard.Equal(t0.Add(6*time.Second)) ||
		k.ProbesSent != 0 || !k.NextProbe.Equal(t0.Add(8*time.Second)) || !k.DeadAt.Equal(t0.Add(11*time.Second)) {
		t.Fatalf("healthy link after 7 s: %+v", k)
	}
	// silenced from 7 s: the last answer (6 s) starts the countdown
	if err := lab.s.Silence(0, true); err != nil {
		t.Fatal(err)
	}
	lab.clk.Advance(4*time.Second - time.Millisecond)
	if l := lab.link(t); l.Closed != nil || l.Keepalive.ProbesSent != 3 {
		t.Fatalf("at 10.999 s: %+v", l.Keepalive)
	}
	lab.clk.Advance(time.Millisecond)
	if l := lab.link(t); l.Closed == nil || !l.Closed.At.Equal(t0.Add(11*time.Second)) {
		t.Fatalf("closed %+v, want at 11 s", l.Closed)
	}
}
