package realtek

import (
	"fmt"
	"strings"
	"testing"

	"atbench/device/emulator"
	"atbench/internal/emutest"
)

// Config and Module are the emulator's: the tests drive a module running
// this firmware.
type (
	Config = emulator.Config
	Module = emulator.Module
)

// start starts a module running the Realtek firmware.
func start(cfg Config) (*Module, error) {
	if cfg.Firmware == nil {
		cfg.Firmware = New
	}
	return emulator.New(cfg)
}

// harness is an emutest client of a module running this firmware: lines
// end with CR LF, and the module is ready once it printed ATCMD READY.
type harness struct {
	*emutest.Client
	t *testing.T
	m *Module
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.Firmware == nil {
		cfg.Firmware = New
	}
	c := emutest.Start(t, emutest.Options{Config: cfg, LineEnding: "\r\n", Ready: "ATCMD READY\r\n"})
	return &harness{Client: c, t: t, m: c.Module()}
}

// server opens a module server on a free port, retrying if another
// process takes the port in between; it returns the port.
func (h *harness) server(id, connType int, cert string, auto int) int {
	h.t.Helper()
	network := "tcp"
	if connType == 0 {
		network = "udp"
	}
	for range 5 {
		port := emutest.FreePort(h.t, network)
		h.SendLine(fmt.Sprintf("AT+SKTSERVER=%d,%d,%s,%d,%d", id, connType, cert, port, auto))
		out := h.Until("\r\n")
		out += h.Until("\r\n")
		if out == "\r\nOK\r\n" {
			return port
		}
		if !strings.HasPrefix(out, "\r\nERROR: ") {
			h.t.Fatalf("AT+SKTSERVER: %q", out)
		}
	}
	h.t.Fatalf("AT+SKTSERVER: no free port")
	return 0
}

func acceptEvent(seed int, tls bool, port, server int) string {
	proto := "tcp"
	if tls {
		proto = "tls"
	}
	return fmt.Sprintf("[$][SKT][EVENT]: A client[link_id:%d,seed,%s,dst_address:127.0.0.1,dst_port:%d] connected to server[link_id:%d]\r\n", seed, proto, port, server)
}
