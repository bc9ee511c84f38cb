package netcore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"atbench/protocol"
)

// waitLimit bounds every wait for an asynchronous event in the tests.
const waitLimit = 10 * time.Second

// lab is a stack with no firmware: its events go to a channel.
type lab struct {
	t      *testing.T
	s      *Stack
	events chan Event
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{t: t, events: make(chan Event, 64)}
	s, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), RecvBuffer: 1024, Events: func(e Event) {
		e.Data = bytes.Clone(e.Data) // valid only during the call
		l.events <- e
	}})
	if err != nil {
		t.Fatal(err)
	}
	l.s = s
	t.Cleanup(s.Close)
	return l
}

// next waits for the next event of kind k, skipping others.
func (l *lab) next(k EventKind) Event {
	l.t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case e := <-l.events:
			if e.Kind == k {
				return e
			}
		case <-timeout:
			l.t.Fatalf("no event of kind %d", k)
		}
	}
}

// peerListener is a plain Go server for the stack's clients.
func peerListener(t *testing.T) (net.Listener, netip.AddrPort) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).AddrPort()
}

func readAll(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestServerAcceptDataClose drives a server with no firmware: the accept
// event with the lowest free id, data events, and the close with its
// reason, which keeps the id until Remove.
func TestServerAcceptDataClose(t *testing.T) {
	l := newLab(t)
	if err := l.s.Listen(0, ListenOptions{Proto: protocol.ProtoTCP, Push: true, SeedIDs: 8, Tag: "mine"}); err != nil {
		t.Fatal(err)
	}
	srv, ok := l.s.Link(0)
	if !ok || srv.Role != protocol.RoleServer || srv.FD != 0 || srv.Local.Port() == 0 || srv.Tag != "mine" {
		t.Fatalf("server %+v", srv)
	}
	peer, err := net.Dial("tcp4", srv.Local.String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	acc := l.next(EventAccepted)
	if acc.ID != 1 || acc.Server != 0 || acc.Remote.String() != peer.LocalAddr().String() || acc.Proto != protocol.ProtoTCP {
		t.Fatalf("accept %+v", acc)
	}
	if _, err := peer.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if d := l.next(EventData); d.ID != 1 || string(d.Data) != "hello" {
		t.Fatalf("data %+v", d)
	}
	if n, err := l.s.Send(1, []byte("world")); err != nil || n != 5 {
		t.Fatalf("Send: %d %v", n, err)
	}
	if got := readAll(t, peer, 5); string(got) != "world" {
		t.Fatalf("peer got %q", got)
	}
	if _, err := l.s.Send(0, []byte("x")); !errors.Is(err, ErrNotStream) {
		t.Fatalf("Send on a TCP server: %v", err)
	}
	srv, _ = l.s.Link(0)
	if len(srv.Seeds) != 1 || srv.Seeds[0] != 1 {
		t.Fatalf("seeds %v", srv.Seeds)
	}
	peer.Close()
	cl := l.next(EventClosed)
	if cl.ID != 1 || cl.Reason != "peer closed (FIN)" || cl.Err == nil || !cl.Ready {
		t.Fatalf("close %+v", cl)
	}
	seed, ok := l.s.Link(1)
	if !ok || seed.Alive() || seed.Closed == nil || seed.Closed.Reason != "peer closed (FIN)" {
		t.Fatalf("closed seed keeps its id: %+v", seed)
	}
	if _, err := l.s.Send(1, []byte("x")); !errors.Is(err, ErrLinkClosed) {
		t.Fatalf("Send on a closed link: %v", err)
	}
	if err := l.s.Claim(1); !errors.Is(err, ErrInUse) {
		t.Fatalf("Claim of a closed link's id: %v", err)
	}
	if err := l.s.Remove(0, "deleted"); err != nil {
		t.Fatal(err)
	}
	// The seed answered the peer's FIN with its own (LAST_ACK): it leaves
	// the table when the peer's ACK is in.
	table, hist := waitLinks(t, l.s, func(table, _ []protocol.LinkInfo) bool { return len(table) == 0 })
	byID := map[int]protocol.LinkInfo{}
	for _, h := range hist {
		byID[h.ID] = h
	}
	if len(table) != 0 || len(hist) != 2 || byID[0].Closed.Reason != "deleted" || byID[1].Closed.Reason != "peer closed (FIN)" ||
		byID[1].Close == nil || byID[1].Close.State != protocol.StateClosed || !byID[1].Close.Free {
		t.Fatalf("table %+v history %+v", table, hist)
	}
}

// TestClaimedIDIsNotTakenBySeeds: a claimed id is skipped by seeds, and
// the claim's owner gets it for its client.
func TestClaimedIDIsNotTakenBySeeds(t *testing.T) {
	l := newLab(t)
	if err := l.s.Listen(0, ListenOptions{Proto: protocol.ProtoTCP, Push: true, SeedIDs: 3}); err != nil {
		t.Fatal(err)
	}
	if err := l.s.Claim(1); err != nil {
		t.Fatal(err)
	}
	if err := l.s.Claim(1); !errors.Is(err, ErrInUse) {
		t.Fatalf("second claim: %v", err)
	}
	srv, _ := l.s.Link(0)
	a, err := net.Dial("tcp4", srv.Local.String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if e := l.next(EventAccepted); e.ID != 2 {
		t.Fatalf("seed took id %d past the claim", e.ID)
	}
	// no id left below SeedIDs: the next client is turned away
	b, err := net.Dial("tcp4", srv.Local.String())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if e := l.next(EventRefused); !errors.Is(e.Err, ErrNoFreeID) || e.Server != 0 {
		t.Fatalf("refusal %+v", e)
	}
	if _, err := l.s.ClaimLowest(3); !errors.Is(err, ErrNoFreeID) {
		t.Fatalf("ClaimLowest: %v", err)
	}
	ln, addr := peerListener(t)
	if err := l.s.Dial(context.Background(), 1, DialOptions{Proto: protocol.ProtoTCP, Remote: addr, Push: true}); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, ok := l.s.Link(1); !ok || v.Role != protocol.RoleClient || v.Remote != addr || !v.Alive() {
		t.Fatalf("client %+v", v)
	}
	l.s.Release(1) // a link holds it: no effect
	if !l.s.InUse(1) {
		t.Fatal("Release freed a link's id")
	}
}

// TestTypedErrors: failures are classified for the firmware.
func TestTypedErrors(t *testing.T) {
	l := newLab(t)
	taken, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := taken.Addr().(*net.TCPAddr).Port
	if err := l.s.Listen(0, ListenOptions{Proto: protocol.ProtoTCP, Port: port, SeedIDs: 4}); !errors.Is(err, ErrBind) {
		t.Fatalf("Listen on a port in use: %v", err)
	}
	if l.s.InUse(0) {
		t.Fatal("a failed Listen kept its id")
	}
	taken.Close()
	closed := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	if err := l.s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: closed}); !errors.Is(err, ErrConnect) {
		t.Fatalf("Dial to a closed port: %v", err)
	}
	if _, err := l.s.Send(5, nil); !errors.Is(err, ErrNoLink) {
		t.Fatalf("Send on no link: %v", err)
	}
	// a TLS client against a plain server: the handshake fails
	ln, addr := peerListener(t)
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = c.Write([]byte("not TLS\r\n\r\n"))
			c.Close()
		}
	}()
	if err := l.s.Dial(context.Background(), 2, DialOptions{Proto: protocol.ProtoTLS, Remote: addr, TLS: tlsClientConfig()}); !errors.Is(err, ErrHandshake) {
		t.Fatalf("TLS to a plain server: %v", err)
	}
	if _, err := l.s.Resolve(context.Background(), "::1"); !errors.Is(err, ErrResolve) {
		t.Fatalf("Resolve IPv6: %v", err)
	}
	l.s.Close()
	if err := l.s.Listen(3, ListenOptions{Proto: protocol.ProtoUDP}); !errors.Is(err, ErrStackClosed) {
		t.Fatalf("Listen after Close: %v", err)
	}
}

