package wizfi

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	"atbench/internal/testkit"
	"atbench/protocol"
	wz "atbench/protocol/wizfi"
)

func acceptLine(server, cid, port int) string {
	return fmt.Sprintf("\r\nCONNECT %x %x 127.0.0.1 %d\r\n", server, cid, port)
}

// TestCommon: the bracketed status words, echo, the version and status
// answers (section C.1, C.2).
func TestCommon(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	h.Cmd("AT", ok)
	h.Cmd("at", ok)
	h.Cmd("ATE1", ok)
	h.Cmd("AT", "AT\r"+ok) // echoed as typed
	h.Cmd("ATE0", "ATE0\r"+ok)
	h.Cmd("AT", ok)
	h.Cmd("AT+VER=?", string(wz.FormatVersion(verApp, verGEPS, verWLAN))+ok)
	h.SendLine("AT+NSTAT=?")
	h.Expect("\r\nMAC=" + moduleMAC + "\r\nWSTATE=CONNECTED     MODE=INFRA\r\n" +
		"BSSID=00:08:dc:00:00:01    SSID=\"atbench\"   CHANNEL=6    SECURITY=WPA2-PERSONAL\r\nRSSI=-45\r\n" +
		"IP addr=127.0.0.1   SubNet=255.255.255.0   Gateway=127.0.0.1\r\nDNS1=127.0.0.1       DNS2=0.0.0.0\r\n" +
		"Rx Count=0     Tx Count=0\r\n" + ok)
	h.Cmd("AT+CID=?", "\r\n No valid Cids\r\n"+ok)
	h.Cmd("AT+NDHCP=1", ok)
	h.Cmd("AT+NDHCP=2", inv)
	h.Cmd("AT+BDATA=1", ok)
	h.Cmd("AT+BDATA=0", ok)
	h.Quiet()
}

// TestEchoAndFewerCIDs: with echo on, command text is echoed and data
// frames are not; Config.MaxLinks below 16 bounds the CIDs.
func TestEchoAndFewerCIDs(t *testing.T) {
	h := newHarness(t, emulator.Config{Echo: true, MaxLinks: 2})
	h.Cmd("AT", "AT\r"+ok)
	ln, port := emutest.Listen(t)
	h.Cmd(fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), fmt.Sprintf("AT+NCTCP=127.0.0.1,%d\r\r\nCONNECT 0\r\n", port)+ok)
	c := emutest.Accept(t, ln)
	h.Send(wz.EncodeData(0, []byte("AT\r")))
	if got := emutest.ReadN(t, c, 3); string(got) != "AT\r" {
		t.Fatalf("peer got %q", got)
	}
	up := emutest.FreePort(t, "udp")
	h.Cmd(fmt.Sprintf("AT+NSUDP=%d", up), fmt.Sprintf("AT+NSUDP=%d\r\r\nCONNECT 1\r\n", up)+ok)
	h.SendLine("AT+NSUDP=9")
	h.Expect("AT+NSUDP=9\r\r\n[ERROR: NO CID]\r\n")
	h.Cmd("ATE0", "ATE0\r"+ok)
	h.Cmd("AT", ok)
}

