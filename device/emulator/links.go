package emulator

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"atbench/protocol"
	rtk "atbench/protocol/realtek"
)

// historySize is how many closed links Snapshot keeps after they leave the
// table.
const historySize = 32

// datagram is one buffered UDP datagram of an auto_rcv=0 link.
type datagram struct {
	from *net.UDPAddr
	data []byte
}

// link is one entry of the module's link table (a node of the firmware's
// node_pool). Fields are guarded by ameba.mu unless noted.
type link struct {
	id       int
	role     protocol.Role
	proto    protocol.Proto
	connType int
	parent   *link   // the server of a seed
	seeds    []*link // a server's seeds, in accept order
	hung     bool    // a seed is listed under its server (after its handshake)
	fd       int     // lwIP-style socket number; -1 once the socket is closed
	autoRecv bool

	// what the module reports (AT+SKTSTATE)
	srcIP   string
	srcPort int
	dstIP   string
	dstPort int

	// the real host sockets
	ln   net.Listener
	pc   *net.UDPConn
	conn net.Conn     // *net.TCPConn or *tls.Conn
	tcp  *net.TCPConn // the TCP socket under conn
	stop context.CancelFunc

	opts     rtk.SocketOptions // global options when the socket was made
	ka       protocol.Keepalive
	state    protocol.LinkState
	bytesIn  uint64
	bytesOut uint64
	opened   time.Time
	lastRx   time.Time
	lastTx   time.Time

	// auto_rcv=0 buffering
	rbuf    []byte
	dgrams  []datagram
	dbytes  int
	rxErr   error  // the reader stopped with this (io.EOF for a FIN)
	rxWhy   string // its close reason
	dataCh  chan struct{}
	spaceCh chan struct{}
	closing chan struct{} // closed when the socket is closed

	closed *protocol.Closed
}

