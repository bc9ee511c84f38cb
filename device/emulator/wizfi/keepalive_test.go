package wizfi

import (
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	"atbench/protocol"
	wz "atbench/protocol/wizfi"
)

// seedLines are the seed's commands exactly as the forum writes them
// (seeds/wizfi210-keepalive.txt), spaces around '=' included.
var (
	seedEnable = []string{"AT+SETSOCKOPT= 0,65535,8,1,4", "AT+SETSOCKOPT= 0,6,4001,600,4"}
	seedShort  = []string{"AT+SETSOCKOPT =0,6,4005,1,4", "AT+SETSOCKOPT= 0,6,4001,75,4"}
)

// TestSeedRecipes reproduces the seed on CID 0, a TCP client to a real
// peer: every command answers [OK]; the first recipe makes the link's
// keepalive detect a silent peer after exactly 600 s, the second after
// exactly 75 s, in the firmware's own numbers (idle 0, 75 s apart), read
// on the emulator's clock; the real socket gets kernel timers of the same
// detection time.
func TestSeedRecipes(t *testing.T) {
	clk := emutest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	h := newHarness(t, emulator.Config{Clock: clk})
	h.connectClient(0)
	opened := clk.Now()
	if l, _ := h.TableLink(0); l.Keepalive.Enabled {
		t.Fatalf("keepalive on before SETSOCKOPT: %+v", l.Keepalive)
	}
	for _, line := range seedEnable {
		h.Cmd(line, ok)
	}
	check := func(count int, detection time.Duration, kidle, kintvl time.Duration, kcnt int) {
		t.Helper()
		clk.Add(10 * time.Second)
		l, _ := h.TableLink(0)
		k := l.Keepalive
		if !k.Enabled || k.Idle != 0 || k.Interval != 75*time.Second || k.Count != count {
			t.Fatalf("keepalive in force %+v, want idle 0, 75 s × %d", k, count)
		}
		if got := k.DeadAt.Sub(opened); got != detection {
			t.Fatalf("detection %v, want %v (%+v)", got, detection, k)
		}
		if want := opened.Add(75 * time.Second); count > 1 && !k.NextProbe.Equal(want) {
			t.Fatalf("next probe %v, want %v", k.NextProbe, want)
		}
		idle, intvl, cnt, err := kernelTimers(h, 0)
		if err != nil {
			t.Logf("kernel timers not readable here: %v", err)
			return
		}
		if idle != kidle || intvl != kintvl || cnt != kcnt {
			t.Fatalf("kernel keepalive %v/%v/%d, want %v/%v/%d", idle, intvl, cnt, kidle, kintvl, kcnt)
		}
		if got := idle + time.Duration(cnt)*intvl; got != detection {
			t.Fatalf("kernel detection %v, want %v", got, detection)
		}
	}
	check(8, 600*time.Second, 75*time.Second, 75*time.Second, 7)
	for _, line := range seedShort {
		h.Cmd(line, ok)
	}
	check(1, 75*time.Second, time.Second, 74*time.Second, 1)
	if on, err := kernelKeepaliveOn(h, 0); err == nil && !on {
		t.Fatal("SO_KEEPALIVE off on the real socket")
	}
	h.Quiet()

	// The settings a session would replay give the same keepalive.
	var seen []protocol.Setting
	for _, line := range append(append([]string{}, seedEnable...), seedShort...) {
		seen = append(seen, wz.CommandSettings(line)...)
	}
	l, _ := h.TableLink(0)
	pred := wz.KeepaliveInForce(0, seen)
	if pred.Idle != l.Keepalive.Idle || pred.Interval != l.Keepalive.Interval || pred.Count != l.Keepalive.Count {
		t.Fatalf("predicted %+v, emulator %+v", pred, l.Keepalive)
	}
	want := map[string]string{"cid0.so_keepalive": "1", "cid0.tcp_keepalive": "75", "cid0.tcp_keepalive_cnt": "1"}
	for _, s := range h.fw.Settings() {
		if v, ok := want[s.Name]; ok && v == s.Value {
			delete(want, s.Name)
		}
	}
	if len(want) != 0 {
		t.Fatalf("settings %v miss %v", h.fw.Settings(), want)
	}
}

