package netcore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"atbench/protocol"
)

// ListenOptions describe a server.
type ListenOptions struct {
	Proto protocol.Proto // TCP, TLS or UDP
	Port  int
	// TLS is the server's configuration (ProtoTLS only).
	TLS *tls.Config
	// Push delivers received data as events; otherwise it waits, up to
	// Config.RecvBuffer bytes, for Read. Seeds take their server's.
	Push bool
	// Options apply to every seed.
	Options SocketOptions
	// SeedIDs bounds the ids of seeds: each takes the lowest free id
	// below it. Required for TCP and TLS.
	SeedIDs int
	// Tag is the firmware's own, shown in View.
	Tag any
}

// Listen opens a server on link id, which must be free or claimed; on
// error the id is free again. Errors wrap ErrBind, ErrInUse or
// ErrStackClosed.
func (s *Stack) Listen(id int, o ListenOptions) (err error) {
	if err := s.take(id, true); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.Release(id)
		}
	}()
	now := s.clock.Now()
	if o.Proto == protocol.ProtoUDP {
		return s.openUDP(newLink(id, protocol.RoleServer, protocol.ProtoUDP, now), o.Port, o.Push, o.Options, o.Tag)
	}
	if o.SeedIDs < 1 {
		return fmt.Errorf("netcore: listen on link %d: SeedIDs %d", id, o.SeedIDs)
	}
	if o.Proto == protocol.ProtoTLS && o.TLS == nil {
		return fmt.Errorf("netcore: listen on link %d: TLS without a configuration", id)
	}
	lc := net.ListenConfig{KeepAlive: -1} // seeds get the firmware's options, not Go's 15 s
	ln, err := lc.Listen(s.ctx, "tcp4", net.JoinHostPort(s.cfg.Addr.String(), strconv.Itoa(o.Port)))
	if err != nil {
		return fmt.Errorf("%w: tcp port %d: %w", ErrBind, o.Port, err)
	}
	l := newLink(id, protocol.RoleServer, o.Proto, now)
	l.push, l.ln, l.opts, l.state, l.tag, l.ready, l.seedIDs = o.Push, ln, o.Options, protocol.StateListen, o.Tag, true, o.SeedIDs
	l.laddr = addrPort(ln.Addr())
	ctx, stop := context.WithCancel(s.ctx)
	l.stop = stop
	var tcfg *tls.Config
	if o.Proto == protocol.ProtoTLS {
		tcfg = o.TLS
	}
	s.mu.Lock()
	err = s.registerLocked(l)
	if err == nil {
		s.goTracked(func() { s.acceptLoop(ctx, l, ln, tcfg) })
	}
	s.mu.Unlock()
	if err != nil {
		stop()
		_ = ln.Close()
		return err
	}
	return nil
}

// acceptLoop is the server task: it accepts clients into seeds that take
// the lowest free id, runs the TLS handshake, and announces the seed.
// With no free id the client is closed at once.
func (s *Stack) acceptLoop(ctx context.Context, srv *link, ln net.Listener, tcfg *tls.Config) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.emit(Event{Kind: EventRefused, ID: protocol.NoLink, Server: srv.id, Proto: srv.proto, Err: fmt.Errorf("accept: %w", err)})
			}
			return
		}
		l, err := s.reserveSeed(srv, c.(*net.TCPConn))
		if err != nil {
			s.emit(Event{Kind: EventRefused, ID: protocol.NoLink, Server: srv.id, Proto: srv.proto, Remote: addrPort(c.RemoteAddr()), Err: err})
			continue
		}
		if tcfg == nil {
			s.seat(ctx, srv, l, nil)
			continue
		}
		// A TLS handshake may stall: it must not hold up the next accept.
		// The seed already holds its id, taken in accept order.
		s.goTracked(func() { s.seat(ctx, srv, l, tcfg) })
	}
}

// reserveSeed gives an accepted connection the lowest free id, or closes
// it when there is none.
func (s *Stack) reserveSeed(srv *link, tc *net.TCPConn) (*link, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	id := s.lowestFreeLocked(srv.seedIDs)
	switch {
	case s.closed:
		err = ErrStackClosed
	case !srv.alive():
		err = ErrLinkClosed
	case id < 0:
		err = ErrNoFreeID
	}
	if err != nil {
		_ = tc.Close()
		return nil, err
	}
	l := newLink(id, protocol.RoleSeed, srv.proto, now)
	l.push, l.parent, l.opts, l.tag = srv.push, srv, srv.opts, srv.tag
	l.conn, l.tcp, l.state = tc, tc, protocol.StateEstablished
	l.ka = srv.opts.KeepaliveInForce(s.sysKA)
	l.remote, l.laddr = addrPort(tc.RemoteAddr()), addrPort(tc.LocalAddr())
	if err := s.registerLocked(l); err != nil {
		_ = tc.Close()
		return nil, err
	}
	return l, nil
}

