package emulator

import (
	"sync"
	"testing"
	"time"

	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

func TestKeepaliveConfigMapping(t *testing.T) {
	if _, on := keepaliveConfig(rtk.SocketOptions{KeepIdle: 60}); on {
		t.Fatal("so_keepalive 0 enabled keepalive")
	}
	cfg, on := keepaliveConfig(rtk.SocketOptions{KeepAlive: 1})
	if !on || !cfg.Enable || cfg.Idle != -1 || cfg.Interval != -1 || cfg.Count != -1 {
		t.Fatalf("unset values must be -1 (OS default), got %+v", cfg)
	}
	cfg, _ = keepaliveConfig(rtk.SocketOptions{KeepAlive: 1, KeepIdle: 60, KeepIntvl: 10, KeepCnt: 3})
	if cfg.Idle != 60*time.Second || cfg.Interval != 10*time.Second || cfg.Count != 3 {
		t.Fatalf("%+v", cfg)
	}
	def := osKeepalive{Idle: 7200 * time.Second, Interval: 75 * time.Second, Count: 9}
	k := keepaliveInForce(rtk.SocketOptions{KeepAlive: 1, KeepIntvl: 5}, def)
	if !k.Enabled || k.Idle != 7200*time.Second || k.Interval != 5*time.Second || k.Count != 9 {
		t.Fatalf("%+v", k)
	}
	if k := keepaliveInForce(rtk.SocketOptions{}, def); k.Enabled {
		t.Fatalf("%+v", k)
	}
}

func TestKeepaliveProgress(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	k := protocol.Keepalive{Enabled: true, Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3}
	dead := t0.Add(90 * time.Second)
	tests := []struct {
		at    time.Duration
		sent  int
		probe time.Duration // 0: none
	}{
		{0, 0, 60 * time.Second},
		{59 * time.Second, 0, 60 * time.Second},
		{60 * time.Second, 1, 70 * time.Second},
		{75 * time.Second, 2, 80 * time.Second},
		{80 * time.Second, 3, 0},
		{200 * time.Second, 3, 0},
	}
	for _, tt := range tests {
		got := keepaliveProgress(k, t0, t0.Add(tt.at))
		want := time.Time{}
		if tt.probe != 0 {
			want = t0.Add(tt.probe)
		}
		if got.ProbesSent != tt.sent || !got.NextProbe.Equal(want) || !got.DeadAt.Equal(dead) {
			t.Errorf("at %v: sent %d next %v dead %v; want %d %v %v", tt.at, got.ProbesSent, got.NextProbe, got.DeadAt, tt.sent, want, dead)
		}
	}
	if got := keepaliveProgress(protocol.Keepalive{}, t0, t0); !got.NextProbe.IsZero() || !got.DeadAt.IsZero() {
		t.Fatalf("disabled keepalive scheduled: %+v", got)
	}
}

// fakeClock is a settable clock for the module.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestLinkKeepaliveInSnapshot(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, Config{Now: clk.now})
	h.cmd("AT+SKTCFG=,,1,1,60,10,3", "\r\nOK\r\n")
	port := h.server(0, 1, "", 1)
	a := dial(t, port)
	h.expect(acceptEvent(1, false, localPort(a), 0))
	opened := clk.now()
	clk.add(30 * time.Second)
	l, _ := h.tableLink(1)
	ka := l.Keepalive
	if !ka.Enabled || ka.Idle != 60*time.Second || ka.Interval != 10*time.Second || ka.Count != 3 {
		t.Fatalf("keepalive in force %+v", ka)
	}
	if !ka.NextProbe.Equal(opened.Add(60*time.Second)) || !ka.DeadAt.Equal(opened.Add(90*time.Second)) || ka.ProbesSent != 0 {
		t.Fatalf("schedule %+v", ka)
	}
	// traffic restarts the schedule
	if _, err := a.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	h.expect("[$][SKT][DATA][1][1]:x\r\n")
	l, _ = h.tableLink(1)
	if !l.LastRx.Equal(opened.Add(30*time.Second)) || !l.Keepalive.NextProbe.Equal(opened.Add(90*time.Second)) {
		t.Fatalf("after traffic: lastRx %v next %v", l.LastRx, l.Keepalive.NextProbe)
	}
	// the server itself has no keepalive; omitted values show the OS defaults
	if s, _ := h.tableLink(0); s.Keepalive.Enabled {
		t.Fatalf("listening socket with keepalive: %+v", s.Keepalive)
	}
	h.cmd("AT+SKTCFG=,,,1", "\r\nOK\r\n")
	port2 := h.server(2, 1, "", 1)
	b := dial(t, port2)
	h.expect(acceptEvent(3, false, localPort(b), 2))
	def := readOSKeepalive()
	if k, _ := h.tableLink(3); k.Keepalive.Idle != def.Idle || k.Keepalive.Interval != def.Interval || k.Keepalive.Count != def.Count {
		t.Fatalf("OS defaults %+v, link %+v", def, k.Keepalive)
	}
}
