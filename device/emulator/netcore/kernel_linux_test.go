//go:build linux

package netcore

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"atbench/internal/netnslab"
	"atbench/protocol"
)

// TestKernelStateBesideCloseStates: a real active close on Linux shows
// the kernel's own state of the host socket beside the model's: FIN_WAIT2
// beside FIN_WAIT_2 while the peer holds its side open, and a closed
// kernel socket beside TIME_WAIT once it has closed.
func TestKernelStateBesideCloseStates(t *testing.T) {
	lab := newCloseLab(t, Config{}, DialOptions{Options: kaOpts})
	if _, err := lab.peer.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	l := func() protocol.LinkInfo {
		var l protocol.LinkInfo
		waitLinks(t, lab.s, func(_, _ []protocol.LinkInfo) bool { l = lab.link(t); return l.BytesIn == 4 })
		return l
	}()
	if k := l.Kernel; k == nil || k.State != "ESTABLISHED" || k.RTT <= 0 || k.Probes != 0 || k.Disagree != "" {
		t.Fatalf("kernel view of an open link: %+v", k)
	}
	if err := lab.s.Remove(0, "local close"); err != nil {
		t.Fatal(err)
	}
	lab.peerEOF(t)
	l = lab.waitState(t, protocol.StateFinWait2)
	if l.Kernel == nil || l.Kernel.State != "FIN_WAIT2" {
		t.Fatalf("model FIN_WAIT_2, kernel %+v", l.Kernel)
	}
	lab.peer.Close()
	l = lab.waitState(t, protocol.StateTimeWait)
	// Linux moves a socket that is still open to CLOSE and hands its
	// TIME_WAIT to a timewait entry the socket no longer shows.
	if l.Kernel == nil || (l.Kernel.State != "CLOSE" && l.Kernel.State != "TIME_WAIT") {
		t.Fatalf("model TIME_WAIT, kernel %+v", l.Kernel)
	}
	t.Logf("model %s beside kernel %s", l.Close.State, l.Kernel.State)
}

// TestModelledBlackholeDeathOnRealSockets measures, on real sockets and the
// real clock, how far a silenced link's death is from the moment the peer
// was last heard plus idle + interval × count (2 + 3 × 1 s).
func TestModelledBlackholeDeathOnRealSockets(t *testing.T) {
	s, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, addr := peerListener(t)
	if err := s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: addr, Options: kaOpts}); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := s.Silence(0, true); err != nil {
		t.Fatal(err)
	}
	table, _ := s.Links()
	heard := table[0].Keepalive.Heard
	want := heard.Add(5 * time.Second)
	var dead protocol.LinkInfo
	waitLinks(t, s, func(table, _ []protocol.LinkInfo) bool {
		dead = table[0]
		return table[0].Closed != nil
	})
	off := dead.Closed.At.Sub(want)
	t.Logf("modelled blackhole: death %v after heard + 5 s (reason %q)", off.Round(time.Millisecond), dead.Closed.Reason)
	if dead.Closed.Reason != "keepalive timeout" || off < 0 || off > 500*time.Millisecond {
		t.Fatalf("death %v off heard + idle + interval × count; closed %+v", off, dead.Closed)
	}
	if k := dead.Kernel; k == nil || k.Disagree == "" {
		t.Fatalf("the kernel heard the loopback peer, the model did not: no disagreement shown: %+v", k)
	}
}

// TestKernelKeepaliveDeathMeasured (root): the emulator's link to a peer
// in a network namespace, keepalive idle 2 s, interval 1 s, count 3; the
// peer's link goes down without FIN or RST and the kernel declares the
// death. It measures how far the reported death is from the peer's last
// sign (its last answered probe, from TCP_INFO) + idle + interval × count.
func TestKernelKeepaliveDeathMeasured(t *testing.T) {
	lab := netnslab.New(t, "nc")
	pln := lab.Listen(t)
	s, err := New(Config{Addr: netip.MustParseAddr(lab.HostIP), RecvBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr := pln.Addr().(*net.TCPAddr).AddrPort()
	// a push link closes as soon as its socket fails
	if err := s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: addr, Options: kaOpts, Push: true}); err != nil {
		t.Fatal(err)
	}
	peer, err := pln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	// a healthy link first: the peer answers two rounds of probes
	var healthy protocol.LinkInfo
	waitLinks(t, s, func(table, _ []protocol.LinkInfo) bool {
		healthy = table[0]
		return table[0].Keepalive.ProbesAnswered >= 2 || table[0].Closed != nil
	})
	if healthy.Closed != nil || healthy.Keepalive.ProbesSent != 0 {
		t.Fatalf("healthy link: %+v keepalive %+v", healthy.Closed, healthy.Keepalive)
	}
	lab.Silence(t)
	var last, dead protocol.LinkInfo
	var trace []string
	prev := ""
	defer func() { t.Logf("kernel state/probes, model probes: %v", trace) }()
	waitLinks(t, s, func(table, _ []protocol.LinkInfo) bool {
		if k := table[0].Kernel; k != nil {
			if step := fmt.Sprintf("%s/%d/%d", k.State, k.Probes, table[0].Keepalive.ProbesSent); step != prev {
				prev = step
				trace = append(trace, time.Now().Format("05.000")+" "+step)
			}
		}
		if table[0].Closed != nil {
			dead = table[0]
			return true
		}
		last = table[0]
		return false
	})
	want := last.Keepalive.Heard.Add(5 * time.Second)
	off := dead.Closed.At.Sub(want)
	t.Logf("kernel keepalive: death %v from heard + idle + interval × count (forecast DeadAt %v off); kernel %+v; answered before the cut %d",
		off.Round(time.Millisecond), dead.Closed.At.Sub(last.Keepalive.DeadAt).Round(time.Millisecond), dead.Kernel, last.Keepalive.ProbesAnswered)
	if dead.Closed.Reason != "keepalive timeout" {
		t.Fatalf("closed %+v", dead.Closed)
	}
	if off < -500*time.Millisecond || off > 500*time.Millisecond {
		t.Fatalf("death %v off heard + idle + interval × count (goal 0.5 s)", off)
	}
}

// TestKernelDeclaresDeathBeforeTheModel (root): the module's keepalive
// model (idle 10 s) is slower than the kernel's timers (idle 2 s): when the
// peer goes silent the kernel declares the death first, and the link says
// so beside the model's own deadline.
func TestKernelDeclaresDeathBeforeTheModel(t *testing.T) {
	lab := netnslab.New(t, "nc")
	pln := lab.Listen(t)
	s, err := New(Config{Addr: netip.MustParseAddr(lab.HostIP), RecvBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opts := kaOpts
	opts.Model = protocol.Keepalive{Enabled: true, Idle: 10 * time.Second, Interval: time.Second, Count: 3}
	addr := pln.Addr().(*net.TCPAddr).AddrPort()
	if err := s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: addr, Options: opts, Push: true}); err != nil {
		t.Fatal(err)
	}
	peer, err := pln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	lab.Silence(t)
	var dead protocol.LinkInfo
	waitLinks(t, s, func(table, _ []protocol.LinkInfo) bool {
		dead = table[0]
		return table[0].Closed != nil
	})
	if dead.Closed.Reason != "keepalive timeout" {
		t.Fatalf("closed %+v", dead.Closed)
	}
	if k := dead.Kernel; k == nil || !strings.Contains(k.Disagree, "kernel declared the link dead") || !strings.Contains(k.Disagree, "before the model's") {
		t.Fatalf("no disagreement shown for a kernel that declared the death first: %+v", dead.Kernel)
	}
	t.Logf("disagreement: %s", dead.Kernel.Disagree)
}
