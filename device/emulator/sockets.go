package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

// Socket command limits and sizes of the firmware.
const (
	rxChunk        = 1460                  // one auto-receive read (one [$][SKT][DATA] frame at most)
	readSelectWait = 20 * time.Millisecond // AT+SKTREAD's select() timeout
	maxReadAlloc   = 200 << 10             // a larger AT+SKTREAD size fails its malloc: ERROR: 2
	udpMax         = 65535
	// defaultConnectTimeout bounds a client's TCP connect plus TLS
	// handshake, and a server's handshake with one client, as lwIP's SYN
	// retries and mbedTLS's handshake timeout do: a silent peer must not
	// hold the module (the AT command blocks meanwhile) or a server's
	// accepts.
	defaultConnectTimeout = 20 * time.Second
)

// Connection types of AT+SKTSERVER and AT+SKTCLIENT.
const (
	connUDP          = 0
	connTCP          = 1
	connTLS          = 2 // server: no client verification; client: no server verification
	connTLSVerify    = 3 // server: verify the client; client: verify the server
	connTLSClientCrt = 4 // client: present the client certificate
	connTLSMutual    = 5 // client: 3 and 4
)

func (a *ameba) cmdSktCfg(c rtk.Command) {
	if n := argc(c); !c.HasArgs || n < 2 || n > 8 {
		a.fail(1)
		return
	}
	field := func(i int) string {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return ""
	}
	ranges := [7][2]int{{0, 1 << 31}, {0, 1 << 31}, {0, 1}, {0, 1}, {0, 7200}, {0, 75}, {0, 10}}
	var v [7]int
	for i := range v {
		if s := field(i); s != "" {
			v[i] = atoi(s)
			if v[i] < ranges[i][0] || v[i] > ranges[i][1] {
				a.fail(1)
				return
			}
		}
	}
	a.mu.Lock()
	a.opts = rtk.SocketOptions{SndTimeo: v[0], RcvTimeo: v[1], NoDelay: v[2], KeepAlive: v[3], KeepIdle: v[4], KeepIntvl: v[5], KeepCnt: v[6]}
	a.mu.Unlock()
	a.ok()
}

func (a *ameba) cmdSktQuery(c rtk.Command) {
	if c.HasArgs {
		a.fail(1)
		return
	}
	a.mu.Lock()
	o := a.opts
	a.mu.Unlock()
	a.ok(rtk.FormatQuery(o))
}

// linkID parses a link id; ok is false when it is out of range.
func (a *ameba) linkID(s string) (int, bool) {
	id := atoi(s)
	return id, id >= 0 && id < len(a.t.links)
}

// certIndex checks a cert_index field: 1 for a bad value, 6 for an empty
// slot of the flash.
func (a *ameba) certIndex(s string) (*certSlot, int) {
	if s == "" {
		return nil, 1
	}
	i := atoi(s)
	if i < 1 || i > certSlots {
		return nil, 1
	}
	slot, ok := a.m.certs.slot(i)
	if !ok {
		return nil, 6
	}
	return slot, 0
}

func validPort(p int) bool { return p >= 1 && p <= 65535 }

func (a *ameba) cmdSktServer(c rtk.Command) {
	// <link_id>,<conn_type>,[<cert_index>],<src_port>,<auto_rcv>
	id, ct, slot, code := a.openArgs(c, 5, []int{0, 1, 3, 4}, connTLSVerify, connTLS)
	if code != 0 {
		a.fail(code)
		return
	}
	port, auto := atoi(c.Args[3]), atoi(c.Args[4])
	if !validPort(port) || (auto != 0 && auto != 1) {
		a.fail(1)
		return
	}
	if code := a.createServer(id, ct, slot, port, auto == 1); code != 0 {
		a.fail(code)
		return
	}
	a.ok()
}

