package realtek

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"atbench/internal/emutest"
	"atbench/protocol"
	"atbench/protocol/realtek"
)

func stateLine(id int, role, proto, src string, sport int, dst string, dport, fd int) string {
	return fmt.Sprintf("link_id:%d,%s,%s,src_address:%s,src_port:%d,dst_address:%s,dst_port:%d,socket_fd:%d\r\n", id, role, proto, src, sport, dst, dport, fd)
}

// TestSeedExampleTCP reproduces the seed's TCP server flow with a real peer:
// the accept event, auto-received data, AT+SKTSEND, AT+SKTSTATE and the
// AT+SKTDEL of a server that closes its seeds.
func TestSeedExampleTCP(t *testing.T) {
	h := newHarness(t, Config{})
	port := h.server(1, 1, "", 1)
	h.Cmd(fmt.Sprintf("AT+SKTSERVER=2,1,,%d,1", port), "\r\nERROR: 2\r\n") // port in use
	h.Cmd(fmt.Sprintf("AT+SKTSERVER=1,1,,%d,1", port), "\r\nERROR: 1\r\n") // id in use

	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(0, false, emutest.LocalPort(a), 1))
	payload := []byte("hi\r\nthere\x00\r\n\xff")
	if _, err := a.Write(payload); err != nil {
		t.Fatal(err)
	}
	h.Expect(fmt.Sprintf("[$][SKT][DATA][0][%d]:%s\r\n", len(payload), payload))

	h.Cmd("AT+SKTSEND=0,6,,,Hello!", "\r\nOK\r\n")
	if got := emutest.ReadN(t, a, 6); string(got) != "Hello!" {
		t.Fatalf("peer got %q", got)
	}
	h.Cmd("AT+SKTSEND=0,5,,,a\\,b\\\\c", "\r\nOK\r\n") // escaped comma and backslash
	if got := emutest.ReadN(t, a, 5); string(got) != "a,b\\c" {
		t.Fatalf("peer got %q", got)
	}
	h.Cmd("AT+SKTSEND=0,3,,,a,b", "\r\nERROR: 1\r\n") // a bare comma is a sixth field
	// What the host side builds for a payload is what the module sends.
	sendCmd, err := realtek.New().SendCommand(0, []byte(`x,\,y`))
	if err != nil {
		t.Fatal(err)
	}
	h.Cmd(sendCmd, "\r\nOK\r\n")
	if got := emutest.ReadN(t, a, 5); string(got) != `x,\,y` {
		t.Fatalf("peer got %q for %q", got, sendCmd)
	}
	h.Cmd("AT+SKTSEND=1,6,,,Hello!", "\r\nERROR: 1\r\n") // a TCP server: use the seed
	h.Cmd("AT+SKTSEND=0,7,,,Hello!", "\r\nERROR: 1\r\n") // size mismatch
	h.Cmd("AT+SKTSEND=0,6,,,", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSEND=5,6,,,Hello!", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSEND=0,6", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSEND=0,2000,,,"+strings.Repeat("x", 1980), "\r\nERROR: 1\r\n")

	b := emutest.Dial(t, port)
	h.Expect(acceptEvent(2, false, emutest.LocalPort(b), 1))
	h.Cmd("AT+SKTSTATE",
		stateLine(1, "server", "tcp", "127.0.0.1", port, "0.0.0.0", 0, 0)+
			stateLine(0, "seed", "tcp", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(a), 1)+
			stateLine(2, "seed", "tcp", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(b), 2)+
			"\r\nOK\r\n")

	seed := h.WaitLink(0, "seed counters", func(l protocol.LinkInfo) bool { return l.BytesIn == uint64(len(payload)) })
	if seed.Role != protocol.RoleSeed || seed.Parent != 1 || seed.BytesOut != 16 || seed.State != protocol.StateEstablished ||
		seed.Remote != a.LocalAddr().String() || !seed.AutoRecv {
		t.Fatalf("seed info %+v", seed)
	}

	h.Cmd("AT+SKTDEL=1", "\r\nOK\r\n")
	emutest.ExpectEOF(t, a)
	emutest.ExpectEOF(t, b)
	h.Cmd("AT+SKTSTATE", "\r\nOK\r\n")
	if l, ok := h.ClosedLink(0); !ok || l.Closed.Reason != "server deleted" {
		t.Fatalf("seed 0 history %+v", l)
	}
	if l, ok := h.ClosedLink(1); !ok || l.Closed.Reason != "deleted (AT+SKTDEL)" {
		t.Fatalf("server history %+v", l)
	}
	h.Cmd("AT+SKTDEL=1", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTDEL", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTDEL=", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTDEL=20", "\r\nERROR: 1\r\n")
	h.Quiet()
}

func TestSeedsTakeLowestFreeID(t *testing.T) {
	h := newHarness(t, Config{})
	port := h.server(0, 1, "", 1)
	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(a), 0))
	b := emutest.Dial(t, port)
	h.Expect(acceptEvent(2, false, emutest.LocalPort(b), 0))
	h.Cmd("AT+SKTDEL=1", "\r\nOK\r\n")
	emutest.ExpectEOF(t, a)
	c := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(c), 0))
	h.Cmd("AT+SKTSTATE",
		stateLine(0, "server", "tcp", "127.0.0.1", port, "0.0.0.0", 0, 0)+
			stateLine(2, "seed", "tcp", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(b), 2)+
			stateLine(1, "seed", "tcp", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(c), 1)+
			"\r\nOK\r\n")
}

