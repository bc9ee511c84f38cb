package realtek

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
)

// benchSizes are payload sizes per AT+SKTSEND (the largest fits a
// 2000-byte command line) and per chunk for the other directions.
func benchSizes() []int { return []int{64, 512, 1460} }

// benchModule starts a module with a drained-on-demand output and a TCP
// seed on link 1 of server 0; it returns the module, the peer and a reader
// of the module output.
func benchModule(b *testing.B, auto int) (*Module, net.Conn, io.Reader) {
	b.Helper()
	m, err := start(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	r := &moduleReader{m: m}
	if _, err := r.readUntil([]byte("ATCMD READY\r\n")); err != nil {
		b.Fatal(err)
	}
	var port int
	for {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		fmt.Fprintf(m, "AT+SKTSERVER=0,1,,%d,%d\r\n", port, auto)
		out, err := r.readUntil([]byte("\r\n"))
		if err == nil && len(out) == 2 {
			out, err = r.readUntil([]byte("\r\n"))
		}
		if err != nil {
			b.Fatal(err)
		}
		if string(out) == "OK\r\n" {
			break
		}
	}
	c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if _, err := r.readUntil([]byte("connected to server[link_id:0]\r\n")); err != nil {
		b.Fatal(err)
	}
	return m, c, r
}

// moduleReader reads module output and keeps what follows a match.
type moduleReader struct {
	m    *Module
	rest []byte
}

func (r *moduleReader) Read(p []byte) (int, error) {
	if len(r.rest) > 0 {
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, nil
	}
	return r.m.Read(p)
}

func (r *moduleReader) readUntil(sep []byte) ([]byte, error) {
	var got []byte
	buf := make([]byte, 32<<10)
	for {
		if i := bytes.Index(got, sep); i >= 0 {
			r.rest = append(r.rest, got[i+len(sep):]...)
			return got[:i+len(sep)], nil
		}
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return got, err
		}
	}
}

// BenchmarkSendThroughput measures payload bytes per second through the
// module: host → peer with AT+SKTSEND, and peer → host as [$][SKT][DATA].
func BenchmarkSendThroughput(b *testing.B) {
	for _, size := range benchSizes() {
		b.Run(fmt.Sprintf("host-to-peer/%d", size), func(b *testing.B) {
			m, peer, out := benchModule(b, 1)
			line := []byte(fmt.Sprintf("AT+SKTSEND=1,%d,,,%s\r\n", size, bytes.Repeat([]byte("x"), size)))
			go func() { _, _ = io.Copy(io.Discard, out) }()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			go func() {
				for range b.N {
					if _, err := m.Write(line); err != nil {
						return
					}
				}
			}()
			if _, err := io.CopyN(io.Discard, peer, int64(size)*int64(b.N)); err != nil {
				b.Fatal(err)
			}
		})
		b.Run(fmt.Sprintf("peer-to-host/%d", size), func(b *testing.B) {
			_, peer, out := benchModule(b, 1)
			chunk := bytes.Repeat([]byte("y"), size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			go func() {
				for range b.N {
					if _, err := peer.Write(chunk); err != nil {
						return
					}
				}
			}()
			// count payload bytes in the [$][SKT][DATA][1][n]: frames
			want, got := size*b.N, 0
			buf := make([]byte, 64<<10)
			var pending []byte
			for got < want {
				n, err := out.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				pending = append(pending, buf[:n]...)
				for {
					i := bytes.IndexByte(pending, ':')
					if i < 0 || !bytes.HasPrefix(pending, []byte("[$][SKT][DATA][1][")) {
						break
					}
					k, err := strconv.Atoi(string(pending[len("[$][SKT][DATA][1][") : i-1]))
					if err != nil {
						b.Fatalf("frame %q", pending[:i])
					}
					if len(pending) < i+1+k+2 {
						break
					}
					got += k
					pending = pending[i+1+k+2:]
				}
			}
		})
	}
}

// BenchmarkLoopbackTCP is the reference: a raw loopback TCP copy of the
// same chunk sizes.
func BenchmarkLoopbackTCP(b *testing.B) {
	for _, size := range benchSizes() {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			c, err := net.Dial("tcp4", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			s, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			chunk := bytes.Repeat([]byte("z"), size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			go func() {
				for range b.N {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
			if _, err := io.CopyN(io.Discard, s, int64(size)*int64(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