// openArgs checks what AT+SKTSERVER and AT+SKTCLIENT share: exactly n
// fields with the required ones present, a free link id, a conn_type up to
// maxType, and, from conn_type certFrom on, a filled certificate slot. It
// returns the error code to print, or 0.
func (a *ameba) openArgs(c rtk.Command, n int, required []int, maxType, certFrom int) (id, ct int, slot *certSlot, code int) {
	if !c.HasArgs || len(c.Args) != n {
		return 0, 0, nil, 1
	}
	for _, i := range required {
		if c.Args[i] == "" {
			return 0, 0, nil, 1
		}
	}
	id, ok := a.linkID(c.Args[0])
	if !ok || a.inUse(id) {
		return 0, 0, nil, 1
	}
	if ct = atoi(c.Args[1]); ct < connUDP || ct > maxType {
		return 0, 0, nil, 1
	}
	if ct >= certFrom {
		if slot, code = a.certIndex(c.Args[2]); code != 0 {
			return 0, 0, nil, code
		}
	}
	return id, ct, slot, 0
}

func (a *ameba) inUse(id int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.t.links[id] != nil
}

// register puts a new link in the table with a socket number. It fails
// once Module.Close has begun.
func (a *ameba) register(l *link) bool {
	if a.closed || a.t.links[l.id] != nil {
		return false
	}
	l.fd = a.t.allocFD()
	a.t.links[l.id] = l
	return true
}

func (a *ameba) hostPort(port int) string {
	return net.JoinHostPort(a.m.host.String(), strconv.Itoa(port))
}

func (a *ameba) createServer(id, ct int, slot *certSlot, port int, auto bool) int {
	now := a.m.now()
	a.mu.Lock()
	opts, srcIP := a.opts, a.ip()
	a.mu.Unlock()
	if ct == connUDP {
		pc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a.m.host, uint16(port))))
		if err != nil {
			a.m.logf("[create_socket_server_udp] Failed to bind() to port: %d: %v", port, err)
			return 4
		}
		l := newLink(id, protocol.RoleServer, protocol.ProtoUDP, now)
		l.connType, l.autoRecv, l.pc, l.opts, l.state = ct, auto, pc, opts, protocol.StateBound
		l.srcIP, l.srcPort = srcIP, port
		a.mu.Lock()
		okReg := a.register(l)
		a.mu.Unlock()
		if !okReg {
			_ = pc.Close()
			return 4
		}
		a.m.goTracked(func() { a.udpReader(l, pc) })
		return 0
	}
	lc := net.ListenConfig{KeepAlive: -1} // accepted sockets get the module's options, not Go's 15 s
	ln, err := lc.Listen(a.m.ctx, "tcp4", a.hostPort(port))
	if err != nil {
		if ct == connTCP {
			a.m.logf("[create_socket_server_tcp] Failed to bind() to port: %d: %v", port, err)
			return 2
		}
		a.m.logf("[create_socket_server_tls] mbedtls_net_bind() failed: %v", err)
		return 11
	}
	proto := protocol.ProtoTCP
	var tcfg *tls.Config
	if ct >= connTLS {
		proto = protocol.ProtoTLS
		tcfg = &tls.Config{Certificates: []tls.Certificate{slot.server}, MinVersion: tls.VersionTLS12}
		if ct == connTLSVerify {
			tcfg.ClientAuth = tls.RequireAndVerifyClientCert
			tcfg.ClientCAs = slot.pool
		}
	}
	l := newLink(id, protocol.RoleServer, proto, now)
	l.connType, l.autoRecv, l.ln, l.opts, l.state = ct, auto, ln, opts, protocol.StateListen
	l.srcIP, l.srcPort = srcIP, port
	ctx, stop := context.WithCancel(a.m.ctx)
	l.stop = stop
	a.mu.Lock()
	okReg := a.register(l)
	a.mu.Unlock()
	if !okReg {
		stop()
		_ = ln.Close()
		return 2
	}
	a.m.goTracked(func() { a.acceptLoop(ctx, l, ln, tcfg) })
	return 0
}

// applyTCPOptions sets the AT+SKTCFG options on a new TCP socket. Go turns
// Nagle off by default, so TCP_NODELAY is set explicitly both ways.
func applyTCPOptions(c *net.TCPConn, o rtk.SocketOptions) error {
	if err := c.SetNoDelay(o.NoDelay == 1); err != nil {
		return err
	}
	if cfg, on := keepaliveConfig(o); on {
		return c.SetKeepAliveConfig(cfg)
	}
	return nil
}

