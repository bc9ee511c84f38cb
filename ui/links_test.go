package ui

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

func TestLinkActionsFillTheConsole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := scenario()
		d := start(t, f, Options{}, 120, 40)
		d.key("tab") // on an empty input the first tab lists the commands
		d.key("tab")
		if d.m.focus != focusLinks {
			t.Fatal("tab did not focus the links")
		}
		// Row 0 is link 0, the seed.
		d.key("r")
		if d.input() != "AT+SKTREAD=0,1024" || d.m.focus != focusConsole {
			t.Fatalf("read: input %q, focus %d", d.input(), d.m.focus)
		}
		if len(f.submittedLines()) != 0 {
			t.Fatal("an action ran the command instead of showing it")
		}
		d.key("ctrl+u")
		d.key("tab") // on an empty input the first tab lists the commands
		d.key("tab")
		d.key("s")
		if !d.m.links.prompt {
			t.Fatal("s did not ask for the payload")
		}
		d.typeText(`a,b\r\n`)
		d.key("enter")
		// No command line carries it: the set's plan (a command and the
		// raw bytes) goes to the session at once.
		scr := d.screen()
		want := protocol.Plan{protocol.LineStep("AT+SKTSENDRAW=0,5"), protocol.RawStep([]byte("a,b\r\n"))}
		if got := f.sentPlans(); len(got) != 1 || !slices.EqualFunc(got[0], want, stepEqual) ||
			!strings.Contains(scr, "send 5 B on 0: queued") {
			t.Fatalf("a payload the command cannot carry: plans %q\n%s", got, scr)
		}
		d.key("s")
		d.typeText("hello")
		d.key("enter")
		if d.input() != "AT+SKTSEND=0,5,,,hello" || d.m.focus != focusConsole {
			t.Fatalf("send: input %q focus %d", d.input(), d.m.focus)
		}
		// The command runs only when the user presses enter.
		d.key("enter")
		if got := f.submittedLines(); !slices.Equal(got, []string{"AT+SKTSEND=0,5,,,hello"}) {
			t.Fatalf("submitted %q", got)
		}
		// Close on link 1, the server.
		d.key("tab") // on an empty input the first tab lists the commands
		d.key("tab")
		d.key("down")
		d.key("c")
		if d.input() != "AT+SKTDEL=1" {
			t.Fatalf("close: %q", d.input())
		}
		// Link 2 is closed: no send or read. (Tab would complete the input
		// now: a click goes back to the links.)
		d.send(tea.MouseClickMsg{X: 80, Y: 3, Button: tea.MouseLeft})
		d.key("end")
		d.key("s")
		if d.m.focus != focusLinks || d.m.links.prompt || d.input() != "AT+SKTDEL=1" || !strings.Contains(d.screen(), "link 2 is closed") {
			t.Fatalf("send on a closed link: focus %d input %q", d.m.focus, d.input())
		}
		// But it may still hold its id on the module (Realtek keeps it
		// until AT+SKTDEL): close frees it, as no live link took the id.
		d.key("c")
		if d.input() != "AT+SKTDEL=2" {
			t.Fatalf("close of a dead link: %q", d.input())
		}
		d.send(tea.MouseClickMsg{X: 80, Y: 3, Button: tea.MouseLeft})
		d.key("home")
		// Esc cancels the payload prompt.
		d.key("home")
		d.key("s")
		d.key("esc")
		if d.m.links.prompt {
			t.Fatal("esc did not cancel the prompt")
		}
	})
}

func TestReadActionUsesBufferedCount(t *testing.T) {
	f := scenario()
	f.set(func(f *fakeBackend) { f.links[0].Buffered = 37 })
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, keyMsg("tab")) // on an empty input the first tab lists the commands
	m = step(m, keyMsg("tab"))
	_, cmd := m.Update(keyMsg("r"))
	msg, ok := cmd().(fillInputMsg)
	if !ok || msg.line != "AT+SKTREAD=0,37" {
		t.Fatalf("read with 37 bytes buffered: %#v", msg)
	}
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "37 B to read") {
		t.Fatalf("buffered bytes not shown:\n%s", scr)
	}
}

func TestLinkSelectionFollowsTheLink(t *testing.T) {
	f := scenario()
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, keyMsg("tab")) // on an empty input the first tab lists the commands
	m = step(m, keyMsg("tab"))
	m = step(m, keyMsg("down")) // link 1
	f.set(func(f *fakeBackend) {
		l := f.links[0]
		l.ID = 3
		f.links = []protocol.LinkInfo{f.links[1], l, f.links[2]} // link 0 gone, a new 3
	})
	m = pull(m)
	if sel, _ := m.links.selected(); sel.ID != 1 {
		t.Fatalf("selection moved to link %d", sel.ID)
	}
}

func TestLinksShowStateAndDeath(t *testing.T) {
	f := scenario()
	for _, w := range []int{120, 80} {
		m := sized(t, f, Options{}, w, 40)
		scr := ansi.Strip(content(m))
		for _, want := range []string{"seed", "127.0.0.1:50000", "ESTABLISHED", "LISTEN", "0.0.0.0:5000", "✗ 2 client",
			"✗ died 12:00:04 (4s ago): peer reset (RST)"} {
			if !strings.Contains(scr, want) {
				t.Errorf("width %d: links pane lacks %q", w, want)
			}
		}
	}
	// Bytes and idle time move with the backend.
	m := sized(t, f, Options{}, 120, 40)
	f.set(func(f *fakeBackend) {
		f.links[0].BytesIn = 4096
		f.links[0].State = protocol.StateCloseWait
	})
	f.advance(7 * time.Second)
	m = pull(m)
	scr := ansi.Strip(content(m))
	if !strings.Contains(scr, "CLOSE_WAIT · in 4.0 KB · out 6 B · idle 9s") {
		t.Fatalf("link 0 not updated:\n%s", scr)
	}
}

