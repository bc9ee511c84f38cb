package serial

import (
	"atbench/internal/socattest"
	"atbench/internal/testkit"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"atbench/device"
)

var _ device.Device = (*Port)(nil)

// fastBackoff keeps reconnect tests quick.
func fastBackoff(int) time.Duration { return 2 * time.Millisecond }

func noUSB() ([]PortInfo, error) { return nil, nil }

func openTest(t *testing.T, cfg Config) *Port {
	t.Helper()
	if cfg.Backoff == nil {
		cfg.Backoff = fastBackoff
	}
	p, err := open(context.Background(), cfg, noUSB, openPort)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// nextStatus waits for the next status change.
func nextStatus(t *testing.T, p *Port) device.Status {
	t.Helper()
	select {
	case s, ok := <-p.Status():
		if !ok {
			t.Fatal("status channel closed")
		}
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a status change")
	}
	panic("unreachable")
}

func TestPortBytesBothWays(t *testing.T) {
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	p := openTest(t, Config{Path: pair.A, Baud: 921600})
	far := pair.OpenB()

	if s := nextStatus(t, p); s.State != device.Connected {
		t.Fatalf("first status %v, want connected", s.State)
	}
	if got, want := p.Info(), (device.Info{Kind: "serial", Name: pair.A, Baud: 921600}); got != want {
		t.Errorf("Info %+v, want %+v", got, want)
	}

	// A line split across many writes arrives whole and in order.
	line := "+SKTEVENT: [$][SKT][DATA][0][17]:hello\x1b]0;hi\x07\r\n"
	go func() {
		for i := 0; i < len(line); i += 3 {
			far.Write([]byte(line[i:min(len(line), i+3)]))
		}
	}()
	testkit.ReadExact(t, p, []byte(line))

	// Every byte value, both ways.
	bin := append(testkit.Pattern(4096), "\r\n\x00\xff\x1b\x03\x04\x11\x13"...)
	go far.Write(bin)
	testkit.ReadExact(t, p, bin)
	go p.Write(bin)
	testkit.ReadExact(t, far, bin)
}

func TestPortBurst(t *testing.T) {
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	p := openTest(t, Config{Path: pair.A})
	far := pair.OpenB()

	down := testkit.Pattern(8 << 20)
	up := testkit.Pattern(1 << 20)[7:]
	errc := make(chan error, 2)
	go func() { _, err := far.Write(down); errc <- err }()
	go func() { _, err := p.Write(up); errc <- err }()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		testkit.ReadExact(t, far, up)
	}()
	testkit.ReadExact(t, p, down)
	wg.Wait()
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// collector reads a device until it ends, keeping everything it got.
type collector struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	err  error
	done chan struct{}
}

