package dialects_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"atbench/device"
	"atbench/dialects"
	"atbench/session"
)

// echoDev is a module that echoes every byte it gets, with noise after.
type echoDev struct {
	r      *io.PipeReader
	w      *io.PipeWriter
	status chan device.Status
}

func (e *echoDev) Read(p []byte) (int, error) { return e.r.Read(p) }
func (e *echoDev) Write(p []byte) (int, error) {
	go e.w.Write(append(append([]byte(nil), p...), "\x00\xfe garbage\r\n"...))
	return len(p), nil
}
func (e *echoDev) Close() error                 { e.w.CloseWithError(io.EOF); e.r.Close(); return nil }
func (e *echoDev) Status() <-chan device.Status { return e.status }
func (e *echoDev) Info() device.Info            { return device.Info{Kind: "echo", Name: "echo"} }

// TestDetectionGuessesNothingFromAnEcho runs the table's real probes
// against a module that only echoes: no set may be chosen.
func TestDetectionGuessesNothingFromAnEcho(t *testing.T) {
	r, w := io.Pipe()
	dev := &echoDev{r: r, w: w, status: make(chan device.Status)}
	var cands []session.Candidate
	for _, s := range dialects.Table() {
		cands = append(cands, session.Candidate{Name: s.Name, Dialect: s.Dialect, Probes: s.Probes})
	}
	s, err := session.New(dev, session.Options{Detect: cands})
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(context.Background())
	defer s.Close()
	select {
	case <-s.Detected():
	case <-time.After(60 * time.Second):
		t.Fatal("detection did not end")
	}
	if got := s.Dialect().Name(); got != "raw" {
		t.Errorf("chose %q from an echo", got)
	}
	var notes []string
	for _, r := range s.Records(0, 0) {
		notes = append(notes, r.Text)
	}
	if all := strings.Join(notes, "|"); !strings.Contains(all, "no known command set answered") {
		t.Errorf("transcript: %s", all)
	}
}