func newLink(id int, role protocol.Role, proto protocol.Proto, now time.Time) *link {
	return &link{
		id: id, role: role, proto: proto, fd: -1, opened: now,
		srcIP: "0.0.0.0", dstIP: "0.0.0.0",
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

// protoWord is the protocol as AT+SKTSTATE prints it.
func (l *link) protoWord() string {
	switch l.proto {
	case protocol.ProtoUDP:
		return "udp"
	case protocol.ProtoTCP:
		return "tcp"
	}
	return "ssl"
}

func (l *link) stateEntry() rtk.StateEntry {
	return rtk.StateEntry{ID: l.id, Role: string(l.role), Proto: l.protoWord(),
		SrcIP: l.srcIP, SrcPort: l.srcPort, DstIP: l.dstIP, DstPort: l.dstPort, FD: l.fd}
}

func (l *link) buffered() int { return len(l.rbuf) + l.dbytes }

// info is the link as the workbench sees it, at now.
func (l *link) info(now time.Time, kernelTime bool) protocol.LinkInfo {
	li := protocol.LinkInfo{
		ID: l.id, Role: l.role, Proto: l.proto, Parent: protocol.NoLink,
		State: l.state, AutoRecv: l.autoRecv, BytesIn: l.bytesIn, BytesOut: l.bytesOut,
		Buffered: l.buffered(), Opened: l.opened, LastRx: l.lastRx, LastTx: l.lastTx,
		Keepalive: l.ka,
	}
	if l.parent != nil {
		li.Parent = l.parent.id
	}
	switch {
	case l.ln != nil:
		li.Local = l.ln.Addr().String()
	case l.pc != nil:
		li.Local = l.pc.LocalAddr().String()
		if l.role == protocol.RoleClient {
			li.Remote = net.JoinHostPort(l.dstIP, strconv.Itoa(l.dstPort))
		}
	case l.conn != nil:
		li.Local = l.conn.LocalAddr().String()
		li.Remote = l.conn.RemoteAddr().String()
	}
	if l.closed != nil {
		c := *l.closed
		li.Closed = &c
		li.Keepalive.ProbesSent, li.Keepalive.NextProbe, li.Keepalive.DeadAt = 0, time.Time{}, time.Time{}
		return li
	}
	if l.ka.Enabled && l.conn != nil {
		// Without the kernel's word, silence counts from the last data.
		last := l.opened
		for _, t := range []time.Time{l.lastRx, l.lastTx} {
			if t.After(last) {
				last = t
			}
		}
		k, ok := kernelKA{}, false
		if l.tcp != nil {
			k, ok = kernelKeepalive(l.tcp)
		}
		if ok && kernelTime {
			// The kernel knows better: answered probes count as traffic.
			last = now.Add(-k.heard)
		}
		li.Keepalive = keepaliveProgress(l.ka, last, now)
		if ok {
			li.Keepalive.ProbesSent = k.probes
		}
	}
	return li
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

// table is the link table with its socket numbers and history. Guarded by
// ameba.mu.
type table struct {
	links   []*link
	fds     map[int]bool
	history []protocol.LinkInfo // newest last
	// closed is told when a socket closes: the one change of the table
	// the firmware prints nothing about.
	closed func()
	// kernelTime says the module runs on the real clock, so the kernel's
	// keepalive timing (TCP_INFO) can be set against it; with an injected
	// clock the schedule is modelled from the link's data alone.
	kernelTime bool
}

func newTable(n int, closed func(), kernelTime bool) table {
	return table{links: make([]*link, n), fds: make(map[int]bool), closed: closed, kernelTime: kernelTime}
}

// lowestFree returns the lowest free link id, or -1.
func (t *table) lowestFree() int {
	for i, l := range t.links {
		if l == nil {
			return i
		}
	}
	return -1
}

// allocFD takes the lowest free socket number, as lwIP does.
func (t *table) allocFD() int {
	for fd := 0; ; fd++ {
		if !t.fds[fd] {
			t.fds[fd] = true
			return fd
		}
	}
}

// closeSocket closes l's socket with a reason; l keeps its id (a closed
// link still occupies it until AT+SKTDEL, as in the firmware). It returns a
// function that finishes a TLS close_notify, to run without the lock.
func (t *table) closeSocket(l *link, reason string, now time.Time) (finish func()) {
	if !l.alive() {
		return func() {}
	}
	delete(t.fds, l.fd)
	l.fd = -1
	l.state = protocol.StateClosed
	l.closed = &protocol.Closed{At: now, Reason: reason}
	close(l.closing)
	if t.closed != nil {
		t.closed()
	}
	if l.stop != nil {
		l.stop()
	}
	if l.ln != nil {
		_ = l.ln.Close()
	}
	if l.pc != nil {
		_ = l.pc.Close()
	}
	if l.conn != nil && l.tcp != nil && l.conn != net.Conn(l.tcp) {
		c := l.conn
		return func() { _ = c.Close() } // TLS: close_notify, then the socket
	}
	if l.conn != nil {
		_ = l.conn.Close()
	}
	return func() {}
}

// remove frees l's id and files it in the history.
func (t *table) remove(l *link, reason string, now time.Time) (finish func()) {
	finish = t.closeSocket(l, reason, now)
	if t.links[l.id] != l {
		return finish // already gone
	}
	t.links[l.id] = nil
	t.history = append(t.history, l.info(now, t.kernelTime))
	if len(t.history) > historySize {
		t.history = t.history[len(t.history)-historySize:]
	}
	return finish
}

// split returns the links holding an id, by id, and the history, newest
// first.
func (t *table) split(now time.Time) (table, history []protocol.LinkInfo) {
	for _, l := range t.links {
		if l != nil {
			table = append(table, l.info(now, t.kernelTime))
		}
	}
	for i := len(t.history) - 1; i >= 0; i-- {
		history = append(history, t.history[i])
	}
	return table, history
}
