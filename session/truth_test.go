package session

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"atbench/device"
	"atbench/protocol"
	"atbench/protocol/realtek"
)

// realModule plays a Realtek module byte for byte under synctest.
type realModule struct {
	t     *testing.T
	s     *Session
	f     *fakeDev
	lines <-chan string
}

func newRealModule(t *testing.T, opts Options) (*realModule, func()) {
	opts.Dialect = realtek.New()
	s, f, stop := start(t, opts)
	return &realModule{t: t, s: s, f: f, lines: f.lines()}, stop
}

// exec sends cmd, checks that the module got it, answers reply and waits
// for the command's end.
func (m *realModule) exec(cmd, reply string) {
	m.t.Helper()
	c, err := m.s.Submit(cmd)
	if err != nil {
		m.t.Fatal(err)
	}
	if got := <-m.lines; got != cmd {
		m.t.Fatalf("module got %q, want %q", got, cmd)
	}
	m.f.say(reply)
	if _, err := c.Wait(context.Background()); err != nil {
		m.t.Fatalf("%s: %v", cmd, err)
	}
}

func (m *realModule) link(id int) protocol.LinkInfo {
	m.t.Helper()
	for _, l := range m.s.Links() {
		if l.ID == id {
			return l
		}
	}
	m.t.Fatalf("no link %d in %+v", id, m.s.Links())
	return protocol.LinkInfo{}
}

// notes returns atbench's notes in the transcript, one per line.
func notes(s *Session) string {
	var b strings.Builder
	for _, r := range s.Records(0, 0) {
		if r.Kind == protocol.KindNote {
			b.WriteString(r.Text + "\n")
		}
	}
	return b.String()
}

// TestKeepalivePredictedFromTheCommandsAccepted is the case: a
// global AT+SKTCFG accepted before AT+SKTCLIENT gives link 5 keepalive on,
// predicted, with its timers running from the traffic seen; a seed gets
// its server's; a link first seen in a listing is unknown.
func TestKeepalivePredictedFromTheCommandsAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, stop := newRealModule(t, Options{})
		defer stop()
		m.exec("AT+SKTSERVER=1,1,,1234,1", "\r\nOK\r\n") // before any setting: unknown
		m.exec("AT+SKTCFG=0,0,,1,60,10,3", "\r\nOK\r\n")
		m.exec("AT+SKTSERVER=2,1,,2345,1", "\r\nOK\r\n")
		opened := time.Now()
		m.exec("AT+SKTCLIENT=5,1,,10.0.0.9,80,,1", "\r\nOK\r\n")
		m.f.say("[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:10.0.0.7,dst_port:50000] connected to server[link_id:2]\r\n")
		m.f.say("[$][SKT][EVENT]: A client[link_id:3,seed,tcp,dst_address:10.0.0.7,dst_port:50001] connected to server[link_id:1]\r\n")
		synctest.Wait()

		want := protocol.Keepalive{Enabled: true, Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3,
			Source: protocol.KeepalivePredicted, NextProbe: opened.Add(60 * time.Second), DeadAt: opened.Add(90 * time.Second)}
		if got := m.link(5).Keepalive; got != want {
			t.Errorf("link 5 keepalive\n got %+v\nwant %+v", got, want)
		}
		if got := m.link(0).Keepalive; got.Source != protocol.KeepalivePredicted || !got.Enabled || got.Idle != time.Minute {
			t.Errorf("seed 0 of server 2 does not inherit its server's keepalive: %+v", got)
		}
		if got := m.link(1).Keepalive.Source; got != protocol.KeepaliveUnknown {
			t.Errorf("server 1 opened before any setting: source %v, want unknown", got)
		}
		if got := m.link(3).Keepalive.Source; got != protocol.KeepaliveUnknown {
			t.Errorf("seed 3 of server 1: source %v, want unknown", got)
		}

		// Traffic moves the timers; past the idle time the next probe is
		// one idle time later (its answers never show on the AT port).
		time.Sleep(20 * time.Second)
		m.f.say("[$][SKT][DATA][5][2]:hi\r\n")
		synctest.Wait()
		rx := time.Now()
		if got := m.link(5).Keepalive; !got.NextProbe.Equal(rx.Add(time.Minute)) || !got.DeadAt.Equal(rx.Add(90*time.Second)) {
			t.Errorf("after traffic: next probe %v dead at %v, want %v and %v", got.NextProbe, got.DeadAt, rx.Add(time.Minute), rx.Add(90*time.Second))
		}
		time.Sleep(70 * time.Second)
		if got := m.link(5).Keepalive; !got.NextProbe.Equal(rx.Add(2 * time.Minute)) {
			t.Errorf("70 s after traffic: next probe %v, want %v", got.NextProbe, rx.Add(2*time.Minute))
		}
		n := notes(m.s)
		for _, want := range []string{
			"link 5 opened: client tcp to 10.0.0.9:80; keepalive on (predicted): idle 1m0s, interval 10s, count 3",
			"link 0 opened: seed tcp to 10.0.0.7:50000 (accepted by server 2); keepalive on (predicted)",
			"link 1 opened: server tcp on 0.0.0.0:1234; keepalive unknown",
		} {
			if !strings.Contains(n, want) {
				t.Errorf("notes lack %q:\n%s", want, n)
			}
		}
	})
}

