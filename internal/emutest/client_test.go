package emutest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/internal/testkit"
	"atbench/protocol"
)

// echoFirmware prints "ready>" at power-on and answers each line ended by
// LF with the line in angle brackets.
type echoFirmware struct {
	h    emulator.Host
	line []byte
}

func newEcho(h emulator.Host) emulator.Firmware { return &echoFirmware{h: h} }

func (f *echoFirmware) Name() string                 { return "echo" }
func (f *echoFirmware) Start()                       { _ = f.h.Print([]byte("ready>")) }
func (f *echoFirmware) Event(netcore.Event)          {}
func (f *echoFirmware) Settings() []protocol.Setting { return nil }
func (f *echoFirmware) answer(line []byte) []byte    { return fmt.Appendf(nil, "<%s>", line) }
func (f *echoFirmware) Input(p []byte) {
	for _, b := range p {
		if b == '\n' {
			_ = f.h.Print(f.answer(f.line))
			f.line = f.line[:0]
			continue
		}
		f.line = append(f.line, b)
	}
}

func startEcho(tb testing.TB, direct bool) *Client {
	tb.Helper()
	return Start(tb, Options{Config: emulator.Config{Firmware: newEcho}, LineEnding: "\n", Ready: "ready>", Direct: direct})
}

// TestClientTranscript drives the module through a pty and in-process.
func TestClientTranscript(t *testing.T) {
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) { transcript(t, startEcho(t, direct)) })
	}
}

func transcript(t *testing.T, c *Client) {
	c.Cmd("abc", "<abc>")
	c.SendLine("x")
	c.SendLine("yz")
	if got := c.Until(">"); got != "<x>" {
		t.Fatalf("Until = %q", got)
	}
	if i := c.ExpectOneOf("<no>", "<yz>"); i != 1 {
		t.Fatalf("ExpectOneOf = %d", i)
	}
	c.Send([]byte("12\n"))
	if got := c.Take(2); string(got) != "<1" {
		t.Fatalf("Take = %q", got)
	}
	c.WaitOutput("the rest", func(out []byte) bool { return string(out) == "2>" })
	if n := c.Pending(); n != 2 {
		t.Fatalf("Pending = %d", n)
	}
	c.Expect("2>")
	c.Quiet()
	if c.Module().Info().Name != "echo" {
		t.Fatalf("Module runs %+v", c.Module().Info())
	}
}

// TestCloseLeavesNothing: Close twice (as a test and its cleanup do) ends
// the module, the pty and the collecting goroutine.
func TestCloseLeavesNothing(t *testing.T) {
	leak := testkit.NoLeak(t)
	c := startEcho(t, false)
	c.Cmd("a", "<a>")
	c.Close()
	c.Close()
	leak()
}

// fatalTB records the first failure and ends the goroutine, as FailNow
// does, without failing the test.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

// fails runs step as the test goroutine would and returns its failure.
func (f *fatalTB) fails(step func()) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		step()
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	msg := f.msg
	f.msg = ""
	return msg
}

// TestClientFailsFast: a mismatch fails as soon as the output can no
// longer match, not at the wait limit, and consumes nothing; a wait that
// sees nothing fails at its own bound and shows the pending output.
func TestClientFailsFast(t *testing.T) {
	f := &fatalTB{TB: t}
	c := startEcho(f, false)
	start := time.Now()
	if msg := f.fails(func() { c.Cmd("a", "<b>") }); !strings.Contains(msg, `got "<a>"`) {
		t.Fatalf("Expect of another answer: %q", msg)
	}
	if msg := f.fails(func() { c.ExpectOneOf("<c>", "<x>") }); !strings.Contains(msg, `got "<a>"`) {
		t.Fatalf("ExpectOneOf of other answers: %q", msg)
	}
	if took := time.Since(start); took > WaitLimit/2 {
		t.Fatalf("the mismatches took %v to show", took)
	}
	if msg := f.fails(func() { c.Poll("nothing", 20*time.Millisecond, time.Millisecond, func() bool { return false }) }); !strings.Contains(msg, "timed out after 20ms waiting for nothing") ||
		!strings.Contains(msg, `"<a>"`) {
		t.Fatalf("Poll: %q", msg)
	}
	if msg := f.fails(c.Quiet); !strings.Contains(msg, "unexpected output") {
		t.Fatalf("Quiet: %q", msg)
	}
}
