package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
	"atbench/session"
)

// hexDialect writes link ids as one hex digit, like WizFi, and reads and
// closes through multi-line plans, like Inventek.
type hexDialect struct{ fakeDialect }

func (hexDialect) FormatLink(id int) string { return fmt.Sprintf("%x", id) }

func (hexDialect) ReadPlan(link, n int) (protocol.Plan, error) {
	return protocol.Plan{protocol.LineStep(fmt.Sprintf("P0=%d", link)), protocol.LineStep(fmt.Sprintf("R1=%d", n)), protocol.LineStep("R0")}, nil
}

func (hexDialect) ClosePlan(link int) (protocol.Plan, error) {
	return protocol.Plan{protocol.LineStep(fmt.Sprintf("P0=%d", link)), protocol.LineStep("P6=0")}, nil
}

func (hexDialect) SendPlan(link int, payload []byte) (protocol.Plan, error) {
	return protocol.Plan{protocol.LineStep(fmt.Sprintf("P0=%d", link)), protocol.LineStep(fmt.Sprintf("S3=%d", len(payload))), protocol.RawStep(payload)}, nil
}

func hexScenario() *fakeBackend {
	f := scenario()
	f.set(func(f *fakeBackend) {
		f.dialect = hexDialect{}
		f.links[0].ID = 10
	})
	return f
}

func TestLinkIDsAsTheSetWritesThem(t *testing.T) {
	f := hexScenario()
	m := sized(t, f, Options{}, 120, 40)
	lines := strings.Split(content(m), "\n")
	found := 0
	for _, l := range lines {
		l = ansi.Strip(l)
		if strings.Contains(l, " a seed") || strings.Contains(l, "a seed ") {
			found++
		}
		if strings.Contains(l, "10 seed") {
			t.Errorf("link 10 in decimal: %q", l)
		}
	}
	if found < 2 { // the links pane and the keepalive pane
		t.Errorf("CID 10 not shown as a in both panes (%d):\n%s", found, ansi.Strip(content(m)))
	}
}

func TestLinkPaneSendsReadsClosesThroughPlans(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := hexScenario()
		d := start(t, f, Options{}, 120, 40)
		d.key("tab")
		d.key("tab")
		if d.m.focus != focusLinks {
			t.Fatal("tab did not focus the links")
		}
		for i := 0; i < 3; i++ {
			if l, _ := d.m.links.selected(); l.ID == 10 {
				break
			}
			d.key("down")
		}
		d.key("s")
		if !strings.Contains(d.screen(), "send on a") {
			t.Fatalf("the prompt does not name link a:\n%s", d.screen())
		}
		d.typeText("hi")
		d.key("enter")
		d.key("r")
		d.key("c")
		want := []protocol.Plan{
			{protocol.LineStep("P0=10"), protocol.LineStep("S3=2"), protocol.RawStep([]byte("hi"))},
			{protocol.LineStep("P0=10"), protocol.LineStep("R1=1024"), protocol.LineStep("R0")},
			{protocol.LineStep("P0=10"), protocol.LineStep("P6=0")},
		}
		got := f.sentPlans()
		if !slices.EqualFunc(got, want, func(a, b protocol.Plan) bool { return slices.EqualFunc(a, b, stepEqual) }) {
			t.Fatalf("plans sent: %q", got)
		}
		if d.input() != "" || len(f.submittedLines()) != 0 {
			t.Fatalf("a plan went through the console: input %q, submitted %q", d.input(), f.submittedLines())
		}
		if !strings.Contains(d.screen(), "close a: queued") {
			t.Fatalf("no outcome shown:\n%s", d.screen())
		}
	})
}

func TestStatusSaysTheClockIsSpedUp(t *testing.T) {
	f := scenario()
	m := sized(t, f, Options{}, 120, 40)
	if strings.Contains(ansi.Strip(content(m)), "clock ") {
		t.Fatal("a real-time clock is announced")
	}
	f.set(func(f *fakeBackend) { f.speed = 60 })
	m = pull(m)
	if scr := ansi.Strip(content(m)); !strings.Contains(scr, "clock 60×") {
		t.Fatalf("the demo clock is not shown:\n%s", scr)
	}
}

// PlanKeepalive plans like a set whose count goes before its time, and
// refuses under 75 s.
func (hexDialect) PlanKeepalive(link int, target time.Duration) (protocol.KeepalivePlan, error) {
	if target < 75*time.Second {
		return protocol.KeepalivePlan{}, fmt.Errorf("keepalive plan: %v is too short: one probe takes 75 s", target)
	}
	return protocol.KeepalivePlan{Target: target, Detection: 90 * time.Second, Arithmetic: "idle 15 + 1 × 75 = 90 s",
		Commands: []string{fmt.Sprintf("CNT=%d,1", link), fmt.Sprintf("TIME=%d,15", link)}, Note: "applies to new sockets"}, nil
}

func TestKeepalivePlanGoesIntoTheInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := hexScenario()
		d := start(t, f, Options{}, 120, 40)
		d.typeText(":keepalive 30s")
		d.key("enter")
		if scr := flat(d.screen()); !strings.Contains(scr, flatten("no keepalive plan for link a (the only TCP link): keepalive plan: 30s is too short: one probe takes 75 s")) {
			t.Fatalf("the refusal is not said:\n%s", d.screen())
		}
		d.key("ctrl+u")
		d.typeText(":keepalive 90s")
		d.key("enter")
		if d.input() != "CNT=10,1" {
			t.Fatalf("input %q, want the plan's first command", d.input())
		}
		scr := flat(d.screen())
		for _, want := range []string{"idle 15 + 1 × 75 = 90 s", "2 commands", "applies to new sockets", "for link a (the only TCP link)"} {
			if !strings.Contains(scr, flatten(want)) {
				t.Errorf("the plan does not say %q:\n%s", want, d.screen())
			}
		}
		if len(f.submittedLines()) != 0 {
			t.Fatal("the plan ran before the user sent it")
		}
		d.key("enter")
		if d.input() != "TIME=10,15" {
			t.Fatalf("after the first enter: input %q", d.input())
		}
		d.key("enter")
		if got := f.submittedLines(); !slices.Equal(got, []string{"CNT=10,1", "TIME=10,15"}) || d.input() != "" {
			t.Fatalf("submitted %q, input %q", got, d.input())
		}
		// A link named as the set writes it.
		d.typeText(":keepalive 90s 1")
		d.key("enter")
		if d.input() != "CNT=1,1" {
			t.Fatalf(":keepalive 90s 1: input %q", d.input())
		}
	})
}

func TestCoAPCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := hexScenario()
		d := start(t, f, Options{}, 120, 40)
		d.typeText(":coap ping a")
		d.key("enter")
		want := session.CoAPResult{Link: 10, Proto: protocol.ProtoUDP, MessageID: 0x1234, Transmissions: 1,
			Sent: t0, Answered: t0.Add(12 * time.Millisecond), RTT: 12 * time.Millisecond, Answer: "RST 0.00 mid=0x1234"}
		if scr := flat(d.screen()); !strings.Contains(scr, flatten(want.String())) {
			t.Fatalf("the ping's result %q is not shown:\n%s", want.String(), d.screen())
		}
		f.set(func(f *fakeBackend) { f.coapErr = errors.New("too many retries") })
		d.typeText(":coap ping a")
		d.key("enter")
		if scr := flat(d.screen()); !strings.Contains(scr, flatten("coap ping on a: too many retries")) {
			t.Fatalf("the ping's error is not shown:\n%s", d.screen())
		}
		f.set(func(f *fakeBackend) { f.coapErr = nil })
		d.typeText(":coap keepalive a 30s")
		d.key("enter")
		if _, ok := d.m.console.coapRuns[10]; !ok {
			t.Fatal("no keepalive runs on a")
		}
		d.typeText(":coap keepalive a 30s")
		d.key("enter")
		if !strings.Contains(flat(d.screen()), flatten("already runs on a")) {
			t.Fatalf("a second keepalive on the same link:\n%s", d.screen())
		}
		d.key("ctrl+u")
		d.typeText(":coap stop a")
		d.key("enter")
		synctest.Wait()
		if _, ok := d.m.console.coapRuns[10]; ok || !strings.Contains(flat(d.screen()), flatten("coap keepalive on a stopped")) {
			t.Fatalf("stop: runs %v\n%s", d.m.console.coapRuns, d.screen())
		}
		d.typeText(":coap ping 7")
		d.key("enter")
		if !strings.Contains(flat(d.screen()), flatten("no link 7")) {
			t.Fatalf("an unknown link:\n%s", d.screen())
		}
		if got := f.coapLinks; !slices.Equal(got, []int{10, 10, 10}) {
			t.Fatalf("coap on links %v", got)
		}
	})
}

// TestPanesShowTheTruth: the keepalive pane shows the model from Heard,
// answered probes, a modelled blackhole, the kernel's view beside it and
// a disagreement in words; the links pane shows a close state with its
// countdown and the kernel's state; nothing is cut at either width.
func TestPanesShowTheTruth(t *testing.T) {
	f := scenario()
	now := f.now
	f.set(func(f *fakeBackend) {
		l := &f.links[0]
		l.Keepalive.Heard = now.Add(-3 * time.Second)
		l.Keepalive.ProbesAnswered = 2
		l.Keepalive.LastAnswer = now.Add(-3 * time.Second)
		l.Keepalive.Silenced = true
		l.Kernel = &protocol.KernelTCP{At: now, State: "ESTABLISHED", Probes: 0, Retransmits: 1,
			RTT: 1200 * time.Microsecond, LastDataRx: 5 * time.Second, LastAckRx: 3 * time.Second,
			Disagree: "kernel heard the peer 3s ago; the model counts 2 probes unanswered"}
		c := &f.links[2]
		c.Close = &protocol.CloseState{State: protocol.StateFinWait2, Since: now.Add(-4 * time.Second),
			Until: now.Add(56 * time.Second), OnTimeout: "RST, CLOSED"}
		c.Kernel = &protocol.KernelTCP{State: "FIN_WAIT2"}
	})
	for _, w := range []int{120, 80} {
		m := sized(t, f, Options{}, w, 60)
		panes := ansi.Strip(m.links.View() + m.keepalive.View())
		scr := flatten(strings.ReplaceAll(panes, "│", ""))
		for _, want := range []string{
			"silent 3s/1m00s", "silenced: modelled", "peer answered 2 probes, last 3s ago: schedule restarted",
			"kernel ESTABLISHED · probes 0 · retrans 1 · rtt 1.2ms · data 5s ago · ack 3s ago",
			"⚑ disagree: kernel heard the peer 3s ago; the model counts 2 probes unanswered",
			"timers read from the emulator's sockets",
			"close: FIN_WAIT_2 since 12:00:04 · 56s left → RST, CLOSED · kernel FIN_WAIT2",
			"peer reset (RST)",
		} {
			if !strings.Contains(scr, flatten(want)) {
				t.Errorf("at %d columns the panes lack %q:\n%s", w, want, panes)
			}
		}
		if strings.Contains(ansi.Strip(content(m)), "…") {
			t.Errorf("something is cut with an ellipsis at %d columns", w)
		}
	}
}
