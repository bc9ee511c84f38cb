package inventek

import (
	"strings"

	"atbench/protocol"
)

// Tracker follows what the host has told the module, as far as link facts
// depend on it: Inventek commands act on the socket P0 selected, and an
// accept or a "-1" answer does not name its socket. It is fed the
// module's answers in order; it does no I/O and reads no clock. The zero
// value is a module at power-up (socket 0 selected). Not safe for
// concurrent use.
type Tracker struct {
	selected int
	sockets  [MaxSockets]socketState
}

// socketState is one socket's settings and role as the host set them.
type socketState struct {
	proto      int // P1
	localPort  int // P2
	remoteIP   string
	remotePort int
	keep       bool
	keepMs     int
	server     bool // P5=1 or 11 answered OK
	client     bool // P6=1 answered OK
	accepted   bool // the server has a client (seed)
}

// Selected is the socket the next P, S and R commands act on.
func (t *Tracker) Selected() int { return t.selected }

// Keepalive is the keepalive PK put on socket's TCP connections.
func (t *Tracker) Keepalive(socket int) protocol.Keepalive {
	if socket < 0 || socket >= MaxSockets {
		return protocol.Keepalive{}
	}
	s := &t.sockets[socket]
	return KeepaliveFor(s.keep, s.keepMs)
}

// dataLink is the link S0, S3 and R0 act on: the accepted client of a
// server socket, or the socket itself.
func (t *Tracker) dataLink() int {
	if s := &t.sockets[t.selected]; s.server && s.accepted {
		return SeedLink(t.selected)
	}
	return t.selected
}

// Answer takes one finished command: its line (without the payload of S0
// or S3), whether it ended with OK, and its data (the bytes between the
// leading CR LF and the final "\r\nOK\r\n> "; for R0 see SplitRead). It
// returns the link facts and settings the exchange establishes. Commands
// that failed change nothing.
func (t *Tracker) Answer(line string, ok bool, data []byte) ([]protocol.LinkUpdate, []protocol.Setting) {
	if !ok {
		return nil, nil
	}
	cmd, err := ParseCommand([]byte(line))
	if err != nil {
		return nil, nil
	}
	s := &t.sockets[t.selected]
	sock := t.selected
	switch cmd.Name {
	case "P0":
		t.selected = cmd.Int(0)
	case "P1":
		s.proto = cmd.Int(0)
	case "P2":
		s.localPort = cmd.Int(0)
	case "P3":
		s.remoteIP = cmd.Args[0]
	case "P4":
		s.remotePort = cmd.Int(0)
	case "PK":
		s.keep, s.keepMs = cmd.Int(0) == 1, cmd.Int(1)
		return nil, KeepaliveSettings(sock, s.keep, s.keepMs)
	case "P5":
		return t.server(cmd.Int(0)), nil
	case "P6":
		return t.client(cmd.Int(0) == 1), nil
	case "P?":
		tr, ok := ParseTransport(firstLine(data))
		if !ok {
			return nil, nil
		}
		ups := TransportUpdates(sock, tr)
		var set []protocol.Setting
		if tr.HasKeepalive {
			s.keep, s.keepMs = tr.Keepalive == 1, tr.KeepMillis
			set = KeepaliveSettings(sock, s.keep, s.keepMs)
		}
		return ups, set
	case "S0", "S3":
		n, lost, ok := ParseCount(string(data))
		switch {
		case !ok:
			return nil, nil
		case lost:
			return []protocol.LinkUpdate{LostUpdate(t.dataLink(), line)}, nil
		case n > 0:
			return []protocol.LinkUpdate{{ID: t.dataLink(), Parent: protocol.NoLink, TxBytes: n}}, nil
		}
	case "R0":
		switch {
		case string(data) == Lost:
			return []protocol.LinkUpdate{LostUpdate(t.dataLink(), line)}, nil
		case len(data) > 0:
			return []protocol.LinkUpdate{{ID: t.dataLink(), Parent: protocol.NoLink, RxBytes: len(data)}}, nil
		}
	}
	return nil, nil
}

// server applies an accepted P5=<mode> on the selected socket.
func (t *Tracker) server(mode int) []protocol.LinkUpdate {
	sock := t.selected
	s := &t.sockets[sock]
	var ups []protocol.LinkUpdate
	if s.accepted && mode != 1 && mode != 11 {
		reason := "closed by the host (P5=10)"
		if mode == 0 {
			reason = "server stopped (P5=0)"
		}
		ups = append(ups, protocol.LinkUpdate{ID: SeedLink(sock), Gone: true, Parent: sock, Reason: reason, Cause: protocol.CauseHost})
		s.accepted = false
	}
	switch mode {
	case 1, 11:
		s.server = true
		u := protocol.LinkUpdate{ID: sock, Present: true, Role: protocol.RoleServer, Proto: protoOf(s.proto),
			Parent: protocol.NoLink, Local: hostPort("0.0.0.0", s.localPort), State: protocol.StateListen}
		if u.Proto == protocol.ProtoUDP {
			u.State = protocol.StateBound
		}
		ups = append(ups, u)
	case 0:
		if s.server {
			ups = append(ups, protocol.LinkUpdate{ID: sock, Gone: true, Parent: protocol.NoLink, Reason: "server stopped (P5=0)", Cause: protocol.CauseHost})
		}
		s.server = false
	}
	return ups
}

// client applies an accepted P6=1 or P6=0 on the selected socket.
func (t *Tracker) client(start bool) []protocol.LinkUpdate {
	sock := t.selected
	s := &t.sockets[sock]
	if !start {
		if !s.client {
			return nil
		}
		s.client = false
		return []protocol.LinkUpdate{{ID: sock, Gone: true, Parent: protocol.NoLink, Reason: "closed by the host (P6=0)", Cause: protocol.CauseHost}}
	}
	s.client = true
	u := protocol.LinkUpdate{ID: sock, Present: true, Role: protocol.RoleClient, Proto: protoOf(s.proto),
		Parent: protocol.NoLink, State: protocol.StateEstablished}
	if s.remoteIP != "" && s.remotePort != 0 {
		u.Remote = hostPort(s.remoteIP, s.remotePort)
	}
	if s.localPort != 0 {
		u.Local = hostPort("0.0.0.0", s.localPort)
	}
	if u.Proto == protocol.ProtoUDP {
		u.State = protocol.StateBound
	}
	return []protocol.LinkUpdate{u}
}

// Event takes one unsolicited line. An accept belongs to the selected
// socket if it runs a server, else to the lowest socket that does (the
// line names none).
func (t *Tracker) Event(line string) []protocol.LinkUpdate {
	a, ok := ParseAccept(line)
	if !ok {
		return nil
	}
	sock := -1
	if t.sockets[t.selected].server {
		sock = t.selected
	} else {
		for i := range t.sockets {
			if t.sockets[i].server {
				sock = i
				break
			}
		}
	}
	if sock < 0 {
		return nil
	}
	s := &t.sockets[sock]
	s.accepted = true
	return []protocol.LinkUpdate{AcceptUpdate(sock, protoOf(s.proto), a)}
}

// firstLine is the first line of an answer's data.
func firstLine(data []byte) string {
	s := string(data)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
