package inventek

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	"atbench/internal/testkit"
	"atbench/protocol"
	inv "atbench/protocol/inventek"
)

// TestSeedMultiAccept plays the seed transcript inventek-multi-accept.txt
// through a pty with real TCP clients, byte for byte: the module's output
// is the transcript's with the clients' address (127.0.0.1 and their
// ports) for 192.168.10.100's, and each line the transcript shows is in
// it, in order.
func TestSeedMultiAccept(t *testing.T) {
	leak := testkit.NoLeak(t)
	h := newHarness(t, emulator.Config{})
	var out []byte // the module's output after the power-up prompt
	cmd := func(line string, want []byte) {
		t.Helper()
		h.cmd(line, want)
		out = append(out, want...)
	}
	expect := func(want []byte) {
		t.Helper()
		h.Expect(string(want))
		out = append(out, want...)
	}
	cmd("PK=1,3000", inv.FormatOK(nil))
	cmd("P1=0", inv.FormatOK(nil))
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText), "P8=6")
	out = append(out, inv.FormatOK(nil)...) // P2's
	out = append(out, inv.FormatOK(nil)...) // P8's
	out = append(out, inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText)...)

	for i, b := range []string{"1", "2"} {
		c := emutest.Dial(t, port)
		expect(accepted(c))
		msg := "Data from 127.0.0.1"
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		h.WaitBuffered(inv.SeedLink(0), len(msg))
		cmd("R0", inv.FormatOK([]byte(msg)))
		h.Send([]byte("S3=1\r" + b))
		expect(inv.FormatCount(1))
		if got := emutest.ReadN(t, c, 1); string(got) != b {
			t.Fatalf("client %d got %q", i, got)
		}
		seed, ok := h.TableLink(inv.SeedLink(0))
		if !ok || seed.Role != protocol.RoleSeed || seed.Parent != 0 || seed.Remote != c.LocalAddr().String() ||
			seed.BytesIn != uint64(len(msg)) || seed.BytesOut != 1 {
			t.Fatalf("seed link %+v", seed)
		}
		if k := seed.Keepalive; !k.Enabled || k.Idle != 3*time.Second || k.Interval != 75*time.Second || k.Count != 9 {
			t.Fatalf("keepalive in force %+v", k)
		}
		if i == 0 {
			cmd("P5=10", inv.FormatLines(inv.WaitingText))
			emutest.ExpectEOF(t, c)
			if l, ok := h.ClosedLink(inv.SeedLink(0)); !ok || l.Closed == nil || l.Closed.Reason != "closed by the host (P5=10)" {
				t.Fatalf("dropped client %+v", l)
			}
			c.Close()
			continue
		}
		cmd("P5=0", inv.FormatLines(inv.KilledText))
		emutest.ExpectEOF(t, c)
		c.Close()
	}
	h.Quiet()
	if l, ok := h.ClosedLink(0); !ok || l.Closed == nil || l.Closed.Reason != "server stopped (P5=0)" {
		t.Fatalf("server %+v", l)
	}
	// P5=0 freed the port.
	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d not freed: %v", port, err)
	}
	ln.Close()

	// Each line of the transcript, in order, with the clients' addresses.
	seed, err := os.ReadFile("../../../protocol/inventek/testdata/inventek-multi-accept.txt")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(string(out), inv.Prompt, ""), "\r\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	at, s := 0, string(seed)
	for _, l := range lines {
		if strings.HasPrefix(l, "[TCP SVR] Accepted 127.0.0.1:") {
			l = "[TCP SVR] Accepted 192.168.10.100:"
		}
		l = strings.ReplaceAll(l, "127.0.0.1", "192.168.10.100")
		j := strings.Index(s[at:], l)
		if j < 0 {
			t.Fatalf("line %q not in the seed after offset %d", l, at)
		}
		at += j + len(l)
	}
	h.Close()
	leak()
}
