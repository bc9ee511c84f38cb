package session_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"atbench/device"
	"atbench/protocol"
	"atbench/protocol/coap"
	"atbench/protocol/realtek"
	"atbench/session"
)

// rtkPeer is a Realtek module reduced to AT+SKTSEND and AT+SKTSENDRAW on a link to a CoAP
// peer, for tests on a fake clock: each payload the host sends is a
// transmission, and answer decides what the peer sends back on the link
// and after how long.
type rtkPeer struct {
	out    chan []byte
	closed chan struct{}
	once   sync.Once
	status chan device.Status
	udp    bool

	mu     sync.Mutex
	buf    []byte
	raw    int // raw bytes still awaited
	link   int
	sent   []transmission
	answer func(n int, payload []byte) (reply []byte, after time.Duration)
}

type transmission struct {
	at      time.Time
	payload []byte
}

func newRTKPeer(udp bool, answer func(int, []byte) ([]byte, time.Duration)) *rtkPeer {
	return &rtkPeer{out: make(chan []byte, 64), closed: make(chan struct{}), status: make(chan device.Status), udp: udp, answer: answer}
}

func (p *rtkPeer) Read(b []byte) (int, error) {
	select {
	case c := <-p.out:
		return copy(b, c), nil // the tests' chunks are short
	case <-p.closed:
		return 0, io.EOF
	}
}

func (p *rtkPeer) say(b []byte) {
	select {
	case p.out <- b:
	case <-p.closed:
	}
}

func (p *rtkPeer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for len(p.buf) > 0 {
		if p.raw > 0 {
			n := min(p.raw, len(p.buf))
			p.raw -= n
			payload := append([]byte(nil), p.buf[:n]...)
			p.buf = p.buf[n:]
			if p.raw == 0 {
				p.transmitLocked(payload)
			}
			continue
		}
		i := bytes.Index(p.buf, []byte("\r\n"))
		if i < 0 {
			break
		}
		line := string(p.buf[:i])
		p.buf = p.buf[i+2:]
		if args, ok := strings.CutPrefix(line, "AT+SKTSENDRAW="); ok {
			id, n, _ := strings.Cut(args, ",")
			p.link, _ = strconv.Atoi(id)
			p.raw, _ = strconv.Atoi(n)
			p.say(realtek.FormatTTPrompt())
			continue
		}
		if c, err := realtek.ParseCommand([]byte(line)); err == nil && c.Name == "AT+SKTSEND" && len(c.Args) == 5 {
			p.link, _ = strconv.Atoi(c.Args[0])
			p.transmitLocked([]byte(c.Args[4]))
			continue
		}
		p.say(realtek.FormatOK())
	}
	return len(b), nil
}

// transmitLocked takes one payload: OK to the host, then the peer's answer.
func (p *rtkPeer) transmitLocked(payload []byte) {
	p.sent = append(p.sent, transmission{at: time.Now(), payload: payload})
	p.say(realtek.FormatOK())
	reply, after := p.answer(len(p.sent), payload)
	if reply == nil {
		return
	}
	frame := realtek.FormatData(p.link, reply)
	if p.udp {
		frame = realtek.FormatUDPData(p.link, "127.0.0.1", 5683, reply)
	}
	time.AfterFunc(after, func() { p.say(frame) })
}

func (p *rtkPeer) transmissions() []transmission {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]transmission(nil), p.sent...)
}

func (p *rtkPeer) Close() error {
	p.once.Do(func() { close(p.closed); close(p.status) })
	return nil
}
func (p *rtkPeer) Status() <-chan device.Status { return p.status }
func (p *rtkPeer) Info() device.Info            { return device.Info{Kind: "fake", Name: "rtk peer"} }

// runPeer runs a Realtek session on the peer; the session ends with the
// test's bubble.
func runPeer(t *testing.T, p *rtkPeer) (*session.Session, func()) {
	t.Helper()
	s, err := session.New(p, session.Options{Dialect: realtek.New()})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(context.Background()) }()
	return s, func() { s.Close(); <-ran }
}

