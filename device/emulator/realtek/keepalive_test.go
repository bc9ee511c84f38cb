package realtek

import (
	"testing"
	"time"

	"atbench/device/emulator/netcore"
	"atbench/internal/emutest"
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

func TestLinkKeepaliveInSnapshot(t *testing.T) {
	clk := emutest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	h := newHarness(t, Config{Clock: clk})
	h.Cmd("AT+SKTCFG=,,1,1,60,10,3", "\r\nOK\r\n")
	port := h.server(0, 1, "", 1)
	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(a), 0))
	opened := clk.Now()
	clk.Add(30 * time.Second)
	l, _ := h.TableLink(1)
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
	h.Expect("[$][SKT][DATA][1][1]:x\r\n")
	l, _ = h.TableLink(1)
	if !l.LastRx.Equal(opened.Add(30*time.Second)) || !l.Keepalive.NextProbe.Equal(opened.Add(90*time.Second)) {
		t.Fatalf("after traffic: lastRx %v next %v", l.LastRx, l.Keepalive.NextProbe)
	}
	// the server itself has no keepalive; omitted values show the OS defaults
	if s, _ := h.TableLink(0); s.Keepalive.Enabled {
		t.Fatalf("listening socket with keepalive: %+v", s.Keepalive)
	}
	h.Cmd("AT+SKTCFG=,,,1", "\r\nOK\r\n")
	port2 := h.server(2, 1, "", 1)
	b := emutest.Dial(t, port2)
	h.Expect(acceptEvent(3, false, emutest.LocalPort(b), 2))
	def := netcore.ReadSystemKeepalive()
	if k, _ := h.TableLink(3); k.Keepalive.Idle != def.Idle || k.Keepalive.Interval != def.Interval || k.Keepalive.Count != def.Count {
		t.Fatalf("OS defaults %+v, link %+v", def, k.Keepalive)
	}
}
