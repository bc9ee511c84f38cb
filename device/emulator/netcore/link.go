package netcore

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"

	"atbench/protocol"
)

// historySize is how many closed links Links keeps after they leave the
// table.
const historySize = 32

// datagram is one buffered UDP datagram of a buffering link.
type datagram struct {
	from netip.AddrPort
	data []byte
}

// link is one entry of the link table. Fields are guarded by Stack.mu
// unless noted.
type link struct {
	id      int
	role    protocol.Role
	proto   protocol.Proto
	tag     any
	parent  *link   // the server of a seed
	seeds   []*link // a server's ready seeds, in accept order
	seedIDs int     // a server's seeds take the lowest free id below this
	ready   bool    // usable: a seed after its handshake, every other link at once
	fd      int     // lwIP-style socket number; -1 once the socket is closed
	push    bool
	opts    SocketOptions  // a server's are its seeds'
	laddr   netip.AddrPort // the bound address, kept after the close
	remote  netip.AddrPort

	// the real host sockets
	ln   net.Listener
	pc   *net.UDPConn
	conn net.Conn     // *net.TCPConn or *tls.Conn
	tcp  *net.TCPConn // the TCP socket under conn
	stop context.CancelFunc

	fault *faultConn // the stream's fault layer (fault.go)

	ka       protocol.Keepalive
	state    protocol.LinkState
	bytesIn  uint64
	bytesOut uint64
	opened   time.Time
	lastRx   time.Time
	lastTx   time.Time

	// buffering (push false)
	rbuf    []byte
	dgrams  []datagram
	dbytes  int
	rxErr   error  // the reader stopped with this (io.EOF for a FIN)
	rxWhy   string // its close reason
	dataCh  chan struct{}
	spaceCh chan struct{}
	closing chan struct{} // closed when the socket is closed

	closed *protocol.Closed
	cause  error // why the network closed it, for EventClosed

	kam        kaModel             // the keepalive model's progress
	cs         *closeTrack         // the TCP close sequence, once begun
	removed    bool                // the firmware removed it; it holds its id until the sequence ends
	hostClosed bool                // the host socket is closed
	kernel     *protocol.KernelTCP // the kernel's last word, kept at the close
}

func newLink(id int, role protocol.Role, proto protocol.Proto, now time.Time) *link {
	return &link{
		id: id, role: role, proto: proto, fd: -1, opened: now, kam: kaModel{heard: now},
		dataCh: make(chan struct{}, 1), spaceCh: make(chan struct{}, 1), closing: make(chan struct{}),
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// alive reports whether the link still has an open socket.
func (l *link) alive() bool { return l.fd >= 0 }

func (l *link) buffered() int { return len(l.rbuf) + l.dbytes }

// addrPort turns a TCP or UDP address into an AddrPort with IPv4 unmapped.
func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// view is l as the firmware sees it.
func (l *link) view() View {
	v := View{
		ID: l.id, Role: l.role, Proto: l.proto, Parent: protocol.NoLink, FD: l.fd, Ready: l.ready,
		Push: l.push, Local: l.laddr, Remote: l.remote, Tag: l.tag, Buffered: l.buffered(),
		Ended: l.rxErr != nil, EndReason: l.rxWhy, Options: l.opts,
	}
	if l.parent != nil {
		v.Parent = l.parent.id
	}
	for _, s := range l.seeds {
		v.Seeds = append(v.Seeds, s.id)
	}
	if l.closed != nil {
		c := *l.closed
		v.Closed = &c
	}
	return v
}

// closeReason names why a socket read ended.
func closeReason(err error, keepalive bool) string {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "peer closed (FIN)"
	case errors.Is(err, syscall.ECONNRESET):
		return "peer reset (RST)"
	case errors.Is(err, syscall.ETIMEDOUT) && keepalive:
		return "keepalive timeout"
	}
	return "read error: " + err.Error()
}
