package reconnect

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"atbench/device"
)

// TestNewDownWaitsForTheFirstConnection: a link started down says why,
// refuses writes, and its first connection is a reconnect with no lost
// boundary before its bytes.
func TestNewDownWaitsForTheFirstConnection(t *testing.T) {
	p := &pipes{far: make(chan net.Conn)}
	cause := errors.New("waiting for /dev/ttyUSB0…")
	l := NewDown(Config[net.Conn]{Dial: p.dial, Backoff: func(int) time.Duration { return time.Millisecond }}, cause)
	defer l.Close()
	if s := nextStatus(t, l); s.State != device.Disconnected || !errors.Is(s.Cause, cause) {
		t.Fatalf("first status %v (%v), want disconnected with the cause", s.State, s.Cause)
	}
	read := make(chan string, 1)
	go func() {
		b := make([]byte, 16)
		n, err := l.Read(b)
		if err != nil {
			read <- "error: " + err.Error()
			return
		}
		read <- string(b[:n])
	}()
	var far net.Conn
	select {
	case far = <-p.far:
	case <-time.After(10 * time.Second):
		t.Fatal("never dialled")
	}
	defer far.Close()
	if s := nextStatus(t, l); s.State != device.Reconnected {
		t.Fatalf("status %v, want reconnected", s.State)
	}
	if _, err := far.Write([]byte("READY")); err != nil {
		t.Fatal(err)
	}
	if got := <-read; got != "READY" {
		t.Fatalf("read %q, want READY with no lost boundary", got)
	}
	l.Close()
	if _, err := l.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after Close: %v", err)
	}
}

// TestNewDownClosesWhileDown: Close while nothing was ever connected ends
// the loop and Read.
func TestNewDownClosesWhileDown(t *testing.T) {
	l := NewDown(Config[net.Conn]{Dial: func(ctx context.Context) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() }}, errors.New("not there"))
	nextStatus(t, l)
	done := make(chan error, 1)
	go func() { _, err := l.Read(make([]byte, 1)); done <- err }()
	if _, err := l.Write([]byte("x")); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("write while down: %v", err)
	}
	l.Close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("read: %v, want io.EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end Read")
	}
}