// TestErrors: each error form, and the module keeps answering after
// garbage and an over-long line.
func TestErrors(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	for _, line := range []string{
		"AT+FOO", "hello", "AT+NCTCP=1.2.3,80", "AT+NCTCP=127.0.0.1", "AT+NCTCP=127.0.0.1,70000",
		"AT+NSTCP=0", "AT+NCLOSE=10", "AT+NCLOSE=g", "AT+CID", "AT+VER", "AT=1", "AT+NSTAT",
		"AT+SETSOCKOPT=0,6,4001,600", "AT+SETSOCKOPT=0,7,8,1,4", "AT+SETSOCKOPT=00,65535,8,1,4",
		"AT+SETSOCKOPT=0,65535,4001,600,4", "AT+SETSOCKOPT=0,6,8,1,4", "AT+SETSOCKOPT=0,65535,8,2,4",
		"AT+SETSOCKOPT=0,6,4005,0,4", "AT+SETSOCKOPT=0,6,4001,600,3", "AT+SETSOCKOPT=0,6,4001,300,1",
		"AT+SETSOCKOPT=0,6,zz,1,4", "AT+WWPA=short",
	} {
		h.Cmd(line, inv)
	}
	h.Send([]byte("\x00\x01\xff garbage \x07\r"))
	h.Expect(inv)
	h.Send(bytes.Repeat([]byte("A"), 3*wz.MaxLine))
	h.Send([]byte("\r"))
	h.Expect(inv)
	h.Cmd("AT", ok)
	h.Cmd("\r\n\r\nAT", ok) // empty lines are ignored

	// CID errors
	h.Cmd("AT+NCLOSE=3", "\r\n[ERROR: INVALID CID]\r\n")
	h.Cmd("AT+SETSOCKOPT=3,65535,8,1,4", "\r\n[ERROR: INVALID CID]\r\n")
	h.Send(wz.EncodeData(5, []byte("x")))
	h.Expect("\r\n[ERROR: INVALID CID]\r\n")
	// a connect that fails
	port := emutest.FreePort(t, "tcp")
	h.Cmd(fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), "\r\n[ERROR]\r\n")
	// a port in use
	ln, lport := emutest.Listen(t)
	_ = ln
	h.Cmd(fmt.Sprintf("AT+NSTCP=%d", lport), "\r\n[ERROR: SOCKET FAILURE]\r\n")
	// below count × 75 s
	h.connectClient(0)
	h.Cmd("AT+SETSOCKOPT=0,6,4001,599,4", inv)
	h.Cmd("AT+SETSOCKOPT=0,6,4005,2,4", ok)
	h.Cmd("AT+SETSOCKOPT=0,6,4001,149,4", inv)
	h.Cmd("AT+SETSOCKOPT=0,6,4001,150,4", ok)
	h.Cmd("AT+SETSOCKOPT=0,6,10,30,4", ok)
	h.Cmd("AT+SETSOCKOPT=0,65535,0x8,1,4", ok)
	// no free CID: 16 at most
	for cid := 1; cid < 16; cid++ {
		h.server("AT+NSUDP", cid, "")
	}
	h.Cmd(fmt.Sprintf("AT+NSUDP=%d", emutest.FreePort(t, "udp")), "\r\n[ERROR: NO CID]\r\n")
	h.Cmd("AT+NCLOSEALL", ok)
	h.Cmd("AT+CID=?", "\r\n No valid Cids\r\n"+ok)
	h.Quiet()
}

// TestWifi: AT+WA, AT+WD, DISASSOCIATED, the Disassociation Event.
func TestWifi(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	c := h.connectClient(0)
	h.Cmd("AT+WD", ok)
	emutest.ExpectEOF(t, c)
	h.Cmd("AT+CID=?", "\r\n No valid Cids\r\n"+ok)
	h.Cmd("AT+NCTCP=127.0.0.1,80", "\r\nDISASSOCIATED\r\n")
	h.Cmd("AT+NSTCP=8080", "\r\nDISASSOCIATED\r\n")
	h.Cmd("AT+WA=nowhere", "\r\n[ERROR]\r\n")
	h.Cmd("AT+WA=atbench-open", "\r\n    IP              SubNet         Gateway   \r\n 127.0.0.1: 255.255.255.0: 127.0.0.1\r\n"+ok)
	h.Cmd("AT+WWPA=wrong-pass", ok)
	h.Cmd("AT+WA=atbench", "\r\n[ERROR]\r\n")
	h.Cmd("AT+WWPA=atbench-pass", ok)
	h.Cmd("AT+WA=atbench", "\r\n    IP              SubNet         Gateway   \r\n 127.0.0.1: 255.255.255.0: 127.0.0.1\r\n"+ok)
	h.Cmd("AT+NDHCP=0", ok)
	h.Cmd("AT+NSET=192.168.1.50,255.255.255.0,192.168.1.1", ok)
	h.Cmd("AT+WA=atbench", "\r\n    IP              SubNet         Gateway   \r\n 192.168.1.50: 255.255.255.0: 192.168.1.1\r\n"+ok)
	c = h.connectClient(0)
	h.fw.Disassociate()
	h.Expect("\r\nDisassociation Event\r\n")
	emutest.ExpectEOF(t, c)
	if l, ok := h.ClosedLink(0); !ok || l.Closed == nil || !strings.Contains(l.Closed.Reason, "Disassociation") {
		t.Fatalf("closed link %+v", l)
	}
	h.Cmd("AT+NCUDP=127.0.0.1,9", "\r\nDISASSOCIATED\r\n")
	h.Quiet()
}