// seat finishes an accepted seed: socket options, the TLS handshake, the
// accept event, and its reader.
func (s *Stack) seat(ctx context.Context, srv *link, l *link, tcfg *tls.Config) {
	tc := l.tcp
	if err := l.opts.apply(tc); err != nil {
		s.cfg.Logf("netcore: seed %d: set socket options: %v", l.id, err)
	}
	if tcfg != nil {
		tl := tls.Server(tc, tcfg)
		hctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		err := tl.HandshakeContext(hctx)
		cancel()
		if err != nil {
			s.mu.Lock()
			l.cause = fmt.Errorf("%w: %w", ErrHandshake, err)
			after := s.removeLocked(l, "TLS handshake failed: "+err.Error(), "", false)
			s.mu.Unlock()
			after()
			return
		}
		s.mu.Lock()
		l.conn = tl
		s.mu.Unlock()
	}
	s.mu.Lock()
	if !srv.alive() || !l.alive() {
		after := s.removeLocked(l, "server deleted", "", false)
		s.mu.Unlock()
		after()
		return
	}
	l.ready = true
	srv.seeds = append(srv.seeds, l)
	conn := l.conn
	s.mu.Unlock()
	s.emit(Event{Kind: EventAccepted, ID: l.id, Server: srv.id, Proto: l.proto, Remote: l.remote, Ready: true})
	s.goTracked(func() { s.streamReader(l, conn) })
}

// DialOptions describe a client.
type DialOptions struct {
	Proto  protocol.Proto // TCP, TLS or UDP
	Remote netip.AddrPort // the peer; a UDP client's default destination
	// LocalPort is a UDP client's source port (0: any). TCP clients take
	// an ephemeral port.
	LocalPort int
	// TLS is the client's configuration (ProtoTLS only).
	TLS *tls.Config
	// Push delivers received data as events; otherwise it waits, up to
	// Config.RecvBuffer bytes, for Read.
	Push    bool
	Options SocketOptions
	Tag     any
}

// openUDP binds a UDP socket on port for l (a server, or a client whose
// remote is set), registers l and starts its reader.
func (s *Stack) openUDP(l *link, port int, push bool, opts SocketOptions, tag any) error {
	pc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(s.cfg.Addr, uint16(port))))
	if err != nil {
		return fmt.Errorf("%w: udp port %d: %w", ErrBind, port, err)
	}
	l.push, l.pc, l.opts, l.state, l.tag, l.ready = push, pc, opts, protocol.StateBound, tag, true
	l.laddr = addrPort(pc.LocalAddr())
	s.mu.Lock()
	err = s.registerLocked(l)
	if err == nil {
		s.goTracked(func() { s.udpReader(l, pc) })
	}
	s.mu.Unlock()
	if err != nil {
		_ = pc.Close()
		return err
	}
	return nil
}

// Dial opens a client on link id, which must be free or claimed (claim it
// before any slow step so that no seed takes it meanwhile); on error the
// id is free again. It blocks for the connect and the TLS handshake,
// bounded by Config.ConnectTimeout and ctx. Errors wrap ErrConnect,
// ErrHandshake, ErrBind, ErrInUse or ErrStackClosed.
func (s *Stack) Dial(ctx context.Context, id int, o DialOptions) (err error) {
	if err := s.take(id, false); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.Release(id)
		}
	}()
	now := s.clock.Now()
	if o.Proto == protocol.ProtoUDP {
		l := newLink(id, protocol.RoleClient, protocol.ProtoUDP, now)
		l.remote = o.Remote
		return s.openUDP(l, o.LocalPort, o.Push, o.Options, o.Tag)
	}
	if o.Proto == protocol.ProtoTLS && o.TLS == nil {
		return fmt.Errorf("netcore: dial on link %d: TLS without a configuration", id)
	}
	d := net.Dialer{KeepAlive: -1}
	if !s.cfg.Addr.IsLoopback() {
		d.LocalAddr = &net.TCPAddr{IP: s.cfg.Addr.AsSlice()}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	raw, err := d.DialContext(cctx, "tcp4", o.Remote.String())
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrConnect, o.Remote, err)
	}
	tc := raw.(*net.TCPConn)
	if err := o.Options.apply(tc); err != nil {
		s.cfg.Logf("netcore: client %d: set socket options: %v", id, err)
	}
	l := newLink(id, protocol.RoleClient, o.Proto, now)
	l.push, l.opts, l.state, l.tag, l.ready, l.remote = o.Push, o.Options, protocol.StateEstablished, o.Tag, true, o.Remote
	l.conn, l.tcp, l.laddr = tc, tc, addrPort(tc.LocalAddr())
	l.ka = o.Options.KeepaliveInForce(s.sysKA)
	if o.Proto == protocol.ProtoTLS {
		tl := tls.Client(tc, o.TLS)
		if err := tl.HandshakeContext(cctx); err != nil {
			_ = tc.Close()
			return fmt.Errorf("%w: %s: %w", ErrHandshake, o.Remote, err)
		}
		l.conn = tl
	}
	conn := l.conn
	s.mu.Lock()
	err = s.registerLocked(l)
	if err == nil {
		s.goTracked(func() { s.streamReader(l, conn) })
	}
	s.mu.Unlock()
	if err != nil {
		_ = conn.Close()
		return err
	}
	return nil
}
