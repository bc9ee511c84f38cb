//go:build linux

package realtek

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator/netcore"
	"atbench/internal/emutest"
	"atbench/internal/netnslab"
	"atbench/protocol"
)

// snapLink returns link id from Module.Snapshot (the one holding the id if
// any, else the newest closed one).
func snapLink(m *Module, id int) (protocol.LinkInfo, bool) {
	for _, l := range m.Snapshot().Links {
		if l.ID == id {
			return l, true
		}
	}
	return protocol.LinkInfo{}, false
}

// TestKeepaliveDeclaresASilentPeerDead runs a real kernel keepalive
// failure: a seed with keepalive 1 s / 1 s / 2 probes survives a whole
// dead-peer window while its peer (in a private network namespace) answers
// the probes, then dies with "keepalive timeout" once the peer's link goes
// down without a RST or FIN. The module prints nothing about it, and the
// seed keeps its id with socket_fd:-1 until AT+SKTDEL.
func TestKeepaliveDeclaresASilentPeerDead(t *testing.T) {
	lab := netnslab.New(t, "rtk")
	h := newHarness(t, Config{HostAddr: lab.HostIP})
	h.Cmd("AT+SKTCFG=,,,1,1,1,2", "\r\nOK\r\n")
	port := h.server(1, 1, "", 1)
	peer := lab.Dial(t, net.JoinHostPort(lab.HostIP, strconv.Itoa(port)), emutest.WaitLimit)
	cport := emutest.LocalPort(peer)
	h.Expect(fmt.Sprintf("[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:%s,dst_port:%d] connected to server[link_id:1]\r\n", lab.PeerIP, cport))

	seed, ok := snapLink(h.m, 0)
	want := protocol.Keepalive{Enabled: true, Idle: time.Second, Interval: time.Second, Count: 2}
	if !ok || seed.Role != protocol.RoleSeed || seed.Parent != 1 || seed.State != protocol.StateEstablished || seed.Closed != nil ||
		seed.Remote != peer.LocalAddr().String() || seed.Local != peer.RemoteAddr().String() {
		t.Fatalf("seed %+v", seed)
	}
	if k := seed.Keepalive; k.Enabled != want.Enabled || k.Idle != want.Idle || k.Interval != want.Interval || k.Count != want.Count {
		t.Fatalf("seed keepalive %+v, want %+v", k, want)
	}
	sock := h.Socket(0)
	window := want.Idle + time.Duration(want.Count)*want.Interval // silence after which the kernel gives up

	// Control: while the peer answers the probes the seed outlives the
	// window, so what kills it later is the kernel, not a timer of ours.
	var reported protocol.Keepalive
	for end := seed.Opened.Add(window + 500*time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		l, _ := snapLink(h.m, 0)
		if l.Closed != nil {
			t.Fatalf("seed died while its peer answered the probes: %+v", l.Closed)
		}
		reported = l.Keepalive
	}
	if k, err := netcore.ReadTCPInfo(sock); err != nil || k.Probes != 0 {
		t.Fatalf("kernel probes outstanding with a live peer: %d (%v)", k.Probes, err)
	}
	// Answered probes count as traffic: the snapshot follows the kernel,
	// not the last data, so a healthy idle link is never shown dying.
	if reported.ProbesSent != 0 || reported.DeadAt.IsZero() || reported.DeadAt.Before(time.Now()) {
		t.Fatalf("live peer answering probes, yet the snapshot says ProbesSent=%d NextProbe=%v DeadAt=%v (%v ago)",
			reported.ProbesSent, reported.NextProbe, reported.DeadAt, time.Since(reported.DeadAt).Round(time.Millisecond))
	}
	h.Quiet()

	lab.Silence(t)
	silent := time.Now()
	var (
		maxKernel  int
		fromKernel bool      // the snapshot once showed the kernel's count, >= 1
		trace      []string  // snapshot/kernel probe counts, as they changed
		deadAt     time.Time // the snapshot's forecast during the silence
		dead       protocol.LinkInfo
	)
	for limit := silent.Add(window + 5*time.Second); ; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(limit) {
			t.Fatalf("seed still alive %v after its peer went silent; kernel probes seen %d, snapshot %+v",
				time.Since(silent).Round(time.Millisecond), maxKernel, dead)
		}
		l, _ := snapLink(h.m, 0)
		if l.Closed != nil {
			dead = l
			break
		}
		dead = l
		k, _ := netcore.ReadTCPInfo(sock)
		p := k.Probes
		maxKernel = max(maxKernel, p)
		if l.Keepalive.ProbesSent == p && p >= 1 {
			fromKernel = true
		}
		if step := fmt.Sprintf("%d/%d", l.Keepalive.ProbesSent, p); len(trace) == 0 || trace[len(trace)-1] != step {
			trace = append(trace, step)
		}
		deadAt = l.Keepalive.DeadAt
	}
	took := dead.Closed.At.Sub(silent)
	t.Logf("dead %v after the peer went silent: %q; probes snapshot/kernel %v; the snapshot's DeadAt was %v early",
		took.Round(time.Millisecond), dead.Closed.Reason, trace, dead.Closed.At.Sub(deadAt).Round(time.Millisecond))
	if !strings.Contains(dead.Closed.Reason, "keepalive") || dead.State != protocol.StateClosed {
		t.Fatalf("seed closed with %q, state %s", dead.Closed.Reason, dead.State)
	}
	// The last answered probe came at most one interval before the silence,
	// so the kernel gives up no sooner than window-Interval after it.
	if early := window - want.Interval - 100*time.Millisecond; took < early {
		t.Fatalf("seed died %v after the silence, before the kernel could have (%v)", took, early)
	}
	if maxKernel < 1 {
		t.Errorf("TCP_INFO never showed an unanswered probe while the peer was silent")
	}
	if !fromKernel {
		t.Errorf("the snapshot never showed the kernel's probe count (>= 1) while the peer was silent: %v", trace)
	}
	// The forecast made during the silence names the moment of death to
	// within the kernel timer's slack.
	if off := dead.Closed.At.Sub(deadAt); off < -time.Second || off > time.Second {
		t.Errorf("the snapshot's DeadAt was %v off the real death", off.Round(time.Millisecond))
	}

	// Nothing on the AT port: the firmware has no disconnect event.
	h.Quiet()
	h.Cmd("AT+SKTSTATE",
		stateLine(1, "server", "tcp", lab.HostIP, port, "0.0.0.0", 0, 0)+
			stateLine(0, "seed", "tcp", "0.0.0.0", 0, lab.PeerIP, cport, -1)+
			"\r\nOK\r\n")
	h.Cmd("AT+SKTDEL=0", "\r\nOK\r\n")
	if l, ok := h.ClosedLink(0); !ok || l.Closed == nil || l.Closed.Reason != dead.Closed.Reason {
		t.Fatalf("history after AT+SKTDEL: %+v", l)
	}
	h.Cmd("AT+SKTSTATE", stateLine(1, "server", "tcp", lab.HostIP, port, "0.0.0.0", 0, 0)+"\r\nOK\r\n")
	h.Quiet()
}