// TestTCPServer: the server CONNECT, accepts, data both ways with ESC
// (doubled), CR and LF inside, the CID table, DISCONNECT on a peer close
// and a reset, max_conn, AT+NCLOSE.
func TestTCPServer(t *testing.T) {
	t.Cleanup(testkit.NoLeak(t)) // runs last: after the harness and the peers close
	h := newHarness(t, emulator.Config{})
	port := h.server("AT+NSTCP", 0, ",2")
	a := emutest.Dial(t, port)
	h.Expect(acceptLine(0, 1, emutest.LocalPort(a)))
	b := emutest.Dial(t, port)
	h.Expect(acceptLine(0, 2, emutest.LocalPort(b)))
	// a third client is over max_conn 2: closed at once, silently
	c := emutest.Dial(t, port)
	emutest.ExpectEOF(t, c)

	payload := []byte("line1\r\nOK\r\n\x1bS1\x1bE\x1b\x1b end")
	if _, err := a.Write(payload); err != nil {
		t.Fatal(err)
	}
	h.Expect(string(wz.EncodeData(1, payload)))
	h.Send(wz.EncodeData(2, payload))
	if got := emutest.ReadN(t, b, len(payload)); !bytes.Equal(got, payload) {
		t.Fatalf("peer got %q", got)
	}
	// bulk both ways
	h.Cmd("AT+BDATA=1", ok)
	if _, err := b.Write([]byte("bulk\x1bdata")); err != nil {
		t.Fatal(err)
	}
	h.Expect("\x1bZ20009bulk\x1bdata")
	h.Send(wz.EncodeBulk(1, []byte("to a\x1b")))
	if got := emutest.ReadN(t, a, 5); string(got) != "to a\x1b" {
		t.Fatalf("peer got %q", got)
	}
	h.Cmd("AT+BDATA=0", ok)

	h.SendLine("AT+CID=?")
	h.Expect(fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n"+
		"0\tTCP\tSERVER\t%4d\t\t   0\t\t  0.  0.  0.  0\r\n"+
		"1\tTCP\tSERVER\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n"+
		"2\tTCP\tSERVER\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n", port, port, emutest.LocalPort(a), port, emutest.LocalPort(b)) + ok)

	// the peer closes: DISCONNECT, and the CID is free
	a.Close()
	h.Expect("\r\nDISCONNECT 1\r\n")
	if l, ok := h.ClosedLink(1); !ok || l.Closed == nil || l.Closed.Reason != "peer closed (FIN)" || l.BytesIn != uint64(len(payload)) {
		t.Fatalf("closed link %+v", l)
	}
	// a reset
	_ = b.SetLinger(0)
	b.Close()
	h.Expect("\r\nDISCONNECT 2\r\n")
	if l, ok := h.ClosedLink(2); !ok || l.Closed == nil || l.Closed.Reason != "peer reset (RST)" {
		t.Fatalf("reset link %+v", l)
	}
	d := emutest.Dial(t, port)
	h.Expect(acceptLine(0, 1, emutest.LocalPort(d)))
	h.Cmd("AT+NCLOSE=1", ok)
	emutest.ExpectEOF(t, d)
	if l, ok := h.ClosedLink(1); !ok || l.Closed == nil || l.Closed.Reason != "local close (AT+NCLOSE)" {
		t.Fatalf("closed link %+v", l)
	}
	h.Cmd("AT+NCLOSE=0", ok)
	if _, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", port), emutest.WaitLimit); err == nil {
		t.Fatal("the port still accepts after AT+NCLOSE")
	}
	h.Quiet()
}

