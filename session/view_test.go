package session_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"atbench/device"
	"atbench/protocol/realtek"
	"atbench/session"
)

// pipeDev is a device whose module output the test writes into a pipe.
type pipeDev struct {
	r      *io.PipeReader
	w      *io.PipeWriter
	status chan device.Status
}

func newPipeDev() *pipeDev {
	r, w := io.Pipe()
	return &pipeDev{r: r, w: w, status: make(chan device.Status)}
}

func (p *pipeDev) Read(b []byte) (int, error)   { return p.r.Read(b) }
func (p *pipeDev) Write(b []byte) (int, error)  { return len(b), nil }
func (p *pipeDev) Close() error                 { return p.r.Close() }
func (p *pipeDev) Status() <-chan device.Status { return p.status }
func (p *pipeDev) Info() device.Info            { return device.Info{Kind: "pipe", Name: "test"} }

// TestViewReadsEverythingAtOnce checks a view: the newest records asked
// for, the transcript's bounds, the counters, the device and the clock.
func TestViewReadsEverythingAtOnce(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	dev := newPipeDev()
	s, err := session.New(dev, session.Options{Dialect: realtek.New(), Capacity: 10, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	defer func() { s.Close(); <-ran }()

	for i := 1; i <= 25; i++ {
		if _, err := fmt.Fprintf(dev.w, "line %d\r\n", i); err != nil {
			t.Fatal(err)
		}
	}
	for s.LastSeq() < 25 {
		select {
		case <-s.Changed():
		case <-ctx.Done():
			t.Fatalf("the session took %d of 25 lines", s.LastSeq())
		}
	}

	v := s.View(0, 5)
	if len(v.Records) != 5 || v.Records[0].Seq != 21 || v.Records[4].Text != "line 25" {
		t.Fatalf("View(0, 5) records: %+v", v.Records)
	}
	if v.First != 16 || v.Last != 25 {
		t.Fatalf("bounds %d..%d, want 16..25 (capacity 10)", v.First, v.Last)
	}
	if v.Stats.RxBytes == 0 || v.Stats.Records != 25 || v.Stats.State != session.Connected {
		t.Fatalf("stats %+v", v.Stats)
	}
	if v.Info.Kind != "pipe" || !v.Now.Equal(at) {
		t.Fatalf("info %+v, now %v", v.Info, v.Now)
	}
	if v := s.View(24, 5); len(v.Records) != 2 || v.Records[0].Seq != 24 {
		t.Fatalf("View(24, 5): %+v", v.Records)
	}
	if v := s.View(26, 5); len(v.Records) != 0 || v.Last != 25 {
		t.Fatalf("View(26, 5): %d records, last %d", len(v.Records), v.Last)
	}
	if v := s.View(0, 0); len(v.Records) != 10 {
		t.Fatalf("View(0, 0): %d records", len(v.Records))
	}
}
