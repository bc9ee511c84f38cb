// Package emutest drives an emulated module in tests as a serial client
// would, through a real pty or directly, and gives the tests the loopback
// peers, clock and socket probes they check the module with. It knows no
// command set: line endings, prompts, answers and framing stay with each
// firmware's tests.
package emutest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	goserial "go.bug.st/serial"

	"atbench/device/emulator"
	"atbench/device/expose"
	"atbench/protocol"
)

// WaitLimit bounds every wait for an asynchronous event: generous, so a
// loaded machine does not fail a test that waits for what does come.
const WaitLimit = 15 * time.Second

// pollEvery is how often a wait looks again at a condition no output
// announces (the link table, a socket).
const pollEvery = 2 * time.Millisecond

// Options describe the module Start runs and how its client talks.
type Options struct {
	// Config is the module's configuration; Config.Firmware is required.
	Config emulator.Config
	// LineEnding ends each line SendLine writes.
	LineEnding string
	// Ready is the module's power-up output: Start waits for exactly it
	// and consumes it. Empty: Start waits for nothing.
	Ready string
	// Direct drives the module in-process, through its Read and Write,
	// even where a pty exists.
	Direct bool
}

// Client drives a Module as a serial client would: through a real pty
// (the slave opened with go.bug.st/serial, the module behind the master),
// or in-process through Read and Write (Options.Direct, or where the
// platform has no pty). It
// collects everything the module prints; the Expect family consumes it.
// Its methods belong to the test's goroutine.
type Client struct {
	tb     testing.TB
	m      *emulator.Module
	end    string
	port   io.ReadWriteCloser // the serial client's end
	stop   context.CancelFunc
	served <-chan error
	closed sync.Once

	mu     sync.Mutex
	got    []byte // printed, not yet consumed
	notify chan struct{}
	done   chan struct{}
}

// Start starts a module with o.Config, serves it on a pty (or drives it
// directly if o.Direct or where there is none), and waits for o.Ready.
// The test's cleanup closes it.
func Start(tb testing.TB, o Options) *Client {
	tb.Helper()
	m, err := emulator.New(o.Config)
	if err != nil {
		tb.Fatalf("start the module: %v", err)
	}
	c := &Client{tb: tb, m: m, end: o.LineEnding, port: m, stop: func() {},
		notify: make(chan struct{}, 1), done: make(chan struct{})}
	if !o.Direct {
		c.servePTY()
	}
	go c.collect()
	tb.Cleanup(c.Close)
	if o.Ready != "" {
		c.Expect(o.Ready)
	}
	return c
}

// servePTY serves the module on a pty and makes the slave, opened as a
// serial port, the client's port; where there is no pty it leaves the
// module itself as the port.
func (c *Client) servePTY() {
	c.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	path, served, err := expose.ServePTY(ctx, c.m)
	if err != nil {
		cancel()
		c.tb.Logf("no pty (%v): driving the module directly", err)
		return
	}
	sp, err := goserial.Open(path, &goserial.Mode{BaudRate: 115200})
	if err != nil {
		cancel()
		<-served
		_ = c.m.Close()
		c.tb.Fatalf("open the pty %s: %v", path, err)
	}
	c.port, c.stop, c.served = sp, cancel, served
}

