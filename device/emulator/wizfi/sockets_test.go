package wizfi

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"atbench/device/emulator"
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
	h.cmd("AT", ok)
	h.cmd("at", ok)
	h.cmd("ATE1", ok)
	h.cmd("AT", "AT\r"+ok) // echoed as typed
	h.cmd("ATE0", "ATE0\r"+ok)
	h.cmd("AT", ok)
	h.cmd("AT+VER=?", string(wz.FormatVersion(verApp, verGEPS, verWLAN))+ok)
	h.send("AT+NSTAT=?")
	h.expect("\r\nMAC=" + moduleMAC + "\r\nWSTATE=CONNECTED     MODE=INFRA\r\n" +
		"BSSID=00:08:dc:00:00:01    SSID=\"atbench\"   CHANNEL=6    SECURITY=WPA2-PERSONAL\r\nRSSI=-45\r\n" +
		"IP addr=127.0.0.1   SubNet=255.255.255.0   Gateway=127.0.0.1\r\nDNS1=127.0.0.1       DNS2=0.0.0.0\r\n" +
		"Rx Count=0     Tx Count=0\r\n" + ok)
	h.cmd("AT+CID=?", "\r\n No valid Cids\r\n"+ok)
	h.cmd("AT+NDHCP=1", ok)
	h.cmd("AT+NDHCP=2", inv)
	h.cmd("AT+BDATA=1", ok)
	h.cmd("AT+BDATA=0", ok)
	h.quiet()
}

// TestEchoAndFewerCIDs: with echo on, command text is echoed and data
// frames are not; Config.MaxLinks below 16 bounds the CIDs.
func TestEchoAndFewerCIDs(t *testing.T) {
	h := newHarness(t, emulator.Config{Echo: true, MaxLinks: 2})
	h.cmd("AT", "AT\r"+ok)
	ln, port := listener(t)
	h.cmd(fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), fmt.Sprintf("AT+NCTCP=127.0.0.1,%d\r\r\nCONNECT 0\r\n", port)+ok)
	c := accept(t, ln)
	h.writeRaw(wz.EncodeData(0, []byte("AT\r")))
	if got := readN(t, c, 3); string(got) != "AT\r" {
		t.Fatalf("peer got %q", got)
	}
	up := freePort(t, "udp")
	h.cmd(fmt.Sprintf("AT+NSUDP=%d", up), fmt.Sprintf("AT+NSUDP=%d\r\r\nCONNECT 1\r\n", up)+ok)
	h.send("AT+NSUDP=9")
	h.expect("AT+NSUDP=9\r\r\n[ERROR: NO CID]\r\n")
	h.cmd("ATE0", "ATE0\r"+ok)
	h.cmd("AT", ok)
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
		h.cmd(line, inv)
	}
	h.writeRaw([]byte("\x00\x01\xff garbage \x07\r"))
	h.expect(inv)
	h.writeRaw(bytes.Repeat([]byte("A"), 3*wz.MaxLine))
	h.writeRaw([]byte("\r"))
	h.expect(inv)
	h.cmd("AT", ok)
	h.cmd("\r\n\r\nAT", ok) // empty lines are ignored

	// CID errors
	h.cmd("AT+NCLOSE=3", "\r\n[ERROR: INVALID CID]\r\n")
	h.cmd("AT+SETSOCKOPT=3,65535,8,1,4", "\r\n[ERROR: INVALID CID]\r\n")
	h.writeRaw(wz.EncodeData(5, []byte("x")))
	h.expect("\r\n[ERROR: INVALID CID]\r\n")
	// a connect that fails
	port := freePort(t, "tcp")
	h.cmd(fmt.Sprintf("AT+NCTCP=127.0.0.1,%d", port), "\r\n[ERROR]\r\n")
	// a port in use
	ln, lport := listener(t)
	_ = ln
	h.cmd(fmt.Sprintf("AT+NSTCP=%d", lport), "\r\n[ERROR: SOCKET FAILURE]\r\n")
	// below count × 75 s
	h.connectClient(0)
	h.cmd("AT+SETSOCKOPT=0,6,4001,599,4", inv)
	h.cmd("AT+SETSOCKOPT=0,6,4005,2,4", ok)
	h.cmd("AT+SETSOCKOPT=0,6,4001,149,4", inv)
	h.cmd("AT+SETSOCKOPT=0,6,4001,150,4", ok)
	h.cmd("AT+SETSOCKOPT=0,6,10,30,4", ok)
	h.cmd("AT+SETSOCKOPT=0,65535,0x8,1,4", ok)
	// no free CID: 16 at most
	for cid := 1; cid < 16; cid++ {
		h.server("AT+NSUDP", cid, "")
	}
	h.cmd(fmt.Sprintf("AT+NSUDP=%d", freePort(t, "udp")), "\r\n[ERROR: NO CID]\r\n")
	h.cmd("AT+NCLOSEALL", ok)
	h.cmd("AT+CID=?", "\r\n No valid Cids\r\n"+ok)
	h.quiet()
}

