package realtek

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goserial "go.bug.st/serial"

	"atbench/device/emulator"
	"atbench/device/expose"
	"atbench/protocol"
)

// Config and Module are the emulator's: the tests drive a module running
// this firmware.
type (
	Config = emulator.Config
	Module = emulator.Module
)

// start starts a module running the Realtek firmware.
func start(cfg Config) (*Module, error) {
	if cfg.Firmware == nil {
		cfg.Firmware = New
	}
	return emulator.New(cfg)
}

// waitLimit bounds every wait for an asynchronous event in the tests.
const waitLimit = 10 * time.Second

// harness drives a Module as a serial client would: through a real pty
// (the slave opened with go.bug.st/serial, the module behind the master),
// or directly through Read and Write where the platform has no pty. It
// collects everything the module prints.
type harness struct {
	t      *testing.T
	m      *Module
	port   io.ReadWriteCloser // the serial client's end
	stop   context.CancelFunc
	served <-chan error
	mu     sync.Mutex
	got    []byte
	notify chan struct{}
	done   chan struct{}
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	m, err := start(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{t: t, m: m, port: m, stop: func() {}, notify: make(chan struct{}, 1), done: make(chan struct{})}
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
	h.expect("ATCMD READY\r\n")
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
	if _, err := h.port.Write([]byte(line + "\r\n")); err != nil {
		h.t.Fatalf("Write: %v", err)
	}
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

// until waits for output containing sub and returns (and consumes) it all.
func (h *harness) until(sub string) string {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%q", sub), func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return bytes.Contains(h.got, []byte(sub))
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	i := bytes.Index(h.got, []byte(sub)) + len(sub)
	s := string(h.got[:i])
	h.got = h.got[i:]
	return s
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

// waitLink waits until link id of the table satisfies cond.
func (h *harness) waitLink(id int, what string, cond func(protocol.LinkInfo) bool) protocol.LinkInfo {
	h.t.Helper()
	var got protocol.LinkInfo
	h.waitFor(what, func() bool {
		l, ok := h.tableLink(id)
		got = l
		return ok && cond(l)
	})
	return got
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

// server opens a module server on a free port, retrying if another
// process takes the port in between; it returns the port.
func (h *harness) server(id, connType int, cert string, auto int) int {
	h.t.Helper()
	network := "tcp"
	if connType == 0 {
		network = "udp"
	}
	for range 5 {
		port := freePort(h.t, network)
		h.send(fmt.Sprintf("AT+SKTSERVER=%d,%d,%s,%d,%d", id, connType, cert, port, auto))
		out := h.until("\r\n")
		out += h.until("\r\n")
		if out == "\r\nOK\r\n" {
			return port
		}
		if !strings.HasPrefix(out, "\r\nERROR: ") {
			h.t.Fatalf("AT+SKTSERVER: %q", out)
		}
	}
	h.t.Fatalf("AT+SKTSERVER: no free port")
	return 0
}

func dial(t *testing.T, port int) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func localPort(c net.Conn) int { return c.LocalAddr().(*net.TCPAddr).Port }

func acceptEvent(seed int, tls bool, port, server int) string {
	proto := "tcp"
	if tls {
		proto = "tls"
	}
	return fmt.Sprintf("[$][SKT][EVENT]: A client[link_id:%d,seed,%s,dst_address:127.0.0.1,dst_port:%d] connected to server[link_id:%d]\r\n", seed, proto, port, server)
}

// readN reads exactly n bytes from c.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, n)
	for got := 0; got < n; {
		k, err := c.Read(buf[got:])
		if err != nil {
			t.Fatalf("read %d/%d: %v", got, n, err)
		}
		got += k
	}
	return buf
}

// expectEOF waits for the peer to see the connection closed.
func expectEOF(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, 64)
	for {
		_, err := c.Read(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("no EOF: %v", err)
			}
			return
		}
	}
}
