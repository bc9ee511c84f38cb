package session_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
	rtkfw "atbench/device/emulator/realtek"
	"atbench/protocol"
	"atbench/protocol/realtek"
	"atbench/session"
)

// TestEmulatorPeerCloseIsAnnounced: the firmware prints nothing when a peer
// closes, yet the session's watchers learn of it from the emulator's own
// table, with the reason.
func TestEmulatorPeerCloseIsAnnounced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, _ := emulated(t, ctx, emulator.Config{Firmware: rtkfw.New}, realtek.New())

	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if rec, err := s.Exec(ctx, fmt.Sprintf("AT+SKTSERVER=1,1,,%d,1", port)); err != nil || rec.Text != "OK" {
		t.Fatalf("server: %v %v", rec, err)
	}
	peer, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, s, "the accept event", func() bool {
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindEvent && strings.Contains(r.Text, "connected to server[link_id:1]") {
				return true
			}
		}
		return false
	})
	before := s.LastSeq()
	peer.Close()
	waitFor(ctx, t, s, "link 0 closed by the peer", func() bool {
		for _, l := range s.Links() {
			if l.ID == 0 && l.Closed != nil && strings.Contains(l.Closed.Reason, "peer closed") {
				return true
			}
		}
		return false
	})
	// The module prints nothing; atbench notes the death with its reason
	// (in the transcript and so in the log), as it does for a real module.
	waitFor(ctx, t, s, "the note of link 0's death", func() bool {
		for _, r := range s.Records(before+1, 0) {
			if r.Kind == protocol.KindNote && strings.HasPrefix(r.Text, "link 0 closed ") && strings.Contains(r.Text, "peer closed") {
				return true
			}
		}
		return false
	})
	for _, r := range s.Records(before+1, 0) {
		if r.Kind != protocol.KindNote {
			t.Errorf("the module printed something on a peer close: %+v", r)
		}
	}
	opened := false
	for _, r := range s.Records(0, 0) {
		opened = opened || (r.Kind == protocol.KindNote && strings.HasPrefix(r.Text, "link 0 opened: seed tcp"))
	}
	if !opened {
		t.Error("no note of link 0 opening")
	}
}

// emulated runs a session with dialect d on a module emulated as cfg
// says, until the test ends; the session closes the module.
func emulated(t *testing.T, ctx context.Context, cfg emulator.Config, d protocol.Dialect) (*session.Session, *emulator.Module) {
	t.Helper()
	m, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.New(m, session.Options{Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	t.Cleanup(func() { s.Close(); <-ran })
	return s, m
}

// waitFor re-checks cond at each change the session announces.
func waitFor(ctx context.Context, t *testing.T, s *session.Session, what string, cond func() bool) {
	t.Helper()
	for {
		ch := s.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			for _, r := range s.Records(0, 0) {
				t.Logf("transcript: %v %q", r.Kind, r.Text)
			}
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

// TestEmulatorSendPlanWithRawBytes: a payload no command line can carry
// goes out as AT+SKTSENDRAW and its bytes after the module's prompt, and
// the peer gets them.
func TestEmulatorSendPlanWithRawBytes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := realtek.New()
	s, _ := emulated(t, ctx, emulator.Config{Firmware: rtkfw.New}, d)

	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if rec, err := s.Exec(ctx, fmt.Sprintf("AT+SKTSERVER=1,1,,%d,1", port)); err != nil || rec.Text != "OK" {
		t.Fatalf("server: %v %v", rec, err)
	}
	peer, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	waitFor(ctx, t, s, "the accept event", func() bool {
		for _, r := range s.Records(0, 0) {
			if r.Kind == protocol.KindEvent && strings.Contains(r.Text, "connected to server[link_id:1]") {
				return true
			}
		}
		return false
	})
	payload := []byte("line 1\r\nline 2\x00")
	plan, err := d.SendPlan(0, payload)
	if err != nil || len(plan) != 2 {
		t.Fatalf("plan %q, %v", plan, err)
	}
	c, err := s.Send(plan)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := c.Wait(ctx); err != nil || rec.Kind != protocol.KindOK {
		t.Fatalf("send: %v %v", rec, err)
	}
	peer.SetDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != string(payload) {
		t.Fatalf("peer got %q, %v", got, err)
	}
	var kinds []string
	for _, r := range s.Records(0, 0) {
		kinds = append(kinds, r.Kind.String())
	}
	if !strings.Contains(strings.Join(kinds, " "), "sent prompt raw ok") {
		t.Errorf("records %v", kinds)
	}
}
