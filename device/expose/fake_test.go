package expose

import (
	"io"
	"sync"

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
