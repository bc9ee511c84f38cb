package inventek

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"

	"atbench/device/emulator"
	inv "atbench/protocol/inventek"
)

// benchServer starts a module (driven directly, no pty) whose socket 0
// serves one TCP client; it returns the module and the client.
func benchServer(b *testing.B) (*emulator.Module, net.Conn) {
	b.Helper()
	m, err := emulator.New(emulator.Config{Firmware: New})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	readPrompt(b, m)
	for {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		_, _ = io.WriteString(m, "P2="+strconv.Itoa(port)+"\rP5=11\r")
		readPrompt(b, m)
		if out := readPrompt(b, m); bytes.HasSuffix(out, []byte("\r\nOK\r\n> ")) {
			c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			readPrompt(b, m) // the accept message
			return m, c
		}
	}
}

// readPrompt reads module output up to the next prompt.
func readPrompt(b *testing.B, r io.Reader) []byte {
	b.Helper()
	var out []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(out, []byte(inv.Prompt)) {
		if _, err := r.Read(one); err != nil {
			b.Fatal(err)
		}
		out = append(out, one[0])
	}
	return out
}

// BenchmarkS3 sends 1460-byte S3 payloads to the client: one command, its
// answer, and the client's read per iteration.
func BenchmarkS3(b *testing.B) {
	m, c := benchServer(b)
	payload := bytes.Repeat([]byte("x"), inv.MaxPayload)
	msg := append([]byte("S3=1460\r"), payload...)
	buf := make([]byte, inv.MaxPayload)
	b.SetBytes(inv.MaxPayload)
	for b.Loop() {
		if _, err := m.Write(msg); err != nil {
			b.Fatal(err)
		}
		readPrompt(b, m)
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkR0 reads 1460-byte chunks the client sent with R0.
func BenchmarkR0(b *testing.B) {
	m, c := benchServer(b)
	payload := bytes.Repeat([]byte("y"), inv.MaxPayload)
	b.SetBytes(inv.MaxPayload)
	for b.Loop() {
		if _, err := c.Write(payload); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < inv.MaxPayload; {
			_, _ = io.WriteString(m, "R2=100\rR0\r")
			readPrompt(b, m)
			out := readPrompt(b, m)
			data, _, ok := inv.SplitRead(out)
			if !ok {
				b.Fatalf("R0 answer %q", out)
			}
			got += len(data)
		}
	}
}
