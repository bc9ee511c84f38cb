package inventek

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/netip"
	"time"

	"atbench/device/emulator"
	"atbench/device/emulator/netcore"
	"atbench/protocol"
	inv "atbench/protocol/inventek"
)

// socket is one of the four sockets: what P1-P8 and PK set, and what runs
// on it. Its own link (server or client) has the socket's number as id;
// a server's client is seed (normally 4+socket).
type socket struct {
	proto      int // P1
	localPort  int // P2
	remoteIP   string
	remotePort int
	backlog    int
	keep       bool
	keepMs     int
	server     bool // P5=1 or 11 runs a server
	multi      bool // P5=11
	client     bool // P6=1 runs a client
	seed       int  // the server's client, -1 when none
	udpPeer    netip.AddrPort
}

func newSocket() socket { return socket{remoteIP: "0.0.0.0", keepMs: inv.KeepDefault, seed: -1} }

// stream reports whether the socket's protocol is TCP or TCP-SSL.
func (s socket) stream() bool { return s.proto == 0 || s.proto == 3 }

// waiting reports whether the socket's server waits for a client.
func (s socket) waiting() bool { return s.server && s.stream() && s.seed < 0 }

// linkProto is the stack's transport of P1's value; UDP-Lite runs as UDP.
func linkProto(p int) protocol.Proto {
	switch p {
	case 1, 2:
		return protocol.ProtoUDP
	case 3:
		return protocol.ProtoTLS
	}
	return protocol.ProtoTCP
}

// optionsLocked are the socket options of the selected socket's TCP
// connections: PK's keepalive (idle ms, then lwIP's 9 probes 75 s apart)
// and S2's send timeout.
func (f *Firmware) optionsLocked(s socket) netcore.SocketOptions {
	o := netcore.SocketOptions{SendTimeout: time.Duration(f.s2) * time.Millisecond}
	if k := inv.KeepaliveFor(s.keep, s.keepMs); k.Enabled {
		o.KeepAlive, o.KeepIdle, o.KeepIntvl, o.KeepCnt = true, k.Idle, k.Interval, k.Count
	}
	return o
}

// selectedLocked returns the selected socket's number and a pointer to it.
func (f *Firmware) selectedLocked() (int, *socket) { return f.selected, &f.sockets[f.selected] }

// setIdle applies a setting to the selected socket unless it runs a
// server or a client (UNCONFIRMED: the module may take it for the next
// start).
func (f *Firmware) setIdle(c inv.Command, set func(s *socket)) {
	f.mu.Lock()
	_, s := f.selectedLocked()
	running := s.server || s.client
	if !running {
		set(s)
	}
	f.mu.Unlock()
	if running {
		f.fail(c.Name, inv.ErrUnknownError)
		return
	}
	f.ok(nil)
}

func (f *Firmware) cmdP0(c inv.Command) {
	f.mu.Lock()
	f.selected = c.Int(0)
	f.mu.Unlock()
	f.ok(nil)
}

func (f *Firmware) cmdP1(c inv.Command) { f.setIdle(c, func(s *socket) { s.proto = c.Int(0) }) }
func (f *Firmware) cmdP2(c inv.Command) { f.setIdle(c, func(s *socket) { s.localPort = c.Int(0) }) }
func (f *Firmware) cmdP3(c inv.Command) { f.setIdle(c, func(s *socket) { s.remoteIP = c.Args[0] }) }
func (f *Firmware) cmdP4(c inv.Command) { f.setIdle(c, func(s *socket) { s.remotePort = c.Int(0) }) }
func (f *Firmware) cmdP8(c inv.Command) { f.setIdle(c, func(s *socket) { s.backlog = c.Int(0) }) }