func TestNoFreeIDClosesClient(t *testing.T) {
	h := newHarness(t, Config{MaxLinks: 2})
	port := h.server(0, 1, "", 1)
	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(a), 0))
	b := emutest.Dial(t, port)
	emutest.ExpectEOF(t, b)
	h.Cmd("AT+SKTSERVER=2,1,,1234,1", "\r\nERROR: 1\r\n")
	h.Quiet()
}

// TestPeerCloseIsSilent: the firmware prints nothing when a peer closes; the
// link keeps its id with socket_fd:-1 until AT+SKTDEL.
func TestPeerCloseIsSilent(t *testing.T) {
	h := newHarness(t, Config{})
	port := h.server(0, 1, "", 1)
	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(a), 0))
	b := emutest.Dial(t, port)
	h.Expect(acceptEvent(2, false, emutest.LocalPort(b), 0))
	a.Close()
	l := h.WaitLink(1, "FIN noticed", func(l protocol.LinkInfo) bool { return l.Closed != nil })
	if l.State != protocol.StateClosed || l.Closed.Reason != "peer closed (FIN)" {
		t.Fatalf("link 1 %+v", l)
	}
	_ = b.SetLinger(0)
	b.Close()
	l = h.WaitLink(2, "RST noticed", func(l protocol.LinkInfo) bool { return l.Closed != nil })
	if l.Closed.Reason != "peer reset (RST)" {
		t.Fatalf("link 2 reason %q", l.Closed.Reason)
	}
	h.Quiet()
	h.Cmd("AT+SKTSTATE",
		stateLine(0, "server", "tcp", "127.0.0.1", port, "0.0.0.0", 0, 0)+
			stateLine(1, "seed", "tcp", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(a), -1)+
			stateLine(2, "seed", "tcp", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(b), -1)+
			"\r\nOK\r\n")
	h.Cmd("AT+SKTSEND=1,2,,,hi", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTDEL=1", "\r\nOK\r\n")
	if l, ok := h.ClosedLink(1); !ok || l.Closed.Reason != "peer closed (FIN)" {
		t.Fatalf("history keeps the first reason: %+v", l)
	}
	c := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(c), 0))
}

