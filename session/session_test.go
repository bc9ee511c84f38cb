package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"atbench/device"
	"atbench/protocol"
)

// start runs a session on a fake device; the returned stop ends it and
// waits for Run.
func start(t *testing.T, opts Options) (*Session, *fakeDev, func()) {
	t.Helper()
	if opts.Dialect == nil {
		opts.Dialect = testDialect{}
	}
	f := newFakeDev()
	s, err := New(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	return s, f, func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func TestOneCommandOutstanding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		lines := f.lines()
		var cmds []*Command
		for _, l := range []string{"AT+A", "AT+B", "AT+C"} {
			c, err := s.Submit(l)
			if err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, c)
		}
		if got := <-lines; got != "AT+A" {
			t.Fatalf("first line %q", got)
		}
		synctest.Wait()
		if len(lines) != 0 {
			t.Fatalf("a second command was written before the first ended")
		}
		f.say("\r\nOK\r\n")
		if got := <-lines; got != "AT+B" {
			t.Fatalf("second line %q", got)
		}
		f.say("\r\nERROR: 3\r\n")
		if got := <-lines; got != "AT+C" {
			t.Fatalf("third line %q", got)
		}
		f.say("info line\r\nOK\r\n")
		for i, want := range []string{"OK", "ERROR: 3", "OK"} {
			rec, err := cmds[i].Wait(context.Background())
			if err != nil || rec.Text != want {
				t.Errorf("command %d: %q, %v; want %q", i, rec.Text, err, want)
			}
		}
		if st := s.Stats(); st.Pending != 0 {
			t.Errorf("pending %d", st.Pending)
		}
	})
}

func TestCommandTimeoutLetsTheNextGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{Timeout: 2 * time.Second})
		defer stop()
		lines := f.lines()
		a, _ := s.Submit("AT+SLOW")
		b, _ := s.Submit("AT+NEXT")
		<-lines
		t0 := time.Now()
		_, err := a.Wait(context.Background())
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err %v, want ErrTimeout", err)
		}
		if d := time.Since(t0); d != 2*time.Second {
			t.Errorf("timed out after %s, want 2s", d)
		}
		if got := <-lines; got != "AT+NEXT" {
			t.Fatalf("next line %q", got)
		}
		f.say("OK\r\n")
		if rec, err := b.Wait(context.Background()); err != nil || rec.Kind != protocol.KindOK {
			t.Fatalf("next: %v %v", rec, err)
		}
		var note bool
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindNote && strings.Contains(r.Text, "no final result for AT+SLOW after 2s") {
				note = true
			}
		}
		if !note {
			t.Error("no note of the timeout in the transcript")
		}
	})
}

func TestEchoAndKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		lines := f.lines()
		c, _ := s.Submit("AT+X")
		<-lines
		f.say("AT+X\r\n+EVT: hi\r\nvalue\r\nAT+X\r\nOK\r\n")
		c.Wait(context.Background())
		var kinds []string
		for _, r := range s.Records(0, 0) {
			kinds = append(kinds, r.Kind.String()+":"+r.Text)
		}
		// Only a line before the answer is an echo: a listing may name the command.
		want := "sent:AT+X echo:AT+X event:+EVT: hi info:value info:AT+X ok:OK"
		if got := strings.Join(kinds, " "); got != want {
			t.Errorf("records\n got %s\nwant %s", got, want)
		}
	})
}

func TestDisconnectRefusesCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		f.status <- device.Status{State: device.Disconnected, Cause: errors.New("port vanished")}
		synctest.Wait()
		_, err := s.Submit("AT+TEST")
		if !errors.Is(err, ErrDisconnected) || !strings.Contains(err.Error(), "port vanished") {
			t.Fatalf("Submit while disconnected: %v", err)
		}
		if err := s.WriteRaw([]byte("x")); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("WriteRaw while disconnected: %v", err)
		}
		f.status <- device.Status{State: device.Reconnected}
		synctest.Wait()
		if _, err := s.Submit("AT+TEST"); err != nil {
			t.Fatalf("Submit after reconnect: %v", err)
		}
		var texts []string
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindNote {
				texts = append(texts, r.Text)
			}
		}
		if len(texts) != 2 || !strings.Contains(texts[0], "disconnected: port vanished") || !strings.Contains(texts[1], "reconnected") {
			t.Errorf("notes %q", texts)
		}
	})
}

func TestSessionEndFailsWaitingCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		lines := f.lines()
		a, _ := s.Submit("AT+A")
		b, _ := s.Submit("AT+B")
		<-lines
		stop()
		for _, c := range []*Command{a, b} {
			if _, err := c.Wait(context.Background()); !errors.Is(err, ErrClosed) {
				t.Errorf("%s: %v, want ErrClosed", c.Line, err)
			}
		}
		if _, err := s.Submit("AT+C"); !errors.Is(err, ErrClosed) {
			t.Errorf("Submit after close: %v", err)
		}
	})
}

func TestSubmitRejectsBadLines(t *testing.T) {
	s, _, stop := start(t, Options{QueueLength: 1})
	defer stop()
	if _, err := s.Submit("  "); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := s.Submit("AT\rX"); err == nil {
		t.Error("embedded CR accepted")
	}
}

func TestRingBounds(t *testing.T) {
	g := newRing(10, 1<<20)
	for i := 0; i < 25; i++ {
		r := protocol.Record{Text: fmt.Sprint(i)}
		g.add(&r)
	}
	got := g.since(0, 0)
	if len(got) != 10 || got[0].Seq != 16 || got[9].Seq != 25 || got[0].Text != "15" {
		t.Fatalf("ring kept %d records from seq %d", len(got), got[0].Seq)
	}
	if got := g.since(20, 3); len(got) != 3 || got[0].Seq != 20 {
		t.Fatalf("since(20,3) = %v", got)
	}
	if got := g.since(26, 0); got != nil {
		t.Fatalf("since past the end = %v", got)
	}
	// The byte bound evicts too.
	g = newRing(100, 1000)
	for i := 0; i < 10; i++ {
		r := protocol.Record{Payload: make([]byte, 300)}
		g.add(&r)
	}
	if g.n != 3 || g.bytes != 900 {
		t.Fatalf("byte-bounded ring: %d records, %d bytes", g.n, g.bytes)
	}
}

func TestLogWriterFormat(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogWriter(&buf)
	at := time.Date(2026, 11, 21, 23, 59, 1, 123456000, time.UTC)
	l.Write(protocol.Record{Kind: protocol.KindSent, Text: "AT+SKTSEND=0,6,,,Hello!", At: at})
	l.Write(protocol.Record{Kind: protocol.KindData, Text: "[$][SKT][DATA][0][7]:", Payload: []byte("Hi\x1b]0;x\x07\n"), At: at})
	l.Write(protocol.Record{Kind: protocol.KindNoise, Text: "xx", Dropped: 5, At: at})
	l.Flush()
	want := "2026-11-21T23:59:01.123456Z > sent   AT+SKTSEND=0,6,,,Hello!\n" +
		"2026-11-21T23:59:01.123456Z < data   [$][SKT][DATA][0][7]:Hi\\x1b]0;x\\x07\\n\n" +
		"2026-11-21T23:59:01.123456Z < noise  xx (+5 bytes dropped: line over the module's limit)\n"
	if buf.String() != want {
		t.Errorf("log\n got %q\nwant %q", buf.String(), want)
	}
}

// modemDev is a fake device with modem control lines.
type modemDev struct {
	*fakeDev
	calls []string
}

func (m *modemDev) SetDTR(on bool) error {
	m.calls = append(m.calls, fmt.Sprint("dtr ", on))
	return nil
}
func (m *modemDev) SetRTS(on bool) error {
	if on {
		return errors.New("inappropriate ioctl for device")
	}
	m.calls = append(m.calls, fmt.Sprint("rts ", on))
	return nil
}
func (m *modemDev) Break(d time.Duration) error {
	m.calls = append(m.calls, fmt.Sprint("break ", d))
	return nil
}

