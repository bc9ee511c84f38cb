//go:build linux

package realtek

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"atbench/device/emulator/netcore"
	"atbench/protocol"
)

// netnsLab is a private network namespace joined to the host by a veth
// pair on a /30 of 10.213.0.0/16 that exists only on that pair.
type netnsLab struct {
	ns           string // namespace name (ip netns)
	hostIf, nsIf string // the veth ends
	hostIP, nsIP string
}

// ipCmd runs ip(8) and returns its combined output in the error.
func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetnsLab builds the namespace and its veth pair, removing both when
// the test ends. It skips the test unless it runs as root with ip(8) and
// usable network namespaces.
func newNetnsLab(t *testing.T) *netnsLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace and a veth pair")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8) from iproute2: ", err)
	}
	pid := os.Getpid()
	// One /30 per process, so concurrent test binaries do not collide.
	i := pid % 16384
	base := fmt.Sprintf("10.213.%d.", i/64)
	n := &netnsLab{
		ns:     "atb-ka-" + strconv.Itoa(pid),
		hostIf: "atbka" + strconv.Itoa(pid) + "h", // at most 15 bytes: pids have at most 7 digits
		nsIf:   "atbka" + strconv.Itoa(pid) + "n",
		hostIP: base + strconv.Itoa(i%64*4+1),
		nsIP:   base + strconv.Itoa(i%64*4+2),
	}
	// Leftovers of an earlier run of this process (-count).
	_ = ipCmd("link", "del", n.hostIf)
	_ = ipCmd("netns", "del", n.ns)
	if err := ipCmd("netns", "add", n.ns); err != nil {
		t.Skip("network namespaces are not usable: ", err)
	}
	t.Cleanup(func() {
		// Deleting one veth end deletes both at once; a namespace is torn
		// down asynchronously, so the pair is not left to it.
		if err := ipCmd("link", "del", n.hostIf); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
			t.Errorf("cleanup: %v", err)
		}
		if err := ipCmd("netns", "del", n.ns); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	steps := [][]string{
		{"link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf},
		{"link", "set", n.nsIf, "netns", n.ns},
		{"addr", "add", n.hostIP + "/30", "dev", n.hostIf},
		{"link", "set", n.hostIf, "up"},
		{"-n", n.ns, "addr", "add", n.nsIP + "/30", "dev", n.nsIf},
		{"-n", n.ns, "link", "set", n.nsIf, "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			t.Fatalf("set up the namespace: %v", err)
		}
	}
	return n
}

// dial connects to addr from a socket made inside the namespace: a locked
// thread enters it, creates and connects the socket (which stays in the
// namespace for good) and returns to the test's namespace. The connection
// is closed when the test ends.
func (n *netnsLab) dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		back := false
		defer func() {
			if back {
				runtime.UnlockOSThread()
			} // else the thread, stuck in the namespace, dies with us
		}()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			back = true
			ch <- result{err: fmt.Errorf("open our namespace: %w", err)}
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open("/run/netns/"+n.ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			back = true
			ch <- result{err: fmt.Errorf("open namespace %s: %w", n.ns, err)}
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			back = true
			ch <- result{err: fmt.Errorf("enter namespace %s: %w", n.ns, err)}
			return
		}
		d := net.Dialer{KeepAlive: -1, Timeout: waitLimit} // the peer sends no keepalive of its own
		c, err := d.Dial("tcp4", addr)
		if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
			err = errors.Join(err, fmt.Errorf("leave namespace %s: %w", n.ns, serr))
		} else {
			back = true
		}
		ch <- result{c, err}
	}()
	r := <-ch
	if r.err != nil {
		if r.c != nil {
			r.c.Close()
		}
		t.Fatalf("dial %s from namespace %s: %v", addr, n.ns, r.err)
	}
	t.Cleanup(func() { r.c.Close() })
	return r.c.(*net.TCPConn)
}

// silence takes the namespace's end of the pair down: from then on the
// peer neither answers nor sends anything, no RST and no FIN.
func (n *netnsLab) silence(t *testing.T) {
	t.Helper()
	if err := ipCmd("-n", n.ns, "link", "set", n.nsIf, "down"); err != nil {
		t.Fatal(err)
	}
}

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

// seedSocket returns the host socket under link id.
func seedSocket(t *testing.T, m *Module, id int) *net.TCPConn {
	t.Helper()
	c, ok := m.Net().TCPConn(id)
	if !ok {
		t.Fatalf("link %d has no TCP socket", id)
	}
	return c
}

// TestKeepaliveDeclaresASilentPeerDead runs a real kernel keepalive
// failure: a seed with keepalive 1 s / 1 s / 2 probes survives a whole
// dead-peer window while its peer (in a private network namespace) answers
// the probes, then dies with "keepalive timeout" once the peer's link goes
// down without a RST or FIN. The module prints nothing about it, and the
// seed keeps its id with socket_fd:-1 until AT+SKTDEL.
func TestKeepaliveDeclaresASilentPeerDead(t *testing.T) {
	lab := newNetnsLab(t)
	h := newHarness(t, Config{HostAddr: lab.hostIP})
	h.cmd("AT+SKTCFG=,,,1,1,1,2", "\r\nOK\r\n")
	port := h.server(1, 1, "", 1)
	peer := lab.dial(t, net.JoinHostPort(lab.hostIP, strconv.Itoa(port)))
	cport := localPort(peer)
	h.expect(fmt.Sprintf("[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:%s,dst_port:%d] connected to server[link_id:1]\r\n", lab.nsIP, cport))

	seed, ok := snapLink(h.m, 0)
	want := protocol.Keepalive{Enabled: true, Idle: time.Second, Interval: time.Second, Count: 2}
	if !ok || seed.Role != protocol.RoleSeed || seed.Parent != 1 || seed.State != protocol.StateEstablished || seed.Closed != nil ||
		seed.Remote != peer.LocalAddr().String() || seed.Local != peer.RemoteAddr().String() {
		t.Fatalf("seed %+v", seed)
	}
	if k := seed.Keepalive; k.Enabled != want.Enabled || k.Idle != want.Idle || k.Interval != want.Interval || k.Count != want.Count {
		t.Fatalf("seed keepalive %+v, want %+v", k, want)
	}
	sock := seedSocket(t, h.m, 0)
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
	h.quiet()

	lab.silence(t)
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
	h.quiet()
	h.cmd("AT+SKTSTATE",
		stateLine(1, "server", "tcp", lab.hostIP, port, "0.0.0.0", 0, 0)+
			stateLine(0, "seed", "tcp", "0.0.0.0", 0, lab.nsIP, cport, -1)+
			"\r\nOK\r\n")
	h.cmd("AT+SKTDEL=0", "\r\nOK\r\n")
	if l, ok := h.closedLink(0); !ok || l.Closed == nil || l.Closed.Reason != dead.Closed.Reason {
		t.Fatalf("history after AT+SKTDEL: %+v", l)
	}
	h.cmd("AT+SKTSTATE", stateLine(1, "server", "tcp", lab.hostIP, port, "0.0.0.0", 0, 0)+"\r\nOK\r\n")
	h.quiet()
}
