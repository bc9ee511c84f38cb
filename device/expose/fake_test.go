package expose

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"atbench/device"
)

// fakeDev is a device.Device made of two pipes: what the host writes comes
// out of sent, and what the test writes into reply is what the host reads.
type fakeDev struct {
	sent     *io.PipeReader
	sentW    *io.PipeWriter
	replyR   *io.PipeReader
	reply    *io.PipeWriter
	status   chan device.Status
	once     sync.Once
	echoDone chan struct{}
}

func newFakeDev() *fakeDev {
	d := &fakeDev{status: make(chan device.Status)}
	d.sent, d.sentW = io.Pipe()
	d.replyR, d.reply = io.Pipe()
	return d
}

// newEchoDev returns a fake device that sends back whatever it is sent.
func newEchoDev() *fakeDev {
	d := newFakeDev()
	d.echoDone = make(chan struct{})
	go func() {
		defer close(d.echoDone)
		io.Copy(d.reply, d.sent)
	}()
	return d
}

func (d *fakeDev) Read(p []byte) (int, error)   { return d.replyR.Read(p) }
func (d *fakeDev) Write(p []byte) (int, error)  { return d.sentW.Write(p) }
func (d *fakeDev) Status() <-chan device.Status { return d.status }
func (d *fakeDev) Info() device.Info            { return device.Info{Kind: "emulator", Name: "fake"} }

func (d *fakeDev) Close() error {
	d.once.Do(func() {
		d.sent.Close()
		d.sentW.Close()
		d.replyR.Close()
		d.reply.Close()
		close(d.status)
		if d.echoDone != nil {
			<-d.echoDone
		}
	})
	return nil
}

// pattern returns n bytes that cover every byte value and whose position is
// recoverable, so loss or reordering shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// readFull reads len(want) bytes from r within the deadline and compares.
func readExact(t *testing.T, r io.Reader, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	errc := make(chan error, 1)
	go func() {
		_, err := io.ReadFull(r, got)
		errc <- err
	}()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("read %d bytes: %v", len(want), err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out reading %d bytes", len(want))
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && got[i] == want[i] {
			i++
		}
		t.Fatalf("bytes differ at offset %d of %d: got %q, want %q", i, len(want), snip(got, i), snip(want, i))
	}
}

func snip(b []byte, i int) []byte {
	return b[i:min(len(b), i+16)]
}

// checkNoLeak fails the test unless goroutines and open descriptors fall
// back to what they were when it was called, within a deadline.
func checkNoLeak(t *testing.T) func() {
	t.Helper()
	// Start the runtime poller first: its descriptors stay for good.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	g0 := runtime.NumGoroutine()
	f0 := openFDs(t)
	return func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			g, f := runtime.NumGoroutine(), openFDs(t)
			if g <= g0 && f <= f0 {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("leak: goroutines %d → %d, descriptors %d → %d\n%s", g0, g, f0, f, buf)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0 // not Linux: goroutines only
	}
	return len(ents)
}