func collect(r io.Reader) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			if errors.Is(err, device.ErrLost) {
				c.buf.WriteString("|lost|") // a connection boundary
				c.mu.Unlock()
				continue
			}
			if err != nil {
				c.err = err
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *collector) waitFor(t *testing.T, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		got = c.buf.String()
		c.mu.Unlock()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %q, want %q", got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPortReconnect(t *testing.T) {
	check := testkit.NoLeak(t)
	dir := t.TempDir()
	pair := socattest.Start(t, dir, "a", "b")
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p, err := open(context.Background(), Config{
		Path:    pair.A,
		Now:     func() time.Time { return clock },
		Backoff: fastBackoff,
	}, noUSB, openPort)
	if err != nil {
		t.Fatal(err)
	}
	if s := nextStatus(t, p); s.State != device.Connected || !s.At.Equal(clock) {
		t.Fatalf("first status %+v, want connected at the injected time", s)
	}
	got := collect(p) // one Read runs across the outage
	far := pair.OpenB()
	far.Write([]byte("before\r\n"))
	got.waitFor(t, "before\r\n")

	pair.Stop()
	far.Close()
	s := nextStatus(t, p)
	if s.State != device.Disconnected || s.Cause == nil {
		t.Fatalf("after unplug: %+v, want disconnected with a cause", s)
	}
	t.Logf("cause: %v", s.Cause)
	_, err = p.Write([]byte("AT\r\n"))
	if !errors.Is(err, ErrDisconnected) {
		t.Fatalf("write while disconnected: %v, want ErrDisconnected", err)
	}
	if err := p.SetDTR(true); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("SetDTR while disconnected: %v, want ErrDisconnected", err)
	}

	pair = socattest.Start(t, dir, "a", "b")
	if s := nextStatus(t, p); s.State != device.Reconnected {
		t.Fatalf("after replug: %+v, want reconnected", s)
	}
	far = pair.OpenB()
	far.Write([]byte("after\r\n"))
	got.waitFor(t, "before\r\n|lost|after\r\n")
	if _, err := p.Write([]byte("AT+SKTLIST\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, far, []byte("AT+SKTLIST\r\n"))

	// A second outage works the same way.
	pair.Stop()
	far.Close()
	if s := nextStatus(t, p); s.State != device.Disconnected {
		t.Fatalf("second unplug: %+v", s)
	}
	pair = socattest.Start(t, dir, "a", "b")
	if s := nextStatus(t, p); s.State != device.Reconnected {
		t.Fatalf("second replug: %+v", s)
	}
	far = pair.OpenB()
	far.Write([]byte("again\r\n"))
	got.waitFor(t, "before\r\n|lost|after\r\n|lost|again\r\n")

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	<-got.done
	if got.err != io.EOF {
		t.Fatalf("Read after Close: %v, want io.EOF", got.err)
	}
	if s := nextStatus(t, p); s.State != device.Closed {
		t.Fatalf("last status %+v, want closed", s)
	}
	if _, ok := <-p.Status(); ok {
		t.Fatal("status channel not closed")
	}
	far.Close()
	pair.Stop()
	check()
}

func TestPortReconnectFollowsSerialNumber(t *testing.T) {
	dir := t.TempDir()
	// Named like USB adapters: only those are looked up by serial number.
	pair := socattest.Start(t, dir, "ttyUSB0", "b")
	var mu sync.Mutex
	ports := []PortInfo{{Path: pair.A, IsUSB: true, VID: "0403", PID: "6001", SerialNumber: "SN42"}}
	list := func() ([]PortInfo, error) {
		mu.Lock()
		defer mu.Unlock()
		return ports, nil
	}
	p, err := open(context.Background(), Config{Path: pair.A, Backoff: fastBackoff}, list, openPort)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	nextStatus(t, p)
	got := collect(p)

	// Unplugged: gone from the list and from /dev.
	mu.Lock()
	ports = nil
	mu.Unlock()
	pair.Stop()
	if s := nextStatus(t, p); s.State != device.Disconnected {
		t.Fatalf("after unplug: %+v", s)
	}
	// The same adapter comes back under another name; an unrelated port
	// takes the old name.
	other := socattest.Start(t, dir, "ttyUSB0", "x")
	moved := socattest.Start(t, dir, "ttyUSB1", "d")
	mu.Lock()
	ports = []PortInfo{
		{Path: other.A, IsUSB: true, VID: "1a86", PID: "7523", SerialNumber: "OTHER"},
		{Path: moved.A, IsUSB: true, VID: "0403", PID: "6001", SerialNumber: "SN42"},
	}
	mu.Unlock()
	if s := nextStatus(t, p); s.State != device.Reconnected {
		t.Fatalf("after replug: %+v", s)
	}
	if name := p.Info().Name; name != moved.A {
		t.Fatalf("reconnected to %s, want %s", name, moved.A)
	}
	far := moved.OpenB()
	far.Write([]byte("moved\r\n"))
	got.waitFor(t, "|lost|moved\r\n")
}

func TestPortCloseWhileDisconnected(t *testing.T) {
	check := testkit.NoLeak(t)
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	// A backoff far longer than the test: Close must cut the wait short.
	p, err := open(context.Background(), Config{Path: pair.A, Backoff: func(int) time.Duration { return time.Hour }}, noUSB, openPort)
	if err != nil {
		t.Fatal(err)
	}
	nextStatus(t, p)
	got := collect(p)
	pair.Stop()
	if s := nextStatus(t, p); s.State != device.Disconnected {
		t.Fatalf("after unplug: %+v", s)
	}
	closed := make(chan error)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung while reconnecting")
	}
	<-got.done
	if got.err != io.EOF {
		t.Fatalf("Read: %v, want io.EOF", got.err)
	}
	if _, err := p.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	check()
}