func TestModemControl(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		md := &modemDev{fakeDev: newFakeDev()}
		s, err := New(md, Options{Dialect: testDialect{}})
		if err != nil {
			t.Fatal(err)
		}
		go s.Run(context.Background())
		defer s.Close()
		sc, _ := ParseScript("m.at", strings.NewReader("dtr off\ndtr on\nrts off\nbreak 100ms\n"), nil)
		if err := (&Runner{S: s}).Run(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(md.calls, ","); got != "dtr false,dtr true,rts false,break 100ms" {
			t.Errorf("calls %s", got)
		}
		if err := s.SetRTS(true); err == nil || !strings.Contains(err.Error(), "RTS on: inappropriate ioctl") {
			t.Errorf("SetRTS error %v", err)
		}
		var notes []string
		for _, r := range s.Records(0, 0) {
			notes = append(notes, r.Text)
		}
		if got := strings.Join(notes, ","); got != "DTR off,DTR on,RTS off,break 100ms" {
			t.Errorf("transcript notes %s", got)
		}
	})
}

func TestModemControlWithoutLines(t *testing.T) {
	s, _, stop := start(t, Options{})
	defer stop()
	sc, _ := ParseScript("m.at", strings.NewReader("# reset the board\ndtr off\n"), nil)
	err := (&Runner{S: s}).Run(context.Background(), sc)
	if err == nil || !strings.Contains(err.Error(), "m.at:2: dtr: DTR off: the fake has no modem control lines") {
		t.Fatalf("err %v", err)
	}
}

func TestPollIsQuiet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		lines := f.lines()
		p, err := s.Poll("AT+STATE")
		if err != nil {
			t.Fatal(err)
		}
		<-lines
		f.say("+EVT: during the poll\r\nline 1\r\nOK\r\n")
		p.Wait(context.Background())
		c, _ := s.Submit("AT+LOUD")
		<-lines
		f.say("answer\r\nOK\r\n")
		c.Wait(context.Background())
		var got []string
		for _, r := range s.Records(0, 0) {
			got = append(got, fmt.Sprintf("%s:%s:%v", r.Kind, r.Text, r.Quiet))
		}
		want := "sent:AT+STATE:true event:+EVT: during the poll:false info:line 1:true ok:OK:true " +
			"sent:AT+LOUD:false info:answer:false ok:OK:false"
		if strings.Join(got, " ") != want {
			t.Errorf("records\n got %s\nwant %s", strings.Join(got, " "), want)
		}
	})
}

func TestRawWaitsForAnEarlierSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f, stop := start(t, Options{})
		defer stop()
		var wire bytes.Buffer
		go io.Copy(&wire, f.fromHost)
		sc, _ := ParseScript("t.at", strings.NewReader("send AT+SKTSENDRAW=0,5\nraw hello\n"), nil)
		go func() {
			synctest.Wait()
			f.say(">>>\r\n")
			synctest.Wait()
			f.say("\r\nOK\r\n")
		}()
		if err := (&Runner{S: s}).Run(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := wire.String(); got != "AT+SKTSENDRAW=0,5\r\nhello" {
			t.Fatalf("on the wire %q", got)
		}
	})
}

// errDev is a device whose reads fail with a cause.
type errDev struct{ *fakeDev }

func (e errDev) Read([]byte) (int, error) { return 0, errors.New("usb cable fell out") }

