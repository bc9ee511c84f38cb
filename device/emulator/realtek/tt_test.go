package realtek

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"atbench/device/emulator/netcore"
)

// stepClock is the real clock but for the early-stop timer of
// transparent transmission and the soft AP's station, which fire only
// when the test says so.
type stepClock struct {
	netcore.RealClock
	mu     sync.Mutex
	timers []*stepTimer
	armed  chan *stepTimer
}

type stepTimer struct {
	f       func()
	stopped chan struct{}
	once    sync.Once
}

func (t *stepTimer) Stop() bool               { t.once.Do(func() { close(t.stopped) }); return true }
func (t *stepTimer) Reset(time.Duration) bool { return false }

func (c *stepClock) AfterFunc(d time.Duration, f func()) netcore.Timer {
	if d != ttQuiet && d != apJoinAfter {
		return c.RealClock.AfterFunc(d, f)
	}
	t := &stepTimer{f: f, stopped: make(chan struct{})}
	c.armed <- t
	return t
}

// nextTimer waits for the firmware to arm the early-stop timer.
func (c *stepClock) nextTimer(t *testing.T) *stepTimer {
	t.Helper()
	select {
	case tm := <-c.armed:
		return tm
	case <-time.After(waitLimit):
		t.Fatal("the early-stop timer was never armed")
		return nil
	}
}

func TestTransparentEarlyStop(t *testing.T) {
	clk := &stepClock{armed: make(chan *stepTimer, 4)}
	h := newHarness(t, Config{Clock: clk})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h.cmd(fmt.Sprintf("AT+SKTCLIENT=0,1,,127.0.0.1,%d,,0", ln.Addr().(*net.TCPAddr).Port), "\r\nOK\r\n")
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	// "<<<" then 30 ms of quiet: the transfer ends with what came before.
	h.cmd("AT+SKTSENDRAW=0,100", ">>>\r\n")
	h.writeRaw([]byte("abc"))
	for range 3 {
		h.writeRaw([]byte("<"))
	}
	clk.nextTimer(t).f()
	h.expect("\r\nOK\r\n")
	if got := readN(t, srv, 3); string(got) != "abc" {
		t.Fatalf("peer got %q, want abc", got)
	}
	// The module takes commands again: AT+TEST is answered, not sent.
	h.cmd("AT+TEST", "\r\nOK\r\n")

	// Bytes after "<<<" within 30 ms make all of it data.
	h.cmd("AT+SKTSENDRAW=0,10", ">>>\r\n")
	h.writeRaw([]byte("ab<<<"))
	tm := clk.nextTimer(t)
	h.writeRaw([]byte("xyz"))
	select {
	case <-tm.stopped:
	case <-time.After(waitLimit):
		t.Fatal("new input did not cancel the early stop")
	}
	tm.f() // a timer that fired just as the input came: no effect
	h.writeRaw([]byte("12"))
	h.expect("\r\nOK\r\n")
	if got := readN(t, srv, 10); string(got) != "ab<<<xyz12" {
		t.Fatalf("peer got %q, want ab<<<xyz12", got)
	}

	// Three '<' that complete the size are data.
	h.cmd("AT+SKTSENDRAW=0,3", ">>>\r\n")
	h.writeRaw([]byte("<<<"))
	h.expect("\r\nOK\r\n")
	if got := readN(t, srv, 3); string(got) != "<<<" {
		t.Fatalf("peer got %q, want <<<", got)
	}
	h.cmd("AT+TEST", "\r\nOK\r\n")
	h.quiet()
}
