package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/emulator"
	invfw "atbench/device/emulator/inventek"
	"atbench/protocol"
	"atbench/protocol/inventek"
	"atbench/session"
)

// moduleOnly hides the emulator's own link table, so that the session
// infers links from the module's output as it does for a real module.
type moduleOnly struct{ device.Device }

// TestInventekSeedScenario runs the seed's multi-accept server on the
// emulated Inventek module with real TCP clients, through a session with
// the Inventek dialect: the answers end at the prompt, R0's data (CR LF
// and "OK" in it) is one record, sends are P0, S3 and raw bytes, P5=10
// drops the client, a client's close makes R0 answer -1, P5=0 kills the
// server. With inferred links the table follows the answers and events;
// with the emulator's own table the conversation is the same; a module
// that echoes its commands gets the same link table, and so does a
// session that polls P? between the commands.
func TestInventekSeedScenario(t *testing.T) {
	for _, c := range []struct{ inferred, echo, poll bool }{{true, false, false}, {false, false, false}, {true, true, false}, {true, false, true}} {
		t.Run(fmt.Sprintf("inferred=%v,echo=%v,poll=%v", c.inferred, c.echo, c.poll), func(t *testing.T) {
			inventekScenario(t, c.inferred, c.echo, c.poll)
		})
	}
}

