package expose

import (
	"atbench/internal/testkit"
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func dial(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// dialBridged dials until the server bridges the connection rather than
// refusing it: the previous client may still be on its way out.
func dialBridged(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial(t, addr)
		if _, err := c.Write([]byte("ping\r\n")); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && line == "ping\r\n" {
			return c
		}
		c.Close()
		if line != Refusal {
			t.Fatalf("got %q (%v), want the echo or the refusal", line, err)
		}
		if time.Now().After(deadline) {
			t.Fatal("still refused after the previous client left")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestListenOneClientAtATime(t *testing.T) {
	check := testkit.NoLeak(t)
	dev := newEchoDev()
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, err := Listen(ctx, "127.0.0.1:0", dev)
	if err != nil {
		t.Fatal(err)
	}
	if tcp, ok := addr.(*net.TCPAddr); !ok || tcp.Port == 0 || !tcp.IP.IsLoopback() {
		t.Fatalf("addr %v: want the real loopback port", addr)
	}

	first := dialBridged(t, addr)
	msg := append([]byte("AT\r\n\x00\xff\x1b"), testkit.Pattern(1<<20)...)
	go first.Write(msg)
	testkit.ReadExact(t, first, msg)

	second := dial(t, addr)
	got, err := io.ReadAll(second)
	if err != nil {
		t.Fatalf("second client: %v", err)
	}
	if string(got) != Refusal {
		t.Fatalf("second client got %q, want %q", got, Refusal)
	}
	second.Close()

	// The first client is unaffected by the refused one.
	if _, err := first.Write([]byte("AT+SKTLIST\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, first, []byte("AT+SKTLIST\r\n"))
	first.Close()

	third := dialBridged(t, addr)
	if _, err := third.Write([]byte("again\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.ReadExact(t, third, []byte("again\r\n"))

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("done: %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not end on cancel")
	}
	// The bridged client was closed and the listener is gone.
	if _, err := io.ReadAll(third); err != nil {
		t.Fatalf("third client after cancel: %v", err)
	}
	third.Close()
	if c, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepts after cancel")
	}
	dev.Close()
	check()
}

func TestListenEndsWithDevice(t *testing.T) {
	check := testkit.NoLeak(t)
	dev := newFakeDev()
	addr, done, err := Listen(context.Background(), "127.0.0.1:0", dev)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, addr)
	defer c.Close()
	// Wait until the client is bridged: bytes from the device reach it.
	deadline := time.Now().Add(5 * time.Second)
	r := bufio.NewReader(c)
	for {
		if _, err := dev.reply.Write([]byte("ready\r\n")); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		line, err := r.ReadString('\n')
		if err == nil {
			if line != "ready\r\n" {
				t.Fatalf("got %q", line)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("device bytes never reached the client")
		}
	}
	dev.reply.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("done: %v, want nil on device EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not end with the device")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if rest, err := io.ReadAll(r); err != nil || strings.Trim(string(rest), "ready\r\n") != "" {
		t.Fatalf("client after device EOF: %q, %v; want only echoes of ready, then EOF", rest, err)
	}
	c.Close()
	dev.Close()
	check()
}

func TestListenDeviceReadError(t *testing.T) {
	dev := newFakeDev()
	boom := errors.New("unplugged")
	dev.reply.CloseWithError(boom)
	_, done, err := Listen(context.Background(), "127.0.0.1:0", dev)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("done: %v, want it to wrap %v", err, boom)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not end on a device error")
	}
	dev.Close()
}

func TestListenBadAddress(t *testing.T) {
	if _, _, err := Listen(context.Background(), "127.0.0.1:99999", newFakeDev()); err == nil {
		t.Fatal("Listen on port 99999 succeeded")
	}
}
