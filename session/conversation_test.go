package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"atbench/device"
	"atbench/protocol"
	"atbench/protocol/realtek"
)

// wire collects what the host writes, for checks after synctest.Wait.
type wire struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *wire) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func tap(f *fakeDev) *wire {
	w := &wire{}
	go io.Copy(w, f.fromHost)
	return w
}

func kinds(s *Session) string {
	var out []string
	for _, r := range s.Records(0, 0) {
		t := r.Text
		if r.Kind == protocol.KindRaw {
			t = string(r.Payload)
		}
		out = append(out, r.Kind.String()+":"+t)
	}
	return strings.Join(out, " | ")
}

// TestRawStepOutlivesTheTimeout: after AT+SKTSENDRAW=0,5 shows ">>>", the
// command stays outstanding however long the user takes, a command typed
// meanwhile waits instead of going to the peer as data, and the timeout
// starts again from the last raw byte.
func TestRawStepOutlivesTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		w := tap(f)
		raw, err := s.Submit("AT+SKTSENDRAW=0,5")
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		f.say(">>>\r\n")
		time.Sleep(time.Minute) // far past the 5 s command timeout
		synctest.Wait()
		select {
		case <-raw.Done():
			t.Fatalf("the raw command ended while the module awaited its bytes: %v", raw.err)
		default:
		}
		want := Awaiting{Command: "AT+SKTSENDRAW=0,5", Link: 0, Bytes: 5}
		if got := s.Stats().Awaiting; got != want {
			t.Fatalf("awaiting %+v, want %+v", got, want)
		}
		next, _ := s.Submit("AT+TEST")
		synctest.Wait()
		if got := w.String(); got != "AT+SKTSENDRAW=0,5\r\n" {
			t.Fatalf("a command went out while the module awaited raw bytes: %q", got)
		}
		if err := s.WriteRaw([]byte("hel")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		if got := s.Stats().Awaiting; got.Sent != 3 || got.Bytes != 5 {
			t.Fatalf("awaiting %+v after 3 bytes", got)
		}
		t0 := time.Now()
		if err := s.WriteRaw([]byte("lo")); err != nil {
			t.Fatal(err)
		}
		if got := s.Stats().Awaiting; got.Active() {
			t.Fatalf("still awaiting %+v after all 5 bytes", got)
		}
		// The module never answers: the timeout runs from the last byte.
		_, err = raw.Wait(context.Background())
		if !errors.Is(err, ErrTimeout) || time.Since(t0) != 5*time.Second {
			t.Fatalf("err %v after %s, want ErrTimeout after 5s", err, time.Since(t0))
		}
		synctest.Wait()
		if got := w.String(); got != "AT+SKTSENDRAW=0,5\r\nhelloAT+TEST\r\n" {
			t.Fatalf("on the wire %q", got)
		}
		f.say("\r\nOK\r\n")
		if rec, err := next.Wait(context.Background()); err != nil || rec.Text != "OK" {
			t.Fatalf("AT+TEST: %v %v", rec, err)
		}
	})
}

// TestRawStepEndsAtOK: the late OK after the raw bytes is the raw
// command's answer, not the answer of the command typed next.
func TestRawStepEndsAtOK(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		lines := f.lines()
		raw, _ := s.Submit("AT+SKTSENDRAW=0,4")
		<-lines
		f.say(">>>\r\n")
		time.Sleep(10 * time.Second)
		next, _ := s.Submit("AT+TEST")
		s.WriteRaw([]byte("hi\r\n"))
		if got := <-lines; got != "hi" {
			t.Fatalf("raw bytes %q", got)
		}
		f.say("\r\nOK\r\n")
		if rec, err := raw.Wait(context.Background()); err != nil || rec.Text != "OK" {
			t.Fatalf("raw command: %v %v", rec, err)
		}
		if got := <-lines; got != "AT+TEST" {
			t.Fatalf("next line %q", got)
		}
		f.say("\r\nERROR: 1\r\n")
		if rec, _ := next.Wait(context.Background()); rec.Text != "ERROR: 1" {
			t.Fatalf("AT+TEST got %q", rec.Text)
		}
	})
}

func TestRawRecordKindAndLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log bytes.Buffer
		s, f, stop := start(t, Options{Log: &log, Now: func() time.Time { return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) }})
		tap(f)
		if err := s.WriteRaw([]byte("raw\r\n")); err != nil {
			t.Fatal(err)
		}
		recs := s.Records(0, 0)
		if len(recs) != 1 || recs[0].Kind != protocol.KindRaw || string(recs[0].Payload) != "raw\r\n" || recs[0].Text != "" {
			t.Fatalf("records %+v", recs)
		}
		stop()
		want := "2026-12-03T12:00:00.000000Z - note   command set test\n" +
			"2026-12-03T12:00:00.000000Z - note   started 2026-12-03T12:00:00Z\n" +
			"2026-12-03T12:00:00.000000Z > raw    5 bytes: raw\\r\\n\n"
		if log.String() != want {
			t.Fatalf("log %q, want %q", log.String(), want)
		}
	})
}