// TestKeepaliveCountdownsMoveWithTheView checks that the countdowns move
// with the clock each view carries: the pane has no timer of its own.
func TestKeepaliveCountdownsMoveWithTheView(t *testing.T) {
	f := scenario()
	m := sized(t, f, Options{}, 120, 40)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "probe in 58s") || !strings.Contains(scr, "(1m28s)") {
		t.Fatalf("countdowns:\n%s", scr)
	}
	// The clock moves, but nothing shows it until a view brings it.
	f.advance(time.Second)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "probe in 58s") {
		t.Fatalf("the screen read the clock itself:\n%s", scr)
	}
	m = pull(m)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "probe in 57s") || !strings.Contains(scr, "(1m27s)") {
		t.Fatalf("countdowns after a second:\n%s", scr)
	}
	f.set(func(f *fakeBackend) {
		f.links[0].Closed = &protocol.Closed{At: f.now, Reason: "keepalive: 3 probes unanswered"}
	})
	m = pull(m)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "dead 12:00:09: keepalive: 3 probes unanswered") {
		t.Fatalf("keepalive death not shown:\n%s", scr)
	}
}

func TestKeepaliveProbingAndOff(t *testing.T) {
	f := scenario()
	f.set(func(f *fakeBackend) {
		ka := &f.links[0].Keepalive
		ka.ProbesSent, ka.NextProbe, ka.DeadAt = 2, f.now.Add(4*time.Second), f.now.Add(14*time.Second)
		f.links[0].Opened = f.now.Add(-100 * time.Second)
		f.links[0].LastRx, f.links[0].LastTx = f.now.Add(-80*time.Second), f.now.Add(-80*time.Second)
		f.links = append(f.links, protocol.LinkInfo{ID: 4, Role: protocol.RoleClient, Proto: protocol.ProtoTCP,
			State: protocol.StateEstablished, Opened: f.now})
	})
	m := sized(t, f, Options{}, 120, 40)
	scr := ansi.Strip(content(m))
	for _, want := range []string{"▓▓▓▓▓▓▓▓▓▓ silent 1m20s · probing, next in 4s", "probes 2/3 · if silent, dead at 12:00:22 (14s)",
		"4 client keepalive off"} {
		if !strings.Contains(scr, want) {
			t.Errorf("keepalive pane lacks %q:\n%s", want, scr)
		}
	}
}

// TestIdleViewsOncePerSecond checks that an idle screen reads one view a
// second (its clock moves idle times and countdowns), that changes do not
// multiply the reads, and that the idle times move on screen.
func TestIdleViewsOncePerSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := scenario()
		d := start(t, f, Options{}, 120, 40)
		for i := 0; i < 5; i++ {
			f.set(func(*fakeBackend) {}) // changes that resend the links
			time.Sleep(200 * time.Millisecond)
			d.settle()
		}
		before := d.counts["ui.viewMsg"]
		for i := 0; i < 10; i++ {
			f.advance(time.Second)
			time.Sleep(time.Second)
			d.settle()
		}
		if n := d.counts["ui.viewMsg"] - before; n < 9 || n > 11 {
			t.Fatalf("%d views in 10 idle seconds, want 10", n)
		}
		if scr := d.screen(); !strings.Contains(scr, "probe in 48s") {
			t.Fatalf("countdown did not move with the views:\n%s", scr)
		}
	})
}

func TestPollTrafficStaysOutOfTheConsole(t *testing.T) {
	f := scenario()
	f.add(protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSTATE", Quiet: true})
	f.add(protocol.Record{Kind: protocol.KindInfo, Text: "link_id:1,server,tcp,src_address:0.0.0.0,src_port:7777,dst_address:0.0.0.0,dst_port:0,socket_fd:0", Quiet: true})
	f.add(rec(protocol.KindEvent, "[$]wifi disconnected"))
	f.add(protocol.Record{Kind: protocol.KindOK, Text: "OK", Quiet: true})
	m := sized(t, f, Options{}, 120, 40)
	scr := ansi.Strip(content(m))
	if strings.Contains(scr, "src_port:7777") {
		t.Errorf("the poll's answer is in the console:\n%s", scr)
	}
	if !strings.Contains(scr, "[$]wifi disconnected") {
		t.Errorf("an event during the poll is missing:\n%s", scr)
	}
}

func TestActionWaitsWhileRawBytesAreDue(t *testing.T) {
	f := scenario()
	f.add(sent("AT+SKTSENDRAW=0,4"))
	f.set(func(f *fakeBackend) { f.stats.Outstanding, f.stats.Pending = "AT+SKTSENDRAW=0,4", 1 })
	f.add(rec(protocol.KindPrompt, ">>>"))
	f.set(func(f *fakeBackend) {
		f.stats.Awaiting = session.Awaiting{Command: "AT+SKTSENDRAW=0,4", Link: 0, Bytes: 4}
	})
	m := sized(t, f, Options{}, 120, 40)
	m = step(m, keyMsg("tab"))
	_, cmd := m.Update(keyMsg("c"))
	m = step(m, cmd())
	if m.console.ed.String() != "" || m.focus != focusLinks {
		t.Fatalf("a link action filled the input of a raw send: %q", m.console.ed.String())
	}
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "the module waits for raw bytes") {
		t.Fatalf("no explanation:\n%s", scr)
	}
}

func stepEqual(a, b protocol.Step) bool { return a.Line == b.Line && string(a.Raw) == string(b.Raw) }
