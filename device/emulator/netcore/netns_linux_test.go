//go:build linux

package netcore

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

	"golang.org/x/sys/unix"
)

// netnsLab is a private network namespace joined to the host by a veth
// pair on a /30 of 10.214.0.0/16 that exists only on that pair.
type netnsLab struct {
	ns           string
	hostIf, nsIf string
	hostIP, nsIP string
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetnsLab builds the namespace and its veth pair, removing both when
// the test ends; it skips the test without root, ip(8) or namespaces.
func newNetnsLab(t *testing.T) *netnsLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace and a veth pair")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8) from iproute2: ", err)
	}
	pid := os.Getpid()
	i := pid % 16384
	base := fmt.Sprintf("10.214.%d.", i/64)
	n := &netnsLab{
		ns:     "atb-nc-" + strconv.Itoa(pid),
		hostIf: "atbnc" + strconv.Itoa(pid) + "h",
		nsIf:   "atbnc" + strconv.Itoa(pid) + "n",
		hostIP: base + strconv.Itoa(i%64*4+1),
		nsIP:   base + strconv.Itoa(i%64*4+2),
	}
	_ = ipCmd("link", "del", n.hostIf)
	_ = ipCmd("netns", "del", n.ns)
	if err := ipCmd("netns", "add", n.ns); err != nil {
		t.Skip("network namespaces are not usable: ", err)
	}
	t.Cleanup(func() {
		if err := ipCmd("link", "del", n.hostIf); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
			t.Errorf("cleanup: %v", err)
		}
		if err := ipCmd("netns", "del", n.ns); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for _, s := range [][]string{
		{"link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf},
		{"link", "set", n.nsIf, "netns", n.ns},
		{"addr", "add", n.hostIP + "/30", "dev", n.hostIf},
		{"link", "set", n.hostIf, "up"},
		{"-n", n.ns, "addr", "add", n.nsIP + "/30", "dev", n.nsIf},
		{"-n", n.ns, "link", "set", n.nsIf, "up"},
	} {
		if err := ipCmd(s...); err != nil {
			t.Fatalf("set up the namespace: %v", err)
		}
	}
	return n
}

// listen opens a TCP listener inside the namespace (a locked thread
// enters it, makes the socket, and comes back); closed when the test ends.
func (n *netnsLab) listen(t *testing.T) net.Listener {
	t.Helper()
	type result struct {
		ln  net.Listener
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
			ch <- result{err: err}
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open("/run/netns/"+n.ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			back = true
			ch <- result{err: err}
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			back = true
			ch <- result{err: err}
			return
		}
		lc := net.ListenConfig{KeepAlive: -1} // the peer sends no keepalive of its own
		ln, err := lc.Listen(t.Context(), "tcp4", net.JoinHostPort(n.nsIP, "0"))
		if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
			err = errors.Join(err, serr)
		} else {
			back = true
		}
		ch <- result{ln, err}
	}()
	r := <-ch
	if r.err != nil {
		if r.ln != nil {
			r.ln.Close()
		}
		t.Fatalf("listen in namespace %s: %v", n.ns, r.err)
	}
	t.Cleanup(func() { r.ln.Close() })
	return r.ln
}

// silence takes the namespace's end of the pair down: the peer neither
// answers nor sends anything from then on, no RST and no FIN.
func (n *netnsLab) silence(t *testing.T) {
	t.Helper()
	if err := ipCmd("-n", n.ns, "link", "set", n.nsIf, "down"); err != nil {
		t.Fatal(err)
	}
}