// TestSendPlanWritesRawWhenAwaited: a plan's raw step goes out once the
// module asks for it, not before.
func TestSendPlanWritesRawWhenAwaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		w := tap(f)
		plan, err := testDialect{}.SendPlan(3, []byte("a\r\nb"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Send(plan)
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := w.String(); got != "RAW=3,4\r\n" {
			t.Fatalf("before the prompt: %q", got)
		}
		f.say(">>>\r\n")
		synctest.Wait()
		if got := w.String(); got != "RAW=3,4\r\na\r\nb" {
			t.Fatalf("after the prompt: %q", got)
		}
		f.say("OK\r\n")
		if rec, err := c.Wait(context.Background()); err != nil || rec.Kind != protocol.KindOK {
			t.Fatalf("plan: %v %v", rec, err)
		}
		if got, want := kinds(s), "sent:RAW=3,4 | prompt:>>> | raw:a\r\nb | ok:OK"; got != want {
			t.Errorf("records\n got %q\nwant %q", got, want)
		}
		var raw protocol.Record
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindRaw {
				raw = r
			}
		}
		if raw.LinkID != 3 {
			t.Errorf("raw record of link %d, want 3", raw.LinkID)
		}
	})
}

// TestPlanEndsAtAFailedStep: after a step's error the rest is skipped.
func TestPlanEndsAtAFailedStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		lines := f.lines()
		c, err := s.Send(protocol.Plan{protocol.LineStep("AT+SEL=1"), protocol.LineStep("RAW=1,2"), protocol.RawStep([]byte("xy"))})
		if err != nil {
			t.Fatal(err)
		}
		after, _ := s.Submit("AT+AFTER")
		<-lines
		f.say("ERROR: 2\r\n")
		if _, err := c.Wait(context.Background()); !errors.Is(err, ErrSkipped) || !strings.Contains(err.Error(), "AT+SEL=1: ERROR: 2") {
			t.Fatalf("last step: %v", err)
		}
		if got := <-lines; got != "AT+AFTER" {
			t.Fatalf("next line %q: a skipped step went out", got)
		}
		f.say("OK\r\n")
		after.Wait(context.Background())
	})
}

// TestPlanStartingWithRawBytes writes them in turn, with no answer.
func TestPlanStartingWithRawBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		w := tap(f)
		c, err := s.Send(protocol.Plan{protocol.RawStep([]byte("\x1bS0hi\x1bE"))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := w.String(); got != "\x1bS0hi\x1bE" {
			t.Fatalf("wire %q", got)
		}
		if _, err := s.Send(protocol.Plan{protocol.RawStep(nil)}); !errors.Is(err, ErrEmpty) {
			t.Fatalf("empty raw step: %v", err)
		}
		if _, err := s.Send(nil); !errors.Is(err, ErrEmpty) {
			t.Fatalf("empty plan: %v", err)
		}
	})
}

// pollDialect has a state command.
type pollDialect struct{ testDialect }

func (pollDialect) StateCommand() string { return "AT+STATE" }

// TestPollGoesOutAtOnce: the first poll goes out as Run starts, the next
// one an interval later, and none piles up behind an unanswered one.
func TestPollGoesOutAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		s, f, stop := start(t, Options{Dialect: pollDialect{}, Poll: 5 * time.Second, Timeout: 12 * time.Second})
		defer stop()
		lines := f.lines()
		if got := <-lines; got != "AT+STATE" || time.Since(t0) != 0 {
			t.Fatalf("first poll %q after %s", got, time.Since(t0))
		}
		f.say("OK\r\n")
		if got := <-lines; got != "AT+STATE" || time.Since(t0) != 5*time.Second {
			t.Fatalf("second poll %q after %s", got, time.Since(t0))
		}
		// Unanswered until it times out at 17 s: the turns at 10 and 15 s
		// find it waiting, the one at 20 s sends again.
		if got := <-lines; got != "AT+STATE" || time.Since(t0) != 20*time.Second {
			t.Fatalf("third poll %q after %s", got, time.Since(t0))
		}
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindSent && !r.Quiet {
				t.Errorf("a poll is not quiet: %+v", r)
			}
		}
	})
}

// TestPollNeedsAStateCommand: a dialect without one is never polled.
func TestPollNeedsAStateCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _, stop := start(t, Options{Poll: time.Second})
		defer stop()
		time.Sleep(time.Minute)
		if n := s.LastSeq(); n != 0 {
			t.Fatalf("%d records", n)
		}
		if _, err := New(newFakeDev(), Options{Dialect: testDialect{}, Poll: -time.Second}); err == nil {
			t.Fatal("a negative poll interval was accepted")
		}
	})
}

