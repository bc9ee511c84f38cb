package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	goserial "go.bug.st/serial"

	"atbench/device/emulator"
	rtkfw "atbench/device/emulator/realtek"
	"atbench/device/expose"
	"atbench/device/serial"
	"atbench/internal/socattest"
	"atbench/protocol/realtek"
	"atbench/session"
)

// BenchmarkRoundTripPTY measures one command's round trip as a user's
// session sees it: AT+TEST written by the session to a serial port that is
// the slave of a pty, the emulator behind the master, and the final OK
// framed and matched back to the command.
func BenchmarkRoundTripPTY(b *testing.B) {
	m, err := emulator.New(emulator.Config{Firmware: rtkfw.New})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path, done, err := expose.ServePTY(ctx, m)
	if err != nil {
		b.Skip("no pty here:", err)
	}
	port, err := serial.Open(ctx, serial.Config{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	s, err := session.New(port, session.Options{Dialect: realtek.New()})
	if err != nil {
		b.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if rec, err := s.Exec(ctx, "AT+TEST"); err != nil || rec.Text != "OK" {
			b.Fatalf("AT+TEST: %v %v", rec, err)
		}
	}
	b.StopTimer()
	s.Close()
	<-ran
	cancel()
	<-done
}

// BenchmarkRoundTripPTYReference is the floor for BenchmarkRoundTripPTY:
// the same bytes across the same kind of pty, answered by a loop that
// does nothing but reply "\r\nOK\r\n" to each line, read by a bare serial
// client that looks for the reply.
func BenchmarkRoundTripPTYReference(b *testing.B) {
	p, err := expose.OpenPTY()
	if err != nil {
		b.Skip("no pty here:", err)
	}
	defer p.Close()
	go func() {
		br := bufio.NewReader(p)
		for {
			if _, err := br.ReadSlice('\n'); err != nil {
				return
			}
			if _, err := io.WriteString(p, "\r\nOK\r\n"); err != nil {
				return
			}
		}
	}()
	sp, err := goserial.Open(p.Path(), &goserial.Mode{BaudRate: 115200})
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	br := bufio.NewReader(sp)
	cmd := []byte("AT+TEST\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := sp.Write(cmd); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if bytes.Equal(line, []byte("OK\r\n")) {
				break
			}
		}
	}
}

// ingestChunk is what one ingest benchmark operation pushes: 64 KiB of
// module output, lines of 64 bytes.
const ingestChunk = 64 << 10

func ingestText() []byte {
	line := []byte("+INFO: a module flooding its port with plain text, 64 bytes\r\n")
	var buf bytes.Buffer
	for buf.Len()+len(line) <= ingestChunk {
		buf.Write(line)
	}
	for buf.Len() < ingestChunk {
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// BenchmarkSessionIngestPTY measures how fast a session takes in module
// output from a serial port at full pty speed: reading, framing, the
// transcript, and the transcript log written to a file, all included.
// One op is 64 KiB written into the far end of a socat pty pair.
func BenchmarkSessionIngestPTY(b *testing.B) {
	pair := socattest.Start(b, b.TempDir(), "a", "b")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	port, err := serial.Open(ctx, serial.Config{Path: pair.A})
	if err != nil {
		b.Fatal(err)
	}
	logf, err := os.Create(b.TempDir() + "/session.log")
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	s, err := session.New(port, session.Options{Dialect: realtek.New(), Log: logf})
	if err != nil {
		b.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	far := pair.OpenB()
	chunk := ingestText()
	total := uint64(b.N) * ingestChunk
	b.SetBytes(ingestChunk)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if _, err := far.Write(chunk); err != nil {
				return
			}
		}
	}()
	for {
		changed := s.Changed()
		if s.Stats().RxBytes >= total {
			break
		}
		<-changed
	}
	b.StopTimer()
	s.Close()
	<-ran
}

// BenchmarkCatIngestPTY is the reference for BenchmarkSessionIngestPTY,
// measured in the same run: the same socat pair and writer, read by
// `head -c N` (cat that stops after N bytes) into /dev/null.
func BenchmarkCatIngestPTY(b *testing.B) {
	socattest.BenchCat(b, ingestText())
}
