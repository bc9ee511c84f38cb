package wizfi

import (
	"fmt"
	"net"
	"testing"

	"atbench/device/emulator"
	"atbench/internal/emutest"
)

// harness is an emutest client of a module running this firmware: lines
// end with CR, and the module is ready once it printed its banner. fw is
// the firmware the module runs.
type harness struct {
	*emutest.Client
	t  *testing.T
	m  *emulator.Module
	fw *Firmware
}

func newHarness(t *testing.T, cfg emulator.Config) *harness {
	t.Helper()
	h := &harness{t: t}
	cfg.Firmware = func(host emulator.Host) emulator.Firmware {
		h.fw = New(host).(*Firmware)
		return h.fw
	}
	h.Client = emutest.Start(t, emutest.Options{Config: cfg, LineEnding: "\r", Ready: banner})
	h.m = h.Module()
	return h
}

const (
	ok  = "\r\n[OK]\r\n"
	inv = "\r\n[ERROR: INVALID INPUT]\r\n"
)

// connectClient opens AT+NCTCP to a new real peer and expects cid.
func (h *harness) connectClient(cid int) net.Conn {
	h.t.Helper()
	ln, port := emutest.Listen(h.t)
	h.Cmd(fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), fmt.Sprintf("\r\nCONNECT %x\r\n", cid)+ok)
	return emutest.Accept(h.t, ln)
}

// server opens a module server (AT+NSTCP or AT+NSUDP) on a free port,
// retrying if another process takes it in between; it returns the port.
func (h *harness) server(cmd string, cid int, extra string) int {
	h.t.Helper()
	network := "tcp"
	if cmd == "AT+NSUDP" {
		network = "udp"
	}
	for range 5 {
		port := emutest.FreePort(h.t, network)
		h.SendLine(fmt.Sprintf("%s=%d%s", cmd, port, extra))
		if h.ExpectOneOf(fmt.Sprintf("\r\nCONNECT %x\r\n", cid)+ok, "\r\n[ERROR: SOCKET FAILURE]\r\n") == 0 {
			return port
		}
	}
	h.t.Fatalf("%s: no free port", cmd)
	return 0
}