// cmdPK sets the keepalive of the selected socket's TCP connections; it
// applies at once to a running server (its next clients) and its client.
func (f *Firmware) cmdPK(c inv.Command) {
	f.mu.Lock()
	sock, s := f.selectedLocked()
	s.keep = c.Int(0) == 1
	if len(c.Args) > 1 {
		s.keepMs = c.Int(1)
	}
	o := f.optionsLocked(*s)
	ids := []int{}
	if s.server || s.client {
		ids = append(ids, sock)
	}
	if s.seed >= 0 {
		ids = append(ids, s.seed)
	}
	f.mu.Unlock()
	for _, id := range ids {
		if err := f.net.SetOptions(id, o); err != nil {
			f.h.Logf("inventek: PK on link %d: %v", id, err)
		}
		// SetOptions only ever turns keepalive on: PK=0 turns it off here.
		if tc, ok := f.net.TCPConn(id); ok && !o.KeepAlive {
			if err := tc.SetKeepAlive(false); err != nil {
				f.h.Logf("inventek: PK=0 on link %d: %v", id, err)
			}
		}
	}
	f.ok(nil)
}

// cmdP5 controls the selected socket's server: 1 starts it, 11 starts it
// in multi-accept mode, 10 drops its client and waits for the next, 0
// stops it and frees the port.
func (f *Firmware) cmdP5(c inv.Command) {
	f.mu.Lock()
	sock, s := f.selectedLocked()
	st := *s
	joined := f.joinedLocked()
	f.mu.Unlock()
	switch mode := c.Int(0); mode {
	case 1, 11:
		if st.server || st.client || !joined {
			f.fail(c.Name, inv.ErrUnknownError)
			return
		}
		// the client's id is free before the port listens
		f.mu.Lock()
		s.server, s.multi = true, mode == 11
		f.mu.Unlock()
		f.balance()
		if err := f.listen(sock, st); err != nil {
			f.mu.Lock()
			s.server, s.multi = false, false
			f.mu.Unlock()
			f.balance()
			f.h.Logf("inventek: P5=%d on socket %d: %v", mode, sock, err)
			f.fail(c.Name, inv.ErrUnknownError)
			return
		}
		switch {
		case !st.stream():
			f.ok(nil)
		case mode == 11:
			f.lines(inv.MultiAcceptSetup, inv.WaitingText)
		default:
			f.lines(inv.WaitingText)
		}
	case 10:
		if !st.server || !st.stream() {
			f.fail(c.Name, inv.ErrUnknownError)
			return
		}
		f.dropClient(sock, "closed by the host (P5=10)")
		f.lines(inv.WaitingText)
	case 0:
		if !st.server {
			f.ok(nil) // nothing to stop
			return
		}
		f.mu.Lock()
		s.server, s.multi, s.seed, s.udpPeer = false, false, -1, netip.AddrPort{}
		f.mu.Unlock()
		if st.seed >= 0 {
			f.remove(st.seed, "server stopped (P5=0)")
		}
		f.remove(sock, "server stopped (P5=0)")
		f.reclaim(sock)
		f.balance()
		if st.stream() {
			f.lines(inv.KilledText)
			return
		}
		f.ok(nil)
	default:
		f.invalid(c)
	}
}

// dropClient closes the selected server's client, if any, and waits for
// the next.
func (f *Firmware) dropClient(sock int, reason string) {
	f.mu.Lock()
	s := &f.sockets[sock]
	seed := s.seed
	s.seed = -1
	f.mu.Unlock()
	if seed >= 0 {
		f.remove(seed, reason)
	}
	f.balance()
}

// listen opens the server of socket sock.
func (f *Firmware) listen(sock int, st socket) error {
	f.mu.Lock()
	lo := netcore.ListenOptions{Proto: linkProto(st.proto), Port: st.localPort, Options: f.optionsLocked(st),
		SeedIDs: inv.SeedLink(inv.MaxSockets)}
	f.mu.Unlock()
	if lo.Proto == protocol.ProtoTLS {
		slot, ok := f.h.CertSlot(1)
		if !ok {
			return errors.New("no certificate in slot 1")
		}
		lo.TLS = &tls.Config{Certificates: []tls.Certificate{slot.Server}, MinVersion: tls.VersionTLS12}
	}
	if err := f.net.Listen(sock, lo); err != nil {
		f.reclaim(sock)
		return err
	}
	return nil
}

