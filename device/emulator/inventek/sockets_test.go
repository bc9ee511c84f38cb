package inventek

import (
	"crypto/tls"
	"net"
	"strconv"
	"testing"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	"atbench/protocol"
	inv "atbench/protocol/inventek"
)

// TestTCPClient: P3/P4/P6=1 connects; S3 sends a payload that begins with
// a LF and holds CR; R0 returns the peer's raw bytes, "\r\nOK\r\n> "
// included; once the peer closes, R0 and S3 answer -1 and the link shows
// why; P6=0 frees the socket.
func TestTCPClient(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	ln, port := emutest.Listen(t)
	h.cmd("P0=1", inv.FormatOK(nil))
	h.cmd("P1=0", inv.FormatOK(nil))
	h.cmd("P3=127.0.0.1", inv.FormatOK(nil))
	h.cmd("P4="+strconv.Itoa(port), inv.FormatOK(nil))
	h.cmd("P6=1", inv.FormatLines("[TCP  RC] Connecting to 127.0.0.1"))
	peer := emutest.Accept(t, ln)
	l, ok := h.TableLink(1)
	if !ok || l.Role != protocol.RoleClient || l.Proto != protocol.ProtoTCP || l.Remote != peer.LocalAddr().String() {
		t.Fatalf("client link %+v", l)
	}
	// R0 with nothing there: an empty answer
	h.cmd("R0", inv.FormatOK(nil))
	payload := "\nab\r\ncd\r"
	h.Send([]byte("S3=" + strconv.Itoa(len(payload)) + "\r" + payload))
	h.Expect(string(inv.FormatCount(len(payload))))
	if got := emutest.ReadN(t, peer, len(payload)); string(got) != payload {
		t.Fatalf("peer got %q", got)
	}
	// S0 sends S1 bytes
	h.cmd("S1=3", inv.FormatOK(nil))
	h.Send([]byte("S0\rxyz"))
	h.Expect(string(inv.FormatCount(3)))
	if got := emutest.ReadN(t, peer, 3); string(got) != "xyz" {
		t.Fatalf("peer got %q", got)
	}
	data := "line\r\nOK\r\n> more"
	if _, err := peer.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	h.WaitBuffered(1, len(data))
	h.cmd("R1=4", inv.FormatOK(nil))
	h.cmd("R0", inv.FormatOK([]byte(data[:4])))
	h.cmd("R1=1460", inv.FormatOK(nil))
	h.cmd("R0", inv.FormatOK([]byte(data[4:])))
	h.cmd("P?", inv.FormatOK([]byte("0,127.0.0.1,"+strconv.Itoa(peer.RemoteAddr().(*net.TCPAddr).Port)+",127.0.0.1,"+strconv.Itoa(port)+",0,0,0,0,0,0,7200000")))
	peer.Close()
	h.WaitLink(1, "the peer's close", func(l protocol.LinkInfo) bool { return l.State == protocol.StateCloseWait })
	h.cmd("R0", inv.FormatLost())
	h.Send([]byte("S3=2\rhi"))
	h.Expect(string(inv.FormatLost()))
	if l, _ := h.TableLink(1); l.Closed == nil || l.Closed.Reason != "peer closed (FIN)" {
		t.Fatalf("lost link %+v", l)
	}
	h.cmd("P6=0", inv.FormatOK(nil))
	if _, ok := h.TableLink(1); ok {
		t.Fatal("link 1 still in the table after P6=0")
	}
	// the socket opens again
	ln2, port2 := emutest.Listen(t)
	h.cmd("P4="+strconv.Itoa(port2), inv.FormatOK(nil))
	h.cmd("P6=1", inv.FormatLines("[TCP  RC] Connecting to 127.0.0.1"))
	emutest.Accept(t, ln2)
	h.cmd("P6=0", inv.FormatOK(nil))
	h.Quiet()
}