// TestBufferedStreamEnds: a buffering link keeps data for Read, and after
// the peer's FIN Read drains it, then reports ErrEnded with the reason.
func TestBufferedStreamEnds(t *testing.T) {
	l := newLab(t)
	ln, addr := peerListener(t)
	if err := l.s.Dial(context.Background(), 4, DialOptions{Proto: protocol.ProtoTCP, Remote: addr}); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if data, err := l.s.Read(4, 10, 0); err != nil || len(data) != 0 {
		t.Fatalf("Read of nothing: %q %v", data, err)
	}
	if _, err := c.Write([]byte("abcdef")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var got []byte
	for {
		data, err := l.s.Read(4, 4, waitLimit)
		got = append(got, data...)
		if errors.Is(err, ErrEnded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	v, _ := l.s.Link(4)
	if string(got) != "abcdef" || !v.Ended || v.EndReason != "peer closed (FIN)" || !v.Alive() {
		t.Fatalf("got %q, link %+v", got, v)
	}
	if err := l.s.CloseSocket(4, v.EndReason); err != nil {
		t.Fatal(err)
	}
	if e := l.next(EventClosed); e.ID != 4 || e.Reason != "peer closed (FIN)" || e.Err != nil {
		t.Fatalf("close %+v", e)
	}
}

// TestUDP: a push UDP server delivers datagrams with their source and
// sends to a destination; a buffering client queues them for ReadFrom.
func TestUDP(t *testing.T) {
	l := newLab(t)
	if err := l.s.Listen(0, ListenOptions{Proto: protocol.ProtoUDP, Push: true}); err != nil {
		t.Fatal(err)
	}
	srv, _ := l.s.Link(0)
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	paddr := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	if _, err := peer.WriteToUDPAddrPort([]byte("ping"), srv.Local); err != nil {
		t.Fatal(err)
	}
	if d := l.next(EventDatagram); d.ID != 0 || string(d.Data) != "ping" || d.Remote != paddr {
		t.Fatalf("datagram %+v", d)
	}
	if _, err := l.s.Send(0, []byte("x")); !errors.Is(err, ErrNoDest) {
		t.Fatalf("Send on a UDP server: %v", err)
	}
	if _, err := l.s.SendTo(0, []byte("pong"), paddr); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, peer, 4); string(got) != "pong" {
		t.Fatalf("peer got %q", got)
	}
	if err := l.s.Dial(context.Background(), 1, DialOptions{Proto: protocol.ProtoUDP, Remote: paddr}); err != nil {
		t.Fatal(err)
	}
	cl, _ := l.s.Link(1)
	if _, err := l.s.Send(1, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, peer, 2); string(got) != "hi" {
		t.Fatalf("peer got %q", got)
	}
	if _, err := peer.WriteToUDPAddrPort([]byte("12345"), cl.Local); err != nil {
		t.Fatal(err)
	}
	data, from, ok, err := l.s.ReadFrom(1, 3, waitLimit)
	if err != nil || !ok || string(data) != "123" || from != paddr {
		t.Fatalf("ReadFrom: %q %v %v %v", data, from, ok, err)
	}
}

// TestSetOptionsOnAnOpenLink: options set after the open reach the socket
// and the keepalive in force.
func TestSetOptionsOnAnOpenLink(t *testing.T) {
	l := newLab(t)
	ln, addr := peerListener(t)
	if err := l.s.Dial(context.Background(), 0, DialOptions{Proto: protocol.ProtoTCP, Remote: addr}); err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if table, _ := l.s.Links(); table[0].Keepalive.Enabled {
		t.Fatal("keepalive on by default")
	}
	o := SocketOptions{KeepAlive: true, KeepIdle: 30 * time.Second, KeepIntvl: 5 * time.Second, KeepCnt: 4}
	if err := l.s.SetOptions(0, o); err != nil {
		t.Fatal(err)
	}
	table, _ := l.s.Links()
	if k := table[0].Keepalive; !k.Enabled || k.Idle != 30*time.Second || k.Interval != 5*time.Second || k.Count != 4 || k.DeadAt.IsZero() {
		t.Fatalf("keepalive %+v", k)
	}
	if v, _ := l.s.Link(0); v.Options != o {
		t.Fatalf("options %+v", v.Options)
	}
	if err := l.s.SetOptions(7, o); !errors.Is(err, ErrNoLink) {
		t.Fatalf("SetOptions on no link: %v", err)
	}
}

// waitLinks polls Links until ok says yes, failing after waitLimit.
func waitLinks(t *testing.T, s *Stack, ok func(table, history []protocol.LinkInfo) bool) (table, history []protocol.LinkInfo) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		table, history = s.Links()
		if ok(table, history) {
			return table, history
		}
		if time.Now().After(deadline) {
			t.Fatalf("links never got there: table %+v history %+v", table, history)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