func inventekScenario(t *testing.T, inferred, echo, poll bool) {
	m, err := emulator.New(emulator.Config{Firmware: invfw.New, Echo: echo})
	if err != nil {
		t.Fatal(err)
	}
	var dev device.Device = m
	if inferred {
		dev = moduleOnly{m}
	}
	d := inventek.New()
	opts := session.Options{Dialect: d}
	if poll {
		opts.Poll = 5 * time.Millisecond // P? between the commands, often
	}
	s, err := session.New(dev, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	defer func() { s.Close(); <-ran }()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	exec := func(line string) protocol.Record {
		t.Helper()
		rec, err := s.Exec(ctx, line)
		if err != nil || rec.Kind != protocol.KindOK {
			t.Fatalf("%s: %+v %v", line, rec, err)
		}
		return rec
	}
	link := func(id int) (protocol.LinkInfo, bool) {
		for _, l := range s.Links() {
			if l.ID == id && l.Closed == nil {
				return l, true
			}
		}
		return protocol.LinkInfo{}, false
	}
	closed := func(id int, reason string) bool {
		for _, l := range s.Links() {
			if l.ID == id && l.Closed != nil && strings.Contains(l.Closed.Reason, reason) {
				return true
			}
		}
		return false
	}
	for _, line := range []string{"PK=1,3000", "P1=0", fmt.Sprintf("P2=%d", port), "P8=6", "R2=10000", "P5=11"} {
		exec(line)
	}
	if ka, ok := d.KeepaliveInForce(s.Settings()); !ok || !ka.Enabled || ka.Idle != 3*time.Second {
		t.Errorf("keepalive in force %+v %v (settings %v)", ka, ok, s.Settings())
	}
	if l, ok := link(0); !ok || l.Role != protocol.RoleServer || l.State != protocol.StateListen {
		t.Fatalf("server link %+v %v", l, ok)
	}

	// A client is accepted: the seed, link 4.
	peer, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	// The accept message comes before the next command is sent: the
	// emulator's own table may show the client before it is printed.
	accepted := func(c net.Conn) bool {
		want := inventek.AcceptedText("127.0.0.1", c.LocalAddr().(*net.TCPAddr).Port)
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindEvent && r.Text == want {
				return true
			}
		}
		return false
	}
	waitFor(ctx, t, s, "the seed", func() bool {
		l, ok := link(4)
		return accepted(peer) && ok && l.Role == protocol.RoleSeed && l.Parent == 0 && l.Remote == peer.LocalAddr().String()
	})

	// R0 returns the client's data, CR LF and "OK" included, as one record.
	msg := []byte("Data from 127.0.0.1\r\nOK\r\nmore")
	if _, err := peer.Write(msg); err != nil {
		t.Fatal(err)
	}
	from := s.LastSeq()
	exec("R0")
	var got []protocol.Record
	for _, r := range s.Records(from+1, 0) {
		if !r.Quiet {
			got = append(got, r)
		}
	}
	framed := msg
	if echo {
		framed = append([]byte("R0\r\n\r\n"), msg...) // the echo opens R0's data
	}
	if len(got) != 4 || got[0].Kind != protocol.KindSent || got[1].Kind != protocol.KindData ||
		!bytes.Equal(got[1].Payload, framed) || got[1].LinkID != 4 || got[2].Kind != protocol.KindOK || got[3].Kind != protocol.KindPrompt {
		t.Fatalf("R0 records %+v", got)
	}
	if inferred {
		if l, _ := link(4); l.BytesIn != uint64(len(msg)) {
			t.Errorf("seed bytes in %d, want %d", l.BytesIn, len(msg))
		}
	}

	// A send: P0, S3 and the raw bytes, in pieces of 1460 at most.
	payload := bytes.Repeat([]byte("1\r\n\n"), 800) // 3200 bytes
	plan, err := d.SendPlan(4, payload)
	if err != nil || len(plan) != 7 {
		t.Fatalf("plan of %d steps, %v", len(plan), err)
	}
	c, err := s.Send(plan)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := c.Wait(ctx); err != nil || rec.Kind != protocol.KindOK {
		t.Fatalf("send: %+v %v", rec, err)
	}
	peer.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, len(payload))
	if _, err := io.ReadFull(peer, buf); err != nil || !bytes.Equal(buf, payload) {
		t.Fatalf("peer got %d bytes equal %v, %v", len(buf), bytes.Equal(buf, payload), err)
	}
	if inferred {
		if l, _ := link(4); l.BytesOut != uint64(len(payload)) {
			t.Errorf("seed bytes out %d, want %d", l.BytesOut, len(payload))
		}
	}

	// P5=10 drops the client; the next one is accepted on the same link.
	exec("P5=10")
	if _, err := peer.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("dropped client reads %v, want EOF", err)
	}
	if inferred && !closed(4, "P5=10") {
		t.Errorf("seed not closed by P5=10: %+v", s.Links())
	}
	peer2, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, s, "the second seed", func() bool {
		l, ok := link(4)
		return accepted(peer2) && ok && l.Remote == peer2.LocalAddr().String()
	})

	// The client closes: R0 answers -1 and the seed is gone.
	peer2.Close()
	waitFor(ctx, t, s, "R0 answering -1", func() bool {
		from := s.LastSeq()
		exec("R0")
		for _, r := range s.Records(from+1, 0) {
			if r.Kind == protocol.KindData && string(r.Payload) == string(framed[:len(framed)-len(msg)])+inventek.Lost {
				return true
			}
		}
		return false
	})
	if inferred && !closed(4, "R0 answered -1") {
		t.Errorf("seed not closed by the -1: %+v", s.Links())
	}

	// P? lists the server; P5=0 kills it.
	exec("P?")
	if _, ok := link(0); !ok {
		t.Errorf("server gone after P?: %+v", s.Links())
	}
	if l, ok := link(4); ok {
		t.Errorf("P? brought the lost seed back: %+v", l)
	}
	from = s.LastSeq()
	exec("P5=0")
	killed := false
	for _, r := range s.Records(from+1, 0) {
		killed = killed || (r.Kind == protocol.KindEvent && r.Text == inventek.KilledText)
	}
	if !killed {
		t.Errorf("no Killed event: %+v", s.Records(from+1, 0))
	}
	if inferred && !closed(0, "P5=0") {
		t.Errorf("server not closed by P5=0: %+v", s.Links())
	}
	if poll {
		waitFor(ctx, t, s, "a P? poll", func() bool {
			for _, r := range s.Records(0, 0) {
				if r.Kind == protocol.KindSent && r.Quiet && r.Text == "P?" {
					return true
				}
			}
			return false
		})
		if _, ok := link(0); ok {
			t.Errorf("a poll brought the killed server back: %+v", s.Links())
		}
	}
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err != nil {
		t.Errorf("the port is not free: %v", err)
	} else {
		l.Close()
	}
}