// TestDeathsAreHonest: a death a listing reveals says when it was first
// seen and when the link was last known alive; a death an answer tells is
// exact.
func TestDeathsAreHonest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, stop := newRealModule(t, Options{})
		defer stop()
		const (
			l0 = "link_id:0,client,tcp,src_address:192.168.1.50,src_port:5000,dst_address:10.0.0.9,dst_port:80,socket_fd:3\r\n"
			l1 = "link_id:1,client,tcp,src_address:192.168.1.50,src_port:5001,dst_address:10.0.0.9,dst_port:81,socket_fd:4\r\n"
			l2 = "link_id:2,client,tcp,src_address:192.168.1.50,src_port:5002,dst_address:10.0.0.9,dst_port:82,socket_fd:-1\r\n"
		)
		m.exec("AT+SKTSTATE", l0+l1+l2+"\r\nOK\r\n")
		first := time.Now()
		if c := m.link(2).Closed; c == nil || !c.Seen || !c.AliveAt.IsZero() || !c.At.Equal(first) {
			t.Errorf("link 2, dead in the first listing: %+v, want seen dead now, never alive", c)
		}
		time.Sleep(65 * time.Second)
		l0dead := strings.Replace(l0, "socket_fd:3", "socket_fd:-1", 1)
		m.exec("AT+SKTSTATE", l0dead+"\r\nOK\r\n") // link 1 is no longer listed
		second := time.Now()
		if c := m.link(0).Closed; c == nil || !c.Seen || !c.AliveAt.Equal(first) || !c.At.Equal(second) {
			t.Errorf("link 0: %+v, want dead when first seen %v, alive at %v", c, second, first)
		}
		if c := m.link(1).Closed; c == nil || !c.Seen || !c.AliveAt.Equal(first) || c.Reason != "no longer listed by the module" {
			t.Errorf("link 1: %+v", c)
		}
		m.exec("AT+SKTCLIENT=4,1,,10.0.0.9,80,,0", "\r\nOK\r\n")
		time.Sleep(time.Second)
		m.exec("AT+SKTREAD=4,10", "\r\nERROR: 4\r\n")
		if c := m.link(4).Closed; c == nil || c.Seen || !c.At.Equal(time.Now()) || !strings.HasPrefix(c.Reason, "peer closed") {
			t.Errorf("link 4 (told by ERROR: 4): %+v, want an exact death", c)
		}
		n := notes(m.s)
		for _, want := range []string{
			"link 2 dead: socket closed (socket_fd:-1); dead when first seen 00:00:00.000 (never seen alive)",
			"link 0 dead: socket closed (socket_fd:-1); dead when first seen 00:01:05.000 (alive at 00:00:00.000)",
			"link 1 closed: no longer listed by the module; dead when first seen 00:01:05.000 (alive at 00:00:00.000)",
			"link 4 dead: peer closed (AT+SKTREAD: ERROR: 4)",
		} {
			if !strings.Contains(n, want) {
				t.Errorf("notes lack %q:\n%s", want, n)
			}
		}
	})
}