func TestRunReturnsTheReadError(t *testing.T) {
	s, err := New(errDev{newFakeDev()}, Options{Dialect: testDialect{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "usb cable fell out") {
		t.Fatalf("Run = %v", err)
	}
	if st := s.Stats(); st.State != device.Closed || st.Cause != "usb cable fell out" {
		t.Fatalf("stats %+v", st)
	}
}

// remoteModemDev is a remote port whose server does not confirm control
// changes: its Lines carry a note after the first.
type remoteModemDev struct {
	*modemDev
	lines device.Lines
}

func (r *remoteModemDev) SetDTR(on bool) error {
	r.lines.Note = "DTR/RTS/BREAK changes are sent unconfirmed: the server did not acknowledge"
	return r.modemDev.SetDTR(on)
}
func (r *remoteModemDev) Lines() device.Lines { return r.lines }

// TestUnconfirmedControlIsNoted: the remote server's note on an
// unacknowledged control change reaches the transcript once, and the far
// UART's lines reach the view.
func TestUnconfirmedControlIsNoted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rd := &remoteModemDev{modemDev: &modemDev{fakeDev: newFakeDev()}, lines: device.Lines{ModemKnown: true, Modem: 0x30}}
		s, err := New(rd, Options{Dialect: testDialect{}})
		if err != nil {
			t.Fatal(err)
		}
		go s.Run(context.Background())
		defer s.Close()
		for _, on := range []bool{false, true} {
			if err := s.SetDTR(on); err != nil {
				t.Fatal(err)
			}
		}
		var notes []string
		for _, r := range s.Records(0, 0) {
			notes = append(notes, r.Text)
		}
		want := "DTR off," + rd.lines.Note + ",DTR on"
		if got := strings.Join(notes, ","); got != want {
			t.Errorf("transcript notes\n got %s\nwant %s", got, want)
		}
		if v := s.View(0, 0); v.Lines.String() == "" || !strings.Contains(v.Lines.String(), "CTS") {
			t.Errorf("view lines %q; want the modem state", v.Lines.String())
		}
	})
}

// countingDev is a fakeDev that counts its losses (device.LossCounter).
type countingDev struct {
	*fakeDev
	n atomic.Uint64
}

func (c *countingDev) Losses() uint64 { return c.n.Load() }

// TestLossEndsOnlyTheCommandsItCut: a loss's status and the reader's
// boundary come by two ways, and either may come late. The one that comes
// late must not end a command written on the connection that came back:
// only one written before the loss lost its answer.
func TestLossEndsOnlyTheCommandsItCut(t *testing.T) {
	for _, order := range []string{"status first", "boundary first"} {
		t.Run(order, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &countingDev{fakeDev: newFakeDev()}
				s, err := New(f, Options{Dialect: testDialect{}})
				if err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- s.Run(context.Background()) }()
				defer func() { s.Close(); <-done }()
				lines := f.lines()
				ctx := context.Background()

				// A command written before the loss loses its answer.
				before, err := s.Submit("AT+BEFORE")
				if err != nil {
					t.Fatal(err)
				}
				<-lines
				f.n.Store(1) // the port is lost
				if order == "status first" {
					f.status <- device.Status{State: device.Disconnected, Cause: errors.New("unplugged")}
					f.status <- device.Status{State: device.Reconnected}
				} else {
					f.lose()
				}
				synctest.Wait()
				if _, err := before.Wait(ctx); !errors.Is(err, ErrDisconnected) {
					t.Fatalf("the command written before the loss: %v, want ErrDisconnected", err)
				}

				// One written on the connection that came back, before the
				// late half of the loss arrives, gets its answer.
				after, err := s.Submit("AT+AFTER")
				if err != nil {
					t.Fatal(err)
				}
				if l := <-lines; l != "AT+AFTER" {
					t.Fatalf("host wrote %q", l)
				}
				if order == "status first" {
					f.lose()
				} else {
					f.status <- device.Status{State: device.Disconnected, Cause: errors.New("unplugged")}
					f.status <- device.Status{State: device.Reconnected}
				}
				synctest.Wait()
				f.say("\r\nOK\r\n")
				rec, err := after.Wait(ctx)
				if err != nil || rec.Kind != protocol.KindOK {
					t.Fatalf("the command written after the reconnect: %v %v, want OK", rec, err)
				}
			})
		})
	}
}
