package session_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"atbench/device"
	"atbench/protocol"
	"atbench/protocol/realtek"
	"atbench/session"
)

// memDev is a module that pours out a fixed text in reads of at most 4
// KiB, as a pty hands them out, and then ends.
type memDev struct {
	b      []byte
	status chan device.Status
}

func (m *memDev) Read(p []byte) (int, error) {
	if len(m.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 4096)], m.b)
	m.b = m.b[n:]
	return n, nil
}
func (m *memDev) Write(p []byte) (int, error)  { return len(p), nil }
func (m *memDev) Close() error                 { return nil }
func (m *memDev) Status() <-chan device.Status { return m.status }
func (m *memDev) Info() device.Info            { return device.Info{Kind: "memory", Name: "flood"} }

// BenchmarkSessionFlood is the session's own cost of a text flood: 8 MiB
// of numbered 64-byte lines, read 4 KiB at a time from memory, framed,
// kept, logged to a file, and followed by a reader that waits on Changed
// and reads every record (as the screen and a script do). No pty and no
// other process: it measures atbench's CPU per byte, the part of the
// flood benchmarks that is atbench's to cut.
//
//	go test ./session -run '^$' -bench SessionFlood -benchmem
func BenchmarkSessionFlood(b *testing.B) {
	var flood []byte
	for i := 0; len(flood) < 8<<20; i++ {
		line := fmt.Appendf(nil, "flood %07d ", i)
		for len(line) < 62 {
			line = append(line, 'x')
		}
		flood = append(flood, line...)
		flood = append(flood, '\r', '\n')
	}
	lines := uint64(len(flood) / 64)
	dir := b.TempDir()
	b.SetBytes(int64(len(flood)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Create(filepath.Join(dir, "log"))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 64<<10)
		dev := &memDev{b: flood, status: make(chan device.Status, 1)}
		s, err := session.New(dev, session.Options{Dialect: realtek.New(), Log: w})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Run(context.Background()) }()
		var recs []protocol.Record
		var next uint64
		seen := uint64(0)
		timeout := time.NewTimer(time.Minute)
		for seen < lines {
			ch := s.Changed()
			recs = s.AppendRecords(recs[:0], next, 0)
			for _, r := range recs {
				next = r.Seq + 1
				if r.Kind == protocol.KindInfo {
					seen++
				}
			}
			if seen >= lines {
				break
			}
			select {
			case <-ch:
			case <-timeout.C:
				b.Fatalf("%d of %d lines seen after a minute", seen, lines)
			}
		}
		timeout.Stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		s.Close()
		w.Flush()
		f.Close()
	}
}
