package session_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
	wzfw "atbench/device/emulator/wizfi"
	"atbench/protocol"
	"atbench/protocol/wizfi"
)

// TestWizFiSeedOnTheEmulator runs the seed's keepalive recipes on the
// emulated WizFi210 (echo on) with the WizFi dialect and a real TCP peer:
// the open's CID comes back as its answer's link, the peer's data arrives
// as ESC frames on its CID, sends from the dialect's plans (ESC S, and ESC
// Z bulk for data holding ESC) reach the peer, the recipes give 600 s and
// 75 s detection on the link, the peer's close is a DISCONNECT, and an
// empty AT+CID=? says No valid Cids.
func TestWizFiSeedOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := wizfi.New()
	s, _ := emulated(t, ctx, emulator.Config{Firmware: wzfw.New, Echo: true}, d)

	exec := func(line string, want protocol.Kind) protocol.Record {
		t.Helper()
		rec, err := s.Exec(ctx, line)
		if err != nil || rec.Kind != want {
			t.Fatalf("%s: %+v %v, want %v", line, rec, err, want)
		}
		return rec
	}
	has := func(kind protocol.Kind, text string, link int) func() bool {
		return func() bool {
			for _, r := range s.Records(0, 0) {
				if r.Kind == kind && r.Text == text && r.LinkID == link {
					return true
				}
			}
			return false
		}
	}
	link := func(id int) (protocol.LinkInfo, bool) {
		for _, l := range s.Links() {
			if l.ID == id && l.Closed == nil {
				return l, true
			}
		}
		return protocol.LinkInfo{}, false
	}

	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if rec := exec(fmt.Sprintf("AT+NSTCP=%d", port), protocol.KindOK); rec.LinkID != 0 {
		t.Fatalf("AT+NSTCP: the answer's link is %d, want CID 0", rec.LinkID)
	}
	if !has(protocol.KindEcho, fmt.Sprintf("AT+NSTCP=%d", port), protocol.NoLink)() {
		t.Errorf("no echo of AT+NSTCP in %+v", s.Records(0, 0))
	}
	peer, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	accept := fmt.Sprintf("CONNECT 0 1 127.0.0.1 %d", peer.LocalAddr().(*net.TCPAddr).Port)
	waitFor(ctx, t, s, "the accept", has(protocol.KindEvent, accept, 1))

	// The seed's recipes on the accepted client.
	exec("AT+SETSOCKOPT=1,65535,8,1,4", protocol.KindOK)
	exec("AT+SETSOCKOPT= 1,6,4001,600,4", protocol.KindOK)
	detection := func(want time.Duration) {
		t.Helper()
		l, ok := link(1)
		ka := l.Keepalive
		if !ok || !ka.Enabled || ka.Interval != 75*time.Second || ka.Idle+time.Duration(ka.Count)*ka.Interval != want {
			t.Errorf("link 1 keepalive %+v (live %v), want detection %v", ka, ok, want)
		}
		lk := d.(interface {
			LinkKeepalive(int, []protocol.Setting) (protocol.Keepalive, bool)
		})
		dk, ok := lk.LinkKeepalive(1, s.Settings())
		if !ok || dk.Enabled != ka.Enabled || dk.Idle != ka.Idle || dk.Interval != ka.Interval || dk.Count != ka.Count {
			t.Errorf("the dialect reads %+v %v from %v; the module has %+v", dk, ok, s.Settings(), ka)
		}
	}
	detection(600 * time.Second)
	exec("AT+SETSOCKOPT =1,6,4005,1,4", protocol.KindOK)
	exec("AT+SETSOCKOPT=1,6,4001,75,4", protocol.KindOK)
	detection(75 * time.Second)
	exec("AT+SETSOCKOPT=1,6,4001,74,4", protocol.KindError) // below count × 75 s

	// Data from the peer: CR, LF and ESC inside arrive whole on CID 1.
	in := []byte("hello\r\nOK\r\n\x1bE\x1b")
	if _, err := peer.Write(in); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, s, "the peer's data", func() bool {
		var got []byte
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindData && r.LinkID == 1 {
				got = append(got, r.Payload...)
			}
		}
		return bytes.Equal(got, in)
	})

	// Sends: ESC S, then bulk for data holding ESC.
	for _, payload := range [][]byte{[]byte("line 1\r\nline 2\x00"), []byte("esc \x1bE\x1b\x1b inside")} {
		plan, err := d.SendPlan(1, payload)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Send(plan)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wait(ctx); err != nil {
			t.Fatalf("send: %v", err)
		}
		peer.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, len(payload))
		if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("peer got %q, %v; want %q", got, err, payload)
		}
	}
	// The module is still answering commands after the frames.
	exec("AT", protocol.KindOK)

	// The listing shows both CIDs.
	exec("AT+CID=?", protocol.KindOK)
	rows := 0
	for _, r := range s.Records(0, 0) {
		if _, ok := wizfi.ParseCIDRow(r.Text); ok && r.Kind == protocol.KindInfo {
			rows++
		}
	}
	if rows != 2 {
		t.Errorf("AT+CID=? rows: %d, want 2", rows)
	}

	// The peer goes: DISCONNECT 1.
	peer.Close()
	waitFor(ctx, t, s, "DISCONNECT 1", has(protocol.KindEvent, "DISCONNECT 1", 1))
	exec("AT+SETSOCKOPT=1,6,4001,600,4", protocol.KindError)
	exec("AT+NCLOSE=0", protocol.KindOK)
	exec("AT+CID=?", protocol.KindOK)
	waitFor(ctx, t, s, "No valid Cids", has(protocol.KindInfo, wizfi.NoCIDs, protocol.NoLink))
	for _, r := range s.Records(0, 0) {
		if r.Kind == protocol.KindNoise || (r.Kind == protocol.KindInfo && strings.ContainsRune(r.Text, wizfi.ESC)) {
			t.Errorf("stray record %+v", r)
		}
	}
}

// TestWizFiUDPServerOnTheEmulator: a datagram to a UDP server CID arrives
// as an ESC u frame naming its sender, and a send plan to that sender (ESC
// U) reaches it.
func TestWizFiUDPServerOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := wizfi.New()
	s, _ := emulated(t, ctx, emulator.Config{Firmware: wzfw.New}, d)

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	rec, err := s.Exec(ctx, fmt.Sprintf("AT+NSUDP=%d", port))
	if err != nil || rec.Kind != protocol.KindOK || rec.LinkID != 0 {
		t.Fatalf("AT+NSUDP: %+v %v", rec, err)
	}
	peer, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := peer.Write([]byte("ping\r\n")); err != nil {
		t.Fatal(err)
	}
	from := peer.LocalAddr().(*net.UDPAddr)
	head := fmt.Sprintf("\x1bu0127.0.0.1 %d\t", from.Port)
	waitFor(ctx, t, s, "the datagram", func() bool {
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindData && r.LinkID == 0 && r.Text == head && string(r.Payload) == "ping\r\n" {
				return true
			}
		}
		return false
	})
	plan, err := d.(interface {
		SendToPlan(int, string, int, []byte) (protocol.Plan, error)
	}).SendToPlan(0, "127.0.0.1", from.Port, []byte("pong\x1b"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Send(plan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, err := peer.Read(buf)
	if err != nil || string(buf[:n]) != "pong\x1b" {
		t.Fatalf("peer got %q, %v", buf[:n], err)
	}
}
