package inventek

import (
	"net"
	"strconv"
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	inv "atbench/protocol/inventek"
)

// TestKeepaliveInSnapshot: PK=1,3000 gives the server's clients the
// keepalive idle 3 s, then 9 probes 75 s apart, and the link table shows
// its schedule on the module's clock; traffic restarts it.
func TestKeepaliveInSnapshot(t *testing.T) {
	clk := emutest.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	h := newHarness(t, emulator.Config{Clock: clk})
	h.cmd("PK=1,3000", inv.FormatOK(nil))
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	c := emutest.Dial(t, port)
	h.Expect(string(accepted(c)))
	opened := clk.Now()
	l, _ := h.TableLink(inv.SeedLink(0))
	ka := l.Keepalive
	if !ka.Enabled || ka.Idle != 3*time.Second || ka.Interval != 75*time.Second || ka.Count != 9 {
		t.Fatalf("keepalive in force %+v", ka)
	}
	if !ka.NextProbe.Equal(opened.Add(3*time.Second)) || !ka.DeadAt.Equal(opened.Add(3*time.Second+9*75*time.Second)) {
		t.Fatalf("schedule %+v", ka)
	}
	clk.Add(10 * time.Second)
	if l, _ := h.TableLink(inv.SeedLink(0)); !l.Keepalive.NextProbe.Equal(opened.Add(78 * time.Second)) {
		t.Fatalf("after 10 s: %+v", l.Keepalive)
	}
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	h.WaitBuffered(inv.SeedLink(0), 1)
	if l, _ := h.TableLink(inv.SeedLink(0)); !l.Keepalive.NextProbe.Equal(opened.Add(13 * time.Second)) {
		t.Fatalf("after traffic: %+v", l.Keepalive)
	}
	// the listening socket has none; P? shows PK's values
	if s, _ := h.TableLink(0); s.Keepalive.Enabled {
		t.Fatalf("server with keepalive %+v", s.Keepalive)
	}
	h.cmd("P?", inv.FormatOK([]byte("0,127.0.0.1,"+strconv.Itoa(port)+",127.0.0.1,"+strconv.Itoa(emutest.LocalPort(c))+",1,0,0,1,0,1,3000")))
	// PK=0 on the running server turns it off for its client
	h.cmd("PK=0,3000", inv.FormatOK(nil))
	if l, _ := h.TableLink(inv.SeedLink(0)); l.Keepalive.Enabled {
		t.Fatalf("after PK=0: %+v", l.Keepalive)
	}
}

// TestPeerReset: a client that resets its connection leaves R0 and S3
// answering -1, and the link closed with "peer reset (RST)"; P5=10 then
// waits for the next client, which is served on the same socket. A
// client that comes while one is served is turned away.
func TestPeerReset(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	a := emutest.Dial(t, port)
	h.Expect(string(accepted(a)))
	// a second client while the first is served: closed at once
	b := emutest.Dial(t, port)
	emutest.ExpectEOF(t, b)
	if err := a.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	a.Close()
	// the reset reaches the reader asynchronously: R0 answers -1 once it has
	h.WaitFor("R0 -1", func() bool {
		v, ok := h.m.Net().Link(inv.SeedLink(0))
		return ok && v.Ended
	})
	h.cmd("R0", inv.FormatLost())
	h.Send([]byte("S3=1\rz"))
	h.Expect(string(inv.FormatLost()))
	if l, _ := h.TableLink(inv.SeedLink(0)); l.Closed == nil || l.Closed.Reason != "peer reset (RST)" {
		t.Fatalf("reset link %+v", l)
	}
	h.cmd("P5=10", inv.FormatLines(inv.WaitingText))
	c := emutest.Dial(t, port)
	h.Expect(string(accepted(c)))
	if l, ok := h.TableLink(inv.SeedLink(0)); !ok || l.Remote != c.LocalAddr().String() {
		t.Fatalf("next client %+v", l)
	}
	h.Send([]byte("S3=2\rok"))
	h.Expect(string(inv.FormatCount(2)))
	if got := emutest.ReadN(t, c, 2); string(got) != "ok" {
		t.Fatalf("got %q", got)
	}
	// P5=10 with no client waits on; a second P5=11 on a running socket fails
	h.cmd("P5=10", inv.FormatLines(inv.WaitingText))
	emutest.ExpectEOF(t, c)
	h.cmd("P5=10", inv.FormatLines(inv.WaitingText))
	h.cmd("P5=11", []byte("\r\nERROR: Unknown Error\r\nUsage: P5=<mode> \r\n> "))
	h.cmd("R0", inv.FormatOK(nil)) // waiting: nothing to read
	h.cmd("P5=0", inv.FormatLines(inv.KilledText))
	h.cmd("P5=0", inv.FormatOK(nil))
	h.cmd("P5=10", []byte("\r\nERROR: Unknown Error\r\nUsage: P5=<mode> \r\n> "))
	h.Quiet()
}