func TestSktReadTCP(t *testing.T) {
	h := newHarness(t, Config{})
	port := h.server(0, 1, "", 0)
	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(a), 0))
	h.Cmd("AT+SKTREAD=1,10", "+SKTREAD:1,0,\r\nOK\r\n")
	if _, err := a.Write([]byte("Hello!\r\n\x00")); err != nil {
		t.Fatal(err)
	}
	h.WaitLink(1, "buffered data", func(l protocol.LinkInfo) bool { return l.Buffered == 9 })
	h.Quiet() // auto_rcv=0: nothing is pushed
	h.Cmd("AT+SKTREAD=1,6", "+SKTREAD:1,6,Hello!\r\nOK\r\n")
	h.Cmd("AT+SKTREAD=1,10", "+SKTREAD:1,3,\r\n\x00\r\nOK\r\n")
	h.Cmd("AT+SKTREAD=0,10", "\r\nERROR: 1\r\n") // a TCP server
	h.Cmd("AT+SKTREAD=1,0", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTREAD=1", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTREAD=7,10", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTREAD=1,300000", "\r\nERROR: 2\r\n")

	if _, err := a.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	a.Close()
	h.WaitLink(1, "CLOSE_WAIT", func(l protocol.LinkInfo) bool { return l.State == protocol.StateCloseWait })
	h.Cmd("AT+SKTREAD=1,10", "+SKTREAD:1,3,bye\r\nOK\r\n")
	h.Cmd("AT+SKTREAD=1,10", "\r\nERROR: 4\r\n")
	l, _ := h.TableLink(1)
	if l.Closed == nil || l.Closed.Reason != "peer closed (FIN)" {
		t.Fatalf("after ERROR: 4: %+v", l)
	}
	h.Cmd("AT+SKTREAD=1,10", "\r\nERROR: 1\r\n")
}

// TestRecvBufferBackpressure: an auto_rcv=0 link never buffers more than
// RecvBuffer and loses nothing.
func TestRecvBufferBackpressure(t *testing.T) {
	const size = 64
	h := newHarness(t, Config{RecvBuffer: size})
	port := h.server(0, 1, "", 0)
	a := emutest.Dial(t, port)
	h.Expect(acceptEvent(1, false, emutest.LocalPort(a), 0))
	want := make([]byte, 4096)
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() { _, _ = a.Write(want) }()
	var got []byte
	for len(got) < len(want) {
		h.SendLine("AT+SKTREAD=1,1000")
		head := h.Until(",")
		head += h.Until(",")
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(head, "+SKTREAD:1,"), ","))
		if err != nil || n > size {
			t.Fatalf("SKTREAD head %q", head)
		}
		got = append(got, h.Take(n)...)
		h.Expect("\r\nOK\r\n")
		if l, _ := h.TableLink(1); l.Buffered > size {
			t.Fatalf("buffered %d > %d", l.Buffered, size)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatal("data differs")
	}
}