// acceptLoop is the server task: it accepts clients into seeds that take
// the lowest free link id, runs the TLS handshake, and prints the accept
// event. With no free id the client is closed at once.
func (a *ameba) acceptLoop(ctx context.Context, srv *link, ln net.Listener, tcfg *tls.Config) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				a.m.logf("[socket_server_auto_rcv_client_and_data] Failed to accept(): %v", err)
			}
			return
		}
		l := a.reserveSeed(srv, c.(*net.TCPConn))
		if l == nil {
			continue
		}
		if tcfg == nil {
			a.seat(ctx, srv, l, nil)
			continue
		}
		// A TLS handshake may stall: it must not hold up the next accept.
		// The seed already holds its id, taken in accept order.
		a.m.goTracked(func() { a.seat(ctx, srv, l, tcfg) })
	}
}

// reserveSeed gives an accepted connection the lowest free link id, or
// closes it when there is none. It returns nil then.
func (a *ameba) reserveSeed(srv *link, tc *net.TCPConn) *link {
	now := a.m.now()
	a.mu.Lock()
	id := a.t.lowestFree()
	if id < 0 || !srv.alive() || a.closed {
		a.mu.Unlock()
		a.m.logf("[socket_server_auto_rcv_client_and_data] Failed to search_available_node()")
		_ = tc.Close()
		return nil
	}
	l := newLink(id, protocol.RoleSeed, srv.proto, now)
	l.connType, l.autoRecv, l.parent, l.opts = srv.connType, srv.autoRecv, srv, srv.opts
	l.conn, l.tcp, l.state = tc, tc, protocol.StateEstablished
	l.ka = keepaliveInForce(srv.opts, a.osKA)
	raddr := tc.RemoteAddr().(*net.TCPAddr)
	l.dstIP, l.dstPort = raddr.IP.String(), raddr.Port
	if !a.register(l) {
		a.mu.Unlock()
		_ = tc.Close()
		return nil
	}
	a.mu.Unlock()
	return l
}

// seat finishes an accepted seed: socket options, the TLS handshake, the
// accept event, and its reader.
func (a *ameba) seat(ctx context.Context, srv *link, l *link, tcfg *tls.Config) {
	tc := l.tcp
	if err := applyTCPOptions(tc, l.opts); err != nil {
		a.m.logf("[socket_server] set socket options: %v", err)
	}
	if tcfg != nil {
		tl := tls.Server(tc, tcfg)
		hctx, cancel := context.WithTimeout(ctx, a.m.cfg.ConnectTimeout)
		err := tl.HandshakeContext(hctx)
		cancel()
		if err != nil {
			a.m.logf("[socket_server_tls_auto_rcv_client_and_data] mbedtls_ssl_handshake() failed: %v", err)
			a.mu.Lock()
			fin := a.t.remove(l, "TLS handshake failed: "+err.Error(), a.m.now())
			a.mu.Unlock()
			fin()
			return
		}
		a.mu.Lock()
		l.conn = tl
		a.mu.Unlock()
	}
	a.mu.Lock()
	if !srv.alive() || !l.alive() {
		fin := a.t.remove(l, "server deleted", a.m.now())
		a.mu.Unlock()
		fin()
		return
	}
	l.hung = true
	srv.seeds = append(srv.seeds, l)
	conn := l.conn
	a.mu.Unlock()
	_ = a.m.print(rtk.FormatAccept(l.id, tcfg != nil, l.dstIP, l.dstPort, srv.id))
	a.m.goTracked(func() { a.streamReader(l, conn) })
}

func (a *ameba) cmdSktClient(c rtk.Command) {
	// <link_id>,<conn_type>,[<cert_index>],<dst_host>,<dst_port>,[<src_port>],<auto_rcv>
	id, ct, slot, code := a.openArgs(c, 7, []int{0, 1, 3, 4, 6}, connTLSMutual, connTLSVerify)
	if code != 0 {
		a.fail(code)
		return
	}
	if ct == connUDP && c.Args[5] == "" {
		a.fail(1)
		return
	}
	dst, err := a.resolve(c.Args[3])
	if err != nil {
		a.m.logf("[at_sktclient] Destination host '%s' not found", c.Args[3])
		a.fail(1)
		return
	}
	dport := atoi(c.Args[4])
	if !validPort(dport) {
		a.fail(1)
		return
	}
	sport := 0
	if c.Args[5] != "" {
		if sport = atoi(c.Args[5]); !validPort(sport) {
			a.fail(1)
			return
		}
	}
	auto := atoi(c.Args[6])
	if auto != 0 && auto != 1 {
		a.fail(1)
		return
	}
	if code := a.createClient(id, ct, slot, dst, dport, sport, auto == 1); code != 0 {
		a.fail(code)
		return
	}
	a.ok()
}

