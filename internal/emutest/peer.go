package emutest

import (
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// FreePort returns a loopback port of network ("udp", else TCP) that was
// free a moment ago; another process may take it before the test does.
func FreePort(tb testing.TB, network string) int {
	tb.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("find a free UDP port: %v", err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free TCP port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Listen opens a TCP peer on a free loopback port, closed by the test's
// cleanup, and returns it with its port.
func Listen(tb testing.TB) (*net.TCPListener, int) {
	tb.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatalf("listen on loopback: %v", err)
	}
	tb.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// Accept takes one client of ln within WaitLimit; the test's cleanup
// closes it.
func Accept(tb testing.TB, ln *net.TCPListener) *net.TCPConn {
	tb.Helper()
	_ = ln.SetDeadline(time.Now().Add(WaitLimit))
	c, err := ln.AcceptTCP()
	if err != nil {
		tb.Fatalf("accept on %v: %v", ln.Addr(), err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// Dial connects to a loopback TCP port; the test's cleanup closes the
// connection.
func Dial(tb testing.TB, port int) *net.TCPConn {
	tb.Helper()
	c, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(port), WaitLimit)
	if err != nil {
		tb.Fatalf("dial loopback port %d: %v", port, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// LocalPort is the local port of c, a TCP or UDP connection; 0 for any
// other.
func LocalPort(c net.Conn) int {
	switch a := c.LocalAddr().(type) {
	case *net.TCPAddr:
		return a.Port
	case *net.UDPAddr:
		return a.Port
	}
	return 0
}

// ReadN reads exactly n bytes from c within WaitLimit.
func ReadN(tb testing.TB, c net.Conn, n int) []byte {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(WaitLimit))
	buf := make([]byte, n)
	if got, err := io.ReadFull(c, buf); err != nil {
		tb.Fatalf("read %d bytes: %v after %d", n, err, got)
	}
	return buf
}

// ExpectEOF reads c, discarding what comes, until its peer's close shows
// (end of file, a reset); it fails the test if none shows within
// WaitLimit.
func ExpectEOF(tb testing.TB, c net.Conn) {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(WaitLimit))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				tb.Fatalf("no end of file: %v", err)
			}
			return
		}
	}
}

// ListenUDP opens a UDP peer on a free loopback port, closed by the test's
// cleanup, and returns it with its port.
func ListenUDP(tb testing.TB) (*net.UDPConn, int) {
	tb.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatalf("listen on loopback UDP: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c, c.LocalAddr().(*net.UDPAddr).Port
}

// ReadDatagram reads one datagram from c within WaitLimit and returns it
// with its source.
func ReadDatagram(tb testing.TB, c *net.UDPConn) ([]byte, *net.UDPAddr) {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(WaitLimit))
	buf := make([]byte, 64<<10)
	n, from, err := c.ReadFromUDP(buf)
	if err != nil {
		tb.Fatalf("read a datagram on %v: %v", c.LocalAddr(), err)
	}
	return buf[:n], from
}
