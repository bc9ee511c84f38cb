//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"atbench/device"
	"atbench/device/emulator"
	rtkfw "atbench/device/emulator/realtek"
	"atbench/device/expose"
	"atbench/device/remote"
	"atbench/device/serial"
	"atbench/internal/socattest"
	"atbench/protocol/realtek"
	"atbench/session"
)

// benchPath is one way to the same kind of pty: the pty itself as a local
// serial port, or a pty behind ser2net 4.3 over rfc2217:// or tcp://.
type benchPath struct {
	name string
	url  string // "" for the local pty
}

// benchNames are the paths compared, each over a pty of its own so no two
// share a device: the pty itself as a local serial port; ser2net 4.3 in
// front of a pty over rfc2217:// and tcp:// with its default chardelay
// (it waits about two characters' time, at least 1 ms, before sending
// serial data to the network); and rfc2217:// with chardelay: false.
var benchNames = []string{"pty", "rfc2217-ser2net", "tcp-ser2net", "rfc2217-ser2net-nodelay"}

// benchPaths starts ser2net in front of the ptys and names the paths.
func benchPaths(b *testing.B, dir string, ptys map[string]string) []benchPath {
	rfc, raw, fast := benchPort(b), benchPort(b), benchPort(b)
	startSer2net(b, dir,
		ser2netConn{rfc2217: true, port: rfc, path: ptys["rfc2217-ser2net"], line: "115200n81"},
		ser2netConn{port: raw, path: ptys["tcp-ser2net"], line: "115200n81"},
		ser2netConn{rfc2217: true, port: fast, path: ptys["rfc2217-ser2net-nodelay"], line: "115200n81", noDelay: true})
	return []benchPath{
		{name: "pty"},
		{name: "rfc2217-ser2net", url: fmt.Sprintf("rfc2217://127.0.0.1:%d", rfc)},
		{name: "tcp-ser2net", url: fmt.Sprintf("tcp://127.0.0.1:%d", raw)},
		{name: "rfc2217-ser2net-nodelay", url: fmt.Sprintf("rfc2217://127.0.0.1:%d", fast)},
	}
}

// benchSession opens the path (the local pty at pty) and runs a session on
// it until the benchmark ends. The session is kept across the runs of one
// sub-benchmark, so ser2net sees one connection: it ends with parent.
func benchSession(b, parent *testing.B, path benchPath, pty string, logf *os.File) *session.Session {
	var dev device.Device
	var err error
	if path.url == "" {
		dev, err = serial.Open(context.Background(), serial.Config{Path: pty})
	} else {
		dev, err = remote.Open(context.Background(), remote.Config{URL: path.url})
	}
	if err != nil {
		b.Fatal(err)
	}
	opts := session.Options{Dialect: realtek.New()}
	if logf != nil {
		opts.Log = logf
	}
	s, err := session.New(dev, opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	parent.Cleanup(func() { s.Close(); cancel(); <-ran })
	return s
}

// BenchmarkRemoteIngest is BenchmarkSessionIngestPTY over each path: a
// session (framing, transcript, log file) taking in module output written
// into the far end of a socat pty pair. One op is 64 KiB; -benchtime=1024x
// is the 64 MiB of issue 10.
func BenchmarkRemoteIngest(b *testing.B) {
	parent := b
	dir := b.TempDir()
	pairs := map[string]*socattest.Pair{}
	ptys := map[string]string{}
	for _, name := range benchNames {
		pairs[name] = socattest.Start(b, dir, name, name+".far")
		ptys[name] = pairs[name].A
	}
	for _, path := range benchPaths(b, dir, ptys) {
		pair := pairs[path.name]
		var s *session.Session
		var far *os.File
		b.Run(path.name, func(b *testing.B) {
			if s == nil {
				logf, err := os.Create(dir + "/" + path.name + ".log")
				if err != nil {
					b.Fatal(err)
				}
				s = benchSession(b, parent, path, pair.A, logf)
				far = pair.OpenB()
				syncSession(b, s, far)
			}
			chunk := ingestText()
			total := s.Stats().RxBytes + uint64(b.N)*ingestChunk
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
		})
	}
}

// BenchmarkRemoteRoundTrip is AT+TEST → OK through the session over each
// path, an emulator behind each pty. It reports the median beside the
// mean.
func BenchmarkRemoteRoundTrip(b *testing.B) {
	parent := b
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ptys := map[string]string{}
	for _, name := range benchNames {
		m, err := emulator.New(emulator.Config{Firmware: rtkfw.New})
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		path, done, err := expose.ServePTY(ctx, m)
		if err != nil {
			b.Skip("no pty here:", err)
		}
		defer func() { cancel(); <-done }()
		ptys[name] = path
	}
	for _, path := range benchPaths(b, b.TempDir(), ptys) {
		var s *session.Session
		b.Run(path.name, func(b *testing.B) {
			if s == nil {
				s = benchSession(b, parent, path, ptys[path.name], nil)
			}
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if rec, err := s.Exec(ctx, "AT+TEST"); err != nil || rec.Text != "OK" {
					b.Fatalf("AT+TEST: %v %v", rec, err)
				}
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "median-µs")
		})
	}
}

// benchPort is freePort for benchmarks.
func benchPort(b *testing.B) int {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// BenchmarkRemoteIngestReference is the floor for BenchmarkRemoteIngest
// through ser2net: the same writer into a pty behind ser2net's raw
// accepter, read by a bare TCP client that only counts bytes.
func BenchmarkRemoteIngestReference(b *testing.B) {
	dir := b.TempDir()
	pair := socattest.Start(b, dir, "t", "tf")
	port := benchPort(b)
	startSer2net(b, dir, ser2netConn{port: port, path: pair.A, line: "115200n81"})
	nc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	far := pair.OpenB()
	defer far.Close()
	// ser2net opens (and flushes) the pty when the client connects:
	// bytes written before that are lost. Write until one arrives.
	buf := make([]byte, 64<<10)
	for synced := false; !synced; {
		far.Write([]byte("sync\r\n"))
		nc.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := nc.Read(buf)
		synced = n > 0
	}
	nc.SetReadDeadline(time.Time{})
	chunk := ingestText()
	b.SetBytes(ingestChunk)
	b.ResetTimer()
	go func() {
		for range b.N {
			if _, err := far.Write(chunk); err != nil {
				return
			}
		}
	}()
	for got := 0; got < b.N*ingestChunk; {
		n, err := nc.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		got += n
	}
}

// syncSession writes a line into far until the session has received
// something: ser2net opens (and flushes) the pty when the client
// connects, and bytes written before that are lost.
func syncSession(b *testing.B, s *session.Session, far *os.File) {
	for s.Stats().RxBytes == 0 {
		changed := s.Changed()
		far.Write([]byte("sync\r\n"))
		select {
		case <-changed:
		case <-time.After(time.Second):
		}
	}
}