// TestBoundaryCutsAPayload: a replug in the middle of a 60000-byte push
// drops the rest of it (noted), and the fresh module's words are records
// of their own at once.
func TestBoundaryCutsAPayload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		lines := f.lines()
		f.say("[$][SKT][DATA][0][60000]:abcd")
		f.lose()
		f.status <- device.Status{State: device.Disconnected, Cause: errors.New("unplugged")}
		f.status <- device.Status{State: device.Reconnected}
		synctest.Wait()
		f.say("ATCMD READY\r\n")
		synctest.Wait()
		c, err := s.Submit("AT+TEST")
		if err != nil {
			t.Fatal(err)
		}
		<-lines
		f.say("\r\nOK\r\n")
		if rec, err := c.Wait(context.Background()); err != nil || rec.Text != "OK" {
			t.Fatalf("AT+TEST after the replug: %v %v", rec, err)
		}
		got := kinds(s)
		for _, want := range []string{
			"note:payload of link 0 cut by the disconnect: 4 of 60000 bytes",
			"event:ATCMD READY", "sent:AT+TEST | ok:OK",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("no %q in\n%s", want, got)
			}
		}
		if strings.Contains(got, "data:") {
			t.Errorf("a cut payload became a record: %s", got)
		}
	})
}

// TestBoundaryClosesACutLine: a line cut by the unplug is not glued to the
// next module's first line.
func TestBoundaryClosesACutLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		f.say("N:0001")
		f.lose()
		f.say("ATCMD READY\r\n")
		synctest.Wait()
		if got, want := kinds(s), "info:N:0001 | event:ATCMD READY | note:module started (ATCMD READY): it holds no links"; got != want {
			t.Fatalf("records %q, want %q", got, want)
		}
	})
}

// TestBoundaryEndsTheOutstandingCommand: the answer of a command cannot
// come from the module after a replug.
func TestBoundaryEndsTheOutstandingCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		lines := f.lines()
		c, _ := s.Submit("AT+SKTSENDRAW=0,5")
		<-lines
		f.say(">>>\r\n")
		synctest.Wait()
		if !s.Stats().Awaiting.Active() {
			t.Fatal("not awaiting raw bytes")
		}
		f.lose()
		if _, err := c.Wait(context.Background()); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("err %v, want ErrDisconnected", err)
		}
		f.say("OK\r\n")
		synctest.Wait()
		if st := s.Stats(); st.Awaiting.Active() || st.Outstanding != "" {
			t.Fatalf("stats %+v", st)
		}
		if got := fmt.Sprint(c.final.Text); got != "" {
			t.Fatalf("final %q", got)
		}
	})
}

// TestScriptRawWaitsForThePrompt: a script's raw bytes after a send go out
// once the module asks for them.
func TestScriptRawWaitsForThePrompt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: realtek.New()})
		defer stop()
		w := tap(f)
		sc, _ := ParseScript("t.at", strings.NewReader("send AT+SKTSENDRAW=0,5\nraw hello\n"), nil)
		ran := make(chan error, 1)
		go func() { ran <- (&Runner{S: s}).Run(context.Background(), sc) }()
		synctest.Wait()
		if got := w.String(); got != "AT+SKTSENDRAW=0,5\r\n" {
			t.Fatalf("before the prompt: %q", got)
		}
		f.say(">>>\r\n")
		synctest.Wait()
		if got := w.String(); got != "AT+SKTSENDRAW=0,5\r\nhello" {
			t.Fatalf("after the prompt: %q", got)
		}
		f.say("OK\r\n")
		if err := <-ran; err != nil {
			t.Fatal(err)
		}
	})
}

// readDialect frames "+R:<n>," and n bytes in the answer to READ only.
type readDialect struct{ testDialect }

func (d readDialect) FrameSpec() protocol.FrameSpec {
	spec := d.testDialect.FrameSpec()
	spec.Answer = func(command string) *protocol.AnswerFrame {
		if command != "READ" {
			return nil
		}
		return &protocol.AnswerFrame{PayloadPrefixes: []string{"+R:"}, Payload: func(line []byte) protocol.PayloadMatch {
			switch {
			case len(line) < 5:
				return protocol.PayloadMatch{Status: protocol.NeedMore}
			case line[3] < '0' || line[3] > '9' || line[4] != ',':
				return protocol.PayloadMatch{Status: protocol.NoMatch}
			}
			return protocol.PayloadMatch{Status: protocol.Match, Header: 5, Length: int(line[3] - '0'), LinkID: 1}
		}}
	}
	return spec
}

// TestAnswerFramingFollowsTheOutstandingCommand: the session tells the
// framer what it waits for.
func TestAnswerFramingFollowsTheOutstandingCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Dialect: readDialect{}})
		defer stop()
		lines := f.lines()
		c, _ := s.Submit("READ")
		<-lines
		f.say("+R:4,a\r\nb\r\nOK\r\n")
		c.Wait(context.Background())
		f.say("+R:4,a\r\nb\r\n")
		synctest.Wait()
		if got, want := kinds(s), "sent:READ | data:+R:4, | ok:OK | info:+R:4,a | info:b"; got != want {
			t.Fatalf("records\n got %q\nwant %q", got, want)
		}
		if r := s.Records(2, 1)[0]; string(r.Payload) != "a\r\nb" || r.LinkID != 1 {
			t.Fatalf("data record %+v", r)
		}
	})
}