// collect reads the port until it closes, keeping what it reads.
func (c *Client) collect() {
	defer close(c.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := c.port.Read(buf)
		if n > 0 {
			c.mu.Lock()
			c.got = append(c.got, buf[:n]...)
			c.mu.Unlock()
			select {
			case c.notify <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// Close closes the module, the pty and the port, and waits for the
// collecting goroutine. Start registers it with the test's cleanup; a
// test may call it sooner.
func (c *Client) Close() {
	c.closed.Do(func() {
		_ = c.m.Close()
		c.stop()
		if c.served != nil {
			<-c.served
		}
		_ = c.port.Close()
		<-c.done
	})
}

// Module is the module under test.
func (c *Client) Module() *emulator.Module { return c.m }

// Send writes b to the module as it is.
func (c *Client) Send(b []byte) {
	c.tb.Helper()
	if _, err := c.port.Write(b); err != nil {
		c.tb.Fatalf("write to the module: %v", err)
	}
}

// SendLine writes line and the Options' line ending.
func (c *Client) SendLine(line string) {
	c.tb.Helper()
	c.Send([]byte(line + c.end))
}

// Expect waits for exactly want as the next output and consumes it; it
// fails as soon as the output can no longer be want.
func (c *Client) Expect(want string) {
	c.tb.Helper()
	c.WaitOutput(fmt.Sprintf("%q", want), func(out []byte) bool {
		return len(out) >= len(want) || !bytes.HasPrefix([]byte(want), out)
	})
	c.mu.Lock()
	got, ok := c.got, bytes.HasPrefix(c.got, []byte(want))
	if ok {
		c.got = c.got[len(want):]
	} else {
		got = bytes.Clone(got)
	}
	c.mu.Unlock()
	if !ok {
		c.tb.Fatalf("output:\n got %q\nwant %q", got, want)
	}
}

// Cmd sends line and expects exactly want.
func (c *Client) Cmd(line, want string) {
	c.tb.Helper()
	c.SendLine(line)
	c.Expect(want)
}

// ExpectOneOf waits until the output begins with one of wants, consumes
// that one and returns its index. It fails as soon as the output can
// begin with none of them.
func (c *Client) ExpectOneOf(wants ...string) int {
	c.tb.Helper()
	match := func(out []byte) (i int, possible bool) {
		for i, w := range wants {
			if bytes.HasPrefix(out, []byte(w)) {
				return i, true
			}
			if bytes.HasPrefix([]byte(w), out) {
				possible = true
			}
		}
		return -1, possible
	}
	c.WaitOutput(fmt.Sprintf("one of %q", wants), func(out []byte) bool {
		i, possible := match(out)
		return i >= 0 || !possible
	})
	c.mu.Lock()
	i, _ := match(c.got)
	if i < 0 {
		got := bytes.Clone(c.got)
		c.mu.Unlock()
		c.tb.Fatalf("output:\n got %q\nwant one of %q", got, wants)
	}
	c.got = c.got[len(wants[i]):]
	c.mu.Unlock()
	return i
}

// Until waits for output holding sub and returns (and consumes) all of it
// up to the end of sub's first occurrence.
func (c *Client) Until(sub string) string {
	c.tb.Helper()
	c.WaitOutput(fmt.Sprintf("%q", sub), func(out []byte) bool { return bytes.Contains(out, []byte(sub)) })
	c.mu.Lock()
	defer c.mu.Unlock()
	i := bytes.Index(c.got, []byte(sub)) + len(sub)
	s := string(c.got[:i])
	c.got = c.got[i:]
	return s
}

// Take waits for n bytes of output and returns (and consumes) them.
func (c *Client) Take(n int) []byte {
	c.tb.Helper()
	c.WaitOutput(fmt.Sprintf("%d bytes", n), func(out []byte) bool { return len(out) >= n })
	c.mu.Lock()
	defer c.mu.Unlock()
	b := bytes.Clone(c.got[:n])
	c.got = c.got[n:]
	return b
}

// Quiet fails the test if any output is pending.
func (c *Client) Quiet() {
	c.tb.Helper()
	c.mu.Lock()
	got := bytes.Clone(c.got)
	c.mu.Unlock()
	if len(got) != 0 {
		c.tb.Fatalf("unexpected output %q", got)
	}
}

// Pending is the number of output bytes not yet consumed.
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// WaitOutput waits until cond holds of the output not yet consumed,
// looking on each arrival, for at most WaitLimit. cond runs under the
// Client's lock: it must only look at out, and not keep it.
func (c *Client) WaitOutput(what string, cond func(out []byte) bool) {
	c.tb.Helper()
	c.WaitFor(what, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return cond(c.got)
	})
}

// WaitFor waits until cond holds, looking on each output arrival and
// every few milliseconds, for at most WaitLimit.
func (c *Client) WaitFor(what string, cond func() bool) {
	c.tb.Helper()
	c.Poll(what, WaitLimit, pollEvery, cond)
}

// Poll waits until cond holds, looking on each output arrival and every
// interval, for at most limit; then it fails the test, showing the
// pending output.
func (c *Client) Poll(what string, limit, every time.Duration, cond func() bool) {
	c.tb.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for !cond() {
		select {
		case <-c.notify:
		case <-tick.C:
		case <-deadline.C:
			c.mu.Lock()
			got := bytes.Clone(c.got)
			c.mu.Unlock()
			c.tb.Fatalf("timed out after %v waiting for %s; output so far %q", limit, what, got)
		}
	}
}

// TableLink returns link id of the module's table, if one holds the id.
func (c *Client) TableLink(id int) (protocol.LinkInfo, bool) {
	table, _ := c.m.Links()
	for _, l := range table {
		if l.ID == id {
			return l, true
		}
	}
	return protocol.LinkInfo{}, false
}

// ClosedLink returns the newest entry of link id in the module's history.
func (c *Client) ClosedLink(id int) (protocol.LinkInfo, bool) {
	_, hist := c.m.Links()
	for _, l := range hist {
		if l.ID == id {
			return l, true
		}
	}
	return protocol.LinkInfo{}, false
}

// WaitLink waits until the table holds link id and cond holds of it, and
// returns it: a counter may move a moment after the bytes it counts.
func (c *Client) WaitLink(id int, what string, cond func(protocol.LinkInfo) bool) protocol.LinkInfo {
	c.tb.Helper()
	var got protocol.LinkInfo
	c.WaitFor(what, func() bool {
		l, ok := c.TableLink(id)
		got = l
		return ok && cond(l)
	})
	return got
}

// WaitBuffered waits until link id holds n received bytes the host has
// not read yet.
func (c *Client) WaitBuffered(id, n int) {
	c.tb.Helper()
	c.WaitLink(id, fmt.Sprintf("%d bytes buffered on link %d", n, id), func(l protocol.LinkInfo) bool { return l.Buffered == n })
}

// Socket returns the host's TCP socket under link id; it fails the test
// if the link has none.
func (c *Client) Socket(id int) *net.TCPConn {
	c.tb.Helper()
	s, ok := c.m.Net().TCPConn(id)
	if !ok {
		c.tb.Fatalf("link %d has no TCP socket", id)
	}
	return s
}
