package inventek

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
	"atbench/device/expose"
	"atbench/protocol"
	inv "atbench/protocol/inventek"
)

// waitLimit bounds every wait for an asynchronous event in the tests.
const waitLimit = 15 * time.Second

// harness drives a module running this firmware as a serial client would:
// through a real pty (the slave opened with go.bug.st/serial, the module
// behind the master), or through Read and Write where there is no pty.
type harness struct {
	t      *testing.T
	m      *emulator.Module
	port   io.ReadWriteCloser
	stop   context.CancelFunc
	served <-chan error
	mu     sync.Mutex
	got    []byte
	notify chan struct{}
	done   chan struct{}
	closed sync.Once
}

func newHarness(t *testing.T, cfg emulator.Config) *harness {
	t.Helper()
	cfg.Firmware = New
	m, err := emulator.New(cfg)
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
	h.expect(inv.Prompt)
	return h
}

func (h *harness) close() {
	h.closed.Do(func() {
		_ = h.m.Close()
		h.stop()
		if h.served != nil {
			<-h.served
		}
		_ = h.port.Close()
		<-h.done
	})
}

// waitFor waits (on output arrival or every few ms) until cond holds.
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

// write sends raw bytes.
func (h *harness) write(b []byte) {
	h.t.Helper()
	if _, err := h.port.Write(b); err != nil {
		h.t.Fatalf("Write: %v", err)
	}
}

// send sends a command line ended by CR alone.
func (h *harness) send(line string) { h.t.Helper(); h.write([]byte(line + inv.LineEnding)) }

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
func (h *harness) cmd(line string, want []byte) {
	h.t.Helper()
	h.send(line)
	h.expect(string(want))
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

// buffered waits until link id holds n bytes for R0.
func (h *harness) buffered(id, n int) {
	h.t.Helper()
	h.waitLink(id, fmt.Sprintf("%d bytes buffered on link %d", n, id), func(l protocol.LinkInfo) bool { return l.Buffered == n })
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

// startServer sets P2 to a free port, sends the lines between (each
// answered OK) and P5=<mode>, retrying if another process took the port
// meanwhile; it returns the port.
func (h *harness) startServer(mode int, network string, want []byte, between ...string) int {
	h.t.Helper()
	for range 5 {
		port := freePort(h.t, network)
		h.cmd("P2="+strconv.Itoa(port), inv.FormatOK(nil))
		for _, l := range between {
			h.cmd(l, inv.FormatOK(nil))
		}
		h.send("P5=" + strconv.Itoa(mode))
		var out []byte
		h.waitFor("P5's answer", func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			if i := bytes.Index(h.got, []byte(inv.Prompt)); i >= 0 {
				out = bytes.Clone(h.got[:i+len(inv.Prompt)])
				h.got = h.got[i+len(inv.Prompt):]
				return true
			}
			return false
		})
		if bytes.Equal(out, want) {
			return port
		}
		if !bytes.Equal(out, inv.FormatError(nil, inv.ErrUnknownError, inv.Usage("P5"))) {
			h.t.Fatalf("P5=%d: %q, want %q", mode, out, want)
		}
	}
	h.t.Fatal("P5: no free port")
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

// accepted is the accept message of a client from c.
func accepted(c net.Conn) []byte { return inv.FormatEvent(inv.AcceptedText("127.0.0.1", localPort(c))) }

// readN reads exactly n bytes from c.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return buf
}

// expectEOF waits for the peer to see the connection closed.
func expectEOF(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("no EOF: %v", err)
			}
			return
		}
	}
}
