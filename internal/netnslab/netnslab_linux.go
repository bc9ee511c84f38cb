// Package netnslab gives tests a peer on a network of its own: a private
// network namespace joined to the host by a veth pair, whose link the test
// can cut without a FIN or a RST, so a TCP keepalive has a dead peer to
// find. It needs root and ip(8); without them the test is skipped.
package netnslab

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Lab is a namespace and its veth pair on a /30 of 10.212.0.0/14 that
// exists only on that pair.
type Lab struct {
	NS             string // the namespace's name
	HostIf, NSIf   string // the pair's two ends
	HostIP, PeerIP string // the host's and the namespace's addresses
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// New builds the namespace and its pair for one test and removes both
// when it ends. tag (a few letters) tells the labs of different packages
// apart: their tests run at once in processes of their own.
func New(t testing.TB, tag string) *Lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace and a veth pair")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8) from iproute2: ", err)
	}
	pid := os.Getpid()
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", tag, pid)
	i := int(h.Sum32() % (1 << 16)) // a /30 among 2^16 in 10.212.0.0/14
	base := fmt.Sprintf("10.%d.%d.", 212+i>>14, (i>>6)&0xff)
	id := tag + strconv.Itoa(pid)
	n := &Lab{
		NS:     "atb-" + id,
		HostIf: "atb" + id + "h",
		NSIf:   "atb" + id + "n",
		HostIP: base + strconv.Itoa(i%64*4+1),
		PeerIP: base + strconv.Itoa(i%64*4+2),
	}
	if len(n.HostIf) > 15 {
		t.Fatalf("netnslab: tag %q makes the interface name %q longer than 15 bytes", tag, n.HostIf)
	}
	_ = ipCmd("link", "del", n.HostIf)
	_ = ipCmd("netns", "del", n.NS)
	if err := ipCmd("netns", "add", n.NS); err != nil {
		t.Skip("network namespaces are not usable: ", err)
	}
	t.Cleanup(func() {
		if err := ipCmd("link", "del", n.HostIf); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
			t.Errorf("cleanup: %v", err)
		}
		if err := ipCmd("netns", "del", n.NS); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for _, s := range [][]string{
		{"link", "add", n.HostIf, "type", "veth", "peer", "name", n.NSIf},
		{"link", "set", n.NSIf, "netns", n.NS},
		{"addr", "add", n.HostIP + "/30", "dev", n.HostIf},
		{"link", "set", n.HostIf, "up"},
		{"-n", n.NS, "addr", "add", n.PeerIP + "/30", "dev", n.NSIf},
		{"-n", n.NS, "link", "set", n.NSIf, "up"},
	} {
		if err := ipCmd(s...); err != nil {
			t.Fatalf("set up the namespace: %v", err)
		}
	}
	return n
}

// inside runs f on a locked thread that has entered the namespace, so a
// socket f makes lives there for good; the thread comes back after.
func (n *Lab) inside(f func() error) error {
	errc := make(chan error, 1)
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
			errc <- fmt.Errorf("open our namespace: %w", err)
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open("/run/netns/"+n.NS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			back = true
			errc <- fmt.Errorf("open namespace %s: %w", n.NS, err)
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			back = true
			errc <- fmt.Errorf("enter namespace %s: %w", n.NS, err)
			return
		}
		err = f()
		if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
			err = errors.Join(err, fmt.Errorf("leave namespace %s: %w", n.NS, serr))
		} else {
			back = true
		}
		errc <- err
	}()
	return <-errc
}

// Listen opens a TCP listener on the peer's address inside the namespace,
// closed when the test ends. The peer sends no keepalive of its own.
func (n *Lab) Listen(t testing.TB) net.Listener {
	t.Helper()
	var ln net.Listener
	err := n.inside(func() (err error) {
		lc := net.ListenConfig{KeepAlive: -1}
		ln, err = lc.Listen(t.Context(), "tcp4", net.JoinHostPort(n.PeerIP, "0"))
		return err
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		t.Fatalf("listen in namespace %s: %v", n.NS, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Dial connects to addr from a socket inside the namespace, closed when
// the test ends. The peer sends no keepalive of its own.
func (n *Lab) Dial(t testing.TB, addr string, timeout time.Duration) *net.TCPConn {
	t.Helper()
	var c net.Conn
	err := n.inside(func() (err error) {
		d := net.Dialer{KeepAlive: -1, Timeout: timeout}
		c, err = d.Dial("tcp4", addr)
		return err
	})
	if err != nil {
		if c != nil {
			c.Close()
		}
		t.Fatalf("dial %s from namespace %s: %v", addr, n.NS, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// Silence takes the namespace's end of the pair down: from then on the
// peer neither answers nor sends anything, no RST and no FIN.
func (n *Lab) Silence(t testing.TB) {
	t.Helper()
	if err := ipCmd("-n", n.NS, "link", "set", n.NSIf, "down"); err != nil {
		t.Fatal(err)
	}
}
