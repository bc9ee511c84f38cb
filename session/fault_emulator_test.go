package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	rtkfw "atbench/device/emulator/realtek"
	"atbench/protocol/realtek"
	"atbench/session"
)

// heldClock is the real clock except for timers of exactly hold: those
// fire only when the test releases them.
type heldClock struct {
	netcore.RealClock
	hold time.Duration
	mu   sync.Mutex
	held []chan time.Time
	got  chan struct{}
}

type heldTimer struct{}

func (heldTimer) Stop() bool               { return true }
func (heldTimer) Reset(time.Duration) bool { return true }

func (c *heldClock) NewTimer(d time.Duration) (netcore.Timer, <-chan time.Time) {
	if d != c.hold {
		return c.RealClock.NewTimer(d)
	}
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.held = append(c.held, ch)
	c.mu.Unlock()
	c.got <- struct{}{}
	return heldTimer{}, ch
}

func (c *heldClock) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.held {
		ch <- time.Now()
	}
	c.held = nil
}

// TestEmulatorUnplugAsTheSessionSeesIt: the unplug fault is a lost port
// to the session: Disconnected (commands refused), then Reconnected, one
// reconnect counted, and the module answers again.
func TestEmulatorUnplugAsTheSessionSeesIt(t *testing.T) {
	clk := &heldClock{hold: 3 * time.Second, got: make(chan struct{}, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, m := emulated(t, ctx, emulator.Config{Firmware: rtkfw.New, Clock: clk}, realtek.New())
	if rec, err := s.Exec(ctx, "AT+GMR"); err != nil || rec.Text != "OK" {
		t.Fatalf("AT+GMR: %v %v", rec, err)
	}
	if err := m.Fault(ctx, emulator.Fault{Kind: emulator.FaultUnplug, Duration: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-clk.got:
	case <-ctx.Done():
		t.Fatal("the unplug set no timer")
	}
	waitFor(ctx, t, s, "the session to see the port gone", func() bool { return s.Stats().State == device.Disconnected })
	if _, err := s.Exec(ctx, "AT+GMR"); !errors.Is(err, session.ErrDisconnected) {
		t.Fatalf("a command while unplugged: %v", err)
	}
	clk.release()
	waitFor(ctx, t, s, "the session to see the port back", func() bool { return s.Stats().Reconnects == 1 })
	if rec, err := s.Exec(ctx, "AT+GMR"); err != nil || rec.Text != "OK" {
		t.Fatalf("AT+GMR after the replug: %v %v", rec, err)
	}
}