// TestSeedAnnouncedDuringAListingStaysAlive: an accept between the
// listing's lines and its OK is not "no longer listed".
func TestSeedAnnouncedDuringAListingStaysAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, stop := newRealModule(t, Options{})
		defer stop()
		m.exec("AT+SKTSERVER=1,1,,1234,1", "\r\nOK\r\n")
		m.exec("AT+SKTSTATE",
			"link_id:1,server,tcp,src_address:192.168.1.50,src_port:1234,dst_address:0.0.0.0,dst_port:0,socket_fd:0\r\n"+
				"[$][SKT][EVENT]: A client[link_id:0,seed,tcp,dst_address:10.0.0.7,dst_port:50000] connected to server[link_id:1]\r\n"+
				"\r\nOK\r\n")
		if l := m.link(0); l.Closed != nil || l.Role != protocol.RoleSeed {
			t.Fatalf("seed announced during the listing: %+v, want alive", l)
		}
	})
}

// TestModuleRestartAndWifiLoss: an unasked ATCMD READY resets every link
// with that reason; a Wi-Fi loss is kept in the table state until it is
// back, and a death seen meanwhile says so.
func TestModuleRestartAndWifiLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, stop := newRealModule(t, Options{})
		defer stop()
		m.exec("AT+SKTCLIENT=5,1,,10.0.0.9,80,,1", "\r\nOK\r\n")
		m.exec("AT+SKTCLIENT=6,1,,10.0.0.9,81,,1", "\r\nOK\r\n")
		m.f.say("[$]wifi disconnected\r\n")
		synctest.Wait()
		lost := time.Now()
		if got := m.s.Stats().Table.WifiLost; !got.Equal(lost) {
			t.Errorf("Wi-Fi lost at %v, want %v", got, lost)
		}
		time.Sleep(time.Second)
		m.exec("AT+SKTSTATE", "link_id:5,client,tcp,src_address:192.168.1.50,src_port:5000,dst_address:10.0.0.9,dst_port:80,socket_fd:3\r\n\r\nOK\r\n")
		if c := m.link(6).Closed; c == nil || c.Reason != "no longer listed by the module (after Wi-Fi lost at 00:00:00)" {
			t.Errorf("link 6 after the Wi-Fi loss: %+v", c)
		}
		m.f.say("[$]wifi reconnect done\r\n")
		synctest.Wait()
		if got := m.s.Stats().Table.WifiLost; !got.IsZero() {
			t.Errorf("Wi-Fi still lost after reconnect done: %v", got)
		}
		time.Sleep(time.Second)
		m.f.say("ATCMD READY\r\n")
		synctest.Wait()
		if c := m.link(5).Closed; c == nil || c.Reason != "module restart" || c.Seen {
			t.Errorf("link 5 after the restart: %+v", c)
		}
		if tb := m.s.Stats().Table; !tb.Restarted.Equal(time.Now()) || !tb.Listed.Equal(time.Now()) {
			t.Errorf("restarted at %v, listed at %v: want both now (a module that started holds no links)", tb.Restarted, tb.Listed)
		}
		n := notes(m.s)
		for _, want := range []string{
			"Wi-Fi lost ([$]wifi disconnected): the module's links may not survive",
			"Wi-Fi back ([$]wifi reconnect done)",
			"module restart (ATCMD READY): every link was reset",
			"link 5 closed: module restart",
		} {
			if !strings.Contains(n, want) {
				t.Errorf("notes lack %q:\n%s", want, n)
			}
		}
	})
}

