package wizfi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	goserial "go.bug.st/serial"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/device/expose"
	"atbench/protocol"
)

// waitLimit bounds every wait for an asynchronous event in the tests.
const waitLimit = 15 * time.Second

// harness drives a module running this firmware as a serial client would:
// through a real pty (the slave opened with go.bug.st/serial), or directly
// where the platform has no pty. It collects everything the module prints.
type harness struct {
	t      *testing.T
	m      *emulator.Module
	fw     *Firmware
	port   io.ReadWriteCloser
	stop   context.CancelFunc
	served <-chan error
	mu     sync.Mutex
	got    []byte
	notify chan struct{}
	done   chan struct{}
}

func newHarness(t *testing.T, cfg emulator.Config) *harness {
	t.Helper()
	h := &harness{t: t, stop: func() {}, notify: make(chan struct{}, 1), done: make(chan struct{})}
	cfg.Firmware = func(host emulator.Host) emulator.Firmware {
		h.fw = New(host).(*Firmware)
		return h.fw
	}
	m, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.m, h.port = m, m
	ctx, cancel := context.WithCancel(context.Background())
	if path, served, err := expose.ServePTY(ctx, m); err == nil {
		sp, err := goserial.Open(path, &goserial.Mode{BaudRate: 115200})
		if err != nil {
			cancel()
			t.Fatalf("open the pty %s: %v", path, err)
		}
		h.port, h.stop, h.served = sp, cancel, served
	} else {
		cancel()
		t.Logf("no pty (%v): driving the module directly", err)
	}
	go func() {
		defer close(h.done)
		buf := make([]byte, 64<<10)
		for {
			n, err := h.port.Read(buf)
			if n > 0 {
				h.mu.Lock()
				h.got = append(h.got, buf[:n]...)
				h.mu.Unlock()
				select {
				case h.notify <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(h.close)
	h.expect(banner)
	return h
}

func (h *harness) close() {
	_ = h.m.Close()
	h.stop()
	if h.served != nil {
		<-h.served
	}
	_ = h.port.Close()
	<-h.done
}

// waitFor polls cond (on output arrival or every few ms) until it holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-h.notify:
		case <-tick.C:
		case <-deadline.C:
			h.mu.Lock()
			h.t.Fatalf("timed out waiting for %s; output so far %q", what, h.got)
			h.mu.Unlock()
		}
	}
}

func (h *harness) send(line string) {
	h.t.Helper()
	h.writeRaw([]byte(line + "\r"))
}

func (h *harness) writeRaw(b []byte) {
	h.t.Helper()
	if _, err := h.port.Write(b); err != nil {
		h.t.Fatalf("Write: %v", err)
	}
}

// expect waits for exactly want as the next output and consumes it.
func (h *harness) expect(want string) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%q", want), func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.got) >= len(want) || !bytes.HasPrefix([]byte(want), h.got)
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if !bytes.HasPrefix(h.got, []byte(want)) {
		h.t.Fatalf("output:\n got %q\nwant %q", h.got, want)
	}
	h.got = h.got[len(want):]
}

// cmd sends a line and expects exactly want.
func (h *harness) cmd(line, want string) {
	h.t.Helper()
	h.send(line)
	h.expect(want)
}

// quiet checks that no output is pending.
func (h *harness) quiet() {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.got) != 0 {
		h.t.Fatalf("unexpected output %q", h.got)
	}
}

// tableLink returns link id if it holds its id in the table.
func (h *harness) tableLink(id int) (protocol.LinkInfo, bool) {
	table, _ := h.m.Links()
	for _, l := range table {
		if l.ID == id {
			return l, true
		}
	}
	return protocol.LinkInfo{}, false
}

// waitTableLink waits until link id holds its id and ok(link) holds: a
// counter may move a moment after the bytes it counts reached the peer.
func (h *harness) waitTableLink(id int, ok func(protocol.LinkInfo) bool) protocol.LinkInfo {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		l, found := h.tableLink(id)
		if found && ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("link %d never became as expected: %+v", id, l)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closedLink returns the newest history entry of id.
func (h *harness) closedLink(id int) (protocol.LinkInfo, bool) {
	_, hist := h.m.Links()
	for _, l := range hist {
		if l.ID == id {
			return l, true
		}
	}
	return protocol.LinkInfo{}, false
}

const (
	ok  = "\r\n[OK]\r\n"
	inv = "\r\n[ERROR: INVALID INPUT]\r\n"
)

// listener is a real TCP peer for the module's clients.
func listener(t *testing.T) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// accept takes one client of ln within the wait limit.
func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(waitLimit))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// connectClient opens AT+NCTCP to a new real peer and expects cid.
func (h *harness) connectClient(cid int) net.Conn {
	h.t.Helper()
	ln, port := listener(h.t)
	h.cmd(fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), fmt.Sprintf("\r\nCONNECT %x\r\n", cid)+ok)
	return accept(h.t, ln)
}

// freePort returns a port that was free a moment ago.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server opens a module server (AT+NSTCP or AT+NSUDP) on a free port,
// retrying if another process takes it in between; it returns the port.
func (h *harness) server(cmd string, cid int, extra string) int {
	h.t.Helper()
	network := "tcp"
	if cmd == "AT+NSUDP" {
		network = "udp"
	}
	for range 5 {
		port := freePort(h.t, network)
		h.send(fmt.Sprintf("%s=%d%s", cmd, port, extra))
		want := fmt.Sprintf("\r\nCONNECT %x\r\n", cid) + ok
		fail := "\r\n[ERROR: SOCKET FAILURE]\r\n"
		var got string
		h.waitFor(cmd+" answer", func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			for _, w := range []string{want, fail} {
				if bytes.HasPrefix(h.got, []byte(w)) {
					got = w
					h.got = h.got[len(w):]
					return true
				}
			}
			return len(h.got) >= len(want)
		})
		if got == want {
			return port
		}
		if got != fail {
			h.t.Fatalf("%s: %q", cmd, h.got)
		}
	}
	h.t.Fatalf("%s: no free port", cmd)
	return 0
}

func dial(t *testing.T, port int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func localPort(c net.Conn) int {
	switch a := c.LocalAddr().(type) {
	case *net.TCPAddr:
		return a.Port
	case *net.UDPAddr:
		return a.Port
	}
	return 0
}

// readN reads exactly n bytes from c.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read %d: %v", n, err)
	}
	return buf
}

// fakeClock is a settable clock for the module; its timers run on real
// time (the firmware starts none).
type fakeClock struct {
	netcore.RealClock
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// waitForLong waits up to limit for want as the next output, calling poll
// on each wake-up, and consumes it.
func (h *harness) waitForLong(what string, limit time.Duration, poll func(), want string) {
	h.t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		poll()
		h.mu.Lock()
		done := len(h.got) >= len(want)
		h.mu.Unlock()
		if done {
			h.expect(want)
			return
		}
		select {
		case <-h.notify:
		case <-tick.C:
		case <-deadline.C:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}