// TestCoAPPingRetransmitTimes: with RFC 7252's parameters a ping nobody
// answers goes out at 0, T, 3T, 7T and 15T, T being random in [2 s, 3 s],
// and fails with "too many retries" at 31T.
func TestCoAPPingRetransmitTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newRTKPeer(true, func(int, []byte) ([]byte, time.Duration) { return nil, 0 })
		s, stop := runPeer(t, p)
		defer stop()
		start := time.Now()
		res, err := s.CoAPPing(context.Background(), 0, session.CoAPOptions{Proto: protocol.ProtoUDP, Rand: rand.New(rand.NewPCG(1, 2))})
		if !errors.Is(err, session.ErrTooManyRetries) {
			t.Fatalf("err %v", err)
		}
		sent := p.transmissions()
		if len(sent) != 5 || res.Transmissions != 5 {
			t.Fatalf("%d transmissions, result %+v", len(sent), res)
		}
		first := sent[1].at.Sub(sent[0].at)
		if first < 2*time.Second || first > 3*time.Second {
			t.Errorf("first timeout %v, want 2..3 s", first)
		}
		for i, k := range []time.Duration{0, 1, 3, 7, 15} {
			if got := sent[i].at.Sub(start); got != k*first {
				t.Errorf("transmission %d at %v, want %v", i+1, got, k*first)
			}
			if !bytes.Equal(sent[i].payload, coap.Ping(res.MessageID)) {
				t.Errorf("transmission %d: % x", i+1, sent[i].payload)
			}
		}
		if got := time.Since(start); got != 31*first {
			t.Errorf("gave up after %v, want 31 × %v = %v", got, first, 31*first)
		}
	})
}

// TestCoAPPingAnsweredLate: a Reset to the third transmission, 120 ms
// after it, ends the ping with that RTT; a Reset with another Message ID
// does not.
func TestCoAPPingAnsweredLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newRTKPeer(true, func(n int, b []byte) ([]byte, time.Duration) {
			d, _ := coap.ParseDatagram(b)
			if n < 3 {
				return coap.EmptyReset(d.MessageID + 1), 10 * time.Millisecond
			}
			return coap.EmptyReset(d.MessageID), 120 * time.Millisecond
		})
		s, stop := runPeer(t, p)
		defer stop()
		res, err := s.CoAPPing(context.Background(), 0, session.CoAPOptions{Proto: protocol.ProtoUDP})
		if err != nil {
			t.Fatal(err)
		}
		if res.Transmissions != 3 || res.RTT != 120*time.Millisecond {
			t.Errorf("result %+v", res)
		}
	})
}

// TestCoAPPingTCP: the first ping on a connection carries the CSM before
// the Ping, the second does not; the Pong is found behind the peer's CSM
// and the RTT is the peer's delay; a peer that never answers ends in
// ErrNoPong at the Pong timeout.
func TestCoAPPingTCP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var silent atomic.Bool
		p := newRTKPeer(false, func(n int, b []byte) ([]byte, time.Duration) {
			if silent.Load() {
				return nil, 0
			}
			frames, _, _ := coap.Scan(b)
			ping := frames[len(frames)-1]
			reply := coap.TCPPong(ping.Token)
			if n == 1 {
				csm, _ := coap.AppendFrame(nil, coap.CodeCSM, nil, []byte{0x23, 0x80, 0x01, 0x00})
				reply = append(csm, reply...)
			}
			return reply, 30 * time.Millisecond
		})
		s, stop := runPeer(t, p)
		defer stop()
		ctx := context.Background()
		for i, wantCSM := range []bool{true, false} {
			res, err := s.CoAPPing(ctx, 0, session.CoAPOptions{Proto: protocol.ProtoTCP})
			if err != nil {
				for _, r := range s.Records(0, 0) {
					t.Logf("%s %s %q % x", r.At.Format("05.000"), r.Kind, r.Text, r.Payload)
				}
				t.Fatalf("ping %d: %v", i+1, err)
			}
			if res.CSMSent != wantCSM || res.RTT != 30*time.Millisecond {
				t.Errorf("ping %d: %+v", i+1, res)
			}
			sent := p.transmissions()[i].payload
			want := coap.TCPPing(res.Token)
			if wantCSM {
				want = append(coap.CSM(), want...)
			}
			if !bytes.Equal(sent, want) {
				t.Errorf("ping %d sent % x, want % x", i+1, sent, want)
			}
		}
		silent.Store(true)
		start := time.Now()
		_, err := s.CoAPPing(ctx, 0, session.CoAPOptions{Proto: protocol.ProtoTCP, PongTimeout: 5 * time.Second})
		if !errors.Is(err, session.ErrNoPong) || time.Since(start) != 5*time.Second {
			t.Errorf("silent peer: %v after %v", err, time.Since(start))
		}
	})
}

