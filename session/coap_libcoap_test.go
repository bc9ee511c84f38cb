package session_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
	rtkfw "atbench/device/emulator/realtek"
	"atbench/protocol"
	"atbench/protocol/coap"
	"atbench/protocol/realtek"
	"atbench/session"
)

// coapServer starts Debian's libcoap server (libcoap3-bin) on a free
// 127.0.0.1 port, UDP and TCP, and returns the port once it answers a TCP
// connect. The test is skipped where the server is not installed.
func coapServer(t *testing.T, ctx context.Context) int {
	t.Helper()
	bin, err := exec.LookPath("coap-server-notls")
	if err != nil {
		if bin, err = exec.LookPath("coap-server"); err != nil {
			t.Skip("no coap-server-notls or coap-server (Debian libcoap3-bin)")
		}
	}
	port := freePort(t)
	cmd := exec.CommandContext(ctx, bin, "-A", "127.0.0.1", "-p", fmt.Sprint(port), "-v", "3")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The server is up when it answers a CoAP ping on UDP and takes a TCP
	// connection. (A TCP connect alone succeeds as soon as the socket
	// listens, and a datagram that comes before the server's loop runs
	// can go unanswered.)
	probe, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	buf := make([]byte, 64)
	for mid := uint16(1); ; mid++ {
		if ctx.Err() != nil {
			t.Fatalf("%s never answered a ping on %d", bin, port)
		}
		if _, err := probe.WriteTo(coap.Ping(mid), to); err != nil {
			t.Fatal(err)
		}
		probe.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := probe.ReadFrom(buf)
		if err == nil && coap.IsPingReset(buf[:n], mid) {
			break
		}
	}
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("%s answers on UDP %d but not TCP: %v", bin, port, err)
	}
	c.Close()
	return port
}

// freePort is a port free for both UDP and TCP on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return 0
}

func mustOK(t *testing.T, ctx context.Context, s *session.Session, line string) {
	t.Helper()
	if rec, err := s.Exec(ctx, line); err != nil || rec.Kind != protocol.KindOK {
		t.Fatalf("%s: %v %v", line, rec, err)
	}
}

// TestCoAPPingLibcoap: the Realtek emulator's client links reach the real
// libcoap server over UDP and TCP; CoAPPing's messages go out through
// AT+SKTSENDRAW and the answers (an RST with the ping's Message ID; the
// server's CSM and a Pong with the Ping's token) are found in the data the
// module delivers. A second TCP ping sends no CSM.
func TestCoAPPingLibcoap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	port := coapServer(t, ctx)
	s, _ := emulated(t, ctx, emulator.Config{Firmware: rtkfw.New}, realtek.New())

	mustOK(t, ctx, s, fmt.Sprintf("AT+SKTCLIENT=0,0,,127.0.0.1,%d,%d,1", port, freePort(t))) // UDP needs its src_port
	res, err := s.CoAPPing(ctx, 0, session.CoAPOptions{})
	if err != nil {
		for _, r := range s.Records(0, 0) {
			t.Logf("%s %s %q % x", r.At.Format("05.000000"), r.Kind, r.Text, r.Payload)
		}
		t.Fatalf("UDP ping: %v", err)
	}
	if res.Proto != protocol.ProtoUDP || res.Transmissions < 1 || res.RTT <= 0 || res.RTT > 10*time.Second ||
		res.Answer != fmt.Sprintf("RST 0.00 mid=0x%04x", res.MessageID) {
		t.Errorf("UDP ping: %+v", res)
	}
	t.Logf("UDP: %s, RTT %v", res.Answer, res.RTT)

	mustOK(t, ctx, s, fmt.Sprintf("AT+SKTCLIENT=1,1,,127.0.0.1,%d,,1", port))
	for i, wantCSM := range []bool{true, false} {
		res, err := s.CoAPPing(ctx, 1, session.CoAPOptions{})
		if err != nil {
			for _, r := range s.Records(0, 0) {
				t.Logf("%s %q % x", r.Kind, r.Text, r.Payload)
			}
			t.Fatalf("TCP ping %d: %v", i+1, err)
		}
		if res.Proto != protocol.ProtoTCP || res.CSMSent != wantCSM || res.RTT <= 0 ||
			!strings.HasPrefix(res.Answer, "7.03 Pong") {
			t.Errorf("TCP ping %d: %+v", i+1, res)
		}
		t.Logf("TCP %d: CSM %v, %s, RTT %v", i+1, res.CSMSent, res.Answer, res.RTT)
	}
	// The transcript tells the story step by step.
	var notes []string
	for _, r := range s.Records(0, 0) {
		if r.Kind == protocol.KindNote && strings.HasPrefix(r.Text, "coap ping") {
			notes = append(notes, r.Text)
		}
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"CON 0.00 mid=", "transmission 1 of 5", "RST 0.00", "7.01 CSM first", "7.02 Ping token=", "7.03 Pong"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no note with %q in:\n%s", want, joined)
		}
	}
}