// resolve takes an IPv4 address or looks a name up (IPv4 only).
func (a *ameba) resolve(host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Is4() {
			return netip.Addr{}, errors.New("not IPv4")
		}
		return ip, nil
	}
	if len(host) > 255 {
		return netip.Addr{}, errors.New("name too long")
	}
	ctx, cancel := context.WithTimeout(a.m.ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}, errors.New("not found")
	}
	return ips[0].Unmap(), nil
}

func (a *ameba) createClient(id, ct int, slot *certSlot, dst netip.Addr, dport, sport int, auto bool) int {
	now := a.m.now()
	a.mu.Lock()
	opts, joined := a.opts, a.wifi.joined >= 0
	a.mu.Unlock()
	if ct == connUDP {
		pc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a.m.host, uint16(sport))))
		if err != nil {
			a.m.logf("[create_socket_client_udp] bind() to client port %d failed: %v", sport, err)
			return 4
		}
		l := newLink(id, protocol.RoleClient, protocol.ProtoUDP, now)
		l.connType, l.autoRecv, l.pc, l.opts, l.state = ct, auto, pc, opts, protocol.StateBound
		l.srcPort, l.dstIP, l.dstPort = sport, dst.String(), dport
		a.mu.Lock()
		okReg := a.register(l)
		a.mu.Unlock()
		if !okReg {
			_ = pc.Close()
			return 4
		}
		a.m.goTracked(func() { a.udpReader(l, pc) })
		return 0
	}
	connFail := 2
	if ct >= connTLS {
		connFail = 13
	}
	if !joined {
		a.m.logf("[create_socket_client] no network: Wi-Fi is not connected")
		return connFail
	}
	d := net.Dialer{KeepAlive: -1}
	if !a.m.host.IsLoopback() {
		d.LocalAddr = &net.TCPAddr{IP: a.m.host.AsSlice()}
	}
	cctx, cancel := context.WithTimeout(a.m.ctx, a.m.cfg.ConnectTimeout)
	defer cancel()
	raw, err := d.DialContext(cctx, "tcp4", net.JoinHostPort(dst.String(), strconv.Itoa(dport)))
	if err != nil {
		a.m.logf("[create_socket_client] Failed to connect to server(%s:%d): %v", dst, dport, err)
		return connFail
	}
	tc := raw.(*net.TCPConn)
	if err := applyTCPOptions(tc, opts); err != nil {
		a.m.logf("[create_socket_client] set socket options: %v", err)
	}
	l := newLink(id, protocol.RoleClient, protocol.ProtoTCP, now)
	l.connType, l.autoRecv, l.opts, l.state = ct, auto, opts, protocol.StateEstablished
	l.conn, l.tcp = tc, tc
	l.ka = keepaliveInForce(opts, a.osKA)
	l.dstIP, l.dstPort = dst.String(), dport
	if ct == connTCP {
		laddr := tc.LocalAddr().(*net.TCPAddr)
		l.srcIP, l.srcPort = laddr.IP.String(), laddr.Port
	} else {
		l.proto = protocol.ProtoTLS
		tl := tls.Client(tc, clientTLSConfig(ct, slot))
		if err := tl.HandshakeContext(cctx); err != nil {
			a.m.logf("[create_socket_client_tls] mbedtls_ssl_handshake() failed: %v", err)
			_ = tc.Close()
			return 14
		}
		l.conn = tl
	}
	l.hung = true
	conn := l.conn
	a.mu.Lock()
	okReg := a.register(l)
	a.mu.Unlock()
	if !okReg {
		_ = tc.Close()
		return connFail
	}
	a.m.goTracked(func() { a.streamReader(l, conn) })
	return 0
}

