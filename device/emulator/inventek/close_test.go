package inventek

import (
	"bytes"
	"context"
	"net/netip"
	"strconv"
	"testing"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/internal/emutest"
	"atbench/internal/testkit"
	inv "atbench/protocol/inventek"
)

// TestCloseWhileBusy closes the module while a client is connected, a
// server waits and an R0 waits for data (R2=30000): Close returns, and
// goroutines and descriptors fall back to where they were.
func TestCloseWhileBusy(t *testing.T) {
	leak := testkit.NoLeak(t)
	h := newHarness(t, emulator.Config{})
	ln, port := emutest.Listen(t)
	h.cmd("P0=1", inv.FormatOK(nil))
	h.cmd("P3=127.0.0.1", inv.FormatOK(nil))
	h.cmd("P4="+strconv.Itoa(port), inv.FormatOK(nil))
	h.cmd("P6=1", inv.FormatLines("[TCP  RC] Connecting to 127.0.0.1"))
	peer := emutest.Accept(t, ln)
	h.cmd("P0=2", inv.FormatOK(nil))
	sp := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	c := emutest.Dial(t, sp)
	h.Expect(string(accepted(c)))
	h.cmd("R2=30000", inv.FormatOK(nil))
	h.SendLine("R0") // waits for data
	h.Close()
	emutest.ExpectEOF(t, c)
	emutest.ExpectEOF(t, peer)
	c.Close()
	peer.Close()
	ln.Close()
	leak()
}

// fuzzHost is a Host that collects the firmware's output, for driving
// the firmware's input path directly.
type fuzzHost struct {
	net *netcore.Stack
	ctx context.Context
	out []byte
}

func (h *fuzzHost) Print(msg []byte) error                  { h.out = append(h.out, msg...); return nil }
func (h *fuzzHost) Net() *netcore.Stack                     { return h.net }
func (h *fuzzHost) Clock() netcore.Clock                    { return h.net.Clock() }
func (h *fuzzHost) CertSlot(int) (*emulator.CertSlot, bool) { return nil, false }
func (h *fuzzHost) Go(f func())                             { f() }
func (h *fuzzHost) Context() context.Context                { return h.ctx }
func (h *fuzzHost) Config() emulator.Config                 { return emulator.Config{} }
func (h *fuzzHost) Logf(string, ...any)                     {}

// FuzzInput feeds arbitrary host input to the firmware's input path, then
// ends any partial line and sends CS: the firmware never panics, and once
// no payload is pending it answers CS. P5 and P6 are kept off the input,
// so no socket opens and no R0 waits.
func FuzzInput(f *testing.F) {
	for _, s := range []string{"CS\r", "S3=5\r\nab\r\n", "S3=1461\r", "P0=1\rP1=1\r", "\x00\xff\r\n\r",
		"C1=" + string(bytes.Repeat([]byte("x"), 300)) + "\r", "R0\rR?\rP?\r", "S1=3\rS0\rabc", "PK=1,1\rCD\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		in = bytes.ReplaceAll(bytes.ReplaceAll(in, []byte("P5"), []byte("PX")), []byte("P6"), []byte("PX"))
		in = bytes.ReplaceAll(bytes.ReplaceAll(in, []byte("p5"), []byte("PX")), []byte("p6"), []byte("PX"))
		st, err := netcore.New(netcore.Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 1024})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		h := &fuzzHost{net: st, ctx: context.Background()}
		fw := New(h).(*Firmware)
		fw.Start()
		fw.Input(in)
		fw.Input([]byte("\r")) // ends a partial line
		if fw.pend != nil || fw.discard > 0 {
			return // a payload is still coming: CS would be taken as its bytes
		}
		fw.Input([]byte("CS\r"))
		if !bytes.HasSuffix(h.out, inv.FormatOK([]byte("1"))) && !bytes.HasSuffix(h.out, inv.FormatOK([]byte("0"))) {
			t.Fatalf("no CS answer at the end of %q", h.out)
		}
	})
}