// TestCoAPKeepalive: pings go out only after the idle time without
// traffic; an answered ping starts the idle time again from the answer;
// the first ping left unanswered is a keepalive failure when the next one
// falls due, Idle after it.
func TestCoAPKeepalive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const idle = 30 * time.Second
		p := newRTKPeer(true, func(n int, b []byte) ([]byte, time.Duration) {
			if n > 2 {
				return nil, 0 // the peer goes away
			}
			d, _ := coap.ParseDatagram(b)
			return coap.EmptyReset(d.MessageID), time.Second
		})
		s, stop := runPeer(t, p)
		defer stop()
		start := time.Now()
		var answered []session.CoAPResult
		err := s.CoAPKeepalive(context.Background(), 0, session.CoAPKeepaliveOptions{
			CoAPOptions: session.CoAPOptions{Proto: protocol.ProtoUDP},
			Idle:        idle,
			OnPing:      func(r session.CoAPResult) { answered = append(answered, r) },
		})
		if !errors.Is(err, session.ErrKeepaliveFailure) {
			t.Fatalf("err %v", err)
		}
		sent := p.transmissions()
		// 0: start; ping 1 at 30 s, answered at 31 s; ping 2 at 61 s,
		// answered at 62 s; ping 3 at 92 s, unanswered; failure at 122 s.
		want := []time.Duration{30 * time.Second, 61 * time.Second, 92 * time.Second}
		if len(sent) != len(want) {
			t.Fatalf("%d pings, want %d", len(sent), len(want))
		}
		for i := range want {
			if got := sent[i].at.Sub(start); got != want[i] {
				t.Errorf("ping %d at %v, want %v", i+1, got, want[i])
			}
		}
		if len(answered) != 2 || answered[0].RTT != time.Second {
			t.Errorf("answered %+v", answered)
		}
		if got := time.Since(start); got != 122*time.Second {
			t.Errorf("failure at %v, want 2m2s", got)
		}
		var notes []string
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindNote {
				notes = append(notes, r.Text)
			}
		}
		if !strings.Contains(strings.Join(notes, "\n"), "keepalive failure: the ping sent at") {
			t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
		}
	})
}

func TestCoAPResultString(t *testing.T) {
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    session.CoAPResult
		want string
	}{
		{session.CoAPResult{Link: 0, Proto: protocol.ProtoUDP, MessageID: 0x1234, Transmissions: 2, Answered: at, RTT: 1200 * time.Microsecond, Answer: "RST 0.00 mid=0x1234"},
			"link 0 udp: RST 0.00 mid=0x1234 in 1.2ms (2 transmissions)"},
		{session.CoAPResult{Link: 1, Proto: protocol.ProtoTCP, Token: []byte{1, 2}, CSMSent: true, Transmissions: 1, Answered: at, RTT: time.Millisecond, Answer: "7.03 Pong +1 bytes"},
			"link 1 tcp: 7.03 Pong +1 bytes in 1ms (after the connection's CSM)"},
		{session.CoAPResult{Link: 2, Proto: protocol.ProtoUDP, MessageID: 7, Transmissions: 5},
			"link 2 udp: no answer to mid=0x0007 after 5 transmissions"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}
