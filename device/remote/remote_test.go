package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/expose"
)

var (
	_ device.Device       = (*Port)(nil)
	_ device.LineReporter = (*Port)(nil)
)

// echoDev is a module that sends back what it gets.
type echoDev struct {
	r  *io.PipeReader
	w  *io.PipeWriter
	st chan device.Status
}

func newEcho() *echoDev {
	r, w := io.Pipe()
	return &echoDev{r: r, w: w, st: make(chan device.Status)}
}

func (e *echoDev) Read(b []byte) (int, error)   { return e.r.Read(b) }
func (e *echoDev) Write(b []byte) (int, error)  { return e.w.Write(b) }
func (e *echoDev) Close() error                 { e.w.Close(); return e.r.Close() }
func (e *echoDev) Status() <-chan device.Status { return e.st }
func (e *echoDev) Info() device.Info            { return device.Info{Kind: "echo"} }

// logLines collects the server's log.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }

func (l *logLines) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		all := strings.Join(l.lines, "\n")
		l.mu.Unlock()
		if strings.Contains(all, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server log lacks %q:\n%s", want, all)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serve starts an expose listener on addr and returns its address and a
// stop function that waits until it is closed.
func serve(t *testing.T, addr string, rfc bool, log func(string)) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dev := newEcho()
	a, done, err := expose.ListenOptions{RFC2217: rfc, Log: log}.Listen(ctx, addr, dev)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	stop := func() { cancel(); <-done; dev.Close() }
	t.Cleanup(stop)
	return a.String(), sync.OnceFunc(stop)
}

// readN reads exactly n bytes, failing on any error, ErrLost included.
func readN(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, n)
		k, _ := io.ReadFull(r, b)
		got <- b[:k]
	}()
	select {
	case b := <-got:
		return b
	case <-time.After(10 * time.Second):
		t.Fatalf("read of %d bytes timed out", n)
	}
	return nil
}

func TestRFC2217AgainstExpose(t *testing.T) {
	var log logLines
	addr, _ := serve(t, "127.0.0.1:0", true, log.add)
	p, err := Open(context.Background(), Config{URL: "rfc2217://" + addr, Baud: 57600, Parity: "even", StopBits: "2"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	log.waitFor(t, "rfc2217: baud 57600")
	log.waitFor(t, "rfc2217: parity even")
	log.waitFor(t, "rfc2217: stop bits 2")
	if info := p.Info(); info.Kind != "rfc2217" || info.Name != "rfc2217://"+addr || info.Baud != 57600 {
		t.Fatalf("Info = %+v", info)
	}
	// 0xFF passes both ways, doubled on the wire and undone at each end.
	payload := []byte{'A', 0xFF, 'B', 0xFF, 0xFF, '\r', '\n'}
	if _, err := p.Write(payload); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, p, len(payload)); !bytes.Equal(got, payload) {
		t.Fatalf("echo % X, want % X", got, payload)
	}
	if err := p.SetDTR(false); err != nil {
		t.Fatal(err)
	}
	if err := p.SetRTS(false); err != nil {
		t.Fatal(err)
	}
	if err := p.Break(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	log.waitFor(t, "rfc2217: DTR off")
	log.waitFor(t, "rfc2217: RTS off")
	log.waitFor(t, "rfc2217: BREAK on\nrfc2217: BREAK off")
	if err := p.Purge(); err != nil {
		t.Fatal(err)
	}
	l := p.Lines()
	if !l.ModemKnown || l.String() != "CTS DSR CD -RI" || l.Note != "" {
		t.Fatalf("Lines = %+v %q", l, l.String())
	}
}

func TestTCPRaw(t *testing.T) {
	addr, _ := serve(t, "127.0.0.1:0", false, nil)
	p, err := Open(context.Background(), Config{URL: "tcp://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	payload := []byte{0xFF, 0xFF, 'x', 0xFF}
	if _, err := p.Write(payload); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, p, len(payload)); !bytes.Equal(got, payload) {
		t.Fatalf("echo % X, want % X (raw: nothing escaped)", got, payload)
	}
	if err := p.SetDTR(true); err == nil || !strings.Contains(err.Error(), "tcp://"+addr) {
		t.Fatalf("SetDTR on tcp:// = %v, want an error naming the port", err)
	}
}

func TestOpenErrors(t *testing.T) {
	// Refused: a port nobody listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	for _, scheme := range []string{"tcp", "rfc2217"} {
		_, err := Open(context.Background(), Config{URL: scheme + "://" + addr})
		if err == nil || !strings.Contains(err.Error(), scheme+"://"+addr) || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s refused: %v, want an error naming the address", scheme, err)
		}
	}
	// Silent: accepts, never negotiates (a raw accepter behind rfc2217://).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	url := "rfc2217://" + ln.Addr().String()
	_, err = Open(context.Background(), Config{URL: url, AckTimeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "COM-PORT") {
		t.Errorf("silent server: %v, want an error naming the address and the missing option", err)
	}
	for _, bad := range []string{"rfc2217://nohost", "ftp://h:1", "tcp://"} {
		if _, err := Open(context.Background(), Config{URL: bad}); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// TestReconnect stops the server and starts it again on the same port: the
// port reports the loss, Read returns ErrLost once, and data flows again.
func TestReconnect(t *testing.T) {
	for _, scheme := range []string{"tcp", "rfc2217"} {
		t.Run(scheme, func(t *testing.T) {
			addr, stop := serve(t, "127.0.0.1:0", scheme == "rfc2217", nil)
			p, err := Open(context.Background(), Config{URL: scheme + "://" + addr, Backoff: func(int) time.Duration { return 5 * time.Millisecond }})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			status := func(want device.State) {
				t.Helper()
				select {
				case s := <-p.Status():
					if s.State != want {
						t.Fatalf("status %+v, want %v", s, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("no %v status", want)
				}
			}
			status(device.Connected)
			p.Write([]byte("one"))
			if got := readN(t, p, 3); string(got) != "one" {
				t.Fatalf("read %q", got)
			}
			lost := make(chan error, 1)
			go func() { _, err := p.Read(make([]byte, 8)); lost <- err }()
			stop()
			status(device.Disconnected)
			select {
			case err := <-lost:
				if !errors.Is(err, device.ErrLost) {
					t.Fatalf("Read after the loss: %v, want ErrLost", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Read did not return ErrLost")
			}
			serve(t, addr, scheme == "rfc2217", nil)
			status(device.Reconnected)
			p.Write([]byte("two"))
			if got := readN(t, p, 3); string(got) != "two" {
				t.Fatalf("read %q after the reconnect", got)
			}
		})
	}
}
