package emutest

import (
	"net"
	"strconv"
	"testing"
	"time"
)

func TestTCPPeers(t *testing.T) {
	ln, port := Listen(t)
	c := Dial(t, port)
	s := Accept(t, ln)
	if LocalPort(c) != s.RemoteAddr().(*net.TCPAddr).Port || LocalPort(s) != port {
		t.Fatalf("ports: client %d, server %d of %d", LocalPort(c), LocalPort(s), port)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := ReadN(t, s, 5); string(got) != "hello" {
		t.Fatalf("ReadN = %q", got)
	}
	if _, err := s.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ExpectEOF(t, c) // reads past the "bye"
	// the port is free: it can be listened on
	free := FreePort(t, "tcp")
	l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(free))
	if err != nil {
		t.Fatalf("FreePort %d: %v", free, err)
	}
	l.Close()
}

func TestUDPPeers(t *testing.T) {
	a, aport := ListenUDP(t)
	b, bport := ListenUDP(t)
	if LocalPort(a) != aport || aport == bport {
		t.Fatalf("ports %d %d", aport, bport)
	}
	if _, err := b.WriteToUDP([]byte("ping"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: aport}); err != nil {
		t.Fatal(err)
	}
	got, from := ReadDatagram(t, a)
	if string(got) != "ping" || from.Port != bport {
		t.Fatalf("ReadDatagram = %q from %v", got, from)
	}
	if p := FreePort(t, "udp"); p == 0 {
		t.Fatal("no free UDP port")
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := NewClock(at)
	c.Add(90 * time.Second)
	if got := c.Now(); !got.Equal(at.Add(90 * time.Second)) {
		t.Fatalf("Now = %v", got)
	}
}
