package serial

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"atbench/device"

	"go.bug.st/serial"
)

// scriptedPort plays a port whose reads come from a channel: a read of
// zero bytes with no error is how some systems report unplugging.
type scriptedPort struct {
	serial.Port // unused methods panic
	reads       chan []byte
	mu          sync.Mutex
	written     []byte
	closed      chan struct{}
	once        sync.Once
}

func newScriptedPort() *scriptedPort {
	return &scriptedPort{reads: make(chan []byte, 4), closed: make(chan struct{})}
}

func (s *scriptedPort) Read(p []byte) (int, error) {
	select {
	case b := <-s.reads:
		return copy(p, b), nil
	case <-s.closed:
		return 0, errors.New("closed")
	}
}

func (s *scriptedPort) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = append(s.written, p...)
	return len(p), nil
}

func (s *scriptedPort) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func TestZeroByteReadIsDisconnect(t *testing.T) {
	first, second := newScriptedPort(), newScriptedPort()
	opened := make(chan *scriptedPort, 2)
	opened <- first
	opened <- second
	openFn := func(string, *serial.Mode, bool) (serial.Port, error) {
		select {
		case sp := <-opened:
			return sp, nil
		default:
			return nil, errors.New("no more ports")
		}
	}
	p, err := open(context.Background(), Config{Path: "COM3", Backoff: fastBackoff}, noUSB, openFn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	nextStatus(t, p)

	first.reads <- []byte("OK\r\n")
	first.reads <- nil // 0 bytes, nil error: unplugged
	second.reads <- []byte("+READY\r\n")

	// The loss is a boundary in the stream: exactly one (0, ErrLost)
	// after the last byte of the first port, then the second port's bytes.
	buf := make([]byte, 64)
	var got []byte
	for len(got) < len("OK\r\n|lost|+READY\r\n") {
		n, err := p.Read(buf)
		if errors.Is(err, device.ErrLost) && n == 0 {
			got = append(got, "|lost|"...)
			continue
		}
		if err != nil {
			t.Fatalf("Read: %v (only ErrLost may reach the caller)", err)
		}
		if n == 0 {
			t.Fatal("Read returned 0 bytes and no error")
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "OK\r\n|lost|+READY\r\n" {
		t.Fatalf("read %q", got)
	}
	if s := nextStatus(t, p); s.State != device.Disconnected || s.Cause == nil || !strings.Contains(s.Cause.Error(), "no data") {
		t.Fatalf("status %+v, want disconnected because of the empty read", s)
	}
	if s := nextStatus(t, p); s.State != device.Reconnected {
		t.Fatalf("status %+v, want reconnected", s)
	}
	select {
	case <-first.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the lost port was not closed")
	}
	if _, err := p.Write([]byte("AT\r\n")); err != nil {
		t.Fatal(err)
	}
	second.mu.Lock()
	defer second.mu.Unlock()
	if string(second.written) != "AT\r\n" {
		t.Fatalf("second port got %q", second.written)
	}
}

var _ io.ReadWriteCloser = (*scriptedPort)(nil)
