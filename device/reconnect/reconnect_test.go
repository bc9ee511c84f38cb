package reconnect

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"atbench/device"
)

// pipes hands out the near ends of net.Pipe pairs, one per dial, and keeps
// the far ends for the test.
type pipes struct {
	far chan net.Conn
}

func (p *pipes) dial(ctx context.Context) (net.Conn, error) {
	a, b := net.Pipe()
	select {
	case p.far <- b:
		return a, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func nextStatus(t *testing.T, l *Link[net.Conn]) device.Status {
	t.Helper()
	select {
	case s := <-l.Status():
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no status change")
	}
	panic("unreachable")
}

// TestLostOncePerLoss checks the connection boundary: every byte of the
// lost connection, then exactly one (0, ErrLost), then the bytes of the
// next one; a loss found by a failed write is reported the same way.
func TestLostOncePerLoss(t *testing.T) {
	// Unbuffered: a redial completes only when the test takes its far end,
	// so the link stays down for "write while down" however fast the
	// backoff (a buffered hand-off let it come back first on a loaded box).
	p := &pipes{far: make(chan net.Conn)}
	first, far := net.Pipe()
	l := New(first, Config[net.Conn]{Dial: p.dial, Backoff: func(int) time.Duration { return time.Millisecond }})
	defer l.Close()
	if s := nextStatus(t, l); s.State != device.Connected {
		t.Fatalf("first status %v", s.State)
	}
	type result struct {
		s   string
		err error
	}
	reads := make(chan result, 16)
	go func() {
		b := make([]byte, 64)
		for {
			n, err := l.Read(b)
			reads <- result{string(b[:n]), err}
			if err != nil && !errors.Is(err, device.ErrLost) {
				return
			}
		}
	}()
	next := func() result {
		select {
		case r := <-reads:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no read")
		}
		panic("unreachable")
	}
	go func() { far.Write([]byte("one")); far.Close() }()
	if r := next(); r.s != "one" || r.err != nil {
		t.Fatalf("read %+v", r)
	}
	if r := next(); r.s != "" || !errors.Is(r.err, device.ErrLost) {
		t.Fatalf("after the loss: %+v, want (0, ErrLost)", r)
	}
	if s := nextStatus(t, l); s.State != device.Disconnected || s.Cause == nil {
		t.Fatalf("status %+v", s)
	}
	far = <-p.far
	if s := nextStatus(t, l); s.State != device.Reconnected {
		t.Fatalf("status %+v", s)
	}
	go far.Write([]byte("two"))
	if r := next(); r.s != "two" || r.err != nil {
		t.Fatalf("read %+v", r)
	}
	// A write that fails loses the connection too; Read reports it once.
	far.Close()
	if _, err := l.Write([]byte("x")); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("write to a dead connection: %v", err)
	}
	if r := next(); !errors.Is(r.err, device.ErrLost) {
		t.Fatalf("after the failed write: %+v, want ErrLost", r)
	}
	if _, err := l.Write([]byte("x")); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("write while down: %v", err)
	}
	far = <-p.far
	go far.Write([]byte("three"))
	if r := next(); r.s != "three" || r.err != nil {
		t.Fatalf("read %+v (one ErrLost per loss, not more)", r)
	}
	l.Close()
	if r := next(); r.err != io.EOF {
		t.Fatalf("after Close: %+v, want io.EOF", r)
	}
}

// TestStatusNeverBlocks checks that a link nobody watches keeps only the
// newest changes instead of stalling.
func TestStatusNeverBlocks(t *testing.T) {
	l := &Link[net.Conn]{status: make(chan device.Status, 2), cfg: Config[net.Conn]{Now: time.Now}}
	for i := range 5 {
		l.send(device.Status{State: device.State(i % 3), Cause: errors.New(string(rune('a' + i)))})
	}
	var causes string
	for range 2 {
		causes += (<-l.status).Cause.Error()
	}
	if causes != "de" {
		t.Fatalf("kept %q, want the newest two: de", causes)
	}
}

func TestDefaultBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 6: 3200 * time.Millisecond, 7: 5 * time.Second, 50: 5 * time.Second} {
		if got := DefaultBackoff(n); got != want {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestBackoffSchedule checks, on a fake clock, that attempts follow the
// backoff after a loss and stop once the link is back.
func TestBackoffSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first, far := net.Pipe()
		var attempts []time.Duration
		var lostAt time.Time
		l := New(first, Config[net.Conn]{Dial: func(context.Context) (net.Conn, error) {
			attempts = append(attempts, time.Since(lostAt))
			if len(attempts) < 4 {
				return nil, errors.New("refused")
			}
			a, _ := net.Pipe()
			return a, nil
		}})
		defer l.Close()
		<-l.Status() // connected
		lostAt = time.Now()
		far.Close()
		go l.Read(make([]byte, 1))
		if s := <-l.Status(); s.State != device.Disconnected {
			t.Fatalf("status %+v", s)
		}
		if s := <-l.Status(); s.State != device.Reconnected {
			t.Fatalf("status %+v", s)
		}
		want := []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond}
		if len(attempts) != len(want) {
			t.Fatalf("attempts at %v, want %v", attempts, want)
		}
		for i := range want {
			if attempts[i] != want[i] {
				t.Fatalf("attempts at %v, want %v", attempts, want)
			}
		}
		if !l.Up() {
			t.Fatal("not up after the reconnect")
		}
	})
}