// TestCoAPPingSilentUDP: a real UDP peer that reads and never answers sees
// the ping and its 4 retransmissions, with the same Message ID, and the
// ping ends in "too many retries". The transmission parameters are
// shortened (the RFC's take up to 93 s; TestCoAPPingRetransmitTimes checks
// those on a fake clock).
func TestCoAPPingSilentUDP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	peer, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	got := make(chan []byte, 16)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := peer.ReadFrom(buf)
			if err != nil {
				close(got)
				return
			}
			got <- append([]byte(nil), buf[:n]...)
		}
	}()
	s, _ := emulated(t, ctx, emulator.Config{Firmware: rtkfw.New}, realtek.New())
	mustOK(t, ctx, s, fmt.Sprintf("AT+SKTCLIENT=2,0,,127.0.0.1,%d,%d,1", peer.LocalAddr().(*net.UDPAddr).Port, freePort(t)))
	res, err := s.CoAPPing(ctx, 2, session.CoAPOptions{AckTimeout: 40 * time.Millisecond})
	if !errors.Is(err, session.ErrTooManyRetries) || !strings.Contains(err.Error(), "too many retries") {
		t.Fatalf("err %v, want too many retries", err)
	}
	if res.Transmissions != 5 || !res.Answered.IsZero() {
		t.Errorf("result %+v", res)
	}
	for i := range 5 {
		select {
		case b := <-got:
			if string(b) != string(coap.Ping(res.MessageID)) {
				t.Errorf("datagram %d: % x, want the ping with mid 0x%04x", i+1, b, res.MessageID)
			}
		case <-ctx.Done():
			t.Fatalf("the peer got %d datagrams of 5", i)
		}
	}
}

// TestCoAPKeepaliveLibcoap: the periodic mode keeps a TCP link to libcoap
// warm (pings answered, each after the idle time), and against a silent
// UDP peer it reports the keepalive failure when the second ping falls
// due.
func TestCoAPKeepaliveLibcoap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	port := coapServer(t, ctx)
	s, _ := emulated(t, ctx, emulator.Config{Firmware: rtkfw.New}, realtek.New())
	mustOK(t, ctx, s, fmt.Sprintf("AT+SKTCLIENT=0,1,,127.0.0.1,%d,,1", port))

	// A second of idle time: a Pong slower than that on a loaded machine
	// would be a (correct) keepalive failure.
	const idle = time.Second
	kctx, stop := context.WithCancel(ctx)
	var answered []session.CoAPResult
	err := s.CoAPKeepalive(kctx, 0, session.CoAPKeepaliveOptions{Idle: idle, OnPing: func(r session.CoAPResult) {
		answered = append(answered, r)
		if len(answered) == 3 {
			stop()
		}
	}})
	if !errors.Is(err, context.Canceled) || len(answered) != 3 {
		t.Fatalf("keepalive: %v after %d answered pings", err, len(answered))
	}
	for i, r := range answered {
		if r.Proto != protocol.ProtoTCP || r.CSMSent != (i == 0) || !strings.HasPrefix(r.Answer, "7.03 Pong") {
			t.Errorf("ping %d: %+v", i+1, r)
		}
		if i > 0 && r.Sent.Sub(answered[i-1].Sent) < idle {
			t.Errorf("ping %d went out %v after the last, before the idle time %v", i+1, r.Sent.Sub(answered[i-1].Sent), idle)
		}
	}

	peer, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	mustOK(t, ctx, s, fmt.Sprintf("AT+SKTCLIENT=1,0,,127.0.0.1,%d,%d,1", peer.LocalAddr().(*net.UDPAddr).Port, freePort(t)))
	start := time.Now()
	const short = 150 * time.Millisecond
	err = s.CoAPKeepalive(ctx, 1, session.CoAPKeepaliveOptions{Idle: short})
	if !errors.Is(err, session.ErrKeepaliveFailure) {
		t.Fatalf("silent peer: %v", err)
	}
	if took := time.Since(start); took < 2*short {
		t.Errorf("failure after %v, before two idle periods", took)
	}
}
