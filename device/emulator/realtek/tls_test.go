package realtek

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"atbench/device/emulator"
	"atbench/internal/emutest"
	"atbench/protocol"
)

// foreignSuite is a certificate chain the module's slots do not trust.
func foreignSuite(t *testing.T) tls.Certificate {
	t.Helper()
	s, err := emulator.NewCertSlot(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s.Server
}

func tlsDial(t *testing.T, port int, cfg *tls.Config) *tls.Conn {
	t.Helper()
	c, err := tls.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port), cfg)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTLSServer(t *testing.T) {
	h := newHarness(t, Config{})
	pool, _, client, ok := h.m.CertSlot(1)
	if !ok {
		t.Fatal("slot 1 empty")
	}
	if _, _, _, ok := h.m.CertSlot(2); ok {
		t.Fatal("slot 2 filled")
	}

	// conn_type 2: the module shows its certificate, verified here by name
	port := h.server(0, 2, "1", 1)
	a := tlsDial(t, port, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	h.Expect(acceptEvent(1, true, emutest.LocalPort(a), 0))
	if _, err := a.Write([]byte("secret\r\n")); err != nil {
		t.Fatal(err)
	}
	h.Expect("[$][SKT][DATA][1][8]:secret\r\n\r\n")
	h.Cmd("AT+SKTSEND=1,5,,,12345", "\r\nOK\r\n")
	if got := emutest.ReadN(t, a, 5); string(got) != "12345" {
		t.Fatalf("peer got %q", got)
	}
	h.Cmd("AT+SKTSTATE",
		stateLine(0, "server", "ssl", "127.0.0.1", port, "0.0.0.0", 0, 0)+
			stateLine(1, "seed", "ssl", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(a), 1)+"\r\nOK\r\n")
	if l, _ := h.TableLink(1); l.Proto != protocol.ProtoTLS {
		t.Fatalf("seed proto %q", l.Proto)
	}
	h.Cmd(fmt.Sprintf("AT+SKTSERVER=5,2,1,%d,1", port), "\r\nERROR: 11\r\n") // port in use
	h.Cmd("AT+SKTDEL=0", "\r\nOK\r\n")
	emutest.ExpectEOF(t, a)

	// conn_type 3: the client must present a certificate from the slot's CA
	port = h.server(0, 3, "1", 1)
	bad := tlsDial(t, port, &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{foreignSuite(t)}})
	_ = bad.SetReadDeadline(time.Now().Add(emutest.WaitLimit))
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Fatal("an untrusted client certificate was accepted")
	}
	none, err := tls.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err == nil {
		_ = none.SetReadDeadline(time.Now().Add(emutest.WaitLimit))
		if _, err := none.Read(make([]byte, 1)); err == nil {
			t.Fatal("a client without a certificate was accepted")
		}
		none.Close()
	}
	// The module sends its alert before it frees the refused seed's id:
	// wait until the refused seeds have left the table, so the good client
	// finds id 1 free.
	h.WaitFor("the refused seeds to leave the table", func() bool {
		table, _ := h.m.Links()
		return len(table) == 1
	})
	good := tlsDial(t, port, &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{client}})
	// the refused clients left no event and no seed: the good one gets id 1
	h.Expect(acceptEvent(1, true, emutest.LocalPort(good), 0))
	if _, err := good.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	h.Expect("[$][SKT][DATA][1][2]:ok\r\n")
	_, hist := h.m.Links()
	refused := 0
	for _, l := range hist {
		if len(l.Closed.Reason) > 20 && l.Closed.Reason[:20] == "TLS handshake failed" {
			refused++
		}
	}
	if refused < 1 {
		t.Fatalf("no refused handshake in history: %+v", hist)
	}
}