// TestWifi: AT+WA, AT+WD, DISASSOCIATED, the Disassociation Event.
func TestWifi(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	c := h.connectClient(0)
	h.cmd("AT+WD", ok)
	expectEOF(t, c)
	h.cmd("AT+CID=?", "\r\n No valid Cids\r\n"+ok)
	h.cmd("AT+NCTCP=127.0.0.1,80", "\r\nDISASSOCIATED\r\n")
	h.cmd("AT+NSTCP=8080", "\r\nDISASSOCIATED\r\n")
	h.cmd("AT+WA=nowhere", "\r\n[ERROR]\r\n")
	h.cmd("AT+WA=atbench-open", "\r\n    IP              SubNet         Gateway   \r\n 127.0.0.1: 255.255.255.0: 127.0.0.1\r\n"+ok)
	h.cmd("AT+WWPA=wrong-pass", ok)
	h.cmd("AT+WA=atbench", "\r\n[ERROR]\r\n")
	h.cmd("AT+WWPA=atbench-pass", ok)
	h.cmd("AT+WA=atbench", "\r\n    IP              SubNet         Gateway   \r\n 127.0.0.1: 255.255.255.0: 127.0.0.1\r\n"+ok)
	h.cmd("AT+NDHCP=0", ok)
	h.cmd("AT+NSET=192.168.1.50,255.255.255.0,192.168.1.1", ok)
	h.cmd("AT+WA=atbench", "\r\n    IP              SubNet         Gateway   \r\n 192.168.1.50: 255.255.255.0: 192.168.1.1\r\n"+ok)
	c = h.connectClient(0)
	h.fw.Disassociate()
	h.expect("\r\nDisassociation Event\r\n")
	expectEOF(t, c)
	if l, ok := h.closedLink(0); !ok || l.Closed == nil || !strings.Contains(l.Closed.Reason, "Disassociation") {
		t.Fatalf("closed link %+v", l)
	}
	h.cmd("AT+NCUDP=127.0.0.1,9", "\r\nDISASSOCIATED\r\n")
	h.quiet()
}

// TestTCPServer: the server CONNECT, accepts, data both ways with ESC
// (doubled), CR and LF inside, the CID table, DISCONNECT on a peer close
// and a reset, max_conn, AT+NCLOSE.
func TestTCPServer(t *testing.T) {
	t.Cleanup(testkit.NoLeak(t)) // runs last: after the harness and the peers close
	h := newHarness(t, emulator.Config{})
	port := h.server("AT+NSTCP", 0, ",2")
	a := dial(t, port)
	h.expect(acceptLine(0, 1, localPort(a)))
	b := dial(t, port)
	h.expect(acceptLine(0, 2, localPort(b)))
	// a third client is over max_conn 2: closed at once, silently
	c := dial(t, port)
	expectEOF(t, c)

	payload := []byte("line1\r\nOK\r\n\x1bS1\x1bE\x1b\x1b end")
	if _, err := a.Write(payload); err != nil {
		t.Fatal(err)
	}
	h.expect(string(wz.EncodeData(1, payload)))
	h.writeRaw(wz.EncodeData(2, payload))
	if got := readN(t, b, len(payload)); !bytes.Equal(got, payload) {
		t.Fatalf("peer got %q", got)
	}
	// bulk both ways
	h.cmd("AT+BDATA=1", ok)
	if _, err := b.Write([]byte("bulk\x1bdata")); err != nil {
		t.Fatal(err)
	}
	h.expect("\x1bZ20009bulk\x1bdata")
	h.writeRaw(wz.EncodeBulk(1, []byte("to a\x1b")))
	if got := readN(t, a, 5); string(got) != "to a\x1b" {
		t.Fatalf("peer got %q", got)
	}
	h.cmd("AT+BDATA=0", ok)

	h.send("AT+CID=?")
	h.expect(fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n"+
		"0\tTCP\tSERVER\t%4d\t\t   0\t\t  0.  0.  0.  0\r\n"+
		"1\tTCP\tSERVER\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n"+
		"2\tTCP\tSERVER\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n", port, port, localPort(a), port, localPort(b)) + ok)

	// the peer closes: DISCONNECT, and the CID is free
	a.Close()
	h.expect("\r\nDISCONNECT 1\r\n")
	if l, ok := h.closedLink(1); !ok || l.Closed == nil || l.Closed.Reason != "peer closed (FIN)" || l.BytesIn != uint64(len(payload)) {
		t.Fatalf("closed link %+v", l)
	}
	// a reset
	_ = b.(*net.TCPConn).SetLinger(0)
	b.Close()
	h.expect("\r\nDISCONNECT 2\r\n")
	if l, ok := h.closedLink(2); !ok || l.Closed == nil || l.Closed.Reason != "peer reset (RST)" {
		t.Fatalf("reset link %+v", l)
	}
	d := dial(t, port)
	h.expect(acceptLine(0, 1, localPort(d)))
	h.cmd("AT+NCLOSE=1", ok)
	expectEOF(t, d)
	if l, ok := h.closedLink(1); !ok || l.Closed == nil || l.Closed.Reason != "local close (AT+NCLOSE)" {
		t.Fatalf("closed link %+v", l)
	}
	h.cmd("AT+NCLOSE=0", ok)
	if _, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", port), waitLimit); err == nil {
		t.Fatal("the port still accepts after AT+NCLOSE")
	}
	h.quiet()
}