// cmdP6 starts (1) or stops (0) the selected socket's client.
func (f *Firmware) cmdP6(c inv.Command) {
	f.mu.Lock()
	sock, s := f.selectedLocked()
	st := *s
	joined := f.joinedLocked()
	o := f.optionsLocked(st)
	f.mu.Unlock()
	if c.Int(0) == 0 {
		if st.client {
			f.mu.Lock()
			s.client = false
			f.mu.Unlock()
			f.remove(sock, "closed by the host (P6=0)")
			f.reclaim(sock)
		}
		f.ok(nil)
		return
	}
	if st.server || st.client || !joined || st.remotePort == 0 {
		f.fail(c.Name, inv.ErrUnknownError)
		return
	}
	ip, err := netip.ParseAddr(st.remoteIP)
	if err != nil || !ip.Is4() {
		f.fail(c.Name, inv.ErrInvalidParam)
		return
	}
	do := netcore.DialOptions{Proto: linkProto(st.proto), Remote: netip.AddrPortFrom(ip, uint16(st.remotePort)),
		LocalPort: st.localPort, Options: o}
	if do.Proto == protocol.ProtoTLS {
		do.TLS = f.clientTLS()
	}
	err = f.net.Dial(f.h.Context(), sock, do)
	connecting := inv.ConnectingText(st.remoteIP)
	if err != nil {
		f.reclaim(sock)
		f.h.Logf("inventek: P6=1 on socket %d: %v", sock, err)
		f.print(inv.FormatError([]byte(connecting), inv.ErrUnknownError, inv.Usage(c.Name)))
		return
	}
	f.mu.Lock()
	s.client = true
	f.mu.Unlock()
	if do.Proto == protocol.ProtoUDP {
		f.ok(nil)
		return
	}
	f.lines(connecting)
}

// clientTLS verifies the server's chain against slot 1's CA, without a
// host name (the module is given an address, P3).
func (f *Firmware) clientTLS() *tls.Config {
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	if slot, ok := f.h.CertSlot(1); ok {
		pool := slot.Pool
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return emulator.VerifyChain(pool, raw, x509.ExtKeyUsageServerAuth)
		}
	}
	return cfg
}

// cmdP7 is the multi-connection control of a P5=1 server: 1 enables it,
// 2 closes the current client, 3 moves to the next (the accept is
// automatic here).
func (f *Firmware) cmdP7(c inv.Command) {
	f.mu.Lock()
	sock, s := f.selectedLocked()
	server := s.server
	f.mu.Unlock()
	if !server {
		f.fail(c.Name, inv.ErrUnknownError)
		return
	}
	if c.Int(0) == 2 {
		f.dropClient(sock, "closed by the host (P7=2)")
	}
	f.ok(nil)
}

// cmdPQuery shows the selected socket (FormatTransport).
func (f *Firmware) cmdPQuery(inv.Command) {
	f.mu.Lock()
	sock, s := f.selectedLocked()
	st := *s
	f.mu.Unlock()
	t := inv.Transport{Proto: st.proto, LocalIP: f.ip(), LocalPort: st.localPort, RemoteIP: st.remoteIP,
		RemotePort: st.remotePort, Backlog: st.backlog, KeepMillis: st.keepMs}
	if st.keep {
		t.Keepalive = 1
	}
	if st.server {
		if st.stream() {
			t.TCPServer = 1
		} else {
			t.UDPServer = 1
		}
		t.RemoteIP, t.RemotePort = "0.0.0.0", 0
		if st.multi {
			t.AcceptLoop = 1
		}
		if v, ok := f.net.Link(sock); ok && v.Local.IsValid() {
			t.LocalPort = int(v.Local.Port())
		}
		if st.seed >= 0 {
			if v, ok := f.net.Link(st.seed); ok && v.Remote.IsValid() {
				t.RemoteIP, t.RemotePort = v.Remote.Addr().String(), int(v.Remote.Port())
			}
		}
	}
	if st.client {
		if v, ok := f.net.Link(sock); ok && v.Local.IsValid() {
			t.LocalPort = int(v.Local.Port())
		}
	}
	f.lines(inv.FormatTransport(t))
}