// goTLSServer runs a TLS echo-less server that writes hello to each client.
func goTLSServer(t *testing.T, cfg *tls.Config) (port int, accepted <-chan *tls.Conn) {
	t.Helper()
	ln, err := tls.Listen("tcp4", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *tls.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(ch)
				return
			}
			tc := c.(*tls.Conn)
			if err := tc.Handshake(); err != nil {
				tc.Close()
				continue
			}
			ch <- tc
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range ch {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port, ch
}

func TestTLSClient(t *testing.T) {
	h := newHarness(t, Config{})
	pool, server, client, _ := h.m.CertSlot(1)

	// conn_type 3 against a server whose chain the slot's CA verifies
	port, acc := goTLSServer(t, &tls.Config{Certificates: []tls.Certificate{server}})
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=2,3,1,127.0.0.1,%d,,1", port), "\r\nOK\r\n")
	srv := <-acc
	if _, err := srv.Write([]byte("ABC")); err != nil {
		t.Fatal(err)
	}
	h.Expect("[$][SKT][DATA][2][3]:ABC\r\n")
	h.Cmd("AT+SKTSTATE", stateLine(2, "client", "ssl", "0.0.0.0", 0, "127.0.0.1", port, 0)+"\r\nOK\r\n")

	// conn_type 3 refuses a server it cannot verify; conn_type 2 does not care
	fport, facc := goTLSServer(t, &tls.Config{Certificates: []tls.Certificate{foreignSuite(t)}})
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=3,3,1,127.0.0.1,%d,,1", fport), "\r\nERROR: 14\r\n")
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=3,2,,127.0.0.1,%d,,0", fport), "\r\nOK\r\n")
	fsrv := <-facc
	if _, err := fsrv.Write([]byte("xyz")); err != nil {
		t.Fatal(err)
	}
	h.WaitLink(3, "tls data", func(l protocol.LinkInfo) bool { return l.Buffered == 3 })
	h.Cmd("AT+SKTREAD=3,10", "+SKTREAD:3,3,xyz\r\nOK\r\n")

	// conn_type 5: mutual authentication against a server that requires it
	mport, macc := goTLSServer(t, &tls.Config{Certificates: []tls.Certificate{server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=4,5,1,127.0.0.1,%d,,1", mport), "\r\nOK\r\n")
	msrv := <-macc
	if peer := msrv.ConnectionState().PeerCertificates; len(peer) == 0 || !peer[0].Equal(client.Leaf) {
		t.Fatal("the module did not present its client certificate")
	}

	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=5,3,,127.0.0.1,%d,,1", port), "\r\nERROR: 1\r\n")  // cert_index missing
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=5,3,5,127.0.0.1,%d,,1", port), "\r\nERROR: 6\r\n") // empty slot
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=5,2,,127.0.0.1,%d,,1", emutest.FreePort(t, "tcp")), "\r\nERROR: 13\r\n")
}

// TestSilentTLSPeers: a peer that connects and never speaks TLS must not
// hold the module (AT+SKTCLIENT blocks only until the connect timeout) nor
// a TLS server's later accepts.
func TestSilentTLSPeers(t *testing.T) {
	h := newHarness(t, Config{ConnectTimeout: 300 * time.Millisecond})
	silent, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, then say nothing
		}
	}()
	sport := silent.Addr().(*net.TCPAddr).Port
	h.Cmd(fmt.Sprintf("AT+SKTCLIENT=1,2,,127.0.0.1,%d,,1", sport), "\r\nERROR: 14\r\n")
	h.Cmd("AT+TEST", "\r\nOK\r\n")

	// The server's part runs with the default 20 s handshake bound, so the
	// mute client still stalls when the good one arrives, however slow the
	// machine.
	h = newHarness(t, Config{})
	pool, _, _, _ := h.m.CertSlot(1)
	port := h.server(0, 2, "1", 1)
	mute := emutest.Dial(t, port) // connects, sends no ClientHello
	defer mute.Close()
	good := tlsDial(t, port, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	// The good client is accepted while the mute one still stalls its
	// handshake; it takes the lowest id left free by the stalled one.
	h.Expect(acceptEvent(2, true, emutest.LocalPort(good), 0))
	h.Cmd("AT+TEST", "\r\nOK\r\n")
}

// TestClientIDClaimedBeforeConnect: the link id named in AT+SKTCLIENT is
// the client's from the moment the command is taken: a seed accepted while
// the client's connect and handshake are under way takes another id, and
// the client still gets its own (without the claim the seed took id 1 and
// AT+SKTCLIENT answered ERROR: 13).
func TestClientIDClaimedBeforeConnect(t *testing.T) {
	h := newHarness(t, Config{})
	pool, server, _, _ := h.m.CertSlot(1)
	port := h.server(0, 2, "1", 1)

	// A TLS peer that holds the module's handshake until the seed is in.
	ln, pport := emutest.Listen(t)
	h.SendLine(fmt.Sprintf("AT+SKTCLIENT=1,2,,127.0.0.1,%d,,1", pport))
	raw := emutest.Accept(t, ln)

	// The module now waits for the peer's ServerHello; a client of the
	// module's own server arrives meanwhile.
	c := tlsDial(t, port, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	h.Expect(acceptEvent(2, true, emutest.LocalPort(c), 0))

	hs := make(chan error, 1)
	srv := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{server}})
	go func() { hs <- srv.Handshake() }()
	h.Expect("\r\nOK\r\n")
	if err := <-hs; err != nil {
		t.Fatalf("peer handshake: %v", err)
	}
	h.Cmd("AT+SKTSTATE",
		stateLine(0, "server", "ssl", "127.0.0.1", port, "0.0.0.0", 0, 0)+
			stateLine(2, "seed", "ssl", "0.0.0.0", 0, "127.0.0.1", emutest.LocalPort(c), 1)+
			stateLine(1, "client", "ssl", "0.0.0.0", 0, "127.0.0.1", pport, 2)+"\r\nOK\r\n")
}