// TestTCPClient: CONNECT <cid>, data both ways, a large transfer, the
// links in the snapshot.
func TestTCPClient(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	c := h.connectClient(0)
	c2 := h.connectClient(1)
	data := testkit.Pattern(40000)
	h.writeRaw(wz.EncodeData(1, data))
	if got := readN(t, c2, len(data)); !bytes.Equal(got, data) {
		t.Fatal("the peer got other bytes")
	}
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	h.expect("\x1bS0hi\x1bE")
	l := h.waitTableLink(1, func(l protocol.LinkInfo) bool { return l.BytesOut == uint64(len(data)) })
	if l.Role != protocol.RoleClient || l.Proto != protocol.ProtoTCP || l.BytesOut != uint64(len(data)) || l.Remote != c2.LocalAddr().String() {
		t.Fatalf("link %+v", l)
	}
	h.send("AT+CID=?")
	h.expect(fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n"+
		"0\tTCP\tCLIENT\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n"+
		"1\tTCP\tCLIENT\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n",
		c.RemoteAddr().(*net.TCPAddr).Port, c.LocalAddr().(*net.TCPAddr).Port,
		c2.RemoteAddr().(*net.TCPAddr).Port, c2.LocalAddr().(*net.TCPAddr).Port) + ok)
	h.cmd("AT+NCLOSEALL", ok)
	expectEOF(t, c)
	expectEOF(t, c2)
	h.quiet()
}

// TestUDP: a UDP server (ESC u received with the peer, ESC U sent to a
// peer, ESC y in bulk mode) and a UDP client (ESC S both ways).
func TestUDP(t *testing.T) {
	h := newHarness(t, emulator.Config{})
	port := h.server("AT+NSUDP", 0, "")
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pport := peer.LocalAddr().(*net.UDPAddr).Port
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	if _, err := peer.WriteToUDP([]byte("ping\x1b\r\n"), dst); err != nil {
		t.Fatal(err)
	}
	h.expect(fmt.Sprintf("\x1bu0127.0.0.1 %d\tping\x1b\x1b\r\n\x1bE", pport))
	h.writeRaw(wz.EncodeUDPServerTx(0, "127.0.0.1", pport, []byte("pong\x1b")))
	buf := make([]byte, 64)
	_ = peer.SetReadDeadline(time.Now().Add(waitLimit))
	n, _, err := peer.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "pong\x1b" {
		t.Fatalf("peer got %q, %v", buf[:n], err)
	}
	h.cmd("AT+BDATA=1", ok)
	if _, err := peer.WriteToUDP([]byte("bulk"), dst); err != nil {
		t.Fatal(err)
	}
	h.expect(fmt.Sprintf("\x1by0127.0.0.1 %d\t0004bulk", pport))
	h.cmd("AT+BDATA=0", ok)
	// ESC S to a UDP server has no peer
	h.writeRaw(wz.EncodeData(0, []byte("x")))
	h.expect("\r\n[ERROR: SOCKET FAILURE]\r\n")

	// a UDP client with a local port
	lport := freePort(t, "udp")
	h.cmd(fmt.Sprintf("AT+NCUDP=127.0.0.1,%d,%d", pport, lport), "\r\nCONNECT 1\r\n"+ok)
	h.writeRaw(wz.EncodeData(1, []byte("from client")))
	n, from, err := peer.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "from client" || from.Port != lport {
		t.Fatalf("peer got %q from %v, %v", buf[:n], from, err)
	}
	if _, err := peer.WriteToUDP([]byte("back"), from); err != nil {
		t.Fatal(err)
	}
	h.expect("\x1bS1back\x1bE")
	h.send("AT+CID=?")
	h.expect(fmt.Sprintf("\r\nCID\tTYPE\tMODE\tLOCAL PORT\tREMOTE PORT\tREMOTE IP\r\n"+
		"0\tUDP\tSERVER\t%4d\t\t   0\t\t  0.  0.  0.  0\r\n"+
		"1\tUDP\tCLIENT\t%4d\t\t%4d\t\t127.  0.  0.  1\r\n", port, lport, pport) + ok)
	h.quiet()
}

// expectEOF waits for the peer to see the connection closed.
func expectEOF(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("no EOF: %v", err)
			}
			return
		}
	}
}
