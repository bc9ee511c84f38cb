package wizfi

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	wz "atbench/protocol/wizfi"
)

// fakeHost runs the firmware synchronously: Print collects the output.
type fakeHost struct {
	net *netcore.Stack
	ctx context.Context
	mu  sync.Mutex
	out []byte
	fw  emulator.Firmware
}

func (h *fakeHost) Print(msg []byte) error {
	h.mu.Lock()
	h.out = append(h.out, msg...)
	h.mu.Unlock()
	return nil
}
func (h *fakeHost) Net() *netcore.Stack                     { return h.net }
func (h *fakeHost) Clock() netcore.Clock                    { return h.net.Clock() }
func (h *fakeHost) CertSlot(int) (*emulator.CertSlot, bool) { return nil, false }
func (h *fakeHost) Go(func())                               {}
func (h *fakeHost) Context() context.Context                { return h.ctx }
func (h *fakeHost) Config() emulator.Config                 { return emulator.Config{} }
func (h *fakeHost) Logf(string, ...any)                     {}
func (h *fakeHost) event(e netcore.Event)                   { h.fw.Event(e) }
func (h *fakeHost) output() []byte                          { h.mu.Lock(); defer h.mu.Unlock(); return bytes.Clone(h.out) }

// FuzzInput feeds arbitrary host bytes to the firmware's input path
// (line assembly, commands, ESC frames). It must never panic, and after a
// suffix that ends any frame the module still answers AT with [OK].
func FuzzInput(f *testing.F) {
	for _, s := range []string{
		"AT\r", "ATE1\rAT\r\n", "AT+SETSOCKOPT= 0,65535,8,1,4\r", "AT+CID=?\r",
		"\x1bS0hello\x1bE", "\x1bZ10005hello", "\x1bU0127.0.0.1:9:x\x1bE", "\x1bS1a\x1b\x1bb\x1bE",
		"\x1bR:5:hello", "\x1b\x1b\x1bX\r", "AT+NCLOSE=f\rAT+NSTCP=0\r", string(bytes.Repeat([]byte("A"), 600)) + "\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h := &fakeHost{ctx: context.Background()}
		stack, err := netcore.New(netcore.Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 4096,
			ConnectTimeout: 100 * time.Millisecond, Events: h.event})
		if err != nil {
			t.Fatal(err)
		}
		h.net = stack
		defer stack.Close()
		h.fw = New(h)
		h.fw.Input(in)
		// end any frame: a body (ESC E), an ESC inside a body, a counted
		// payload of up to 99999 bytes; then a command
		h.fw.Input([]byte("\x1bE\x1bE"))
		h.fw.Input(bytes.Repeat([]byte("\r"), 100000))
		h.fw.Input([]byte("AT\r"))
		if out := h.output(); !bytes.HasSuffix(out, wz.FormatOK()) {
			t.Fatalf("no [OK] at the end: %q", out[max(0, len(out)-64):])
		}
	})
}