func TestUDPServer(t *testing.T) {
	h := newHarness(t, Config{})
	port := h.server(2, 0, "", 0)
	h.Cmd(fmt.Sprintf("AT+SKTSERVER=4,0,,%d,0", port), "\r\nERROR: 4\r\n") // port in use
	peer, pport := emutest.ListenUDP(t)
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	if _, err := peer.WriteToUDP([]byte("12345"), to); err != nil {
		t.Fatal(err)
	}
	h.WaitLink(2, "datagram", func(l protocol.LinkInfo) bool { return l.Buffered == 5 })
	h.Cmd("AT+SKTREAD=2,10", fmt.Sprintf("+SKTREAD:2,5,127.0.0.1,%d,12345\r\nOK\r\n", pport))
	h.Cmd("AT+SKTREAD=2,10", "+SKTREAD:2,0,0.0.0.0,0,\r\nOK\r\n")
	h.Cmd(fmt.Sprintf("AT+SKTSEND=2,10,127.0.0.1,%d,Lwip_Test!", pport), "\r\nOK\r\n")
	if got, from := emutest.ReadDatagram(t, peer); string(got) != "Lwip_Test!" || from.Port != port {
		t.Fatalf("peer got %q from %v", got, from)
	}
	h.Cmd("AT+SKTSEND=2,10,,,Lwip_Test!", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSEND=2,10,127.0.0.1,0,Lwip_Test!", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSEND=2,10,no.such,5,Lwip_Test!", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSTATE", stateLine(2, "server", "udp", "127.0.0.1", port, "0.0.0.0", 0, 0)+"\r\nOK\r\n")

	// auto_rcv=1: datagrams are pushed with their source
	port3 := h.server(3, 0, "", 1)
	if _, err := peer.WriteToUDP([]byte("a\r\nb"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port3}); err != nil {
		t.Fatal(err)
	}
	h.Expect(fmt.Sprintf("[$][SKT][DATA][3][4][127.0.0.1][%d]:a\r\nb\r\n", pport))
}

func TestUDPClient(t *testing.T) {
	h := newHarness(t, Config{})
	peer, pport := emutest.ListenUDP(t)
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=0,0,,127.0.0.1,%d,,1", pport), "\r\nERROR: 1\r\n") // src_port required
	sport := emutest.FreePort(t, "udp")
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=0,0,,127.0.0.1,%d,%d,1", pport, sport), "\r\nOK\r\n")
	h.Cmd("AT+SKTSEND=0,5,,,hello", "\r\nOK\r\n")
	got, from := emutest.ReadDatagram(t, peer)
	if string(got) != "hello" || from.Port != sport {
		t.Fatalf("peer got %q from %v", got, from)
	}
	if _, err := peer.WriteToUDP([]byte("12345"), from); err != nil {
		t.Fatal(err)
	}
	h.Expect(fmt.Sprintf("[$][SKT][DATA][0][5][127.0.0.1][%d]:12345\r\n", pport))
	h.Cmd("AT+SKTSTATE", stateLine(0, "client", "udp", "0.0.0.0", sport, "127.0.0.1", pport, 0)+"\r\nOK\r\n")
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=1,0,,127.0.0.1,%d,%d,1", pport, sport), "\r\nERROR: 4\r\n") // src port in use
}

func TestTCPClient(t *testing.T) {
	h := newHarness(t, Config{})
	ln, port := emutest.Listen(t)
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=1,1,,127.0.0.1,%d,,1", port), "\r\nOK\r\n")
	srv := emutest.Accept(t, ln)
	cport := srv.RemoteAddr().(*net.TCPAddr).Port
	h.Cmd("AT+SKTSTATE", stateLine(1, "client", "tcp", "127.0.0.1", cport, "127.0.0.1", port, 0)+"\r\nOK\r\n")
	if _, err := srv.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	h.Expect("[$][SKT][DATA][1][5]:ping\n\r\n")
	h.Cmd("AT+SKTSEND=1,4,,,pong", "\r\nOK\r\n")
	if got := emutest.ReadN(t, srv, 4); string(got) != "pong" {
		t.Fatalf("got %q", got)
	}
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=1,1,,127.0.0.1,%d,,1", port), "\r\nERROR: 1\r\n") // id in use
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=2,1,,127.0.0.1,%d,,1", emutest.FreePort(t, "tcp")), "\r\nERROR: 2\r\n")
	h.Cmd("AT+SKTCLIENT=2,1,,no.such.host.invalid,80,,1", "\r\nERROR: 1\r\n")
	for _, bad := range []string{
		"AT+SKTCLIENT=2,1,,127.0.0.1,0,,1", "AT+SKTCLIENT=2,1,,127.0.0.1,80,,2", "AT+SKTCLIENT=2,6,,127.0.0.1,80,,1",
		"AT+SKTCLIENT=2,1,,127.0.0.1,80,70000,1", "AT+SKTCLIENT=2,1,127.0.0.1,80,1", "AT+SKTCLIENT=20,1,,127.0.0.1,80,,1",
		"AT+SKTCLIENT=2,1,,,80,,1", "AT+SKTCLIENT",
	} {
		h.Cmd(bad, "\r\nERROR: 1\r\n")
	}
	// the peer closes: the client link loses its socket, silently
	srv.Close()
	l := h.WaitLink(1, "FIN", func(l protocol.LinkInfo) bool { return l.Closed != nil })
	if l.Closed.Reason != "peer closed (FIN)" || l.Role != protocol.RoleClient {
		t.Fatalf("%+v", l)
	}
	h.Cmd("AT+SKTSTATE", stateLine(1, "client", "tcp", "127.0.0.1", cport, "127.0.0.1", port, -1)+"\r\nOK\r\n")
	h.Quiet()
}

func TestSendRaw(t *testing.T) {
	h := newHarness(t, Config{})
	ln, lport := emutest.Listen(t)
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=0,1,,127.0.0.1,%d,,0", lport), "\r\nOK\r\n")
	srv := emutest.Accept(t, ln)
	h.Cmd("AT+SKTSENDRAW=0,6", ">>>\r\n")
	raw := []byte("\r\n\x00\xffA\n")
	h.Send(raw)
	h.Expect("\r\nOK\r\n")
	if got := emutest.ReadN(t, srv, len(raw)); !bytes.Equal(got, raw) {
		t.Fatalf("peer got %q", got)
	}
	h.Cmd("AT+TEST", "\r\nOK\r\n")
	big := bytes.Repeat([]byte("0123456789abcdef,\\"), 2000)
	h.Cmd(fmt.Sprintf("AT+SKTSENDRAW=0,%d", len(big)), ">>>\r\n")
	h.Send(big)
	h.Expect("\r\nOK\r\n")
	if got := emutest.ReadN(t, srv, len(big)); !bytes.Equal(got, big) {
		t.Fatal("big transfer differs")
	}
	h.Cmd("AT+SKTSENDRAW=0,0", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSENDRAW=0", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSENDRAW=9,5", "\r\nERROR: 1\r\n")
	h.Cmd("AT+SKTSENDRAW=0,5,x\\y", "\r\nERROR: 1\r\n") // bad escape
	// UDP server: the destination is required and each send is one datagram
	port := h.server(3, 0, "", 1)
	peer, pport := emutest.ListenUDP(t)
	h.Cmd("AT+SKTSENDRAW=3,10", "\r\nERROR: 1\r\n")
	h.Cmd(fmt.Sprintf("AT+SKTSENDRAW=3,10,127.0.0.1,%d", pport), ">>>\r\n")
	h.Send([]byte("Lwip_Test!"))
	h.Expect("\r\nOK\r\n")
	if got, from := emutest.ReadDatagram(t, peer); string(got) != "Lwip_Test!" || from.Port != port {
		t.Fatalf("peer got %q from %v", got, from)
	}
}

func TestServerParamErrors(t *testing.T) {
	h := newHarness(t, Config{})
	for _, bad := range []string{
		"AT+SKTSERVER", "AT+SKTSERVER=1,1,1234,1", "AT+SKTSERVER=1,1,,1234", "AT+SKTSERVER=,1,,1234,1",
		"AT+SKTSERVER=1,4,,1234,1", "AT+SKTSERVER=1,1,,0,1", "AT+SKTSERVER=1,1,,65536,1", "AT+SKTSERVER=1,1,,1234,2",
		"AT+SKTSERVER=20,1,,1234,1", "AT+SKTSERVER=-1,1,,1234,1", "AT+SKTSERVER=1,2,,1234,1", "AT+SKTSERVER=1,2,0,1234,1",
		"AT+SKTSERVER=1,3,11,1234,1",
	} {
		h.Cmd(bad, "\r\nERROR: 1\r\n")
	}
	h.Cmd("AT+SKTSERVER=1,2,2,1234,1", "\r\nERROR: 6\r\n") // empty certificate slot
}

// TestSendTimeout: with so_sndtimeo a send the peer does not take in time
// fails with ERROR: 2, after the module has taken all the raw bytes.
func TestSendTimeout(t *testing.T) {
	h := newHarness(t, Config{})
	ln, port := emutest.Listen(t)
	h.Cmd("AT+SKTCFG=1", "\r\nOK\r\n")
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=0,1,,127.0.0.1,%d,,0", port), "\r\nOK\r\n")
	emutest.Accept(t, ln) // open, never read
	const total = 32 << 20
	h.Cmd(fmt.Sprintf("AT+SKTSENDRAW=0,%d", total), ">>>\r\n")
	h.Send(make([]byte, total))
	h.Expect("\r\nERROR: 2\r\n")
	h.Cmd("AT+TEST", "\r\nOK\r\n")
}
