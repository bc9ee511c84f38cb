package realtek

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"atbench/device/emulator/netcore"
	"atbench/internal/emutest"
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
	case <-time.After(emutest.WaitLimit):
		t.Fatal("the early-stop timer was never armed")
		return nil
	}
}

func TestTransparentEarlyStop(t *testing.T) {
	clk := &stepClock{armed: make(chan *stepTimer, 4)}
	h := newHarness(t, Config{Clock: clk})
	ln, port := emutest.Listen(t)
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=0,1,,127.0.0.1,%d,,0", port), "\r\nOK\r\n")
	srv := emutest.Accept(t, ln)

	// "<<<" then 30 ms of quiet: the transfer ends with what came before.
	h.Cmd("AT+SKTSENDRAW=0,100", ">>>\r\n")
	h.Send([]byte("abc"))
	for range 3 {
		h.Send([]byte("<"))
	}
	clk.nextTimer(t).f()
	h.Expect("\r\nOK\r\n")
	if got := emutest.ReadN(t, srv, 3); string(got) != "abc" {
		t.Fatalf("peer got %q, want abc", got)
	}
	// The module takes commands again: AT+TEST is answered, not sent.
	h.Cmd("AT+TEST", "\r\nOK\r\n")

	// Bytes after "<<<" within 30 ms make all of it data.
	h.Cmd("AT+SKTSENDRAW=0,10", ">>>\r\n")
	h.Send([]byte("ab<<<"))
	tm := clk.nextTimer(t)
	h.Send([]byte("xyz"))
	select {
	case <-tm.stopped:
	case <-time.After(emutest.WaitLimit):
		t.Fatal("new input did not cancel the early stop")
	}
	tm.f() // a timer that fired just as the input came: no effect
	h.Send([]byte("12"))
	h.Expect("\r\nOK\r\n")
	if got := emutest.ReadN(t, srv, 10); string(got) != "ab<<<xyz12" {
		t.Fatalf("peer got %q, want ab<<<xyz12", got)
	}

	// Three '<' that complete the size are data.
	h.Cmd("AT+SKTSENDRAW=0,3", ">>>\r\n")
	h.Send([]byte("<<<"))
	h.Expect("\r\nOK\r\n")
	if got := emutest.ReadN(t, srv, 3); string(got) != "<<<" {
		t.Fatalf("peer got %q, want <<<", got)
	}
	h.Cmd("AT+TEST", "\r\nOK\r\n")
	h.Quiet()
}
