package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/charmbracelet/x/ansi"

	"atbench/protocol"
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