// dataLink is the link S0, S3 and R0 act on: the selected server's client
// or the socket's own link; ok is false when there is none.
func (f *Firmware) dataLink() (id int, st socket, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sock, s := f.selectedLocked()
	switch {
	case s.server && s.stream():
		return s.seed, *s, s.seed >= 0
	case s.server || s.client:
		return sock, *s, true
	}
	return -1, *s, false
}

// remove frees link id with reason; a link whose stream had already
// ended keeps the reason it ended with.
func (f *Firmware) remove(id int, reason string) {
	if v, ok := f.net.Link(id); ok {
		f.gone(id, v)
	}
	if err := f.net.Remove(id, reason); err != nil {
		f.h.Logf("inventek: remove link %d: %v", id, err)
	}
}

// gone closes a link whose stream ended, with the reason it ended, so the
// link table shows why (a buffering link's socket stays open until then).
func (f *Firmware) gone(id int, v netcore.View) {
	if v.Alive() && v.Ended {
		_ = f.net.CloseSocket(id, v.EndReason)
	}
}

// send is S0 or S3 with its payload: the count sent, or -1 once the
// connection is gone. A UDP server answers its last sender.
func (f *Firmware) send(c inv.Command, p []byte) {
	id, st, ok := f.dataLink()
	if !ok {
		f.print(inv.FormatLost())
		return
	}
	v, live := f.net.Link(id)
	if !live || !v.Alive() || v.Ended {
		if live {
			f.gone(id, v)
		}
		f.print(inv.FormatLost())
		return
	}
	var (
		n   int
		err error
	)
	if st.server && !st.stream() {
		if !st.udpPeer.IsValid() {
			f.print(inv.FormatLost())
			return
		}
		n, err = f.net.SendTo(id, p, st.udpPeer)
	} else {
		n, err = f.net.Send(id, p)
	}
	if err != nil {
		f.h.Logf("inventek: %s on link %d: %v", c.Name, id, err)
		f.print(inv.FormatLost())
		return
	}
	f.print(inv.FormatCount(n))
}

// cmdR0 reads up to R1 bytes, waiting up to R2 ms: the raw data, nothing
// while a server waits for its client, -1 once the connection is gone.
func (f *Firmware) cmdR0(inv.Command) {
	id, st, ok := f.dataLink()
	f.mu.Lock()
	size, wait := f.r1, time.Duration(f.r2)*time.Millisecond
	f.mu.Unlock()
	switch {
	case !ok && st.server:
		f.ok(nil)
		return
	case !ok:
		f.print(inv.FormatLost())
		return
	}
	if !st.stream() {
		data, from, got, err := f.net.ReadFrom(id, size, wait)
		switch {
		case err != nil:
			f.print(inv.FormatLost())
		case !got:
			f.ok(nil)
		default:
			if st.server {
				f.mu.Lock()
				f.sockets[f.selected].udpPeer = from
				f.mu.Unlock()
			}
			f.ok(data)
		}
		return
	}
	data, err := f.net.Read(id, size, wait)
	if err != nil {
		if v, live := f.net.Link(id); live {
			f.gone(id, v)
		}
		f.print(inv.FormatLost())
		return
	}
	f.ok(data)
}

func (f *Firmware) setInt(field *int, v int) {
	f.mu.Lock()
	*field = v
	f.mu.Unlock()
	f.ok(nil)
}

func (f *Firmware) cmdS1(c inv.Command) { f.setInt(&f.s1, c.Int(0)) }
func (f *Firmware) cmdS2(c inv.Command) { f.setInt(&f.s2, c.Int(0)) }
func (f *Firmware) cmdR1(c inv.Command) { f.setInt(&f.r1, c.Int(0)) }
func (f *Firmware) cmdR2(c inv.Command) { f.setInt(&f.r2, c.Int(0)) }

func (f *Firmware) cmdRQuery(inv.Command) {
	f.mu.Lock()
	r1, r2 := f.r1, f.r2
	f.mu.Unlock()
	f.lines(inv.FormatReadSettings(r1, r2))
}