// clientTLSConfig builds the TLS client of a connection type. The firmware
// sets no host name, so verification checks the chain only.
func clientTLSConfig(ct int, slot *certSlot) *tls.Config {
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	if ct == connTLSVerify || ct == connTLSMutual {
		pool := slot.pool
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(pool, raw, x509.ExtKeyUsageServerAuth)
		}
	}
	if ct == connTLSClientCrt || ct == connTLSMutual {
		cfg.Certificates = []tls.Certificate{slot.client}
	}
	return cfg
}

// streamReader reads a TCP or TLS link. With auto_rcv=1 it prints each
// chunk as [$][SKT][DATA]; with auto_rcv=0 it fills the link's buffer for
// AT+SKTREAD and stops reading while the buffer is full. When the peer
// closes nothing is printed: an auto_rcv link just loses its socket.
func (a *ameba) streamReader(l *link, c net.Conn) {
	buf := make([]byte, rxChunk)
	for {
		n := len(buf)
		if !l.autoRecv {
			a.mu.Lock()
			n = min(n, a.m.cfg.RecvBuffer-len(l.rbuf))
			a.mu.Unlock()
			if n <= 0 {
				select {
				case <-l.spaceCh:
					continue
				case <-l.closing:
					return
				}
			}
		}
		k, err := c.Read(buf[:n])
		a.mu.Lock()
		if k > 0 {
			l.bytesIn += uint64(k)
			l.lastRx = a.m.now()
			if !l.autoRecv {
				l.rbuf = append(l.rbuf, buf[:k]...)
			}
		}
		alive := l.alive()
		if err != nil && alive {
			why := closeReason(err, l.ka.Enabled)
			if l.autoRecv {
				a.m.logf("[socket_auto_rcv] read() link %d: %s; Connection closed", l.id, why)
				fin := a.t.closeSocket(l, why, a.m.now())
				a.mu.Unlock()
				fin()
				// data read together with the close is still delivered below
				if k > 0 {
					_ = a.m.print(rtk.FormatData(l.id, buf[:k]))
				}
				return
			}
			l.rxErr, l.rxWhy = err, why
			if errors.Is(err, io.EOF) {
				l.state = protocol.StateCloseWait
			}
		}
		a.mu.Unlock()
		if k > 0 && alive {
			if l.autoRecv {
				if a.m.print(rtk.FormatData(l.id, buf[:k])) != nil {
					return
				}
			}
		}
		if k > 0 || err != nil {
			signal(l.dataCh)
		}
		if err != nil {
			return
		}
	}
}

// udpReader reads a UDP link: auto_rcv=1 prints each datagram with its
// source; auto_rcv=0 queues datagrams for AT+SKTREAD (up to RecvBuffer
// bytes, then it stops reading and the kernel queue takes over).
func (a *ameba) udpReader(l *link, pc *net.UDPConn) {
	buf := make([]byte, udpMax)
	for {
		if !l.autoRecv {
			a.mu.Lock()
			full := l.dbytes >= a.m.cfg.RecvBuffer
			a.mu.Unlock()
			if full {
				select {
				case <-l.spaceCh:
					continue
				case <-l.closing:
					return
				}
			}
		}
		k, from, err := pc.ReadFromUDP(buf)
		a.mu.Lock()
		alive := l.alive()
		if err != nil {
			if alive {
				a.m.logf("[socket_udp_auto_rcv_data] Failed to read(): %v", err)
				fin := a.t.closeSocket(l, closeReason(err, false), a.m.now())
				a.mu.Unlock()
				fin()
				return
			}
			a.mu.Unlock()
			return
		}
		l.bytesIn += uint64(k)
		l.lastRx = a.m.now()
		if !l.autoRecv {
			l.dgrams = append(l.dgrams, datagram{from: from, data: append([]byte(nil), buf[:k]...)})
			l.dbytes += k
		}
		a.mu.Unlock()
		if l.autoRecv && alive {
			ip := from.IP.String()
			if v4 := from.IP.To4(); v4 != nil {
				ip = v4.String()
			}
			if a.m.print(rtk.FormatUDPData(l.id, ip, from.Port, buf[:k])) != nil {
				return
			}
		}
		signal(l.dataCh)
	}
}

