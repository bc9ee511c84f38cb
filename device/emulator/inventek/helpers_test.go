package inventek

import (
	"bytes"
	"net"
	"strconv"
	"testing"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	inv "atbench/protocol/inventek"
)

// harness is an emutest client of a module running this firmware: lines
// end with CR alone, and every answer ends with the prompt.
type harness struct {
	*emutest.Client
	t *testing.T
	m *emulator.Module
}

func newHarness(t *testing.T, cfg emulator.Config) *harness {
	t.Helper()
	cfg.Firmware = New
	c := emutest.Start(t, emutest.Options{Config: cfg, LineEnding: inv.LineEnding, Ready: inv.Prompt})
	return &harness{Client: c, t: t, m: c.Module()}
}

// cmd sends a line and expects exactly want.
func (h *harness) cmd(line string, want []byte) {
	h.t.Helper()
	h.Cmd(line, string(want))
}

// startServer sets P2 to a free port, sends the lines between (each
// answered OK) and P5=<mode>, retrying if another process took the port
// meanwhile; it returns the port.
func (h *harness) startServer(mode int, network string, want []byte, between ...string) int {
	h.t.Helper()
	for range 5 {
		port := emutest.FreePort(h.t, network)
		h.cmd("P2="+strconv.Itoa(port), inv.FormatOK(nil))
		for _, l := range between {
			h.cmd(l, inv.FormatOK(nil))
		}
		h.SendLine("P5=" + strconv.Itoa(mode))
		out := []byte(h.Until(inv.Prompt))
		if bytes.Equal(out, want) {
			return port
		}
		if !bytes.Equal(out, inv.FormatError(nil, inv.ErrUnknownError, inv.Usage("P5"))) {
			h.t.Fatalf("P5=%d: %q, want %q", mode, out, want)
		}
	}
	h.t.Fatal("P5: no free port")
	return 0
}

// accepted is the accept message of a client from c.
func accepted(c net.Conn) []byte {
	return inv.FormatEvent(inv.AcceptedText("127.0.0.1", emutest.LocalPort(c)))
}