// TestStaleWhileDisconnected: the table state says since when the rows
// are stale, until the next listing.
func TestStaleWhileDisconnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, stop := newRealModule(t, Options{})
		defer stop()
		m.exec("AT+SKTSTATE", "\r\nOK\r\n")
		if tb := m.s.Stats().Table; tb.Listed.IsZero() || !tb.Stale.IsZero() || tb.FirstHand || tb.StateCommand != "AT+SKTSTATE" {
			t.Fatalf("after a listing: %+v", tb)
		}
		time.Sleep(time.Second)
		m.f.status <- device.Status{State: device.Disconnected, Cause: errors.New("unplugged")}
		synctest.Wait()
		lost := time.Now()
		if tb := m.s.Stats().Table; !tb.Stale.Equal(lost) {
			t.Fatalf("after the loss: stale %v, want %v", tb.Stale, lost)
		}
		m.f.status <- device.Status{State: device.Reconnected}
		synctest.Wait()
		if tb := m.s.Stats().Table; !tb.Stale.Equal(lost) {
			t.Fatalf("back, not listed yet: stale %v, want %v", tb.Stale, lost)
		}
		m.exec("AT+SKTSTATE", "\r\nOK\r\n")
		if tb := m.s.Stats().Table; !tb.Stale.IsZero() {
			t.Fatalf("listed again: stale %v, want none", tb.Stale)
		}
	})
}

// flakyWriter fails while broken is set.
type flakyWriter struct {
	mu     sync.Mutex
	broken bool
	buf    bytes.Buffer
}

func (w *flakyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken {
		return 0, errors.New("no space left on device")
	}
	return w.buf.Write(p)
}

func (w *flakyWriter) set(broken bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.broken = broken
}

func (w *flakyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestLogFailureIsSaidAndLoggingResumes: a log that cannot be written is
// said at once, with the lines missed, and writing resumes.
func TestLogFailureIsSaidAndLoggingResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &flakyWriter{}
		m, stop := newRealModule(t, Options{Log: w, Header: "atbench test\nport fake"})
		m.exec("AT+TEST", "\r\nOK\r\n")
		w.set(true)
		m.exec("AT+GMR", "\r\nOK\r\n")
		st := m.s.Stats().Log
		if !st.Failing || st.Missed == 0 || !strings.Contains(st.Err, "no space left") {
			t.Fatalf("log state after a failed write: %+v", st)
		}
		if n := notes(m.s); !strings.Contains(n, "lines missed so far") {
			t.Fatalf("the failure was not said in the transcript:\n%s", n)
		}
		missed := st.Missed
		w.set(false)
		m.exec("AT+LIST", "\r\nOK\r\n")
		st = m.s.Stats().Log
		if st.Failing || st.Missed < missed {
			t.Fatalf("log state after writes succeed again: %+v", st)
		}
		stop()
		log := w.String()
		for _, want := range []string{
			"- note   atbench test\n", "- note   port fake\n", "- note   command set realtek\n", "- note   started ",
			"> sent   AT+TEST\n", "- note   log: writing again; ", "> sent   AT+LIST\n",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		}
		if strings.Contains(log, "AT+GMR") {
			t.Errorf("the lines of the failed write reached the log:\n%s", log)
		}
	})
}

// TestPollsAreMarkedInTheLog: a poll and its answer carry "(poll)".
func TestPollsAreMarkedInTheLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log bytes.Buffer
		m, stop := newRealModule(t, Options{Log: &log})
		c, err := m.s.Poll("AT+SKTSTATE")
		if err != nil {
			t.Fatal(err)
		}
		<-m.lines
		m.f.say("\r\nOK\r\n")
		c.Wait(context.Background())
		m.exec("AT+SKTSTATE", "\r\nOK\r\n")
		stop()
		for _, want := range []string{"> sent   (poll) AT+SKTSTATE\n", "< ok     (poll) OK\n", "> sent   AT+SKTSTATE\n", "< ok     OK\n"} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
		}
	})
}

// TestModuleStartWithNoLinksKnown: the ATCMD READY of a power-on, before
// anything was known of the module's links, says it holds none.
func TestModuleStartWithNoLinksKnown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, stop := newRealModule(t, Options{})
		defer stop()
		m.f.say("ATCMD READY\r\n")
		synctest.Wait()
		tb := m.s.Stats().Table
		if !tb.Restarted.IsZero() || !tb.Listed.Equal(time.Now()) {
			t.Errorf("after a power-on: %+v, want listed now and no restart", tb)
		}
		if n := notes(m.s); n != "module started (ATCMD READY): it holds no links\n" {
			t.Errorf("notes %q", n)
		}
	})
}