// usable returns the link a data command may use: it exists, has an open
// socket and, for a seed, finished its handshake.
func (a *ameba) usable(idField string) (*link, bool) {
	id, ok := a.linkID(idField)
	if !ok {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.t.links[id]
	if l == nil || !l.alive() || !l.hung && l.role == protocol.RoleSeed {
		return nil, false
	}
	return l, true
}

// udpDest parses a UDP server's destination fields.
func udpDest(ipField, portField string) (*net.UDPAddr, bool) {
	if ipField == "" || portField == "" || len(ipField) > 255 {
		return nil, false
	}
	port := atoi(portField)
	ip, err := netip.ParseAddr(ipField)
	if !validPort(port) || err != nil || !ip.Is4() {
		return nil, false
	}
	return net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))), true
}

// sender returns the function that sends one piece of data on l, or ok false
// for a parameter error (a TCP/TLS server, a UDP server without a valid
// destination).
func (a *ameba) sender(l *link, ipField, portField string) (func([]byte) error, bool) {
	switch {
	case l.proto == protocol.ProtoUDP && l.role == protocol.RoleServer:
		dst, ok := udpDest(ipField, portField)
		if !ok {
			return nil, false
		}
		return func(p []byte) error { return a.sendUDP(l, p, dst) }, true
	case l.proto == protocol.ProtoUDP:
		dst := &net.UDPAddr{IP: net.ParseIP(l.dstIP), Port: l.dstPort}
		return func(p []byte) error { return a.sendUDP(l, p, dst) }, true
	case l.role == protocol.RoleServer:
		a.m.logf("[at_sktsend] Please use the correct seed <link_id> for TCP/SSL server")
		return nil, false
	}
	return func(p []byte) error { return a.sendStream(l, p) }, true
}

func (a *ameba) sendUDP(l *link, p []byte, dst *net.UDPAddr) error {
	a.mu.Lock()
	pc := l.pc
	a.mu.Unlock()
	if pc == nil {
		return net.ErrClosed
	}
	if _, err := pc.WriteToUDP(p, dst); err != nil {
		return err
	}
	a.countTx(l, len(p))
	return nil
}

// sendStream writes to a TCP/TLS link. A non-zero so_sndtimeo bounds the
// write like SO_SNDTIMEO: a write that cannot finish in time fails.
func (a *ameba) sendStream(l *link, p []byte) error {
	a.mu.Lock()
	c, timeo := l.conn, l.opts.SndTimeo
	a.mu.Unlock()
	if timeo > 0 {
		_ = c.SetWriteDeadline(time.Now().Add(time.Duration(timeo) * time.Millisecond))
		defer func() { _ = c.SetWriteDeadline(time.Time{}) }()
	}
	n, err := c.Write(p)
	a.countTx(l, n)
	return err
}

func (a *ameba) countTx(l *link, n int) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	l.bytesOut += uint64(n)
	l.lastTx = a.m.now()
	a.mu.Unlock()
}

func (a *ameba) cmdSktSend(c rtk.Command) {
	if !c.HasArgs || len(c.Args) != 5 || c.Args[0] == "" || c.Args[1] == "" || c.Args[4] == "" {
		a.fail(1)
		return
	}
	l, ok := a.usable(c.Args[0])
	if !ok {
		a.fail(1)
		return
	}
	size := atoi(c.Args[1])
	if size <= 0 || size >= amebaMaxLine || size != len(c.Args[4]) {
		a.fail(1)
		return
	}
	send, ok := a.sender(l, c.Args[2], c.Args[3])
	if !ok {
		a.fail(1)
		return
	}
	if err := send([]byte(c.Args[4])); err != nil {
		a.m.logf("[atcmd_lwip_send_data] send failed on link %d: %v", l.id, err)
		a.fail(2)
		return
	}
	a.ok()
}

func (a *ameba) cmdSktSendRaw(c rtk.Command) {
	if !c.HasArgs || (len(c.Args) != 2 && len(c.Args) != 4) || c.Args[0] == "" || c.Args[1] == "" {
		a.fail(1)
		return
	}
	l, ok := a.usable(c.Args[0])
	if !ok {
		a.fail(1)
		return
	}
	size := atoi(c.Args[1])
	if size <= 0 {
		a.fail(1)
		return
	}
	ip, port := "", ""
	if len(c.Args) == 4 {
		ip, port = c.Args[2], c.Args[3]
	}
	send, ok := a.sender(l, ip, port)
	if !ok {
		a.fail(1)
		return
	}
	a.startTT(size, send, func(errNo int) {
		if errNo != 0 {
			a.fail(errNo)
			return
		}
		a.ok()
	})
}