// TestSeedRecipesOnAcceptedClient: options set on a server CID pass to the
// clients it accepts from then on; options are per socket, and a CID
// opened afresh starts without them.
func TestSeedRecipesOnAcceptedClient(t *testing.T) {
	clk := emutest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	h := newHarness(t, emulator.Config{Clock: clk})
	port := h.server("AT+NSTCP", 0, "")
	h.Cmd("AT+SETSOCKOPT=0,65535,8,1,4", ok)
	h.Cmd("AT+SETSOCKOPT=0,6,4005,1,4", ok)
	h.Cmd("AT+SETSOCKOPT=0,6,4001,75,4", ok)
	c := emutest.Dial(t, port)
	h.Expect(acceptLine(0, 1, emutest.LocalPort(c)))
	at := clk.Now()
	l, _ := h.TableLink(1)
	if k := l.Keepalive; !k.Enabled || k.Count != 1 || k.DeadAt.Sub(at) != 75*time.Second {
		t.Fatalf("seed keepalive %+v", k)
	}
	if s, _ := h.TableLink(0); s.Keepalive.Enabled {
		t.Fatalf("listening socket with keepalive %+v", s.Keepalive)
	}
	// SO_KEEPALIVE off again: the real socket too
	h.Cmd("AT+SETSOCKOPT=1,65535,8,0,4", ok)
	if l, _ := h.TableLink(1); l.Keepalive.Enabled {
		t.Fatalf("keepalive still shown: %+v", l.Keepalive)
	}
	if on, err := kernelKeepaliveOn(h, 1); err == nil && on {
		t.Fatal("SO_KEEPALIVE still on on the real socket")
	}
	h.Cmd("AT+NCLOSE=0", ok) // the server takes its client with it
	h.Cmd("AT+NCLOSE=1", "\r\n[ERROR: INVALID CID]\r\n")
	if l, ok := h.ClosedLink(1); !ok || l.Closed == nil || l.Closed.Reason != "server deleted" {
		t.Fatalf("client of the closed server: %+v", l)
	}
	h.connectClient(0)
	if l, _ := h.TableLink(0); l.Keepalive.Enabled {
		t.Fatalf("a new CID 0 kept the old options: %+v", l.Keepalive)
	}
}

func TestKernelKeepaliveMapping(t *testing.T) {
	for _, tt := range []struct {
		idle        time.Duration
		count       int
		kidle, kint time.Duration
		kcnt        int
	}{
		{0, 8, 75 * time.Second, 75 * time.Second, 7},
		{0, 1, time.Second, 74 * time.Second, 1},
		{0, 2, 75 * time.Second, 75 * time.Second, 1},
		{6600 * time.Second, 8, 6600 * time.Second, 75 * time.Second, 8},
		{0, 200, 73 * 75 * time.Second, 75 * time.Second, 127},
		{100000 * time.Second, 1, 32767 * time.Second, 75 * time.Second, 1},
	} {
		k := protocol.Keepalive{Enabled: true, Idle: tt.idle, Interval: 75 * time.Second, Count: tt.count}
		idle, intvl, cnt := kernelKeepalive(k)
		if idle != tt.kidle || intvl != tt.kint || cnt != tt.kcnt {
			t.Errorf("%v × %d: kernel %v/%v/%d, want %v/%v/%d", tt.idle, tt.count, idle, intvl, cnt, tt.kidle, tt.kint, tt.kcnt)
		}
	}
	if o := coreOptions(wz.SocketKeepalive{Time: 600}); o.KeepAlive || o.Model.Enabled {
		t.Fatalf("SO_KEEPALIVE off, yet %+v", o)
	}
}

// TestSeedRecipeRealClock: with the real clock the link's keepalive
// follows the kernel's TCP_INFO, yet shows the firmware's numbers: idle 0,
// 8 probes 75 s apart, the peer declared dead 600 s after it fell silent.
func TestSeedRecipeRealClock(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.connectClient(0)
	for _, line := range seedEnable {
		h.Cmd(line, ok)
	}
	start := time.Now()
	l, _ := h.TableLink(0)
	k := l.Keepalive
	if !k.Enabled || k.Idle != 0 || k.Interval != 75*time.Second || k.Count != 8 {
		t.Fatalf("keepalive in force %+v", k)
	}
	// the silence began at most a few seconds ago (a loaded machine); the
	// kernel counts it in whole milliseconds
	if left := k.DeadAt.Sub(start); left > 600*time.Second+time.Second || left < 570*time.Second {
		t.Fatalf("dead in %v, want just under 600 s (%+v)", left, k)
	}
	if k.ProbesSent != 1 {
		t.Fatalf("probes sent %d, want 1 (the model's first probe at the start of the silence)", k.ProbesSent)
	}
}
