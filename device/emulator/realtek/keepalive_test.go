package realtek

import (
	"sync"
	"testing"
	"time"

	"atbench/device/emulator/netcore"
	rtk "atbench/protocol/realtek"
)

// TestKeepaliveConfigMapping: AT+SKTCFG's 0 is "not set" (the OS default),
// never Go's 0 (15 s).
func TestKeepaliveConfigMapping(t *testing.T) {
	if _, on := coreOptions(rtk.SocketOptions{KeepIdle: 60}).KeepAliveConfig(); on {
		t.Fatal("so_keepalive 0 enabled keepalive")
	}
	cfg, on := coreOptions(rtk.SocketOptions{KeepAlive: 1}).KeepAliveConfig()
	if !on || !cfg.Enable || cfg.Idle != -1 || cfg.Interval != -1 || cfg.Count != -1 {
		t.Fatalf("unset values must be -1 (OS default), got %+v", cfg)
	}
	cfg, _ = coreOptions(rtk.SocketOptions{KeepAlive: 1, KeepIdle: 60, KeepIntvl: 10, KeepCnt: 3}).KeepAliveConfig()
	if cfg.Idle != 60*time.Second || cfg.Interval != 10*time.Second || cfg.Count != 3 {
		t.Fatalf("%+v", cfg)
	}
	def := netcore.SystemKeepalive{Idle: 7200 * time.Second, Interval: 75 * time.Second, Count: 9}
	k := coreOptions(rtk.SocketOptions{KeepAlive: 1, KeepIntvl: 5}).KeepaliveInForce(def)
	if !k.Enabled || k.Idle != 7200*time.Second || k.Interval != 5*time.Second || k.Count != 9 {
		t.Fatalf("%+v", k)
	}
	if k := coreOptions(rtk.SocketOptions{}).KeepaliveInForce(def); k.Enabled {
		t.Fatalf("%+v", k)
	}
	if o := coreOptions(rtk.SocketOptions{SndTimeo: 1500, NoDelay: 1}); o.SendTimeout != 1500*time.Millisecond || !o.NoDelay {
		t.Fatalf("%+v", o)
	}
}

// fakeClock is a settable clock for the module; its timers run on real
// time (only AT+SKTREAD's short wait uses one).
type fakeClock struct {
	netcore.RealClock
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) now() time.Time      { return c.Now() }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestLinkKeepaliveInSnapshot(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, Config{Clock: clk})
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
	def := netcore.ReadSystemKeepalive()
	if k, _ := h.tableLink(3); k.Keepalive.Idle != def.Idle || k.Keepalive.Interval != def.Interval || k.Keepalive.Count != def.Count {
		t.Fatalf("OS defaults %+v, link %+v", def, k.Keepalive)
	}
}