func (a *ameba) cmdSktRead(c rtk.Command) {
	if !c.HasArgs || len(c.Args) != 2 || c.Args[0] == "" || c.Args[1] == "" {
		a.fail(1)
		return
	}
	l, ok := a.usable(c.Args[0])
	if !ok {
		a.fail(1)
		return
	}
	want := atoi(c.Args[1])
	if want <= 0 || (l.role == protocol.RoleServer && l.proto != protocol.ProtoUDP) {
		a.fail(1)
		return
	}
	if want > maxReadAlloc {
		a.fail(2)
		return
	}
	if !a.readReady(l) {
		t := time.NewTimer(readSelectWait)
		select {
		case <-l.dataCh:
		case <-t.C:
		case <-l.closing:
		case <-a.m.ctx.Done():
		}
		t.Stop()
	}
	a.mu.Lock()
	if !l.alive() {
		a.mu.Unlock()
		a.fail(4)
		return
	}
	if l.proto == protocol.ProtoUDP {
		ip, port, data := "0.0.0.0", 0, []byte(nil)
		if len(l.dgrams) > 0 {
			d := l.dgrams[0]
			l.dgrams = l.dgrams[1:]
			l.dbytes -= len(d.data)
			ip, port, data = d.from.IP.String(), d.from.Port, d.data[:min(want, len(d.data))]
			signal(l.spaceCh)
		}
		a.mu.Unlock()
		a.ok(rtk.FormatUDPRead(l.id, ip, port, data))
		return
	}
	if len(l.rbuf) == 0 && l.rxErr != nil {
		a.m.logf("[atcmd_lwip_receive_data] read() link %d: %s; Connection closed", l.id, l.rxWhy)
		fin := a.t.closeSocket(l, l.rxWhy, a.m.now())
		a.mu.Unlock()
		fin()
		a.fail(4)
		return
	}
	n := min(want, len(l.rbuf))
	data := append([]byte(nil), l.rbuf[:n]...)
	l.rbuf = append(l.rbuf[:0], l.rbuf[n:]...)
	if n > 0 {
		signal(l.spaceCh)
	}
	a.mu.Unlock()
	a.ok(rtk.FormatRead(l.id, data))
}

// readReady reports whether AT+SKTREAD can answer without waiting.
func (a *ameba) readReady(l *link) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(l.rbuf) > 0 || len(l.dgrams) > 0 || l.rxErr != nil || !l.alive()
}

// cmdSktState lists servers and clients by id, each server followed by its
// seeds in accept order; parameters are ignored, as in the firmware.
func (a *ameba) cmdSktState(rtk.Command) {
	var out []byte
	a.mu.Lock()
	for _, l := range a.t.links {
		if l == nil || l.role == protocol.RoleSeed {
			continue
		}
		out = append(out, rtk.FormatStateLine(l.stateEntry())...)
		for _, s := range l.seeds {
			out = append(out, rtk.FormatStateLine(s.stateEntry())...)
		}
	}
	a.mu.Unlock()
	a.ok(out)
}

// cmdSktDel deletes a link; a server takes its seeds with it.
func (a *ameba) cmdSktDel(c rtk.Command) {
	if !c.HasArgs || len(c.Args) != 1 || c.Args[0] == "" {
		a.fail(1)
		return
	}
	id, ok := a.linkID(c.Args[0])
	if !ok {
		a.fail(1)
		return
	}
	now := a.m.now()
	a.mu.Lock()
	l := a.t.links[id]
	if l == nil {
		a.mu.Unlock()
		a.fail(1)
		return
	}
	var fins []func()
	if l.role == protocol.RoleServer {
		for _, s := range l.seeds {
			fins = append(fins, a.t.remove(s, "server deleted", now))
		}
		l.seeds = nil
	}
	if p := l.parent; p != nil {
		for i, s := range p.seeds {
			if s == l {
				p.seeds = append(p.seeds[:i:i], p.seeds[i+1:]...)
				break
			}
		}
	}
	fins = append(fins, a.t.remove(l, "deleted (AT+SKTDEL)", now))
	a.mu.Unlock()
	for _, f := range fins {
		f()
	}
	a.ok()
}