// TestClientFailures: a refused connect prints the Connecting line and
// the error; a socket that runs nothing answers -1 to R0 and S3.
func TestClientFailures(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	port := emutest.FreePort(t, "tcp") // nobody listens
	h.cmd("P3=127.0.0.1", inv.FormatOK(nil))
	h.cmd("P6=1", []byte("\r\nERROR: Unknown Error\r\nUsage: P6=<action> \r\n> ")) // no P4
	h.cmd("P4="+strconv.Itoa(port), inv.FormatOK(nil))
	h.cmd("P6=1", []byte("\r\n[TCP  RC] Connecting to 127.0.0.1\r\nERROR: Unknown Error\r\nUsage: P6=<action> \r\n> "))
	if _, ok := h.TableLink(0); ok {
		t.Fatal("a failed client holds link 0")
	}
	h.cmd("R0", inv.FormatLost())
	h.Send([]byte("S3=1\rx"))
	h.Expect(string(inv.FormatLost()))
	h.cmd("P6=0", inv.FormatOK(nil))
	h.Quiet()
}

// TestUDP: a UDP client sends datagrams to P3:P4 and reads the answers;
// a UDP server (P5=1) reads a datagram and S3 answers its sender.
func TestUDP(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	peer, pport := emutest.ListenUDP(t)
	h.cmd("P1=1", inv.FormatOK(nil))
	h.cmd("P3=127.0.0.1", inv.FormatOK(nil))
	h.cmd("P4="+strconv.Itoa(pport), inv.FormatOK(nil))
	h.cmd("P6=1", inv.FormatOK(nil))
	h.Send([]byte("S3=5\rhello"))
	h.Expect(string(inv.FormatCount(5)))
	got, from := emutest.ReadDatagram(t, peer)
	if string(got) != "hello" {
		t.Fatalf("peer got %q", got)
	}
	if _, err := peer.WriteToUDP([]byte("back"), from); err != nil {
		t.Fatal(err)
	}
	h.WaitBuffered(0, 4)
	h.cmd("R0", inv.FormatOK([]byte("back")))
	h.cmd("P6=0", inv.FormatOK(nil))

	// a UDP server
	h.cmd("P0=3", inv.FormatOK(nil))
	h.cmd("P1=1", inv.FormatOK(nil))
	port := h.startServer(1, "udp", inv.FormatOK(nil))
	if l, ok := h.TableLink(3); !ok || l.Role != protocol.RoleServer || l.Proto != protocol.ProtoUDP {
		t.Fatalf("UDP server %+v", l)
	}
	h.Send([]byte("S3=1\rx"))
	h.Expect(string(inv.FormatLost())) // nobody to answer yet
	if _, err := peer.WriteToUDP([]byte("ping"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
		t.Fatal(err)
	}
	h.WaitBuffered(3, 4)
	h.cmd("R0", inv.FormatOK([]byte("ping")))
	h.Send([]byte("S3=4\rpong"))
	h.Expect(string(inv.FormatCount(4)))
	if got, _ := emutest.ReadDatagram(t, peer); string(got) != "pong" {
		t.Fatalf("peer got %q", got)
	}
	h.cmd("P5=0", inv.FormatOK(nil))
	h.Quiet()
}

// TestTLS: TCP-SSL (P1=3) as a multi-accept server presenting slot 1's
// server certificate, and as a client checking the peer's chain.
func TestTLS(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	pool, server, _, ok := h.m.CertSlot(1)
	if !ok {
		t.Fatal("no slot 1")
	}
	h.cmd("P1=3", inv.FormatOK(nil))
	port := h.startServer(11, "tcp", inv.FormatLines(inv.MultiAcceptSetup, inv.WaitingText))
	c, err := tls.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h.Expect(string(accepted(c)))
	if _, err := c.Write([]byte("secret")); err != nil {
		t.Fatal(err)
	}
	h.WaitBuffered(inv.SeedLink(0), 6)
	h.cmd("R0", inv.FormatOK([]byte("secret")))
	h.Send([]byte("S3=3\rack"))
	h.Expect(string(inv.FormatCount(3)))
	if got := emutest.ReadN(t, c, 3); string(got) != "ack" {
		t.Fatalf("got %q", got)
	}
	if l, _ := h.TableLink(inv.SeedLink(0)); l.Proto != protocol.ProtoTLS {
		t.Fatalf("seed %+v", l)
	}
	h.cmd("P5=0", inv.FormatLines(inv.KilledText))

	// the client: a peer with slot 1's server suite is trusted
	ln, lport := emutest.Listen(t)
	h.cmd("P0=1", inv.FormatOK(nil))
	h.cmd("P1=3", inv.FormatOK(nil))
	h.cmd("P3=127.0.0.1", inv.FormatOK(nil))
	h.cmd("P4="+strconv.Itoa(lport), inv.FormatOK(nil))
	// P6=1 answers once the handshake is done: the peer shakes hands meanwhile
	h.SendLine("P6=1")
	pc := tls.Server(emutest.Accept(t, ln), &tls.Config{Certificates: []tls.Certificate{server}})
	hs := make(chan error, 1)
	go func() { hs <- pc.Handshake() }()
	h.Expect(string(inv.FormatLines("[TCP  RC] Connecting to 127.0.0.1")))
	if err := <-hs; err != nil {
		t.Fatalf("peer handshake: %v", err)
	}
	h.Send([]byte("S3=2\rhi"))
	h.Expect(string(inv.FormatCount(2)))
	if got := emutest.ReadN(t, pc, 2); string(got) != "hi" {
		t.Fatalf("got %q", got)
	}
	h.cmd("P6=0", inv.FormatOK(nil))
	h.Quiet()
}

// TestSectionBExamples runs the remaining examples of dialects.md B: the
// Inventek how-to's S1=10 and S0 with ten bytes, ST's zero-padded S3
// length, the doc's S3=10, and the multi-connection server of B.6 (P5=1,
// P7=1; P7=2 drops the client, P7=3 moves on).
func TestSectionBExamples(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.cmd("PK=1,3000", inv.FormatOK(nil))
	h.cmd("P0=0", inv.FormatOK(nil))
	h.cmd("P1=0", inv.FormatOK(nil))
	port := h.startServer(1, "tcp", inv.FormatLines(inv.WaitingText), "P8=6")
	h.cmd("P7=1", inv.FormatOK(nil))
	c := emutest.Dial(t, port)
	h.Expect(string(accepted(c)))
	h.cmd("S1=10", inv.FormatOK(nil))
	h.Send([]byte("S0\r0123456789"))
	h.Expect(string(inv.FormatCount(10)))
	h.Send([]byte("S3=0005\r12345"))
	h.Expect(string(inv.FormatCount(5)))
	h.Send([]byte("S3=10\rabcdefghij"))
	h.Expect(string(inv.FormatCount(10)))
	if got := emutest.ReadN(t, c, 25); string(got) != "012345678912345abcdefghij" {
		t.Fatalf("client got %q", got)
	}
	h.cmd("P7=2", inv.FormatOK(nil))
	emutest.ExpectEOF(t, c)
	h.cmd("P7=3", inv.FormatOK(nil))
	d := emutest.Dial(t, port)
	h.Expect(string(accepted(d)))
	h.cmd("R1=1460", inv.FormatOK(nil))
	h.cmd("R2=1", inv.FormatOK(nil))
	h.cmd("R0", inv.FormatOK(nil))
	h.cmd("P5=0", inv.FormatLines(inv.KilledText))
	emutest.ExpectEOF(t, d)
	h.cmd("P7=1", []byte("\r\nERROR: Unknown Error\r\nUsage: P7=<action> \r\n> "))
	h.Quiet()
}

// TestServerPortInUse: P5 on a port another socket holds fails with the
// usage, leaves the socket idle and its client's id claimed.
func TestServerPortInUse(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	_, port := emutest.Listen(t)
	h.cmd("P2="+strconv.Itoa(port), inv.FormatOK(nil))
	h.cmd("P5=11", []byte("\r\nERROR: Unknown Error\r\nUsage: P5=<mode> \r\n> "))
	h.cmd("P?", inv.FormatOK([]byte("0,127.0.0.1,"+strconv.Itoa(port)+",0.0.0.0,0,0,0,0,0,0,0,7200000")))
	for id := range 8 {
		if !h.m.Net().InUse(id) {
			t.Errorf("id %d not claimed", id)
		}
	}
	h.cmd("P1=1", inv.FormatOK(nil)) // idle: settings still change
	h.Quiet()
}