func TestPortModemLinesOnPTY(t *testing.T) {
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	p := openTest(t, Config{Path: pair.A})
	far := pair.OpenB()
	// A pty has no modem lines; whatever it says, the port stays usable
	// and is not taken for lost.
	dtrErr := p.SetDTR(false)
	rtsErr := p.SetRTS(false)
	if err := p.Break(time.Millisecond); err != nil {
		t.Errorf("Break on a pty: %v", err)
	}
	t.Logf("on a pty: SetDTR → %v, SetRTS → %v", dtrErr, rtsErr)
	for _, err := range []error{dtrErr, rtsErr} {
		if errors.Is(err, ErrDisconnected) {
			t.Errorf("modem line error taken for a disconnect: %v", err)
		}
	}
	if _, err := p.Write([]byte("still\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, far, []byte("still\r\n"))
	nextStatus(t, p) // connected
	select {
	case s := <-p.Status():
		t.Fatalf("unexpected status %+v", s)
	default:
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, Config{Path: dir + "/missing"}); err == nil || !strings.Contains(err.Error(), dir+"/missing") {
		t.Errorf("missing port: %v", err)
	}
	if _, err := Open(ctx, Config{}); err == nil {
		t.Error("no path: no error")
	}
	if _, err := Open(ctx, Config{Path: "/dev/null", Parity: "evn"}); err == nil || !strings.Contains(err.Error(), "parity") {
		t.Errorf("bad parity: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Open(cancelled, Config{Path: "/dev/null"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	two := func() ([]PortInfo, error) {
		return []PortInfo{{Path: "/dev/ttyUSB0", IsUSB: true}, {Path: "/dev/ttyUSB1", IsUSB: true}}, nil
	}
	if _, err := open(ctx, Config{Path: "auto"}, two, openPort); err == nil || !strings.Contains(err.Error(), "/dev/ttyUSB1") {
		t.Errorf("auto with two ports: %v", err)
	}
}

func TestOpenAuto(t *testing.T) {
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	one := func() ([]PortInfo, error) {
		return []PortInfo{{Path: "/dev/ttyS0"}, {Path: pair.A, IsUSB: true, SerialNumber: "X"}}, nil
	}
	p, err := open(context.Background(), Config{Path: "auto"}, one, openPort)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Info().Name != pair.A {
		t.Fatalf("auto opened %s, want %s", p.Info().Name, pair.A)
	}
}

// TestPortVanishesMidFlood unplugs the port while a flood pours in and is
// read in big gathers: every byte read before the loss is the flood's, in
// order, and the loss is reported after them.
func TestPortVanishesMidFlood(t *testing.T) {
	pair := socattest.Start(t, t.TempDir(), "a", "b")
	p := openTest(t, Config{Path: pair.A, Backoff: func(int) time.Duration { return time.Hour }})
	far := pair.OpenB()
	down := testkit.Pattern(64 << 20)
	go far.Write(down) // fails once the pair is gone
	done := make(chan error, 1)
	var got []byte
	go func() {
		buf := make([]byte, 32<<10)
		stopped := false
		for {
			n, err := p.Read(buf)
			got = append(got, buf[:n]...)
			if errors.Is(err, device.ErrLost) {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
			if !stopped && len(got) >= 1<<20 {
				stopped = true
				pair.Stop() // the port vanishes mid-flood
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("read ended with %v, want the loss", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the loss was not reported within 20 s")
	}
	if len(got) < 1<<20 || !bytes.Equal(got, down[:len(got)]) {
		t.Fatalf("%d bytes before the loss are not the flood's first bytes", len(got))
	}
}