// TestTwoServers: servers on sockets 1 and 3 each serve their own client;
// P0 picks which one S3 and R0 talk to.
func TestTwoServers(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.cmd("P0=1", inv.FormatOK(nil))
	p1 := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	h.cmd("P0=3", inv.FormatOK(nil))
	p3 := h.startServer(1, "tcp", inv.FormatLines(inv.WaitingText))
	c3 := emutest.Dial(t, p3)
	h.Expect(string(accepted(c3)))
	c1 := emutest.Dial(t, p1)
	h.Expect(string(accepted(c1)))
	for _, x := range []struct {
		sock int
		c    net.Conn
	}{{1, c1}, {3, c3}} {
		h.cmd("P0="+strconv.Itoa(x.sock), inv.FormatOK(nil))
		msg := "to " + strconv.Itoa(x.sock)
		h.Send([]byte("S3=" + strconv.Itoa(len(msg)) + "\r" + msg))
		h.Expect(string(inv.FormatCount(len(msg))))
		if got := emutest.ReadN(t, x.c, len(msg)); string(got) != msg {
			t.Fatalf("socket %d's client got %q", x.sock, got)
		}
		from := "from " + strconv.Itoa(x.sock)
		if _, err := x.c.Write([]byte(from)); err != nil {
			t.Fatal(err)
		}
		h.WaitFor("data of socket "+strconv.Itoa(x.sock), func() bool {
			for _, l := range h.m.Net().Table() {
				if l.Parent == x.sock && l.Buffered == len(from) {
					return true
				}
			}
			return false
		})
		h.cmd("R0", inv.FormatOK([]byte(from)))
	}
	// the clients' ids are 4..7, one each; P5=0 frees both
	h.cmd("P0=1", inv.FormatOK(nil))
	h.cmd("P5=0", inv.FormatLines(inv.KilledText))
	h.cmd("P0=3", inv.FormatOK(nil))
	h.cmd("P5=0", inv.FormatLines(inv.KilledText))
	for id := range 8 {
		if _, ok := h.m.Net().Link(id); ok {
			t.Errorf("link %d still open", id)
		}
		if !h.m.Net().InUse(id) {
			t.Errorf("id %d not claimed back", id)
		}
	}
	h.Quiet()
}

// TestLostReasonKept: a client that closed before the host asked keeps
// "peer closed (FIN)" as its close reason when P5=10 drops it.
func TestLostReasonKept(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	c := emutest.Dial(t, port)
	h.Expect(string(accepted(c)))
	c.Close()
	h.WaitFor("the peer's FIN", func() bool {
		v, ok := h.m.Net().Link(inv.SeedLink(0))
		return ok && v.Ended
	})
	h.cmd("P5=10", inv.FormatLines(inv.WaitingText))
	_, hist := h.m.Links()
	if len(hist) == 0 || hist[0].ID != inv.SeedLink(0) || hist[0].Closed == nil || hist[0].Closed.Reason != "peer closed (FIN)" {
		t.Fatalf("history %+v", hist)
	}
}