// TestTCPClient: CONNECT <cid>, data both ways, a large transfer, the
// links in the snapshot.
func TestTCPClient(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	c := h.connectClient(0)
	c2 := h.connectClient(1)
	data := testkit.Pattern(40000)
	h.Send(wz.EncodeData(1, data))
	if got := emutest.ReadN(t, c2, len(data)); !bytes.Equal(got, data) {
		t.Fatal("the peer got other bytes")
	}
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	h.Expect("\x1bS0hi\x1bE")
	l := h.WaitLink(1, "the bytes out of link 1", func(l protocol.LinkInfo) bool { return l.BytesOut == uint64(len(data)) })
	if l.Role != protocol.RoleClient || l.Proto != protocol.ProtoTCP || l.BytesOut != uint64(len(data)) || l.Remote != c2.LocalAddr().String() {
		t.Fatalf("link %+v", l)
	}
	h.SendLine("AT+CID=?")
	h.Expect(fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n"+
		"0\tTCP\tCLIENT\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n"+
		"1\tTCP\tCLIENT\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n",
		c.RemoteAddr().(*net.TCPAddr).Port, c.LocalAddr().(*net.TCPAddr).Port,
		c2.RemoteAddr().(*net.TCPAddr).Port, c2.LocalAddr().(*net.TCPAddr).Port) + ok)
	h.Cmd("AT+NCLOSEALL", ok)
	emutest.ExpectEOF(t, c)
	emutest.ExpectEOF(t, c2)
	h.Quiet()
}

// TestUDP: a UDP server (ESC u received with the peer, ESC U sent to a
// peer, ESC y in bulk mode) and a UDP client (ESC S both ways).
func TestUDP(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	port := h.server("AT+NSUDP", 0, "")
	peer, pport := emutest.ListenUDP(t)
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	if _, err := peer.WriteToUDP([]byte("ping\x1b\r\n"), dst); err != nil {
		t.Fatal(err)
	}
	h.Expect(fmt.Sprintf("\x1bu0127.0.0.1 %d\tping\x1b\x1b\r\n\x1bE", pport))
	h.Send(wz.EncodeUDPServerTx(0, "127.0.0.1", pport, []byte("pong\x1b")))
	if got, _ := emutest.ReadDatagram(t, peer); string(got) != "pong\x1b" {
		t.Fatalf("peer got %q", got)
	}
	h.Cmd("AT+BDATA=1", ok)
	if _, err := peer.WriteToUDP([]byte("bulk"), dst); err != nil {
		t.Fatal(err)
	}
	h.Expect(fmt.Sprintf("\x1by0127.0.0.1 %d\t0004bulk", pport))
	h.Cmd("AT+BDATA=0", ok)
	// ESC S to a UDP server has no peer
	h.Send(wz.EncodeData(0, []byte("x")))
	h.Expect("\r\n[ERROR: SOCKET FAILURE]\r\n")

	// a UDP client with a local port
	lport := emutest.FreePort(t, "udp")
	h.Cmd(fmt.Sprintf("AT+NCUDP=127.0.0.1,%d,%d", pport, lport), "\r\nCONNECT 1\r\n"+ok)
	h.Send(wz.EncodeData(1, []byte("from client")))
	got, from := emutest.ReadDatagram(t, peer)
	if string(got) != "from client" || from.Port != lport {
		t.Fatalf("peer got %q from %v", got, from)
	}
	if _, err := peer.WriteToUDP([]byte("back"), from); err != nil {
		t.Fatal(err)
	}
	h.Expect("\x1bS1back\x1bE")
	h.SendLine("AT+CID=?")
	h.Expect(fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n"+
		"0\tUDP\tSERVER\t%4d\t\t   0\t\t  0.  0.  0.  0\r\n"+
		"1\tUDP\tCLIENT\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n", port, lport, pport) + ok)
	h.Quiet()
}
